"""Healthchecks for the Celery containers: the age of a heartbeat file, so a probe imports nothing heavy and
costs no broker round trip. See ConsumerHeartbeat and HeartbeatScheduler in tasks.py for who writes them.

    python3 -m mlservice.probe FILE MAX_AGE_SECONDS [--tasks]

A failing probe prints why (the engine keeps it in the container's health log, and SmokeTest shows it). With --tasks
(the workers), a passing one prints 'busy' while a pool child runs a task and 'idle' otherwise: the scaler reads it
from the health log to retire idle replicas first."""
import glob
import os
import sys
import time

BUSY_MARK = "/tmp/worker-busy-"  # + the pid of a pool child running a task (tasks.py)


def stale(path: str, max_age: float) -> str | None:
    """None when the heartbeat is fresh, else why it is not."""
    try:
        age = time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return f"no heartbeat yet ({path})"
    return None if age < max_age else f"heartbeat {age:.0f}s old (limit {max_age:g}s)"


def running_a_task(mark: str = BUSY_MARK) -> bool:
    """A live pool child holds a mark; one killed mid-task leaves its mark behind, and is not counted."""
    return any(os.path.exists(f"/proc/{path[len(mark):]}") for path in glob.glob(f"{mark}*"))


if __name__ == "__main__":
    reason = stale(sys.argv[1], float(sys.argv[2]))
    if reason:
        print(reason)
    elif "--tasks" in sys.argv[3:]:
        print("busy" if running_a_task() else "idle")
    sys.exit(1 if reason else 0)
