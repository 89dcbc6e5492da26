"""Extracts for research and statistics: Safe Harbor de-identification (free
text included) and limited data sets under a data-use agreement."""
