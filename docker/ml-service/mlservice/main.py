"""The HTTP API. /health reports each dependency on its own, so a failing gate says which one is down.

Endpoints that wait on I/O are plain `def`: FastAPI runs them on its thread pool, so the event loop never blocks
(predict is async and only goes to the thread pool on a cache miss).
Every client they use (PostgreSQL pool, Redis, S3, the model cache) lives once per process (resources.py).
Writes, and /metrics through the edge, need an API token; reads too with PRIVATE_API (auth.py)."""
import logging
import os
import uuid
from typing import List, Optional

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.responses import HTMLResponse
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from pydantic import BaseModel, Field

from . import auth, config, db, models, tasks, training
from . import health as health_checks

logging.basicConfig(level=config.LOG_LEVEL, format="%(asctime)s %(levelname)s %(name)s %(message)s")
# Per-request chatter, even at info (psycopg's pool logs every checkout): it would cost more than the request.
logging.getLogger("psycopg.pool").setLevel(logging.WARNING)
for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLogger().level))
app = FastAPI(title="mlstack ml-service")

REQUESTS = Counter("mlservice_requests_total", "HTTP requests", ["endpoint", "status"])
PREDICT_SECONDS = Histogram("mlservice_predict_seconds", "Time to score a request")
TRAININGS = Counter("mlservice_trainings_queued_total", "Training runs queued")


@app.on_event("startup")
def warm_up():
    # Make this process's clients (PostgreSQL pool, Redis, S3 — botocore reads its service model, which takes long
    # on a busy machine) and load the latest model before the server accepts its first connection: otherwise the
    # first requests each new worker takes wait for all of it, seconds under load. A dependency that is down does
    # not stop the start; /health says so and the first requests make the clients instead.
    checks = health_checks.checks()
    try:
        models.cache().resolve()
    except Exception as error:  # no model yet is fine; anything else is in the log and /health
        logging.getLogger(__name__).warning("warm-up: could not load the latest model: %s", error)
    logging.getLogger(__name__).info("warm-up: %s", {name: check["status"] for name, check in checks.items()})


@app.on_event("shutdown")
def close_pools():
    db.close()


class TrainRequest(BaseModel):
    samples: int = Field(500, ge=50, le=1_000_000)
    seed: int = 42
    smoke: bool = False


class StudyRequest(BaseModel):
    name: str = Field(..., regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    direction: str = Field("maximize", regex="^(maximize|minimize)$")
    sampler: str = Field("tpe", regex="^(tpe|random)$")
    pruner: str = Field("median", regex="^(median|none)$")


class OptimizeRequest(BaseModel):
    trials: int = Field(10, ge=1, le=200)
    samples: int = Field(2000, ge=100, le=100_000)
    seed: int = 42


class PredictRequest(BaseModel):
    features: List[List[float]] = Field(..., min_items=1, max_items=1000)
    run_id: Optional[str] = None


@app.get("/health")
def health(response: Response):
    checks = health_checks.checks()
    healthy = all(check["status"] == "ok" for check in checks.values())
    response.status_code = 200 if healthy else 503
    REQUESTS.labels("health", response.status_code).inc()
    return {"status": "ok" if healthy else "degraded", "checks": checks}


@app.get("/metrics", dependencies=[Depends(auth.metrics_token)])
def metrics():
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Several gunicorn workers: each writes its samples to files there (gunicorn_conf.py); add them up.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.post("/train", status_code=202, dependencies=auth.WRITE)
def train(request: TrainRequest):
    run_id = str(uuid.uuid4())
    db.create_run(run_id, {"samples": request.samples, "seed": request.seed}, request.smoke)
    tasks.train_model.apply_async(args=(run_id, request.samples, request.seed), task_id=run_id)
    TRAININGS.inc()
    REQUESTS.labels("train", 202).inc()
    return {"run_id": run_id, "status": "queued"}


@app.get("/runs", dependencies=auth.READ)
def runs(limit: int = 20):
    return [_public(run) for run in db.list_runs(min(max(limit, 1), 200))]


@app.get("/runs/{run_id}", dependencies=auth.READ)
def run(run_id: str):
    try:
        uuid.UUID(run_id)
    except ValueError:
        raise HTTPException(status_code=404, detail="no such run")
    found = db.get_run(run_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such run")
    return _public(found)


# Studies: Optuna is imported on first use (studies.py), so serving predictions never pays for it.
@app.post("/studies", status_code=201, dependencies=auth.WRITE)
def create_study(request: StudyRequest):
    from . import studies
    try:
        return studies.create(request.name, request.direction, request.sampler, request.pruner)
    except studies.StudyExists:
        raise HTTPException(status_code=409, detail=f"study {request.name} exists")


@app.get("/studies", dependencies=auth.READ)
def list_studies():
    from . import studies
    return [studies.describe(studies.load(name)) for name in studies.names()]


@app.get("/studies/{name}", dependencies=auth.READ)
def show_study(name: str):
    from . import studies
    return studies.describe(_study(name))


@app.get("/studies/{name}/trials", dependencies=auth.READ)
def study_trials(name: str):
    from . import studies
    return studies.trials(_study(name))


@app.delete("/studies/{name}", status_code=204, dependencies=auth.WRITE)
def delete_study(name: str):
    from . import studies
    try:
        studies.delete(name)
    except studies.StudyNotFound:
        raise HTTPException(status_code=404, detail=f"no study {name}")
    return Response(status_code=204)


@app.post("/studies/{name}/optimize", status_code=202, dependencies=auth.WRITE)
def optimize_study(name: str, request: OptimizeRequest):
    """N trials as heavy-queue tasks: the autoscaler sizes worker-heavy to them, and every replica takes trials."""
    _study(name)
    for _ in range(request.trials):
        tasks.run_trial.apply_async(args=(name, request.samples, request.seed))
    return {"study": name, "queued": request.trials}


@app.get("/studies/{name}/chart", response_class=HTMLResponse, dependencies=auth.READ)
def study_chart(name: str):
    from . import charts
    return HTMLResponse(charts.chart_html(_study(name)))


@app.get("/static/plotly.js")
def plotly_js():
    from . import charts
    return Response(charts.plotly_js(), media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"})


def _study(name: str):
    from . import studies
    try:
        return studies.load(name)
    except studies.StudyNotFound:
        raise HTTPException(status_code=404, detail=f"no study {name}")


@app.post("/predict", dependencies=auth.READ)
async def predict(request: PredictRequest):
    # Almost always the model is cached and scoring is ~0.2 ms of CPU: that runs on the event loop, with no hop to
    # the thread pool and no GIL convoy among its threads. A cache miss (at most once a second, or a new run id)
    # reads PostgreSQL and the object store on the thread pool, so the loop never waits on I/O.
    cache = models.cache()
    with PREDICT_SECONDS.time():
        chosen, model = cache.cached(request.run_id) or await run_in_threadpool(cache.resolve, request.run_id)
        if chosen is None:
            REQUESTS.labels("predict", 409).inc()
            raise HTTPException(status_code=409, detail="no trained model yet: POST /train first")
        try:
            labels, probabilities = training.predict(model, request.features)
        except ValueError as error:
            REQUESTS.labels("predict", 422).inc()
            raise HTTPException(status_code=422, detail=str(error))
    REQUESTS.labels("predict", 200).inc()
    return {"run_id": chosen.id, "predictions": labels, "probabilities": probabilities}


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
