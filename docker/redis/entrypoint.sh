#!/bin/sh
# Append-only persistence, and a password when one is set (REDIS_PASSWORD_FILE, compose secrets; or REDIS_PASSWORD).
# The password goes in through a config file on stdin, so it never shows in the process list or the server's
# environment.
set -eu
if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  [ -r "$REDIS_PASSWORD_FILE" ] || { echo "redis-entrypoint: cannot read REDIS_PASSWORD_FILE ($REDIS_PASSWORD_FILE)" >&2; exit 1; }
  REDIS_PASSWORD=$(cat "$REDIS_PASSWORD_FILE")
fi
password=${REDIS_PASSWORD:-}
unset REDIS_PASSWORD
{
  echo "bind 0.0.0.0"
  echo "protected-mode no"
  echo "dir /data"
  echo "appendonly yes"
  echo "appendfsync everysec"
  if [ -n "$password" ]; then echo "requirepass \"$password\""; fi
} | exec redis-server -
