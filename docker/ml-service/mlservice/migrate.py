"""One-shot: create the tables ml-service needs. Safe to run again."""
from . import db

if __name__ == "__main__":
    db.migrate()
    print("migrate: schema is up to date")
