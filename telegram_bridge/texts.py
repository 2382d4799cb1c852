"""What the bridge says in its own words (everything else comes from Rasa).

Facts (the centre's phone, crisis lines) come from knowledge/, never typed
here. The disclaimer is not part of these texts: rendering.finish_turn ends
every turn with it, the bridge's own turns included.
"""
from __future__ import annotations

import knowledge


def _phone() -> str:
    """The phone as written, and in international form, which Telegram makes tappable."""
    clinic = knowledge.clinic()
    return f"{clinic.phone} ({clinic.phone_e164})"


def privacy_note() -> str:
    return (
        f"Welcome to the {knowledge.clinic().name} assistant on Telegram.\n\n"
        "A note on privacy: Telegram is not a private medical channel. Share only what "
        "you are comfortable with; you never need to give details to get information.\n\n"
        "Commands: /help what I can do, /callback ask our team to call you, "
        "/reset start a new conversation."
    )


def help_note() -> str:
    return (
        "Type a question in your own words, or use:\n"
        "- /callback to ask our admissions team to call you\n"
        "- /reset to start a new conversation (earlier messages are no longer used)\n"
        "- /start for the welcome and privacy note"
    )


def reset_note() -> str:
    return "I've started a new conversation: earlier messages are no longer used."


def text_only() -> str:
    return (
        "I can read text messages only, so I can't open stickers, photos, voice messages, "
        "files or locations. Please type your question."
    )


def unknown_command() -> str:
    return "I don't know that command. Type /help to see what I can do, or just ask your question."


def expired_button() -> str:
    return "This button is no longer active. Please type your answer instead."


def already_chosen() -> str:
    return "You already chose this."


def group_decline() -> str:
    return (
        "To keep what you share private, I only talk in private chats. "
        f"Please message me directly. {knowledge.crisis_sentence()}"
    )


def rasa_down() -> str:
    return (
        "Sorry, I can't answer right now. Please try again in a few minutes, or call "
        f"our admissions team at {_phone()}. {knowledge.crisis_sentence()}"
    )
