"""PostgreSQL access through one connection pool per process (psycopg 3 + psycopg_pool), made on first use and
after any fork (see resources.py): a new connection costs ~55 ms, a pooled query ~0.2 ms.

Connection budget against PostgreSQL's max_connections (100, the server default; docker/postgres leaves it):
  ml-service   gunicorn workers ≤ 8 (gunicorn_conf.py caps it) × PG_POOL_MAX 4  = 32
  workers      Celery prefork children: light 2 + heavy 1 = 3 × 2 (set on worker_process_init) = 6
  scheduler    beat only sends tasks: 0
  one-shots    migrate 1 (a plain connection), postgres-exporter 1, smoke checks / psql / backups ~5
  reserved     superuser_reserved_connections 3
  total        48 (32 + 6 + 0 + 7 + 3); 80 with a second server share, for the moment old and new workers overlap
               in a gunicorn reload or a rolling replacement — still < 100. Today's 1.5 CPUs run 3 workers: 12.
Raise max_connections before raising any of these."""
import os
import time

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from . import config, dbroles, resources

# A server process runs its endpoints on a thread pool: a few connections serve it, since a query takes ~0.2 ms
# and the GIL lets one thread run at a time. Celery children run one task at a time and lower it (tasks.py).
POOL_MAX = int(os.environ.get("PG_POOL_MAX", "4"))

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          uuid PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    metrics     jsonb,
    model_key   text,
    error       text,
    is_smoke    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS runs_latest_succeeded ON runs (finished_at DESC) WHERE status = 'succeeded';
CREATE TABLE IF NOT EXISTS housekeeping (
    id      bigserial PRIMARY KEY,
    ran_at  timestamptz NOT NULL DEFAULT now(),
    details jsonb NOT NULL
);
-- API tokens (tokens.py), SHA-256 only. Expand-only, like every change here: a release that does not know this table
-- runs beside it unharmed. One live token per name; a revoked one stays listed.
CREATE TABLE IF NOT EXISTS api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    token_hash   text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;
"""

# One statement on token_hash's unique index: the token's name and whether it was revoked, and its last use noted
# at most once a minute (a live token only), so a busy token does not write a row per cache window.
TOKEN_LOOKUP = """
WITH found AS (SELECT id, name, revoked_at IS NOT NULL AS revoked, last_used_at FROM api_tokens WHERE token_hash = %s),
touched AS (
    UPDATE api_tokens SET last_used_at = now() FROM found
    WHERE api_tokens.id = found.id AND NOT found.revoked
      AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute'))
SELECT name, revoked FROM found
"""


def _url() -> str:
    if not config.DATABASE_URL:
        raise RuntimeError("DATABASE_URL is not set: this service has no database role (docs/production.md#database-and-redis-roles)")
    return config.DATABASE_URL


def _make_pool() -> ConnectionPool:
    return ConnectionPool(
        _url(),
        min_size=1,
        max_size=POOL_MAX,
        kwargs={"connect_timeout": 3, "row_factory": dict_row},
        timeout=5,  # waiting longer for a free connection than a client would wait for the answer helps nobody
        max_idle=300,
        name=f"mlservice-{os.getpid()}",
    )


_pool = resources.per_process(_make_pool)


def _run(work):
    """One transaction on a pooled connection. A connection the server dropped (a restart, an idle timeout) only
    shows it on its next use: the pool discards it on return and the work is tried once more on a fresh one.
    Every caller's work is one read or an idempotent-enough write (an insert retried after a lost commit fails on
    its primary key; it never doubles)."""
    for attempt in (1, 2):
        connection = None
        try:
            with _pool.get().connection() as connection:
                with connection.cursor() as cursor:
                    return work(cursor)
        except psycopg.OperationalError:
            if attempt == 2 or connection is None or not connection.broken:
                raise
            time.sleep(0.05)


def close() -> None:
    """Ends this process's pooled sessions cleanly (PostgreSQL sees a goodbye, not a dropped socket) and stops the
    pool's threads, which otherwise kept a stopping gunicorn worker alive for seconds."""
    pool = _pool.made()
    if pool is not None:
        pool.close(timeout=2)


def migrate() -> None:
    # A one-shot: one plain connection, no pool threads to stop at exit. As the owner: the tables, then who may use them.
    with psycopg.connect(_url(), connect_timeout=3) as connection:
        connection.execute(SCHEMA)
        dbroles.grant_app(connection)


def create_run(run_id: str, params: dict, is_smoke: bool) -> None:
    _run(lambda c: c.execute(
        "INSERT INTO runs (id, status, params, is_smoke) VALUES (%s, 'queued', %s, %s)", (run_id, Jsonb(params), is_smoke)))


def set_status(run_id: str, status: str, **fields) -> None:
    assignments = ["status = %s"] + [f"{name} = %s" for name in fields]
    values = [status] + [Jsonb(v) if isinstance(v, dict) else v for v in fields.values()]
    if status in ("succeeded", "failed"):
        assignments.append("finished_at = now()")
    _run(lambda c: c.execute(f"UPDATE runs SET {', '.join(assignments)} WHERE id = %s", (*values, run_id)))


def get_run(run_id: str):
    return _run(lambda c: c.execute("SELECT * FROM runs WHERE id = %s", (run_id,)).fetchone())


def list_runs(limit: int):
    return _run(lambda c: c.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT %s", (limit,)).fetchall())


def latest_model_run():
    # Served by the partial index runs_latest_succeeded: cheap enough to ask once a second per process.
    return _run(lambda c: c.execute(
        "SELECT id, model_key FROM runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1").fetchone())


def record_housekeeping(details: dict) -> None:
    def work(cursor):
        cursor.execute("INSERT INTO housekeeping (details) VALUES (%s)", (Jsonb(details),))
        cursor.execute("DELETE FROM housekeeping WHERE ran_at < now() - interval '7 days'")
    _run(work)


def api_token(token_hash: str):
    """(name, revoked) of the token with this SHA-256, or None."""
    found = _run(lambda c: c.execute(TOKEN_LOOKUP, (token_hash,)).fetchone())
    return None if found is None else (found["name"], found["revoked"])


def ping() -> None:
    _run(lambda c: c.execute("SELECT 1").fetchone())
