"""One-shot: create the object store's buckets (models, datasets, backups). Safe to run again."""
from . import storage

if __name__ == "__main__":
    created = storage.ensure_buckets()
    print(f"objectstore-init: created {created or 'nothing'}; all buckets exist")
