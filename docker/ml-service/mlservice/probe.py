"""Healthchecks for the Celery containers: the age of a heartbeat file, so a probe imports nothing heavy and
costs no broker round trip. See ConsumerHeartbeat and HeartbeatScheduler in tasks.py for who writes them.

    python3 -m mlservice.probe FILE MAX_AGE_SECONDS

A failing probe prints why (the engine keeps it in the container's health log, and SmokeTest shows it)."""
import os
import sys
import time


def stale(path: str, max_age: float) -> str | None:
    """None when the heartbeat is fresh, else why it is not."""
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return f"no heartbeat yet ({path})"
    return None if age < max_age else f"heartbeat {age:.0f}s old (limit {max_age:g}s)"


if __name__ == "__main__":
    reason = stale(sys.argv[1], float(sys.argv[2]))
    if reason:
        print(reason)
    sys.exit(1 if reason else 0)
