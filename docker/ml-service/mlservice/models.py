"""Models cached in-process. Which model answers a predict without a run id is the latest succeeded run, read from
PostgreSQL at most once a second per process: a newly trained model is used within a second of its run succeeding.
A run's model key never changes once it succeeded, so models (and run id → key) are cached by key, a few at a time.
The run id in each answer is the run whose model computed it."""
import threading
import time
import uuid
from collections import OrderedDict
from typing import NamedTuple, Optional

from . import db, resources, storage

LATEST_TTL_SECONDS = 1.0
MAX_MODELS = 4  # the latest plus a few pinned by run id; a model is tens of kB, a load a few ms
MAX_RUNS = 256


class Run(NamedTuple):
    id: str
    model_key: str


class ModelCache:
    def __init__(self):
        self._lock = threading.Lock()       # guards the dictionaries; held for microseconds
        self._refresh = threading.Lock()    # one latest-run query or model load at a time per process
        self._latest: Optional[Run] = None
        self._latest_asof = float("-inf")
        self._runs: "OrderedDict[str, Run]" = OrderedDict()
        self._models: "OrderedDict[str, object]" = OrderedDict()

    def cached(self, run_id: Optional[str] = None):
        """(run, model) when answering needs no I/O — (None, None) when there is no model yet — else None."""
        with self._lock:
            if not run_id:
                if time.monotonic() - self._latest_asof >= LATEST_TTL_SECONDS:
                    return None
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
                    self._latest = Run(str(found["id"]), found["model_key"]) if found else None
                    self._latest_asof = started
        return self._latest

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
        with self._refresh:
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
