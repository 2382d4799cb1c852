"""Serve the staff review app: `python -m staff_review` (http://127.0.0.1:8001 by default).

Upgrades the database schema, creates the first admin if there is none
(see staff_review.users.ensure_first_admin; --no-bootstrap when the caller
has done it already), indexes new conversations, then serves with waitress,
a production WSGI server. It listens on loopback unless STAFF_HOST says
otherwise: put it behind an HTTPS proxy (and set STAFF_TRUSTED_PROXY) before
exposing it. Waitress logs no requests, so no URL (which may hold a search)
reaches a log.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("STAFF_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("STAFF_PORT", "8001")))
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-bootstrap", action="store_true", help="don't create or prompt for the first admin")
    return parser.parse_args(argv)


def proxy_options(proxy: Optional[str]) -> Dict[str, object]:
    """Waitress settings for one trusted reverse proxy (STAFF_TRUSTED_PROXY), or none.

    The proxy's X-Forwarded-For gives the client's address (the login rate
    limit and the audit log need it: otherwise every login seems to come from
    the proxy, and 20 failures lock out all staff), X-Forwarded-Host the host
    the browser asked for, X-Forwarded-Proto whether it was HTTPS (the Secure
    cookie flag). Only the last hop, the proxy itself, is believed; the same
    headers from anyone else are dropped."""
    if not proxy:
        return {}
    return dict(trusted_proxy=proxy, trusted_proxy_count=1,
                trusted_proxy_headers={"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"},
                clear_untrusted_proxy_headers=True)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)

    from waitress import serve

    from staff_review import create_app, sync
    from staff_review.users import ensure_first_admin
    from storage.migrate import upgrade

    upgrade()
    if not args.no_bootstrap:
        ensure_first_admin()
    sync.sync()
    app = create_app()
    options = proxy_options(os.environ.get("STAFF_TRUSTED_PROXY"))
    print(f"Staff review app on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="staff-review", **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
