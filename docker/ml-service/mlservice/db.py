"""PostgreSQL access: one short-lived connection per call keeps workers and the API simple and safe to fork."""
import contextlib
import json

import psycopg2
import psycopg2.extras

from . import config

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
"""


@contextlib.contextmanager
def connect():
    connection = psycopg2.connect(config.DATABASE_URL, connect_timeout=3)
    try:
        with connection:
            with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                yield cursor
    finally:
        connection.close()


def migrate() -> None:
    with connect() as cursor:
        cursor.execute(SCHEMA)


def create_run(run_id: str, params: dict, is_smoke: bool) -> None:
    with connect() as cursor:
        cursor.execute(
            "INSERT INTO runs (id, status, params, is_smoke) VALUES (%s, 'queued', %s, %s)",
            (run_id, json.dumps(params), is_smoke),
        )


def set_status(run_id: str, status: str, **fields) -> None:
    assignments = ["status = %s"] + [f"{name} = %s" for name in fields]
    values = [status] + [json.dumps(v) if isinstance(v, dict) else v for v in fields.values()]
    if status in ("succeeded", "failed"):
        assignments.append("finished_at = now()")
    with connect() as cursor:
        cursor.execute(f"UPDATE runs SET {', '.join(assignments)} WHERE id = %s", (*values, run_id))


def get_run(run_id: str):
    with connect() as cursor:
        cursor.execute("SELECT * FROM runs WHERE id = %s", (run_id,))
        return cursor.fetchone()


def list_runs(limit: int):
    with connect() as cursor:
        cursor.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT %s", (limit,))
        return cursor.fetchall()


def latest_model_run():
    with connect() as cursor:
        cursor.execute("SELECT * FROM runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1")
        return cursor.fetchone()


def record_housekeeping(details: dict) -> None:
    with connect() as cursor:
        cursor.execute("INSERT INTO housekeeping (details) VALUES (%s)", (json.dumps(details),))
        cursor.execute("DELETE FROM housekeeping WHERE ran_at < now() - interval '7 days'")


def ping() -> None:
    with connect() as cursor:
        cursor.execute("SELECT 1")
