"""The intent classifier chosen by measurement (README, "NLU pipeline")."""
