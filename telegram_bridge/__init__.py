"""The assistant as a Telegram bot: a bridge from Telegram to the Rasa server's REST channel.

Telegram updates come in through python-telegram-bot (long polling by default,
a webhook when configured); each text goes to the same REST endpoint the
website uses (channels/rest_with_disclaimer.py), so Telegram users get the
same answers, flows and disclaimer. This package only translates: it renders
Rasa's replies as Telegram messages and inline keyboards, keeps one Rasa
conversation per private chat, and answers what Rasa can't read (stickers,
photos, voice) itself.

Modules: config (environment), rasa_client (the REST call), rendering (Rasa
replies to Telegram HTML and keyboards), texts (the bridge's own wording),
conversations (per-chat state), ordering (per-chat update order), handlers,
handoff (a staff member's words in a live handoff, polled from the Rasa
server), app (wiring and the entry point, `python -m telegram_bridge`).
"""
