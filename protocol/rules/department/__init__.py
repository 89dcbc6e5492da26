"""Rules of running the records department (budgets and spending), as pure
functions both the terminal and the server apply."""
