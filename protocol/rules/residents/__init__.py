"""Residents' stays and what follows from them: census and bed state, the stay
commands' transitions, census statistics for a period, and the MDS schedule."""
