"""Settings from the environment; every service of the stack shares them through compose anchors. Passwords come
from files (compose secrets): the URLs in the environment carry none, with_password adds it in the process."""
import os

from .secretfiles import secret, with_password  # noqa: F401 (config.secret is how services read a secret)


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} must be set")
    return value


# The service's own database role and its password (dbroles.py); the scheduler and objectstore-init have none.
DATABASE_URL = with_password(os.environ.get("DATABASE_URL", ""), secret("DB_PASSWORD"))
BROKER_URL = with_password(_required("REDIS_BROKER_URL"), secret("REDIS_PASSWORD"))
RESULT_BACKEND = with_password(os.environ.get("REDIS_RESULT_URL", BROKER_URL), secret("REDIS_PASSWORD"))
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")  # None means AWS S3 itself
S3_ACCESS_KEY_ID = _required("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = secret("S3_SECRET_ACCESS_KEY") or _required("S3_SECRET_ACCESS_KEY")
S3_REGION = os.environ.get("S3_REGION", "us-east-1")
MODELS_BUCKET = os.environ.get("S3_MODELS_BUCKET", "models")
BUCKETS = os.environ.get("S3_BUCKETS", "models,datasets,backups").split(",")
# Optuna's storage (SQLAlchemy, psycopg2): the optuna database. Only studies need it.
OPTUNA_STORAGE_URL = with_password(os.environ.get("OPTUNA_STORAGE_URL", ""), secret("DB_PASSWORD"))
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
