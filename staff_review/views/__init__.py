"""The app's pages, one blueprint per area: conversations (list, transcript, actions,
exports), callbacks, corrections, dashboard, admin (users, audit log)."""
