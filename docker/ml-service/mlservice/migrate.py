"""One-shot: create the tables ml-service needs, and Optuna's in the optuna database (before any worker races to
create them). Safe to run again. Expand-only: it adds tables, columns and indexes and never drops or renames one,
so the release still running keeps working while a new one migrates (api_tokens came this way)."""
from . import db, studies

if __name__ == "__main__":
    db.migrate()
    studies.storage()
    print("migrate: schemas are up to date")
