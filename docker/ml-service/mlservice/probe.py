"""Healthchecks for the Celery containers, small enough to run every few seconds.

worker NAME: asks this very worker (NAME@hostname) to answer a ping over the broker.
scheduler: beat rewrites its schedule file after every task it sends (beat_sync_every=1); a stale file means
a stuck or dead beat."""
import glob
import os
import socket
import sys
import time


def worker(name: str) -> int:
    # Only Celery and the broker URL: importing mlservice.tasks would load scikit-learn on every probe.
    from celery import Celery

    app = Celery(broker=os.environ["CELERY_BROKER_URL"])
    node = f"{name}@{socket.gethostname()}"
    replies = app.control.inspect(destination=[node], timeout=2).ping() or {}
    return 0 if node in replies else 1


def scheduler(path: str, max_age: float) -> int:
    # shelve picks its dbm backend at run time: the file may be path itself or path.db / .dat / .dir.
    files = glob.glob(path + "*")
    if not files:
        return 1
    age = time.time() - max(os.stat(f).st_mtime for f in files)
    return 0 if age < max_age else 1


if __name__ == "__main__":
    kind = sys.argv[1]
    sys.exit(worker(sys.argv[2]) if kind == "worker" else scheduler(sys.argv[2], float(sys.argv[3])))
