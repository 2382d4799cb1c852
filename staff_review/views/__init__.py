"""The app's pages, one blueprint per area: conversations (list, transcript, actions,
exports), callbacks (the live queue: take, log calls), handoffs (live chat: presence, chat
name, take over, the chat page, send, hand back), search (one box for requests and
conversations), corrections, dashboard, reports (response times), alerts (where an alert's
link lands), admin (users, audit log)."""
