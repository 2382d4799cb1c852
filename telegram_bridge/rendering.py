"""Rasa's replies as Telegram messages: HTML text, inline keyboards, the disclaimer last.

Parse mode is HTML: every piece of text is escaped with html.escape before
the few tags this module adds, so nothing a reply contains (a name typed by
the user and echoed in a summary, "<", "&") can break a message or inject
formatting. The small Markdown subset the assistant writes is translated:
**bold** becomes <b>, "- " list items become "•" bullets; numbered lists
stay as they are.

The disclaimer: the REST channel ends each Rasa turn with it, and marks the
message that carries it with a `disclaimer` field holding its text. Here it
is taken off that message and put back, in italics, on the last Telegram
message, so it ends the turn exactly once even when a long text is split.
Turns without the field (the bridge's own: help, "text only", Rasa down) get
knowledge.disclaimer() the same way. Nothing is sent to Telegram except
through finish_turn and staff_message.

During a live handoff (docs/handoff.md) the bridge also shows what the Rasa
server's handoff poll gives it: the assistant's messages through finish_turn
(a group of them ends with the disclaimer only if one carries the field: the
join message does, a staff member's words don't), and a staff member's words
through staff_message, marked as a person's ("Maria (admissions team): ...")
and shown exactly as typed, escaped, with no Markdown read into them.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import knowledge

TELEGRAM_MAX_CHARS = 4096  # visible characters per message
BOLD = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
SHORT_TITLE = 14  # characters; shorter button titles share a row
CHOOSE = "Please choose:"  # Telegram needs text under buttons that came without any


@dataclass(frozen=True)
class Button:
    title: str
    payload: Optional[str] = None  # sent to Rasa when pressed
    url: Optional[str] = None  # opened by the Telegram app instead


@dataclass
class Outgoing:
    html: str
    plain: str  # the same without markup: sent if Telegram ever rejects the HTML
    rows: List[List[Button]] = field(default_factory=list)


def to_html(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = BOLD.sub(r"<b>\1</b>", escaped)
    return re.sub(r"(?m)^- ", "• ", escaped)


def to_plain(text: str) -> str:
    return re.sub(r"(?m)^- ", "• ", BOLD.sub(r"\1", text))


def split_text(text: str, limit: int) -> List[str]:
    """Pieces of at most `limit` characters, cut between paragraphs, else lines, else anywhere."""
    pieces: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    pieces.append(text)
    return pieces


def layout(buttons: List[Button]) -> List[List[Button]]:
    """Short titles (Yes / No / Not sure) side by side, longer ones one per row."""
    if any(len(button.title) > SHORT_TITLE for button in buttons):
        per_row = 1
    else:
        per_row = 2 if len(buttons) == 4 else 3
    return [buttons[start : start + per_row] for start in range(0, len(buttons), per_row)]


def crisis_extras(custom: Dict[str, Any]) -> Tuple[str, List[List[Button]]]:
    """(a line of tappable numbers, link buttons) for a crisis reply's resources.

    Telegram makes numbers tappable only in full international form, and bots
    may not send tel: links or buttons, so the resources with an E.164 number
    are listed that way; short codes (911, 988) are already in the text, bold.
    A resource with a web address gets a button that opens it.
    """
    resources = [item for item in custom.get("resources", []) if isinstance(item, dict)]
    numbers = [item["tel"] for item in resources if str(item.get("tel", "")).startswith("+")]
    line = f"Tap to call: {' · '.join(numbers)}" if numbers else ""
    links = [
        [Button(title=f"Open {urlsplit(item['url']).netloc}", url=item["url"])]
        for item in resources
        if str(item.get("url", "")).startswith("https://")
    ]
    return line, links


def finish_turn(turn: List[Dict[str, Any]], default_disclaimer: bool = True) -> List[Outgoing]:
    """A whole bot turn as Telegram messages, the last one ending with the disclaimer.

    With default_disclaimer=False (messages from the handoff poll), a turn none
    of whose messages carries the `disclaimer` field gets none: the server
    marks the bubble a disclaimer ends.
    """
    marked = [message for message in turn if isinstance(message.get("disclaimer"), str) and message["disclaimer"].strip()]
    disclaimer = marked[-1]["disclaimer"].strip() if marked else knowledge.disclaimer()
    if not marked and not default_disclaimer:
        disclaimer = ""
    messages = [message for message in turn if message.get("text") or message.get("buttons") or message.get("custom")]
    outgoing: List[Outgoing] = []
    for message in messages:
        text = (message.get("text") or "").strip()
        if (message.get("disclaimer") or "").strip() == disclaimer and text.endswith(disclaimer):
            text = text[: -len(disclaimer)].rstrip()  # the REST channel's, shown once below
        buttons = [
            Button(title=str(button["title"]), payload=str(button["payload"]))
            for button in message.get("buttons") or []
            if button.get("title") and button.get("payload")
        ]
        rows: List[List[Button]] = []
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("crisis"):
            line, rows = crisis_extras(custom)
            text = f"{text}\n\n{line}" if line else text
        rows += layout(buttons)
        if not text and not rows:
            continue
        pieces = split_text(text or CHOOSE, TELEGRAM_MAX_CHARS - len(disclaimer) - 2)
        outgoing += [Outgoing(to_html(piece), to_plain(piece)) for piece in pieces]
        outgoing[-1].rows = rows
    if not disclaimer:
        return outgoing
    if not outgoing:
        return [Outgoing(f"<i>{html.escape(disclaimer, quote=False)}</i>", disclaimer)]
    last = outgoing[-1]
    last.html += f"\n\n<i>{html.escape(disclaimer, quote=False)}</i>"
    last.plain += f"\n\n{disclaimer}"
    return outgoing


def own_turn(*texts: str) -> List[Outgoing]:
    """A turn in the bridge's own words (texts.py), one message per text."""
    return finish_turn([{"text": text} for text in texts])


STAFF_FALLBACK_NAME = "Admissions team"


def staff_message(staff_name: Optional[str], text: str) -> List[Outgoing]:
    """A staff member's message in a live handoff, marked as a person's: "<b>Maria (admissions team):</b> text".

    The text is shown as typed (escaped, no Markdown), without the disclaimer:
    the join message carried it once.
    """
    name = (staff_name or "").strip()
    label = f"{name} (admissions team):" if name else f"{STAFF_FALLBACK_NAME}:"
    text = text.strip()
    pieces = split_text(text, TELEGRAM_MAX_CHARS - len(label) - 1) if text else [""]
    outgoing = []
    for number, piece in enumerate(pieces):
        prefix = label if number == 0 else f"{label[:-1]}, continued:"
        outgoing.append(
            Outgoing(
                f"<b>{html.escape(prefix, quote=False)}</b> {html.escape(piece, quote=False)}".rstrip(),
                f"{prefix} {piece}".rstrip(),
            )
        )
    return outgoing
