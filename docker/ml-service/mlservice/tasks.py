"""Celery, in three tiers, each a compose service that the autoscaler sizes from its queues (autoscale.yaml):
worker-light serves 'default' and 'quick' (short tasks), worker-medium 'analytics' (batch scoring, evaluation),
worker-heavy 'ml' (training, Optuna trials). ROUTES is the one place a task is given its queue. Beat (the scheduler) sends
housekeeping every 30 s."""
import logging
import os
import pathlib
import time

from celery import Celery, bootsteps, signals
from celery.beat import PersistentScheduler
from celery.bootsteps import RUN

from . import config, db, lastpop, models, probe, storage, training
from . import shutdown  # noqa: F401 (how a worker stops: its signal handlers)

lastpop.apply()  # a worker that stops hands back a task Redis popped for it meanwhile (lastpop.py)

WORKER_HEARTBEAT = pathlib.Path("/tmp/worker-heartbeat")
BEAT_HEARTBEAT = pathlib.Path("/tmp/beat-heartbeat")

ROUTES = {
    "mlservice.tasks.ping": "quick",
    "mlservice.tasks.housekeeping": "default",
    "mlservice.tasks.score_batch": "analytics",
    "mlservice.tasks.evaluate_model": "analytics",
    "mlservice.tasks.train_model": "ml",
    "mlservice.tasks.run_trial": "ml",
}

app = Celery("mlservice", broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
app.conf.update(
    task_default_queue="default",
    task_routes={task: {"queue": queue} for task, queue in ROUTES.items()},
    # Releases without losing a task (docs/tiers-and-studies.md, "What a release does to running tasks"):
    # a task is acknowledged only once it has finished (acks_late), so a worker that goes away mid-task leaves it
    # unacknowledged in Redis, and one reserved but not started goes back when the worker closes its channel.
    task_acks_late=True,
    # A pool child that dies mid-task (the OOM killer, SIGKILL, a segfault in BLAS) puts its task back at the head of
    # the queue for another child or replica. Without it Celery 5.2 acknowledges the task and stores a
    # WorkerLostError: the run would stay 'running' for ever (train_model never saw an exception). The price: a task
    # that kills its child every time is retried every time, so tasks must stay idempotent (they are: a run or a
    # trial is written again under the same id).
    task_reject_on_worker_lost=True,
    # One task at a time per child: a worker that stops holds no more than it runs.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    beat_schedule={"housekeeping": {"task": "mlservice.tasks.housekeeping", "schedule": 30.0}},
    beat_scheduler="mlservice.tasks:HeartbeatScheduler",
    # A task a lost worker had taken comes back to the queue after this long (acks_late), not after an hour: the
    # last resort, for a worker killed as a whole (SIGKILL of the container, a host crash), which cannot hand back
    # anything. Longer than any task, or a slow task would be run twice.
    broker_transport_options={"visibility_timeout": 600},
)
log = logging.getLogger(__name__)


class ConsumerHeartbeat(bootsteps.StartStopStep):
    """Touches WORKER_HEARTBEAT every 5 s while the worker's consumer is connected to the broker: a fresh file
    means 'connected and its event loop turning', which the healthcheck reads.

    Crash-only on broker loss: with Debian's Celery 5.2 / kombu 5.2, a worker that reconnects after a Redis restart
    may never consume again (seen with concurrency 1), while it looks connected. So when the connection is lost
    (Celery restarts the consumer's steps while the blueprint is still RUN; a shutdown sets CLOSE first) the worker
    exits, and the container's restart policy brings up a clean one once Redis is back."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer = None

    def start(self, parent):
        WORKER_HEARTBEAT.touch()
        self.timer = parent.timer.call_repeatedly(5.0, WORKER_HEARTBEAT.touch, priority=10)

    def stop(self, parent):
        self.shutdown(parent)
        if parent.blueprint.state == RUN:
            log.error("lost the broker connection: exiting so the restart policy starts a clean consumer")
            logging.shutdown()
            os._exit(75)

    def shutdown(self, parent):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        WORKER_HEARTBEAT.unlink(missing_ok=True)


app.steps["consumer"].add(ConsumerHeartbeat)


@signals.task_prerun.connect
def _mark_busy(**_):
    """A pool child holds /tmp/worker-busy-<pid> while it runs a task: the healthcheck reports the worker busy from it,
    and the scaler retires idle replicas before busy ones (scaler.py)."""
    pathlib.Path(f"{probe.BUSY_MARK}{os.getpid()}").touch()


@signals.task_postrun.connect
def _mark_idle(**_):
    pathlib.Path(f"{probe.BUSY_MARK}{os.getpid()}").unlink(missing_ok=True)


@signals.worker_process_init.connect
def _smaller_pool(**_):
    # A prefork child runs one task at a time: two connections at most (db.py's budget counts on it). Its pools
    # and clients are made on first use in the child itself (resources.py), never inherited from the parent.
    db.POOL_MAX = min(db.POOL_MAX, 2)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's loop calls tick() at least every max_interval (30 s here, the shortest schedule): touching a file
    on each tick lets the healthcheck tell a live beat from a stuck one."""

    def tick(self, *args, **kwargs):
        BEAT_HEARTBEAT.touch()
        return super().tick(*args, **kwargs)


@app.task
def ping():
    return "pong"


@app.task
def housekeeping():
    details = {"checked_at": time.time()}
    db.record_housekeeping(details)
    return details


@app.task
def score_batch(rows: int, seed: int, run_id: str = None):
    """Scores a generated data set with a trained model (the latest by default): how many rows, how many positive."""
    features = training.dataset(rows, seed)[0]
    labels, _ = training.predict(_model(run_id), features)
    return {"rows": rows, "positive": int(sum(labels))}


@app.task
def evaluate_model(samples: int, seed: int, run_id: str = None):
    """A trained model's accuracy on fresh generated data."""
    features, labels = training.dataset(samples, seed)
    return {"samples": samples, "accuracy": float(_model(run_id).score(features, labels))}


def _model(run_id):
    _, model = models.cache().resolve(run_id)
    if model is None:
        raise ValueError("no trained model yet: train one first")
    return model


@app.task
def run_trial(study: str, samples: int, seed: int):
    """One trial of an Optuna study: its replicas share the study through PostgreSQL (studies.py)."""
    from . import studies  # Optuna and SQLAlchemy only where trials run

    return studies.run_trial(study, samples, seed)


@app.task(bind=True)
def train_model(self, run_id: str, samples: int, seed: int):
    db.set_status(run_id, "running")
    try:
        model, metrics = training.train(samples, seed)
        key = f"{run_id}.joblib"
        storage.save_model(key, model)
        db.set_status(run_id, "succeeded", metrics=metrics, model_key=key)
        log.info("run %s succeeded: %s", run_id, metrics)
        return metrics
    except Exception as error:  # the run records why; the worker stays up
        db.set_status(run_id, "failed", error=str(error)[:500])
        raise
