#!/bin/sh
# First start: create the cluster, the roles and databases the environment names, run the init SQL once.
# Every start: set the roles' passwords from their files (a rotated secret takes effect), make the services' own
# roles (SERVICE_DB_ROLES) and keep the exporter's at pg_monitor only, on a socket-only server; then run the real one.
# Passwords come from files (NAME_FILE, compose secrets) and reach psql as variables, never as command-line text;
# they are unset before the server starts, so it does not carry them in its environment.
set -eu

from_file() { # NAME: NAME from the file NAME_FILE names, when it names one
  file=$(eval "printf '%s' \"\${${1}_FILE:-}\"")
  if [ -n "$file" ]; then
    [ -r "$file" ] || { echo "postgres-entrypoint: cannot read ${1}_FILE ($file)" >&2; exit 1; }
    eval "$1=\$(cat \"\$file\")"
  fi
}
for name in POSTGRES_PASSWORD APP_DB_PASSWORD EXPORTER_DB_PASSWORD; do from_file "$name"; done

: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE must be set}"
: "${APP_DB_USER:?APP_DB_USER must be set}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD or APP_DB_PASSWORD_FILE must be set}"
APP_DB_NAME="${APP_DB_NAME:-mlstack}"
OPTUNA_DB_NAME="${OPTUNA_DB_NAME:-optuna}"

local_server() { pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c jit=off" -w start >/dev/null; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres-entrypoint: initialising a new cluster in $PGDATA"
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '*'"
    echo "password_encryption = 'scram-sha-256'"
  } >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"

  local_server
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
       -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" \
       -v app_db="$APP_DB_NAME" -v optuna_db="$OPTUNA_DB_NAME" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
CREATE DATABASE :"optuna_db" OWNER :"app_user";
SQL
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "postgres-entrypoint: running $script"
    psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$APP_DB_NAME" -f "$script"
  done
  echo "postgres-entrypoint: cluster ready"
else
  local_server
fi

login_role() { # NAME PASSWORD [GRANTED_ROLE]: made if missing; may log in, and nothing else but GRANTED_ROLE
  psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v role="$1" -v password="$2" -v granted="${3:-}" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
SELECT format('GRANT %I TO %I', :'granted', :'role') WHERE :'granted' <> '' \gexec
SQL
}

# The roles as the secrets say, on every start.
psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
     -v admin_user="$POSTGRES_USER" -v admin_password="$POSTGRES_PASSWORD" \
     -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
ALTER ROLE :"admin_user" PASSWORD :'admin_password';
ALTER ROLE :"app_user" PASSWORD :'app_password';
SQL
# The exporter's role (when one is named) may log in and read the statistics views (pg_monitor) and nothing else: no
# superuser, no CREATE anywhere (PostgreSQL 15's public schema grants CREATE to no one but its owner).
if [ -n "${EXPORTER_DB_USER:-}" ]; then login_role "$EXPORTER_DB_USER" "${EXPORTER_DB_PASSWORD:-}" pg_monitor; fi
# Each service's own role ("role:password-file ..."), on every start and not only the first: a cluster from before
# them gets them with the release that brings them. What each may use, migrate grants as the tables' owner
# (mlservice/dbroles.py).
for entry in ${SERVICE_DB_ROLES:-}; do
  file=${entry#*:}
  [ -r "$file" ] || { echo "postgres-entrypoint: cannot read the password file of role ${entry%%:*} ($file)" >&2; exit 1; }
  login_role "${entry%%:*}" "$(cat "$file")"
done
pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
unset POSTGRES_PASSWORD APP_DB_PASSWORD EXPORTER_DB_PASSWORD

# jit=off: the image carries no LLVM (docker/postgres/Dockerfile).
exec postgres -D "$PGDATA" -c jit=off
