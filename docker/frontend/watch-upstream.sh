#!/bin/sh
# nginx in the foreground, and beside it a watcher: when Docker's DNS gives ml-service a new address (its container
# was recreated), reload nginx gracefully so its upstream points at the new one. Costs one lookup every 2 s.
set -u
nginx -g 'daemon off;' &
nginx_pid=$!
trap 'kill -TERM "$nginx_pid" 2>/dev/null' TERM INT
last=$(getent hosts ml-service | awk '{print $1}')
while kill -0 "$nginx_pid" 2>/dev/null; do
  sleep 2
  now=$(getent hosts ml-service | awk '{print $1}')
  if [ -n "$now" ] && [ "$now" != "$last" ]; then
    echo "watch-upstream: ml-service moved from ${last:-nowhere} to $now; reloading nginx" >&2
    nginx -s reload && last=$now
  fi
done
wait "$nginx_pid"
