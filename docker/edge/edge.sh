#!/bin/sh
# The edge's own commands (the build runs the last two with docker exec):
#   edge start                 two nginx: the router (nginx.conf) and, once it answers, the front before it on the
#                              published port (front.conf, never reloaded); beside them a watcher that reloads the
#                              router (gracefully) when an upstream's name moves to a new address: nginx 1.22 resolves
#                              them only at (re)load.
#   edge route NAME HOST:PORT… point upstream NAME at those servers; tested, then a graceful reload that returns
#                              when the old workers have finished their requests (the drain at the edge)
#   edge reload                apply /etc/mlstack/edge/site.conf (the release's routes); tested, then a graceful reload;
#                              and when the TLS certificate or key at /etc/mlstack/tls changed, a graceful reload of the
#                              front too (tested first: a pair nginx refuses leaves the old one serving)
# EDGE_TLS=on (the build sets it in prod with a certificate, docs/https.md): HTTPS on 8443, HTTP on 8080 redirects there
# (to port EDGE_HTTPS_PORT, the published one) except /healthz; off: plain HTTP on 8080, as in dev.
# A change nginx -t refuses is undone and reported (exit 1): the running config keeps serving.
# The root filesystem is read-only (stack/compose.yaml): /tmp/nginx and /tmp/edge are tmpfs, and every nginx run is
# given `-e stderr`, or it would first try to open its built-in error log under /var/log/nginx and complain.
set -u
state=/tmp/edge
site_source=/etc/mlstack/edge/site.conf
tls=/etc/mlstack/tls

front_servers() { # the front's servers for EDGE_TLS (front.conf includes them)
  # reuseport on the published ports: every copy of the edge listens on them in edge-net's network at once (a new one
  # starts beside the old). The unix socket is this copy's own way in, for its healthcheck.
  if [ "${EDGE_TLS:-off}" != on ]; then
    printf 'server {\n    listen 8080 reuseport;\n    listen unix:%s;\n' "$state/front.sock"
    printf '    location / { include /etc/nginx/front-proxy.conf; }\n}\n'
    return 0
  fi
  port=${EDGE_HTTPS_PORT:-443}
  authority='$host'
  [ "$port" = 443 ] || authority="\$host:$port"
  printf 'server {\n    listen 8080 reuseport;\n    listen unix:%s;\n' "$state/front.sock"
  printf '    location = /healthz { include /etc/nginx/front-proxy.conf; }\n'
  printf '    location / { return 301 https://%s$request_uri; }\n}\n' "$authority"
  printf 'server {\n    listen 8443 ssl http2 reuseport;\n    include /etc/nginx/front-tls.conf;\n'
  printf '    location / { include /etc/nginx/front-proxy.conf; }\n}\n'
}

tls_sum() { # what identifies the certificate and key the front serves (empty without TLS)
  [ "${EDGE_TLS:-off}" = on ] && cat "$tls/fullchain.pem" "$tls/privkey.pem" 2>/dev/null | cksum
}

reload_front() { # a new certificate or key: test the front with it, then reload the front gracefully
  now=$(tls_sum)
  [ "$now" = "$(cat "$state/tls.sum" 2>/dev/null)" ] && return 0
  if ! nginx -e stderr -c /etc/nginx/front.conf -t -q 2>"$state/test.log"; then
    echo "edge: nginx refused the new TLS certificate or key; the running one stays:" >&2
    cat "$state/test.log" >&2
    return 1
  fi
  before=$(workers front)
  nginx -e stderr -c /etc/nginx/front.conf -s reload || return 1
  echo "$now" > "$state/tls.sum"
  # Return once the front's old workers are gone: from then on every new connection gets the new certificate.
  tries=0
  while [ $tries -lt 400 ]; do
    alive=
    for pid in $before; do [ -d "/proc/$pid" ] && alive=1; done
    [ -z "$alive" ] && { echo "edge: the front serves the new TLS certificate" >&2; return 0; }
    tries=$((tries + 1))
    sleep 0.1
  done
  # New connections already reach the new workers; an old one finishes its long requests with the old pair.
  echo "edge: the front serves the new TLS certificate (old workers still finishing requests after 40 s)" >&2
}

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

workers() { # the pids of the router's worker processes (the front's stay); of the front's with `workers front`
  master=$(cat "/tmp/nginx/${1:-nginx}.pid" 2>/dev/null) || return 0
  for dir in /proc/[0-9]*; do
    [ "$(awk '/^PPid:/ {print $2}' "$dir/status" 2>/dev/null)" = "$master" ] && echo "${dir#/proc/}"
  done
}

unresolved() { # the upstream server names Docker's DNS does not know (yet): a service stopped or not started
  sed -n 's/^ *server \([^:;]*\).*/\1/p' "$state"/upstreams/*.conf 2>/dev/null | sort -u | while read -r host; do
    getent ahostsv4 "$host" >/dev/null || echo "$host"
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
    if [ "${EDGE_TLS:-off}" = on ] && ! { [ -r "$tls/fullchain.pem" ] && [ -r "$tls/privkey.pem" ]; }; then
      echo "edge: EDGE_TLS=on but $tls/fullchain.pem and privkey.pem are not both there and readable by $(id -un) (groups: $(id -G)); the build delivers them (docs/https.md)" >&2
      exit 1
    fi
    front_servers > "$state/front-servers.conf"
    tls_sum > "$state/tls.sum"
    # Until the build points them at copies, each upstream is its service's name: Docker's DNS gives its containers.
    upstream ml_service ml-service:8000 > "$state/upstreams/ml_service.conf"
    upstream frontend_app frontend:8080 > "$state/upstreams/frontend_app.conf"
    cp "$site_source" "$state/site.conf"
    # nginx refuses to start while an upstream's name does not resolve, and the edge would exit: wait a little for
    # services started just after it (a Restore starts the stopped services in one go, the edge among the first).
    tries=0
    while [ -n "$(unresolved)" ] && [ $tries -lt 60 ]; do
      [ $tries = 0 ] && echo "edge: waiting for $(unresolved | tr '\n' ' ')to resolve" >&2
      tries=$((tries + 1))
      sleep 0.5
    done
    nginx -e stderr -g 'daemon off;' &
    nginx_pid=$!
    front_pid=
    # Stopped (a recreate, Down, the old copy of an edge rollout): both nginx quit gracefully (nginx's TERM would cut
    # requests), the front first: it closes its ports and idle connections at once and finishes the requests in
    # flight, which its router serves, so the router quits only after it (its own requests within
    # worker_shutdown_timeout).
    stop() {
      if [ -n "$front_pid" ]; then kill -QUIT "$front_pid" 2>/dev/null; wait "$front_pid"; fi
      kill -QUIT "$nginx_pid" 2>/dev/null
      wait "$nginx_pid"
      exit 0
    }
    trap stop TERM INT
    # The front listens on the published ports only once this copy's router answers: beside a running edge (an
    # edge rollout), the kernel hands this copy connections from its first listen (reuseport).
    tries=0
    until curl -fsS -o /dev/null --max-time 2 --unix-socket "$state/router.sock" http://edge/healthz 2>/dev/null; do
      kill -0 "$nginx_pid" 2>/dev/null || { echo "edge: the router (nginx.conf, site.conf) did not start" >&2; exit 1; }
      tries=$((tries + 1))
      [ $tries -lt 100 ] || { echo "edge: the router did not answer /healthz on $state/router.sock within 20 s" >&2; exit 1; }
      sleep 0.2
    done
    nginx -e stderr -c /etc/nginx/front.conf -g 'daemon off;' &
    front_pid=$!
    last=$(addresses)
    while kill -0 "$nginx_pid" 2>/dev/null && kill -0 "$front_pid" 2>/dev/null; do
      sleep 2 & wait $! # a wait, not a sleep, so that a stop is handled at once
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
    # One change at a time (the build rolls services side by side): each is tested, applied and drained alone.
    exec 9>"$state/.apply.lock" && flock 9
    upstream "$name" "$@" > "$state/upstreams/.$name.new"
    apply "$state/upstreams/$name.conf" "$state/upstreams/.$name.new"
    ;;
  reload)
    exec 9>"$state/.apply.lock" && flock 9
    cp "$site_source" "$state/.site.new" && apply "$state/site.conf" "$state/.site.new" || exit 1
    reload_front
    ;;
  *)
    echo "usage: edge start | route NAME HOST:PORT... | reload" >&2
    exit 2
    ;;
esac
