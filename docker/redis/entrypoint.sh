#!/bin/sh
# Append-only persistence, and a password when one is set. The password goes in through a config file on
# stdin, so it never shows in the process list.
set -eu
{
  echo "bind 0.0.0.0"
  echo "protected-mode no"
  echo "dir /data"
  echo "appendonly yes"
  echo "appendfsync everysec"
  if [ -n "${REDIS_PASSWORD:-}" ]; then echo "requirepass \"$REDIS_PASSWORD\""; fi
} | exec redis-server -
