"""Custom actions, one module per capability (loaded by the action server: python -m action_server)."""
