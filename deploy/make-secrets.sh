#!/bin/sh
# Creates deploy/secrets/<NAME> for every random secret compose.yaml mounts, 0600, without
# overwriting one that exists (replacing CONVERSATION_SECRET ends every open website
# conversation's token; replacing POSTGRES_PASSWORD needs ALTER ROLE in the database too).
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets/tls
for name in POSTGRES_PASSWORD REDIS_PASSWORD CONVERSATION_SECRET ACTION_SERVER_TOKEN \
            BRIDGE_SECRET STAFF_SECRET_KEY STAFF_ADMIN_PASSWORD; do
  if [ ! -s "secrets/$name" ]; then
    # 32 random bytes as 64 hex digits: URL-safe (no escaping in DATABASE_URL), and longer
    # than the 32 characters the servers require.
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "secrets/$name"
    echo "made secrets/$name"
  fi
done
[ -e secrets/TELEGRAM_BOT_TOKEN ] || : > secrets/TELEGRAM_BOT_TOKEN
for file in secrets/tls/fullchain.pem secrets/tls/privkey.pem; do
  [ -s "$file" ] || echo "missing $file: put the TLS certificate chain and its key there (README.md, TLS)"
done
echo "STAFF_ADMIN_PASSWORD is in secrets/STAFF_ADMIN_PASSWORD (the first admin, STAFF_ADMIN_USER in .env)."
