"""Exports of one conversation or a filtered set, as CSV or JSON, optionally redacted.

One row (CSV) or object (JSON) per message: conversation, session number,
time (UTC, ISO 8601), who spoke ("user", "bot", or a person from admissions
in a live handoff as "Maria (admissions team)"), the text, for user messages the predicted
intent and its confidence, and `answer_to`: the form question (slot) the
message answered, if it did (staff_review.form_answers; its intent then
means nothing). The bot's text is plain: its markdown rendered as text by
staff_review.bot_text (no "**", list items as "• item" or "1. item", links
as "label (url)"). Slot values are not exported: the transcript page shows
them to staff, and they hold the callback details.

A redacted export gives the day of each message rather than its time
(staff_review/redact.py says what it takes out of the text, which is the
text as exported: the bot's plain text), and replaces
each conversation id by a pseudonym
("conv-" and 12 hex digits, an HMAC of the id under the app's secret key):
an id is the key to a website conversation, and ids of earlier versions
(`telegram-<chat id>`) identify the person. The same conversation
gets the same pseudonym in every export made with the same key, so exports
can still be joined; the key is needed to go back.

In CSV, every text cell that starts with = + - @ or a tab or carriage return
gets a leading apostrophe, so a spreadsheet never reads it as a formula.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional

from staff_review import bot_text
from staff_review import redact as redaction
from staff_review.transcript import Transcript

FIELDS = ["conversation_id", "session", "time", "speaker", "text", "intent", "confidence", "answer_to"]
MAX_CONVERSATIONS = 5000  # a redacted export
MAX_FULL_CONVERSATIONS = 200  # a full one (an admin's, with a reason): a case, not a copy of the database
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def pseudonym(conversation_id: str, key: str) -> str:
    """A stable stand-in for a conversation id in redacted exports (keyed: not reversible without the key)."""
    digest = hmac.new(key.encode(), b"conversation:" + conversation_id.encode(), hashlib.sha256).hexdigest()
    return "conv-" + digest[:12]


def rows(transcript: Transcript, names: Iterable[str] = (), redact: bool = False,
         pseudonym_key: Optional[str] = None) -> List[Dict]:
    """One dict per message. With `redact`, a pseudonym_key is required: the conversation id is replaced."""
    if redact and not pseudonym_key:
        raise ValueError("a redacted export needs the key for conversation pseudonyms")
    label = pseudonym(transcript.conversation_id, pseudonym_key) if redact else transcript.conversation_id
    patterns = redaction.name_patterns([*transcript.known_names, *names]) if redact else []
    session, found = 0, []
    for item in transcript.items:
        if item.kind == "session":
            session += 1
        if item.kind not in ("user", "bot", "staff"):
            continue
        text = bot_text.to_plain(item.text) if item.kind == "bot" else item.text
        if redact:
            if item.kind == "user" and item.asked_for in redaction.PERSONAL_ANSWERS and not text.startswith("/"):
                text = redaction.PERSONAL_ANSWERS[item.asked_for]
            text = redaction.redact(text, patterns)
        found.append({
            "conversation_id": label,
            "session": max(session, 1),
            "time": _when(item.timestamp, redact),
            "speaker": item.speaker,
            "text": text,
            "intent": item.intent if item.kind == "user" else None,
            "confidence": round(item.confidence, 4) if item.confidence is not None else None,
            "answer_to": item.answered if item.kind == "user" else None,
        })
    return found


def _when(timestamp: float, redact: bool) -> str:
    """The message's time; in a redacted export, its day only: exact times, matched with a
    clinic's phone log or a family's memory, can point back to a person."""
    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.date().isoformat() if redact else moment.isoformat()


def to_csv(all_rows: List[Dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for row in all_rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _cell(value):
    """A spreadsheet reads a cell starting with = + - @ (or a tab or CR before one) as a formula: make it text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_json(all_rows: List[Dict], redacted: bool) -> str:
    conversations: Dict[str, List[Dict]] = {}
    for row in all_rows:
        conversations.setdefault(row["conversation_id"], []).append(
            {key: value for key, value in row.items() if key != "conversation_id"}
        )
    document = {
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "redacted": redacted,
        "conversations": [{"conversation_id": cid, "messages": messages} for cid, messages in conversations.items()],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
