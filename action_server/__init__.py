"""The action server, as `rasa run actions` starts it, obeying only the Rasa server."""
