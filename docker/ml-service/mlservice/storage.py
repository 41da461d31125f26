"""The S3 object store: models are joblib files under the models bucket."""
import io

import boto3
import botocore.config
import joblib

from . import config, resources


def _make_client():
    # Its own session: boto3's default session is not thread-safe to create clients from; the client itself is
    # thread-safe and keeps a connection pool, so one per process serves every thread (~34 ms to make one).
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.S3_ENDPOINT_URL,
        aws_access_key_id=config.S3_ACCESS_KEY_ID,
        aws_secret_access_key=config.S3_SECRET_ACCESS_KEY,
        region_name=config.S3_REGION,
        config=botocore.config.Config(
            connect_timeout=3, read_timeout=10, retries={"max_attempts": 2}, s3={"addressing_style": "path"}
        ),
    )


_client = resources.per_process(_make_client)


def client():
    return _client.get()


def save_model(key: str, model) -> None:
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    client().put_object(Bucket=config.MODELS_BUCKET, Key=key, Body=buffer.getvalue())


def load_model(key: str):
    body = client().get_object(Bucket=config.MODELS_BUCKET, Key=key)["Body"].read()
    return joblib.load(io.BytesIO(body))


def ping() -> None:
    client().head_bucket(Bucket=config.MODELS_BUCKET)


def ensure_buckets() -> list:
    s3 = client()
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    created = []
    for name in config.BUCKETS:
        if name not in existing:
            s3.create_bucket(Bucket=name)
            created.append(name)
    return created
