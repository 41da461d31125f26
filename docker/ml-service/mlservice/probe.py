"""Healthchecks for the Celery containers: the age of a heartbeat file, so a probe imports nothing heavy and
costs no broker round trip. See ConsumerHeartbeat and HeartbeatScheduler in tasks.py for who writes them.

    python3 -m mlservice.probe FILE MAX_AGE_SECONDS
"""
import os
import sys
import time


def fresh(path: str, max_age: float) -> bool:
    try:
        return time.time() - os.stat(path).st_mtime < max_age
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(0 if fresh(sys.argv[1], float(sys.argv[2])) else 1)
