"""Input channels for the Rasa server (named in credentials.yml)."""
