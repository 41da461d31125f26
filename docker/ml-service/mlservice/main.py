"""The HTTP API. /health reports each dependency on its own, so a failing gate says which one is down."""
import logging
import time
import uuid
from typing import List, Optional

from fastapi import FastAPI, HTTPException, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

from . import config, db, storage, tasks, training

logging.basicConfig(level=config.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = FastAPI(title="mlstack ml-service")

REQUESTS = Counter("mlservice_requests_total", "HTTP requests", ["endpoint", "status"])
PREDICT_SECONDS = Histogram("mlservice_predict_seconds", "Time to score a request")
TRAININGS = Counter("mlservice_trainings_queued_total", "Training runs queued")

_model_cache = {}


class TrainRequest(BaseModel):
    samples: int = Field(500, ge=50, le=100_000)
    seed: int = 42
    smoke: bool = False


class PredictRequest(BaseModel):
    features: List[List[float]] = Field(..., min_items=1, max_items=1000)
    run_id: Optional[str] = None


def _check(probe):
    started = time.perf_counter()
    try:
        probe()
        return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as error:
        return {"status": "error", "error": str(error)[:200]}


@app.get("/health")
def health(response: Response):
    checks = {
        "postgres": _check(db.ping),
        "redis": _check(lambda: tasks.app.connection_for_write().ensure_connection(max_retries=1)),
        "objectstore": _check(storage.ping),
    }
    healthy = all(check["status"] == "ok" for check in checks.values())
    response.status_code = 200 if healthy else 503
    REQUESTS.labels("health", response.status_code).inc()
    return {"status": "ok" if healthy else "degraded", "checks": checks}


@app.get("/metrics")
def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.post("/train", status_code=202)
def train(request: TrainRequest):
    run_id = str(uuid.uuid4())
    db.create_run(run_id, {"samples": request.samples, "seed": request.seed}, request.smoke)
    tasks.train_model.apply_async(args=(run_id, request.samples, request.seed), task_id=run_id)
    TRAININGS.inc()
    REQUESTS.labels("train", 202).inc()
    return {"run_id": run_id, "status": "queued"}


@app.get("/runs")
def runs(limit: int = 20):
    return [_public(run) for run in db.list_runs(min(max(limit, 1), 200))]


@app.get("/runs/{run_id}")
def run(run_id: str):
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise HTTPException(status_code=404, detail="no such run")
    found = db.get_run(run_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such run")
    return _public(found)


@app.post("/predict")
def predict(request: PredictRequest):
    with PREDICT_SECONDS.time():
        chosen = db.get_run(request.run_id) if request.run_id else db.latest_model_run()
        if chosen is None or chosen["status"] != "succeeded":
            REQUESTS.labels("predict", 409).inc()
            raise HTTPException(status_code=409, detail="no trained model yet: POST /train first")
        key = chosen["model_key"]
        if key not in _model_cache:
            _model_cache.clear()  # one model at a time keeps memory flat
            _model_cache[key] = storage.load_model(key)
        try:
            labels, probabilities = training.predict(_model_cache[key], request.features)
        except ValueError as error:
            REQUESTS.labels("predict", 422).inc()
            raise HTTPException(status_code=422, detail=str(error))
    REQUESTS.labels("predict", 200).inc()
    return {"run_id": str(chosen["id"]), "predictions": labels, "probabilities": probabilities}


def _public(run):
    return {
        "id": str(run["id"]),
        "status": run["status"],
        "params": run["params"],
        "metrics": run["metrics"],
        "error": run["error"],
        "smoke": run["is_smoke"],
        "created_at": run["created_at"].isoformat(),
        "finished_at": run["finished_at"].isoformat() if run["finished_at"] else None,
    }
