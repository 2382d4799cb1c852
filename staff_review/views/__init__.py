"""The app's pages, one blueprint per area: conversations (list, transcript, actions,
exports), callbacks (the live queue: take, log calls), search (one box for requests and
conversations), corrections, dashboard, reports (response times), alerts (where an alert's
link lands), admin (users, audit log)."""
