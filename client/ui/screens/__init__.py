"""One screen per file; each working screen shows the sync bar and the footer."""
