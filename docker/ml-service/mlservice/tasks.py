"""Celery: queue 'ml' trains (worker-heavy); queues 'default' and 'quick' serve light work (worker-light);
beat (the scheduler) sends housekeeping every 30 s."""
import logging
import time

from celery import Celery

from . import config, db, storage, training

app = Celery("mlservice", broker=config.BROKER_URL, backend=config.RESULT_BACKEND)
app.conf.update(
    task_default_queue="default",
    task_routes={"mlservice.tasks.train_model": {"queue": "ml"}, "mlservice.tasks.ping": {"queue": "quick"}},
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    beat_schedule={"housekeeping": {"task": "mlservice.tasks.housekeeping", "schedule": 30.0}},
    beat_sync_every=1,  # the schedule file's age is the scheduler's heartbeat
)
log = logging.getLogger(__name__)


@app.task
def ping():
    return "pong"


@app.task
def housekeeping():
    details = {"checked_at": time.time()}
    db.record_housekeeping(details)
    return details


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
