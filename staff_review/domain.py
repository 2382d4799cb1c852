"""The assistant's intents, from domain.yml: the choices for "this message meant ..."."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List

import yaml

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
NOT_TRAINABLE = {"nlu_fallback"}


def intents() -> List[str]:
    path = Path(os.environ.get("STAFF_DOMAIN_FILE") or DOMAIN)
    document = yaml.safe_load(path.read_text()) or {}
    names = [next(iter(i)) if isinstance(i, dict) else str(i) for i in document.get("intents") or []]
    return sorted(name for name in names if name not in NOT_TRAINABLE)
