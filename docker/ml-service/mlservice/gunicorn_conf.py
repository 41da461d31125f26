"""gunicorn for ml-service (the image's default server; dev overrides it with uvicorn --reload):
    python3 -m gunicorn -c /app/mlservice/gunicorn_conf.py mlservice.main:app
The app is imported once, in the master (preload_app), and the workers fork from it: a worker boots in a second and
shares the imported libraries' memory. Nothing at import opens a connection; each worker makes its own pools and
clients after the fork (resources.py) and warms them up before it accepts (main.py's startup hook)."""
import logging
import math
import os
import shutil
import sys


def cpu_limit() -> float:
    """The container's CPU limit (cgroup v2 cpu.max, else v1's CFS quota), else the CPUs this process may use."""
    available = float(len(os.sched_getaffinity(0)))
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            with open(quota_file) as f:
                fields = f.read().split()
            if period_file:
                with open(period_file) as f:
                    fields.append(f.read().strip())
            quota, period = fields[0], fields[1]
            if quota not in ("max", "-1"):
                return min(available, int(quota) / int(period))
        except (OSError, ValueError, IndexError):
            continue
    return available


# Two per CPU: endpoints run on a thread pool under the GIL, so one process uses at most one CPU and a second one
# keeps it busy while the first waits on PostgreSQL or S3. At least 2 so one slow request never stalls the service;
# at most 8 because db.py's connection budget (8 × PG_POOL_MAX) counts on it. WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, min(8, math.ceil(cpu_limit() * 2))))
worker_class = "uvicorn.workers.UvicornWorker"
# Without it each worker imported FastAPI, scikit-learn and boto3 itself: 5–20 s on a busy machine, and past
# `timeout` gunicorn killed workers that were still booting (seen under load: WORKER TIMEOUT, then a new boot).
preload_app = True
bind = "0.0.0.0:8000"
# Longer than nginx's upstream keepalive_timeout (60 s): the proxy, not the backend, closes idle connections, so
# nginx never reuses a connection the backend is closing (a POST on it would fail as a 502, not be retried).
keepalive = 75
# A worker silent this long is killed and replaced. A uvicorn worker's heartbeat only starts once its startup hook
# (warm-up: pools, botocore's service model, the model) has finished: 30 s was too short for that on a VM starting
# thirteen services at once on two loaded cores (seen: WORKER TIMEOUT for all three workers, again and again).
timeout = 90
graceful_timeout = 20   # on SIGTERM, in-flight requests get this long; compose's stop_grace_period is longer
worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files: tmpfs, never a slow or full disk
accesslog = None        # nginx logs every request already
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Prometheus counters from every worker: each writes to files here and /metrics adds them up (main.py). Set and
# emptied here, when gunicorn reads this file at start — before the preloaded app imports prometheus_client — so a
# container restart does not count old workers twice.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/mlservice-metrics")
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server):
    server.log.info("ml-service: %d workers for a CPU limit of %.2f", workers, cpu_limit())


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)



def worker_exit(server, worker):
    # Called as the worker leaves, after its last request and its shutdown hook (pools closed). Python's own teardown
    # would then free every object the worker inherited from the preloaded master — touching, so copying, all those
    # pages — which kept a stopping worker alive for 6–15 s here. Nothing is left to do but flush the logs; the exit
    # status gunicorn meant (0, or its boot-failure codes) is kept.
    error = sys.exc_info()[1]
    status = error.code if isinstance(error, SystemExit) and isinstance(error.code, int) else (0 if error is None else 1)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
