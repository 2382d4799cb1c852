"""A demo of the centre's website with the chat widget embedded (`make run`: http://localhost:8000)."""
