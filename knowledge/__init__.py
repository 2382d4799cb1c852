"""The facts the assistant may state, loaded from the YAML files beside this module.

Each fact has one home here (clinic details, disclaimer, crisis resources, the
levels-of-care table); the actions, the REST channel and the spaCy pipeline
builder all read them through these functions. Files are read once per process:
restart the servers after editing them.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from knowledge.opening_hours import OpeningHours  # noqa: F401  (knowledge.OpeningHours, for the actions)

HERE = Path(__file__).resolve().parent
# Another centre's details, without editing the file in the repository
# (a deployment's own copy; the tests use it too).
CLINIC_FILE_ENV = "IOP_CLINIC_FILE"


def _load(name: str) -> dict:
    with open(HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    phone_e164: str
    opening_hours: OpeningHours  # when the admissions team is in (none known by default)
    timezone: str = "UTC"  # an IANA name; the staff app shows times in it
    callback_target_hours: int = 24  # the team's own target for a first call (the staff app's report)


@dataclass(frozen=True)
class Level:
    id: str
    rank: int  # 1 = least intensive
    name: str
    short: str
    summary: str
    living: Optional[str]
    schedule: Optional[str]
    suits: Optional[str]
    synonyms: Tuple[str, ...]
    # Regular expressions for the level described, not named ("you live there").
    descriptions: Tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The short name, capitalised for a button or a heading: "IOP", "Residential treatment"."""
        return self.short[0].upper() + self.short[1:]


def _prose(text: Optional[str]) -> Optional[str]:
    """A folded YAML paragraph as one line; None (the guide doesn't say) stays None."""
    return " ".join(text.split()) if text else None


@dataclass(frozen=True)
class CrisisResource:
    id: str
    label: str
    action: str
    number: str
    tel: str
    label_es: str
    action_es: str
    sms: Optional[str] = None
    url: Optional[str] = None

    def as_dict(self) -> Dict[str, str]:
        """The fields a client needs for tap-to-call/text links (unset ones left out)."""
        return {key: value for key, value in vars(self).items() if value is not None and not key.endswith("_es")}

    def line(self, language: str = "en") -> str:
        """One line of a crisis reply: "- **Call 911**: immediate danger, ..."."""
        action, label = (self.action_es, self.label_es) if language == "es" else (self.action, self.label)
        return f"- **{action}**: {label}."


@functools.lru_cache(maxsize=None)
def clinic() -> Clinic:
    override = os.environ.get(CLINIC_FILE_ENV)
    if override:
        with open(override, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    else:
        data = _load("clinic.yml")
    return Clinic(
        name=data["name"],
        phone=data["phone"],
        phone_e164=str(data["phone_e164"]),
        opening_hours=OpeningHours.from_config(
            data.get("timezone") or "UTC", data.get("opening_hours"), data.get("closed_on") or ()
        ),
        timezone=data.get("timezone") or "UTC",
        callback_target_hours=int(data.get("callback_target_hours") or 24),
    )


def clinic_slot_values() -> Dict[str, str]:
    """The clinic_* values domain responses interpolate ({clinic_phone}): slots set at session
    start (actions/session.py), and the values of replies the REST channel gives itself."""
    details = clinic()
    # A whole sentence, empty when no hours are configured (the guide gives none).
    week = details.opening_hours.describe()
    zone = datetime.now(details.opening_hours.zone).strftime("%Z")  # "PST": the clinic's clock, as people know it
    hours = f" They are available {week} ({zone})." if week else ""
    return {"clinic_name": details.name, "clinic_phone": details.phone, "clinic_hours_sentence": hours,
            "clinic_crisis_sentence": crisis_sentence()}


@functools.lru_cache(maxsize=None)
def disclaimer() -> str:
    return _load("disclaimer.yml")["text"].strip()


@functools.lru_cache(maxsize=None)
def crisis_resources() -> Tuple[CrisisResource, ...]:
    """The crisis lines, most urgent first."""
    return tuple(CrisisResource(**item) for item in _load("crisis_resources.yml")["resources"])


def crisis_lines(language: str = "en") -> str:
    """The lines of a crisis reply, one per resource ({crisis_lines} in utter_crisis)."""
    return "\n".join(resource.line(language) for resource in crisis_resources())


def crisis_payload() -> Dict[str, Any]:
    """The custom payload of a crisis reply: clients render tap-to-call and tap-to-text links from it."""
    return {"crisis": True, "resources": [resource.as_dict() for resource in crisis_resources()]}


def crisis_sentence() -> str:
    """The crisis lines in one sentence, for replies other than the crisis reply
    (an error, a bot that can't answer here): the REST channel and the Telegram bridge."""
    resources = crisis_resources()
    by_id = {resource.id: resource for resource in resources}
    return f"If you are in crisis: {by_id['lifeline'].action}. In an emergency: {by_id['emergency'].action}."


@functools.lru_cache(maxsize=None)
def levels() -> Tuple[Level, ...]:
    """All levels of care, ordered from least to most intensive."""
    rows = _load("levels_of_care.yml")["levels"]
    return tuple(
        Level(
            id=row["id"],
            rank=rank,
            name=row["name"],
            short=row["short"],
            summary=_prose(row["summary"]),
            living=_prose(row.get("living")),
            schedule=_prose(row.get("schedule")),
            suits=_prose(row.get("suits")),
            synonyms=tuple(str(s) for s in row["synonyms"]),
            descriptions=tuple(str(d) for d in row.get("described_as") or ()),
        )
        for rank, row in enumerate(rows, start=1)
    )


def normalise_term(text: str) -> str:
    """Lower-case, drop punctuation other than inner hyphens and dots, squeeze spaces."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s.\-]", " ", text)
    text = re.sub(r"(?<!\w)[.\-]|[.\-](?!\w)", " ", text)
    return " ".join(text.split())


@functools.lru_cache(maxsize=None)
def _synonym_index() -> Dict[str, Level]:
    index: Dict[str, Level] = {}
    for level in levels():
        for term in (level.id.replace("_", " "), level.short, level.name, *level.synonyms):
            index.setdefault(normalise_term(term), level)
    return index


def level_by_id(level_id: str) -> Optional[Level]:
    return next((level for level in levels() if level.id == level_id), None)


def resolve_level(mention: Optional[str]) -> Optional[Level]:
    """The level a user's words (an entity value or a level id) refer to, if any."""
    if not mention:
        return None
    by_id = level_by_id(str(mention))
    if by_id:
        return by_id
    term = normalise_term(str(mention))
    index = _synonym_index()
    if term in index:
        return index[term]
    # Plurals and trailing words ("IOPs", "rehab centers"): try without an 's'.
    if term.endswith("s") and term[:-1] in index:
        return index[term[:-1]]
    return None


def level_terms() -> List[Tuple[str, str]]:
    """(surface term, level id) pairs, for building the entity ruler."""
    return [(term, level.id) for level in levels() for term in level.synonyms]


@dataclass(frozen=True)
class TriageRow:
    when: Tuple[Tuple[str, str], ...]  # (question, answer) pairs that must all hold
    levels: Tuple[Level, ...]
    reason: str
    warn_detox_alone: bool = False

    def applies(self, answers: Dict[str, str]) -> bool:
        return all(answers.get(question) == answer for question, answer in self.when)


@functools.lru_cache(maxsize=None)
def triage_table() -> Tuple[Tuple[TriageRow, ...], TriageRow]:
    """(rows, default) from triage.yml, levels resolved against the levels table."""
    data = _load("triage.yml")

    def row(item: dict) -> TriageRow:
        levels = tuple(level_by_id(level_id) for level_id in item.get("levels", []))
        if None in levels:
            raise ValueError(f"triage.yml names an unknown level: {item['levels']}")
        return TriageRow(
            when=tuple(sorted((str(k), str(v)) for k, v in item.get("when", {}).items())),
            levels=levels,
            reason=_prose(item["reason"]),
            warn_detox_alone=bool(item.get("warn_detox_alone", False)),
        )

    unknown = {q for item in data["rows"] for q in item["when"]} - set(data["questions"])
    if unknown:
        raise ValueError(f"triage.yml rows use unknown questions: {sorted(unknown)}")
    return tuple(row(item) for item in data["rows"]), row(data["default"])
