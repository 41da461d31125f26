#!/bin/sh
# Append-only persistence, and who may connect: the ACL users in REDIS_USERS_FILE (the stack: one user per kind of
# client, the default user off; build/Stack/RedisUsers.cs), or else one password for the default user
# (REDIS_PASSWORD_FILE or REDIS_PASSWORD). Both go in through a config file on stdin, so no password shows in the
# process list or the server's environment.
set -eu
readable() { [ -r "$1" ] || { echo "redis-entrypoint: cannot read $2 ($1)" >&2; exit 1; }; }
users=${REDIS_USERS_FILE:-}
[ -z "$users" ] || readable "$users" REDIS_USERS_FILE
if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  readable "$REDIS_PASSWORD_FILE" REDIS_PASSWORD_FILE
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
  if [ -n "$users" ]; then cat "$users"
  elif [ -n "$password" ]; then echo "requirepass \"$password\""; fi
} | exec redis-server -
