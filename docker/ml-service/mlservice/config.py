"""Settings from the environment; every service of the stack shares them through compose anchors."""
import os


def secret(name: str) -> str:
    """A password or key: from the file NAME_FILE names (compose secrets, /run/secrets/...), else NAME itself."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read().rstrip("\r\n")
    return os.environ.get(name, "")


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} must be set")
    return value


DATABASE_URL = _required("DATABASE_URL")
BROKER_URL = _required("CELERY_BROKER_URL")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL)
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")  # None means AWS S3 itself
S3_ACCESS_KEY_ID = _required("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = _required("S3_SECRET_ACCESS_KEY")
S3_REGION = os.environ.get("S3_REGION", "us-east-1")
MODELS_BUCKET = os.environ.get("S3_MODELS_BUCKET", "models")
BUCKETS = os.environ.get("S3_BUCKETS", "models,datasets,backups").split(",")
# Optuna's storage (SQLAlchemy, psycopg2): the optuna database. Only studies need it.
OPTUNA_STORAGE_URL = os.environ.get("OPTUNA_STORAGE_URL", "")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
