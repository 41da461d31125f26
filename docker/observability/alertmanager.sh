#!/bin/sh
# Alertmanager with the operator's webhook. The routing is stack/config/alertmanager/alertmanager.yml (mounted
# read-only); the receiver every alert goes to, "operator", is appended here from the webhook's URL: from the file
# ALERT_WEBHOOK_URL_FILE names (compose secrets), else ALERT_WEBHOOK_URL. Debian's Alertmanager (0.25) has no url_file,
# and the URL may carry a token, so the whole config is written 0600 to a tmpfs and never printed.
# Without a URL the receiver has no webhook: alerts are kept (Status and the API show them) and sent nowhere, and
# Alertmanager reports alertmanager_integrations{type="webhook"} 0, which Status turns into a line saying so.
set -eu
template=${ALERTMANAGER_ROUTES:-/etc/mlstack/alertmanager/alertmanager.yml}
config=/tmp/alertmanager/alertmanager.yml

url=${ALERT_WEBHOOK_URL:-}
if [ -n "${ALERT_WEBHOOK_URL_FILE:-}" ]; then
  url=$(cat "$ALERT_WEBHOOK_URL_FILE")
fi

umask 077
mkdir -p "${config%/*}"
{
  cat "$template"
  echo
  echo "receivers:"
  echo "  - name: operator"
  if [ -n "$url" ]; then
    case "$url" in
      http://*|https://*) ;;
      *) echo "alertmanager.sh: ALERT_WEBHOOK_URL must start with http:// or https://" >&2; exit 64 ;;
    esac
    # A YAML single-quoted scalar: a quote inside is doubled; a line break cannot be in a URL.
    case "$url" in *"
"*) echo "alertmanager.sh: ALERT_WEBHOOK_URL holds a line break" >&2; exit 64 ;; esac
    quoted=$(printf '%s' "$url" | sed "s/'/''/g")
    echo "    webhook_configs:"
    echo "      - url: '$quoted'"
    echo "        send_resolved: true"
  fi
} >"$config"
if [ -z "$url" ]; then
  echo "alertmanager.sh: no ALERT_WEBHOOK_URL: alerts are kept here and shown by ./build.sh Status, sent to no one" >&2
fi

exec prometheus-alertmanager --config.file="$config" --storage.path=/alertmanager \
  --web.listen-address=:9093 --cluster.listen-address= "$@"
