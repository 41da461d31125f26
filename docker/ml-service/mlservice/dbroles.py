"""The database roles the services log in as, and what each may do: the one place that says it
(docs/production.md#database-and-redis-roles). The application role (APP_DB_USER) owns both databases and every
table; only migrate logs in as it, to create the tables and then apply these grants, so a release that adds a table
or a right converges on the next migrate. The other roles are made by postgres's entrypoint at every start (docker/postgres/entrypoint.sh) with their
passwords (build/Stack/StackSecrets.cs); they may log in and use the rows below, and own and create nothing.

What each service's code does, and so what its role gets:
- ml-service (the API): creates runs and reads them (db.create_run, get_run, list_runs, latest_model_run); checks
  API tokens and notes their last use (db.api_token); creates, reads and deletes Optuna studies (studies.py), and a
  deleted study takes its trials with it (Optuna deletes them row by row). It runs no trial.
- worker-light (ping, housekeeping): writes the housekeeping record and prunes the week-old ones.
- worker-medium (score_batch, evaluate_model): reads the latest succeeded run, or a given one, to load its model.
- worker-heavy (train_model, run_trial): sets a run's status and results; runs trials of a study it only reads.
- the scheduler (beat) only sends tasks, and objectstore-init makes buckets: no database role at all.
The three tiers run different tasks (tasks.ROUTES), hence three roles, not one."""
import psycopg
from psycopg import sql

API = "mlstack_api"
WORKER_LIGHT = "mlstack_worker_light"
WORKER_MEDIUM = "mlstack_worker_medium"
WORKER_HEAVY = "mlstack_worker_heavy"
ROLES = (API, WORKER_LIGHT, WORKER_MEDIUM, WORKER_HEAVY)

# The application database: each role's rights per table; an UPDATE names the columns the code sets. A DELETE or an
# UPDATE with a WHERE needs SELECT on the columns it reads, hence SELECT beside each.
APP_TABLES = {
    API: {"runs": "SELECT, INSERT", "api_tokens": "SELECT, UPDATE (last_used_at)"},
    WORKER_LIGHT: {"housekeeping": "SELECT, INSERT, DELETE"},
    WORKER_MEDIUM: {"runs": "SELECT"},
    WORKER_HEAVY: {"runs": "SELECT, UPDATE (status, metrics, model_key, error, finished_at)"},
}

# Optuna's database, by family of Optuna's tables (studies and study_*, trials and trial_*, the rest: its schema's
# version), so a table a newer Optuna adds to a family gets the family's rights on the next migrate.
OPTUNA_FAMILIES = {
    API: {"study": "SELECT, INSERT, UPDATE, DELETE", "trial": "SELECT, DELETE", "version": "SELECT"},
    WORKER_HEAVY: {"study": "SELECT", "trial": "SELECT, INSERT, UPDATE", "version": "SELECT"},
}
# Optuna locks a study's row (SELECT ... FOR UPDATE) to number a new trial and to add a trial's parameter, and
# PostgreSQL asks for UPDATE on a column of the table to take that lock: worker-heavy gets it on study_id, which it
# cannot change anyway (every study has rows in study_directions that point at it).
OPTUNA_TABLES = {WORKER_HEAVY: {"studies": "SELECT, UPDATE (study_id)"}}


def optuna_rights(role: str, table: str) -> str:
    family = "study" if table.startswith("stud") else "trial" if table.startswith("trial") else "version"
    return OPTUNA_TABLES.get(role, {}).get(table) or OPTUNA_FAMILIES[role][family]


def _database(cursor, roles) -> None:
    """Only these roles (and the owner) may connect; nobody may make temporary tables or create in public."""
    database = sql.Identifier(cursor.execute("SELECT current_database()").fetchone()[0])
    cursor.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
    cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, sql.SQL(", ").join(map(sql.Identifier, roles))))
    # Whatever a role had and this map no longer gives goes: the grants below are the whole of it. Only on what the
    # owner owns: a table someone else made in public (an operator's, as the superuser) is not migrate's to change,
    # and PostgreSQL refuses the whole statement for it.
    for kind, names in (("TABLE", _owned_tables(cursor)), ("SEQUENCE", _owned_sequences(cursor))):
        if names:
            for role in ROLES:
                cursor.execute(sql.SQL("REVOKE ALL ON " + kind + " {} FROM {}").format(
                    sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(role)))


def _owned_tables(cursor) -> list:
    return [name for (name,) in cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")]


def _owned_sequences(cursor) -> list:
    return [name for (name,) in cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequenceowner = current_user")]


def _grant(cursor, rights: str, table: str, role: str) -> None:
    # rights are this module's constants, never input
    cursor.execute(sql.SQL("GRANT " + rights + " ON TABLE {} TO {}").format(sql.Identifier(table), sql.Identifier(role)))


def grant_app(connection: psycopg.Connection) -> None:
    with connection.transaction(), connection.cursor() as cursor:
        _database(cursor, APP_TABLES)
        for role, tables in APP_TABLES.items():
            for table, rights in tables.items():
                _grant(cursor, rights, table, role)
        # housekeeping's id
        cursor.execute(sql.SQL("GRANT USAGE ON SEQUENCE housekeeping_id_seq TO {}").format(sql.Identifier(WORKER_LIGHT)))


def grant_optuna(connection: psycopg.Connection) -> None:
    roles = sql.SQL(", ").join(map(sql.Identifier, OPTUNA_FAMILIES))
    with connection.transaction(), connection.cursor() as cursor:
        _database(cursor, OPTUNA_FAMILIES)
        tables = _owned_tables(cursor)
        for role in OPTUNA_FAMILIES:
            for table in tables:
                _grant(cursor, optuna_rights(role, table), table, role)
        sequences = _owned_sequences(cursor)
        if sequences:
            cursor.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sql.SQL(", ").join(map(sql.Identifier, sequences)), roles))
        # A table or sequence the owner makes later (a newer Optuna's) is readable and its ids usable at once; its
        # family's writes come with the next migrate, which makes it.
        cursor.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(roles))
        cursor.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {}").format(roles))
