"""Rasa SDK's action server, with one addition: it obeys only the Rasa server.

rasa-sdk 3.6 checks nothing: anything that can reach its port could post a
forged `action_submit_callback` and store a callback request for any
conversation, with any data, skipping the form's validation. So every call
to /webhook and /actions must carry `Authorization: Bearer
<ACTION_SERVER_TOKEN>`, which the Rasa server sends from endpoints.yml; a
call without it gets a 403 and runs nothing. /health stays open, for
readiness checks. The token comes from the environment (`make run` and the
tests make a fresh one per run); without it the server refuses to start.

Otherwise it is `rasa run actions` (same arguments, same logging), built from
rasa-sdk's own app factory:

    python -m action_server --actions actions --port 5055
"""
from __future__ import annotations

import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser
from sanic import response
from sanic.exceptions import SanicException

from channels.ownership import hide_conversation_ids_in_logs

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = {"/health"}

logger = logging.getLogger(__name__)


def token_from_env() -> str:
    token = os.environ.get(TOKEN_ENV, "")
    if len(token) < 32:
        sys.exit(f"{TOKEN_ENV} must be set to a secret of at least 32 characters (make run sets one).")
    return token


def require_token(app, token: str) -> None:
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def only_the_rasa_server(request):
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization") or ""
        if not given.isascii() or not hmac.compare_digest(given.encode(), expected):
            logger.warning("Refused a call to %s without the action server token.", request.path)
            return response.json({"error": "This server answers the Rasa server only."}, status=403)
        return None


def main() -> None:
    args = create_argument_parser().parse_args()
    token = token_from_env()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    hide_conversation_ids_in_logs()
    # Its error handler would echo the whole request body (the conversation)
    # back and into the log; answer errors with a bare 500 instead.
    app = create_app(args.actions, cors_origins=None, auto_reload=False)

    @app.exception(Exception)
    async def on_error(request, exception):
        if isinstance(exception, SanicException):  # a wrong method, a missing route: the client's mistake
            return response.json({"error": str(exception)}, status=exception.status_code)
        logger.error("An action failed: %s.", type(exception).__name__)
        return response.json({"error": "The action failed."}, status=500)

    require_token(app, token)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("Action server on http://%s:%s (Rasa server calls only)", host, args.port)
    app.run(host, int(args.port), workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
