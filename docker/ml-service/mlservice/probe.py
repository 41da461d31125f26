"""Healthchecks for the Celery containers, small enough to run every few seconds.

worker: asks this very worker (by node name) to answer a ping over the broker.
scheduler: beat rewrites its schedule file after every task it sends (beat_sync_every=1); a stale file means
a stuck or dead beat."""
import os
import socket
import sys
import time


def worker() -> int:
    from .tasks import app

    node = f"celery@{socket.gethostname()}"
    replies = app.control.inspect(destination=[node], timeout=3).ping() or {}
    return 0 if node in replies else 1


def scheduler(path: str, max_age: float) -> int:
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return 1
    return 0 if age < max_age else 1


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "worker"
    sys.exit(worker() if kind == "worker" else scheduler(sys.argv[2], float(sys.argv[3])))
