"""Exports of one conversation or a filtered set, as CSV or JSON, optionally redacted.

One row (CSV) or object (JSON) per message: conversation, session number,
time (UTC, ISO 8601), who spoke, the text, and for user messages the
predicted intent and its confidence. Slot values are not exported: the
transcript page shows them to staff, and they hold the callback details.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Dict, Iterable, List

from staff_review import redact as redaction
from staff_review.transcript import Transcript

FIELDS = ["conversation_id", "session", "time", "speaker", "text", "intent", "confidence"]
MAX_CONVERSATIONS = 5000


def rows(transcript: Transcript, names: Iterable[str] = (), redact: bool = False) -> List[Dict]:
    patterns = redaction.name_patterns([*transcript.known_names, *names]) if redact else []
    session, found = 0, []
    for item in transcript.items:
        if item.kind == "session":
            session += 1
        if item.kind not in ("user", "bot"):
            continue
        text = item.text
        if redact:
            if item.kind == "user" and item.asked_for in redaction.PERSONAL_ANSWERS and not text.startswith("/"):
                text = redaction.PERSONAL_ANSWERS[item.asked_for]
            text = redaction.redact(text, patterns)
        found.append({
            "conversation_id": transcript.conversation_id,
            "session": max(session, 1),
            "time": datetime.fromtimestamp(item.timestamp, timezone.utc).isoformat(),
            "speaker": item.kind,
            "text": text,
            "intent": item.intent if item.kind == "user" else None,
            "confidence": round(item.confidence, 4) if item.confidence is not None else None,
        })
    return found


def to_csv(all_rows: List[Dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for row in all_rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: make it text.
        if isinstance(row["text"], str) and row["text"][:1] in ("=", "+", "-", "@"):
            row = {**row, "text": "'" + row["text"]}
        writer.writerow(row)
    return buffer.getvalue()


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
