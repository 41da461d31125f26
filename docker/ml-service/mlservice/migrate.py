"""One-shot: create the tables ml-service needs, and Optuna's in the optuna database (before any worker races to
create them). Safe to run again."""
from . import db, studies

if __name__ == "__main__":
    db.migrate()
    studies.storage()
    print("migrate: schemas are up to date")
