"""How a worker stops (SIGTERM: compose stopping an old release's worker, the scaler retiring a replica): warm, at a
point where nothing is half-done, and within a limit.

A safe point. Celery 5.2's SIGTERM handler, in a worker whose main process has one thread (ours), raises WorkerShutdown
from inside the handler: wherever the main thread was, in the middle of taking a task from Redis or handing one to the
pool. Celery 5.3 stopped doing that (celery/celery#7339: warm shutdowns that hung, and a rare task lost after it left
its queue); warm_at_a_safe_point does what 5.3 does: the handler only sets state.should_stop, and the event loop raises
the same exception at the top of its next turn (within a second: the Redis transport's BRPOP times out after 1 s).
SIGQUIT (cold) keeps Celery's raise: it has to interrupt a warm shutdown's wait. Measured with `docker stop` of
worker-light in the middle of 400 pings, again and again: 4 of 26 stops waited out the 20 s limit before, 3 of 100 after.

A limit. Celery 5.2 has none of its own (5.5's soft shutdown is that): a warm shutdown that has waited
WORKER_WARM_SHUTDOWN_SECONDS turns cold. compose.yaml sets it per tier a few seconds below the stop_grace_period, so the
engine's SIGKILL never comes first (after a SIGKILL a task comes back only after the visibility timeout, 10 minutes).

An end once nothing runs. Those 3 in 100 were the main process waiting in the pool's join (billiard) for a child
that ran no task, while one task taken from Redis was never started (put back by the cold shutdown): a fault in
Celery 5.2's prefork pool. A warm shutdown waits for running tasks; when no pool child has run one for IDLE_SECONDS
(probe.running_a_task: the busy marks tasks.py keeps), there is nothing left to wait for, and it turns cold at once."""
import logging
import os
import signal
import time

from celery import platforms, signals
from celery.apps.worker import safe_say
from celery.platforms import EX_OK
from celery.utils.log import in_sighandler
from celery.worker import state

from . import probe

# 0 or unset: wait until the engine kills it.
WARM_SHUTDOWN_SECONDS = int(os.environ.get("WORKER_WARM_SHUTDOWN_SECONDS", "0") or 0)
# A task's pool child marks it running from task_prerun to task_postrun; acknowledging it takes milliseconds more.
IDLE_SECONDS = 5
log = logging.getLogger(__name__)


@signals.worker_ready.connect
def warm_at_a_safe_point(sender=None, **_):
    """Replaces Celery's SIGTERM handler, once the worker is consuming, with one that does what Celery's does with
    more than one thread: say so, send worker_shutting_down, set the flag the event loop reads. Before that (start-up:
    nothing taken yet) Celery's own handler stays."""
    hostname = getattr(sender, "hostname", None)

    def warm(*_):
        with in_sighandler():
            safe_say("worker: Warm shutdown (MainProcess)")
            signals.worker_shutting_down.send(sender=hostname, sig="SIGTERM", how="Warm", exitcode=EX_OK)
            state.should_stop = EX_OK

    platforms.signals["TERM"] = warm


@signals.worker_shutting_down.connect
def limit_warm_shutdown(how=None, **_):
    """Checks once a second, from the main process's SIGALRM, whether a warm shutdown should turn cold: past
    WARM_SHUTDOWN_SECONDS (when set), or IDLE_SECONDS after the last running task. The cold shutdown is Celery's own
    (SIGQUIT): the pool's children are terminated, their tasks never acknowledged, and closing the broker channel puts
    every unacknowledged task back on its queue ("Restoring N unacknowledged message(s)" in the log). A task that
    finishes in time is acknowledged as usual: nothing runs twice."""
    if how != "Warm":
        return
    began = last_busy = time.monotonic()

    def check(*_):
        nonlocal last_busy
        now = time.monotonic()
        if probe.running_a_task():
            last_busy = now
        if 0 < WARM_SHUTDOWN_SECONDS <= now - began:
            cold(f"warm shutdown still waiting after {WARM_SHUTDOWN_SECONDS} s: shutting down cold, unfinished tasks "
                 "go back to the queue")
        elif now - last_busy >= IDLE_SECONDS:
            cold(f"warm shutdown still waiting with no task running for {IDLE_SECONDS} s: shutting down cold")

    signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, 1.0, 1.0)


def cold(why: str):
    signal.setitimer(signal.ITIMER_REAL, 0)
    log.warning(why)
    os.kill(os.getpid(), signal.SIGQUIT)
