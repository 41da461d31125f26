"""A long-lived Redis client on the broker's URL, for /health: redis-py keeps a thread-safe connection pool, so a
ping is one round trip on a connection that is already open (Celery's connection_for_write() opened a new one)."""
import redis

from . import config, resources

_client = resources.per_process(lambda: redis.Redis.from_url(
    config.BROKER_URL, socket_connect_timeout=2, socket_timeout=2, health_check_interval=30))


def ping() -> None:
    _client.get().ping()
