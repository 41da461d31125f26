#!/bin/sh
# The edge's own commands (the build runs the last two with docker exec):
#   edge start                 two nginx: the front on the published port (front.conf, never reloaded) and the router
#                              behind it (nginx.conf); beside them a watcher that reloads the router (gracefully) when
#                              an upstream's name moves to a new address: nginx 1.22 resolves them only at (re)load.
#   edge route NAME HOST:PORT… point upstream NAME at those servers; tested, then a graceful reload that returns
#                              when the old workers have finished their requests (the drain at the edge)
#   edge reload                apply /etc/mlstack/edge/site.conf (the release's routes); tested, then a graceful reload
# A change nginx -t refuses is undone and reported (exit 1): the running config keeps serving.
# The root filesystem is read-only (stack/compose.yaml): /tmp/nginx and /tmp/edge are tmpfs, and every nginx run is
# given `-e stderr`, or it would first try to open its built-in error log under /var/log/nginx and complain.
set -u
state=/tmp/edge
site_source=/etc/mlstack/edge/site.conf

upstream() { # NAME SERVER…: one upstream block; keepalive connections to the app are worth ~2.5x the requests/s
  name=$1; shift
  echo "upstream $name {"
  # A canary's weights: random, not round robin, which sends the canary every n-th request, and so always the same
  # kind of request from a client that alternates them (a health checker, a probe).
  case "$*" in *weight=*) echo "    random;" ;; esac
  for server in "$@"; do echo "    server $server;"; done
  echo "    keepalive 32;"
  echo "}"
}

apply() { # FILE NEW: replace FILE by NEW if nginx accepts the result, else put FILE back; the same again: nothing
  if cmp -s "$1" "$2"; then rm -f "$2"; return 0; fi
  cp -p "$1" "$1.before" 2>/dev/null || : > "$1.before"
  mv -f "$2" "$1"
  if ! nginx -e stderr -t -q 2>"$state/test.log"; then
    mv -f "$1.before" "$1"
    echo "edge: nginx refused the change; the running config stays:" >&2
    cat "$state/test.log" >&2
    return 1
  fi
  rm -f "$1.before"
  before=$(workers)
  nginx -e stderr -s reload
  # Return once the workers that served the old config have exited: they finish their in-flight requests first
  # (worker_shutdown_timeout caps it), so after this no request reaches what the old config routed to.
  tries=0
  while [ $tries -lt 400 ]; do
    alive=
    for pid in $before; do [ -d "/proc/$pid" ] && alive=1; done
    [ -z "$alive" ] && return 0
    tries=$((tries + 1))
    sleep 0.1
  done
  echo "edge: old nginx workers still running after 40 s" >&2
  return 1
}

workers() { # the pids of the router's worker processes (the front's stay)
  master=$(cat /tmp/nginx/nginx.pid 2>/dev/null) || return 0
  for dir in /proc/[0-9]*; do
    [ "$(awk '/^PPid:/ {print $2}' "$dir/status" 2>/dev/null)" = "$master" ] && echo "${dir#/proc/}"
  done
}

addresses() { # every address every upstream server name resolves to, in one line
  sed -n 's/^ *server \([^:;]*\).*/\1/p' "$state"/upstreams/*.conf 2>/dev/null | sort -u | while read -r host; do
    getent ahostsv4 "$host" | awk '{print $1}' | sort -u | tr '\n' ' '
  done
}

case "${1:-}" in
  start)
    # /tmp/nginx is a fresh tmpfs: nginx creates its temp directories, but not the front's parent of them.
    mkdir -p "$state/upstreams" /tmp/nginx/front
    # Until the build points them at copies, each upstream is its service's name: Docker's DNS gives its containers.
    upstream ml_service ml-service:8000 > "$state/upstreams/ml_service.conf"
    upstream frontend_app frontend:8080 > "$state/upstreams/frontend_app.conf"
    cp "$site_source" "$state/site.conf"
    nginx -e stderr -g 'daemon off;' &
    nginx_pid=$!
    nginx -e stderr -c /etc/nginx/front.conf -g 'daemon off;' &
    front_pid=$!
    trap 'kill -TERM "$front_pid" "$nginx_pid" 2>/dev/null' TERM INT
    last=$(addresses)
    while kill -0 "$nginx_pid" 2>/dev/null && kill -0 "$front_pid" 2>/dev/null; do
      sleep 2
      now=$(addresses)
      if [ -n "$now" ] && [ "$now" != "$last" ]; then
        echo "edge: upstream addresses moved ($last→ $now); reloading nginx" >&2
        nginx -e stderr -s reload && last=$now
      fi
    done
    kill -TERM "$front_pid" "$nginx_pid" 2>/dev/null
    wait
    ;;
  route)
    [ $# -ge 3 ] || { echo "usage: edge route NAME HOST:PORT..." >&2; exit 2; }
    name=$2; shift 2
    upstream "$name" "$@" > "$state/upstreams/.$name.new"
    apply "$state/upstreams/$name.conf" "$state/upstreams/.$name.new"
    ;;
  reload)
    cp "$site_source" "$state/.site.new" && apply "$state/site.conf" "$state/.site.new"
    ;;
  *)
    echo "usage: edge start | route NAME HOST:PORT... | reload" >&2
    exit 2
    ;;
esac
