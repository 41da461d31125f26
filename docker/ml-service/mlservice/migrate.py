"""One-shot, as the application role that owns both databases: create the tables ml-service needs, and Optuna's in
the optuna database (the services' roles may not create them: dbroles.py), then grant each service's role what it uses.
Safe to run again. Expand-only: it adds tables, columns and indexes and never drops or renames one,
so the release still running keeps working while a new one migrates (api_tokens came this way)."""
import psycopg

from . import config, db, dbroles, studies

if __name__ == "__main__":
    db.migrate()
    studies.storage()  # Optuna creates its tables on first use
    with psycopg.connect(config.OPTUNA_STORAGE_URL.replace("postgresql+psycopg2://", "postgresql://", 1), connect_timeout=3) as connection:
        dbroles.grant_optuna(connection)
    print("migrate: schemas and grants are up to date")
