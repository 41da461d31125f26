"""/health's dependency checks, each on a client the process keeps (resources.py), so a probe costs a round trip,
not a connection. PostgreSQL and Redis are asked on every call (a fraction of a millisecond each). The object
store's answer is shared for up to a second across the process's threads: an S3 request is the slow and, on AWS,
the billed one (s3rver here manages ~110 HEADs/s on its half CPU), and health probes come from every direction.
A failure still shows within a second, and the answer says how old it is."""
import threading
import time

from . import broker, db, resources, storage

OBJECTSTORE_MAX_AGE_SECONDS = 1.0


def check(probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
        return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as error:
        return {"status": "error", "error": str(error)[:200]}


class Shared:
    """One probe in flight at a time; its result serves every caller for max_age seconds from when it started."""

    def __init__(self, probe, max_age: float):
        self._probe, self._max_age = probe, max_age
        self._lock = threading.Lock()
        self._result, self._started = None, float("-inf")

    def __call__(self) -> dict:
        with self._lock:
            if time.monotonic() - self._started >= self._max_age:
                self._started = time.monotonic()
                self._result = check(self._probe)
            return {**self._result, "age_ms": round((time.monotonic() - self._started) * 1000, 1)}


_objectstore = resources.per_process(lambda: Shared(storage.ping, OBJECTSTORE_MAX_AGE_SECONDS))


def checks() -> dict:
    return {"postgres": check(db.ping), "redis": check(broker.ping), "objectstore": _objectstore.get()()}
