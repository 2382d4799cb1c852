"""Clinic files for the tests that need the admissions team in: the live chat is offered only
during opening hours (knowledge/opening_hours.py), and the clinic file has none by default."""
from pathlib import Path

import yaml

from tests.servers import ROOT

EVERY_DAY = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def open_around_the_clock(directory: Path, **changes) -> Path:
    """knowledge/clinic.yml with the team in at every moment of every day (and `changes`), written
    to `directory`: its path, for IOP_CLINIC_FILE."""
    clinic = yaml.safe_load((ROOT / "knowledge" / "clinic.yml").read_text())
    clinic.update(opening_hours={day: "00:00-24:00" for day in EVERY_DAY}, closed_on=[], **changes)
    path = Path(directory) / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic))
    return path
