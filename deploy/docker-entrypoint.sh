#!/bin/sh
# Turns the secrets Compose (or Kubernetes) mounts as files under /run/secrets/ into the
# environment variables the project reads, then runs the command. A file is used only when
# its name is an environment variable's name (CONVERSATION_SECRET, ACTION_SERVER_TOKEN, ...)
# and that variable is not set already. PGPASSWORD (read by libpq, so DATABASE_URL needs no
# password in it) defaults to POSTGRES_PASSWORD.
set -eu
if [ -d /run/secrets ]; then
  for file in /run/secrets/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    case "$name" in
      *[!A-Z0-9_]* | [0-9]*) continue ;;
    esac
    if [ -z "$(printenv "$name" || true)" ]; then
      value=$(cat "$file")
      export "$name=$value"
    fi
  done
fi
if [ -z "${PGPASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD:-}" ]; then
  export PGPASSWORD="$POSTGRES_PASSWORD"
fi
exec "$@"
