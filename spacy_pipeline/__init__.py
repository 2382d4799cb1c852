"""The project's spaCy pipeline, built from code (no model can be downloaded here)."""
