"""Optional two-factor login for staff: a six-digit code from an authenticator app (TOTP, RFC 6238).

A staff member enrols on the Two-factor page: the app shows a QR code (and
the secret, for typing in), and enrolment completes only when a code from
the authenticator is entered, so nobody is left with a secret their phone
doesn't have. From then on the login asks for a code after the password.
Codes are checked with `pyotp`, one 30-second step either side for clock
drift; a step already used is refused, so a code seen over a shoulder can't
be used again. An admin can turn it off for someone who lost their phone
(Users page); both are in the audit log.
"""
from __future__ import annotations

import re
import time
from typing import Optional

import pyotp
import segno
import sqlalchemy as sa

from staff_review import db

STEP_SECONDS = 30
CODE = re.compile(r"\d{6}")
ISSUER = "IOP assistant staff"


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(secret: str, username: str) -> str:
    """The enrolment QR code as an SVG data URI (the staff app's CSP allows data: images)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5)


def code_is_right(secret: str, code: str, now: Optional[float] = None) -> Optional[int]:
    """The time step `code` belongs to (this one or either neighbour), or None."""
    code = re.sub(r"\s", "", code or "")
    if not CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    step = int((now if now is not None else time.time()) // STEP_SECONDS)
    for candidate in (step, step - 1, step + 1):
        if totp.verify(code, for_time=candidate * STEP_SECONDS, valid_window=0):
            return candidate
    return None


def use_code(user_id: int, secret: str, code: str) -> bool:
    """Whether `code` is right and unused; it is then used up (atomically: two logins can't share one)."""
    step = code_is_right(secret, code)
    if step is None:
        return False
    users = db.users
    with db.engine().begin() as connection:
        used = connection.execute(
            users.update()
            .where(users.c.id == user_id, sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step))
            .values(totp_last_step=step)
        )
    return used.rowcount == 1


def enable(user_id: int, secret: str, code: str) -> bool:
    """Turn two-factor login on, if `code` comes from an authenticator holding `secret`."""
    step = code_is_right(secret, code)
    if step is None:
        return False
    with db.engine().begin() as connection:
        connection.execute(db.users.update().where(db.users.c.id == user_id).values(totp_secret=secret, totp_last_step=step))
    return True


def disable(user_id: int) -> None:
    with db.engine().begin() as connection:
        connection.execute(db.users.update().where(db.users.c.id == user_id).values(totp_secret=None, totp_last_step=None))
