"""Models cached in-process. Which model answers a predict without a run id is the latest succeeded run, read from
PostgreSQL: a newly trained model is used within a second of its run succeeding. Half-way through that second a
background thread re-reads it (and loads a new model before publishing it), so requests do not wait for the
database — a round trip here can take 200 ms on a busy machine; only when the answer is a full second old does a
request wait for a fresh one.
A run's model key never changes once it succeeded, so models (and run id → key) are cached by key, a few at a time.
The run id in each answer is the run whose model computed it."""
import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Optional

from . import db, resources, storage

LATEST_TTL_SECONDS = 1.0
REFRESH_AFTER_SECONDS = 0.5
MAX_MODELS = 4  # the latest plus a few pinned by run id; a model is tens of kB, a load a few ms
MAX_RUNS = 256


class Run(NamedTuple):
    id: str
    model_key: str


class ModelCache:
    def __init__(self):
        self._lock = threading.Lock()       # guards the dictionaries; held for microseconds
        self._refresh = threading.Lock()    # one latest-run query at a time per process
        self._load = threading.Lock()       # one model load at a time per process
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="latest-run")
        self._refreshing = False
        self._latest: Optional[Run] = None
        self._latest_asof = float("-inf")
        self._runs: "OrderedDict[str, Run]" = OrderedDict()
        self._models: "OrderedDict[str, object]" = OrderedDict()

    def cached(self, run_id: Optional[str] = None):
        """(run, model) when answering needs no I/O — (None, None) when there is no model yet — else None."""
        with self._lock:
            if not run_id:
                age = time.monotonic() - self._latest_asof
                if age >= LATEST_TTL_SECONDS:
                    return None
                if age >= REFRESH_AFTER_SECONDS and not self._refreshing:
                    self._refreshing = True
                    self._background.submit(self._refresh_in_background)
                run = self._latest
                if run is None:
                    return None, None
            else:
                run = self._runs.get(run_id)  # only canonical ids hit; others take the slow path
                if run is None:
                    return None
            model = self._models.get(run.model_key)
            if model is None:
                return None
            self._models.move_to_end(run.model_key)
            return run, model

    def resolve(self, run_id: Optional[str] = None):
        """(run, model), reading PostgreSQL and the object store as needed: (None, None) when there is no model."""
        run = self.run(run_id) if run_id else self.latest()
        return (run, self.model(run.model_key)) if run else (None, None)

    def latest(self) -> Optional[Run]:
        if time.monotonic() - self._latest_asof >= LATEST_TTL_SECONDS:
            with self._refresh:
                if time.monotonic() - self._latest_asof >= LATEST_TTL_SECONDS:
                    # Valid from when the query started, not when it answered: never older than the TTL.
                    started = time.monotonic()
                    found = db.latest_model_run()
                    latest = Run(str(found["id"]), found["model_key"]) if found else None
                    with self._lock:
                        self._latest, self._latest_asof = latest, started
        return self._latest

    def _refresh_in_background(self):
        try:
            with self._refresh:
                if time.monotonic() - self._latest_asof < REFRESH_AFTER_SECONDS:
                    return  # a request refreshed it meanwhile
                started = time.monotonic()
                found = db.latest_model_run()
                latest = Run(str(found["id"]), found["model_key"]) if found else None
                if latest is not None:
                    self.model(latest.model_key)  # loaded before it is published: no request waits for S3
                with self._lock:  # both at once: a reader never pairs the old run with the new time
                    self._latest, self._latest_asof = latest, started
        except Exception as error:  # requests fall back to refreshing themselves once the answer is a second old
            logging.getLogger(__name__).warning("background refresh of the latest run failed: %s", error)
        finally:
            self._refreshing = False

    def run(self, run_id: str) -> Optional[Run]:
        try:
            run_id = str(uuid.UUID(run_id))
        except ValueError:
            return None
        with self._lock:
            if run_id in self._runs:
                self._runs.move_to_end(run_id)
                return self._runs[run_id]
        found = db.get_run(run_id)
        if found is None or found["status"] != "succeeded":
            return None  # not cached: a queued or running run may succeed a moment later
        run = Run(run_id, found["model_key"])
        with self._lock:
            self._runs[run_id] = run
            while len(self._runs) > MAX_RUNS:
                self._runs.popitem(last=False)
        return run

    def model(self, key: str):
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        with self._load:
            with self._lock:
                if key in self._models:
                    return self._models[key]
            loaded = storage.load_model(key)
            with self._lock:
                self._models[key] = loaded
                while len(self._models) > MAX_MODELS:
                    self._models.popitem(last=False)
            return loaded


_cache = resources.per_process(ModelCache)


def cache() -> ModelCache:
    return _cache.get()
