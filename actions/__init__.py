"""Custom actions, one module per capability (loaded by `rasa run actions`)."""
