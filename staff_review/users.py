"""Staff accounts: argon2-hashed passwords, two roles, and the command line that manages them.

    python -m staff_review.users create [--role admin|reviewer] NAME   # asks for the password
    python -m staff_review.users create NAME --password-stdin < file     # for scripts
    python -m staff_review.users list | disable NAME | enable NAME | set-password NAME
    python -m staff_review.users ensure-admin   # make run's first-admin step (below)

Accounts are made here, never by sign-up: the app shows health information.
Admins manage users and read the audit log; reviewers do everything else
(admins can too).
"""
from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from datetime import datetime, timezone
from typing import List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from staff_review import db

ROLES = ("admin", "reviewer")
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")

hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters
# Verified when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = hasher.hash("not a real password")


class UserError(ValueError):
    """A request the user store refuses, with a message for the person."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(username: str, password: str, role: str = "reviewer", engine: Optional[Engine] = None) -> int:
    if not USERNAME.match(username):
        raise UserError("A username is 2-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise UserError(f"The role is one of {', '.join(ROLES)}.")
    check_new_password(password)
    try:
        with (engine or db.engine()).begin() as connection:
            return connection.execute(
                db.users.insert().values(
                    username=username, password_hash=hasher.hash(password), role=role, active=True,
                    created_at=datetime.now(timezone.utc),
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise UserError(f"There is already a user called {username}.") from None


def exists(username: str, engine: Optional[Engine] = None) -> bool:
    engine = engine or db.engine()
    with engine.connect() as connection:
        return connection.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).first() is not None


def authenticate(username: str, password: str, engine: Optional[Engine] = None):
    """The active user with this name and password, or None (in about the same time either way)."""
    engine = engine or db.engine()
    with engine.connect() as connection:
        user = connection.execute(sa.select(db.users).where(db.users.c.username == username)).first()
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    values = {"last_login_at": datetime.now(timezone.utc)}
    if hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = hasher.hash(password)
    with engine.begin() as connection:
        connection.execute(db.users.update().where(db.users.c.id == user.id).values(**values))
    return user


def update_user(
    username: str, *, role: Optional[str] = None, active: Optional[bool] = None, password: Optional[str] = None,
    two_factor_off: bool = False, engine: Optional[Engine] = None,
) -> None:
    values = {}
    if two_factor_off:  # the user lost their authenticator: password only, until they enrol again
        values.update(totp_secret=None, totp_last_step=None)
    if role is not None:
        if role not in ROLES:
            raise UserError(f"The role is one of {', '.join(ROLES)}.")
        values["role"] = role
    if active is not None:
        values["active"] = active
    if password is not None:
        check_new_password(password)
        values["password_hash"] = hasher.hash(password)
    with (engine or db.engine()).begin() as connection:
        user = connection.execute(sa.select(db.users).where(db.users.c.username == username)).first()
        if user is None:
            raise UserError(f"No user called {username}.")
        if user.role == "admin" and (values.get("role") == "reviewer" or values.get("active") is False):
            admins = connection.execute(
                sa.select(sa.func.count()).select_from(db.users).where(db.users.c.role == "admin", db.users.c.active.is_(True))
            ).scalar()
            if admins <= 1:
                raise UserError("That is the last active admin: make another admin first.")
        connection.execute(db.users.update().where(db.users.c.id == user.id).values(**values))
        if values.get("active") is False or "password_hash" in values:
            # Ends the user's open sessions at once.
            connection.execute(db.sessions.delete().where(db.sessions.c.user_id == user.id))


def all_users(engine: Optional[Engine] = None) -> List:
    with (engine or db.engine()).connect() as connection:
        return list(connection.execute(sa.select(db.users).order_by(db.users.c.username)))


def has_admin(engine: Optional[Engine] = None) -> bool:
    with (engine or db.engine()).connect() as connection:
        return bool(
            connection.execute(
                sa.select(db.users.c.id).where(db.users.c.role == "admin", db.users.c.active.is_(True)).limit(1)
            ).first()
        )


HOW_TO_CREATE = (
    "No staff account exists yet. Create the first admin with\n"
    "    make staff-user NAME=yourname ROLE=admin\n"
    "or start with STAFF_ADMIN_USER and STAFF_ADMIN_PASSWORD set."
)


def ensure_first_admin(interactive: Optional[bool] = None, engine: Optional[Engine] = None) -> Optional[str]:
    """Create the first admin if there is none: from STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD,
    else by asking (only when a terminal is attached), else say how. Returns the name created."""
    if has_admin(engine):
        return None
    username, password = os.environ.get("STAFF_ADMIN_USER"), os.environ.get("STAFF_ADMIN_PASSWORD")
    if username and password:
        create_user(username, password, "admin", engine)
        print(f"Created the staff admin account {username} (from STAFF_ADMIN_USER).", flush=True)
        return username
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        print(HOW_TO_CREATE, flush=True)
        return None
    print("No staff account exists yet: create the first admin (empty name to skip).")
    while True:
        username = input("Admin username: ").strip()
        if not username:
            print(HOW_TO_CREATE, flush=True)
            return None
        try:
            create_user(username, _ask_password(), "admin", engine)
        except UserError as problem:
            print(problem)
            continue
        print(f"Created the staff admin account {username}.")
        return username


def _ask_password() -> str:
    while True:
        password = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
        if getpass.getpass("Again: ") == password:
            return password
        print("The two passwords differ; try again.")


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return _ask_password()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Manage the staff review app's accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="reviewer")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    setpw = commands.add_parser("set-password", help="set a new password (ends the user's sessions)")
    setpw.add_argument("username")
    setpw.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        commands.add_parser(name, help=f"{name} an account").add_argument("username")
    commands.add_parser("list", help="list the accounts")
    commands.add_parser("ensure-admin", help="create the first admin if there is none")
    args = parser.parse_args(argv)

    from storage.migrate import upgrade

    upgrade()
    try:
        if args.command == "create":
            create_user(args.username, _password(args), args.role)
            print(f"Created {args.role} {args.username}.")
        elif args.command == "set-password":
            update_user(args.username, password=_password(args))
            print(f"New password set for {args.username}.")
        elif args.command in ("disable", "enable"):
            update_user(args.username, active=args.command == "enable")
            print(f"{args.username} {args.command}d.")
        elif args.command == "list":
            for user in all_users():
                state = "active" if user.active else "disabled"
                print(f"{user.username:24} {user.role:9} {state}")
        else:
            ensure_first_admin()
    except UserError as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
