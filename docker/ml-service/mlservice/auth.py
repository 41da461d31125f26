"""Who may call what (docs/stack.md#api-tokens-and-rate-limits): the FastAPI side of tokens.py. Every write needs an
API token; reads too when PRIVATE_API is true. /health stays open (the healthchecks, the edge's and a load balancer's
probes), and so does /metrics as Prometheus scrapes it on the observability network; through the edge it needs one.
Endpoints take WRITE or READ as their dependencies, or Depends(metrics_token)."""
import logging
import os
from typing import Optional

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from prometheus_client import Counter

from . import config, db, tokens

PRIVATE_API = os.environ.get("PRIVATE_API", "false").strip().lower() in ("1", "true", "yes")
REFUSED = Counter("mlservice_requests_refused_total", "Requests refused for want of a valid API token", ["status"])
_check = None


def _tokens() -> tokens.TokenCheck:
    global _check
    if _check is None:  # per process: gunicorn's workers each read the env token and keep their own cache
        _check = tokens.TokenCheck(config.secret("API_TOKEN"), db.api_token)
    return _check


def _enforce(verdict: tokens.Verdict) -> None:
    if not verdict.allowed:
        REFUSED.labels(verdict.status).inc()
        headers = {"WWW-Authenticate": "Bearer"} if verdict.status == 401 else None
        raise HTTPException(status_code=verdict.status, detail=verdict.detail, headers=headers)


def _checked(authorization: Optional[str]) -> tokens.Verdict:
    try:
        return _tokens().check(authorization)
    except Exception as error:  # the database is down: say so, and let the client retry
        logging.getLogger(__name__).warning("could not check an API token: %s", error)
        raise HTTPException(status_code=503, detail="could not check the API token (database unavailable); try again shortly")


def write_token(request: Request) -> None:
    """A write's guard. Plain def, like the writes it guards: a lookup (at most one per token and process every
    few seconds) runs on the thread pool."""
    _enforce(_checked(request.headers.get("authorization")))


async def read_token(request: Request) -> None:
    """A read's guard when PRIVATE_API is set: a cached answer on the event loop, a lookup on the thread pool."""
    header = request.headers.get("authorization")
    _enforce(_tokens().cached(header) or await run_in_threadpool(_checked, header))


async def metrics_token(request: Request) -> None:
    # The edge's router sets X-Forwarded-For on every /api/ request (a client can add to it, never remove it);
    # Prometheus, on the observability network no client reaches, sends none.
    if "x-forwarded-for" in request.headers:
        await read_token(request)


WRITE = [Depends(write_token)]
# Public reads get no dependency at all: predict pays nothing for a check it does not need.
READ = [Depends(read_token)] if PRIVATE_API else []
