"""The website chat widget: iop-chat.js and iop-chat.css, plus config.json.

The two assets are static; any web server can serve them (demo_site/ does).
config.json carries the facts the widget shows while the assistant can't be
reached, read from knowledge/ so that they have one home.
"""
from pathlib import Path
from typing import Any, Dict

import knowledge

ASSETS = Path(__file__).resolve().parent
FILES = ("iop-chat.js", "iop-chat.css")


def widget_config() -> Dict[str, Any]:
    """What the widget needs without the assistant: the centre's phone, crisis lines, the disclaimer."""
    clinic = knowledge.clinic()
    resources = knowledge.crisis_resources()
    return {
        "clinic": {"name": clinic.name, "phone": clinic.phone, "phone_e164": clinic.phone_e164},
        "crisis": [resource.as_dict() for resource in resources],
        "disclaimer": knowledge.disclaimer(),
    }
