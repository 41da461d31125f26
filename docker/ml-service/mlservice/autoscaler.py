"""The autoscaler: every interval, each tier's queue depth from Redis, a decision (scaling.decide), and — unless
AUTOSCALE_DRY_RUN is set — the new replica count asked of the scaler. It holds no Engine access and runs as the
image's unprivileged user. Its state and decisions are Prometheus metrics on :9100/metrics.

If it stops, nothing else does: the workers run on as they are, and the next autoscaler starts from what runs."""
import json
import logging
import os
import pathlib
import time
import urllib.request

import redis
from prometheus_client import Counter, Gauge, start_http_server

from . import queues, scaling
from .secretfiles import secret, with_password

HEARTBEAT = pathlib.Path("/tmp/autoscaler-heartbeat")
log = logging.getLogger("autoscaler")

DEPTH = Gauge("mlstack_autoscaler_queue_depth", "Tasks waiting or running on a tier's queues", ["tier"])
DESIRED = Gauge("mlstack_autoscaler_desired_replicas", "Replicas the last decision wants", ["tier"])
RUNNING = Gauge("mlstack_autoscaler_running_replicas", "Replicas running at the last look", ["tier"])
DECIDED_AT = Gauge("mlstack_autoscaler_last_decision_timestamp_seconds", "When the tier's replica count last changed", ["tier"])
LAST = Gauge("mlstack_autoscaler_last_decision", "The tier's last change and why (value 1)", ["tier", "action", "reason"])
CHANGES = Counter("mlstack_autoscaler_scaling_total", "Replica count changes asked for", ["tier", "action"])
ERRORS = Counter("mlstack_autoscaler_errors_total", "Looks that failed (Redis or the scaler unreachable)")
DRY_RUN = Gauge("mlstack_autoscaler_dry_run", "1 when decisions are logged, not applied")
# autoscale.yaml's bounds, so alert rules compare replicas with them (WorkerTierDown, TierAtMaximum in alerts.yml)
MIN = Gauge("mlstack_autoscaler_min_replicas", "The tier's minimum in autoscale.yaml", ["tier"])
MAX = Gauge("mlstack_autoscaler_max_replicas", "The tier's maximum in autoscale.yaml", ["tier"])


class ScalerClient:
    def __init__(self, url: str):
        self._url = url.rstrip("/")

    def replicas(self) -> dict:
        with urllib.request.urlopen(f"{self._url}/replicas", timeout=10) as response:
            return json.load(response)

    def scale(self, service: str, replicas: int):
        request = urllib.request.Request(f"{self._url}/replicas/{service}", method="PUT",
                                         data=json.dumps({"replicas": replicas}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status


class Autoscaler:
    def __init__(self, config: scaling.Config, broker, scaler, dry_run: bool, clock=time.monotonic):
        self._config, self._broker, self._scaler, self._dry_run, self._clock = config, broker, scaler, dry_run, clock
        self._memory = {tier.service: scaling.TierMemory() for tier in config.tiers}
        self._last_reason = {}

    def look(self):
        replicas = self._scaler.replicas()
        depths = queues.depths(self._broker, [q for tier in self._config.tiers for q in tier.queues])
        for tier in self._config.tiers:
            depth = sum(depths[q] for q in tier.queues)
            state = replicas[tier.service]
            DEPTH.labels(tier.service).set(depth)
            RUNNING.labels(tier.service).set(state["running"])
            if state["busy"]:
                continue  # another request for it is being applied this moment: decide on its outcome, next time
            decision = scaling.decide(tier, depth, state["running"], self._memory[tier.service], self._clock())
            self._memory[tier.service] = decision.memory
            DESIRED.labels(tier.service).set(decision.replicas)
            if decision.replicas == state["running"]:
                continue
            log.info("%s: %d -> %d replicas (%s)%s", tier.service, state["running"], decision.replicas, decision.reason,
                     " [dry run]" if self._dry_run else "")
            self._record(tier.service, decision)
            if not self._dry_run:
                self._scaler.scale(tier.service, decision.replicas)

    def _record(self, service: str, decision: scaling.Decision):
        if service in self._last_reason:
            LAST.remove(service, *self._last_reason[service])
        self._last_reason[service] = (decision.action, decision.reason)
        LAST.labels(service, decision.action, decision.reason).set(1)
        DECIDED_AT.labels(service).set(time.time())
        CHANGES.labels(service, decision.action).inc()


def wait_for_scaler(scaler, limit: float = 60.0, pause: float = 0.5, clock=time.monotonic, sleep=time.sleep) -> bool:
    """compose starts the autoscaler once the scaler has started, not once it answers (compose.yaml): wait for its
    first answer quietly instead of logging a failed look for each second of its start. After the limit the loop
    takes over, and says what is wrong every time it looks."""
    deadline = clock() + limit
    while True:
        try:
            scaler.replicas()
            return True
        except OSError:  # refused, or not resolvable yet: it is starting
            if clock() >= deadline:
                return False
            sleep(pause)


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    scaling.exit_on_sigterm()
    config = scaling.load(os.environ.get("AUTOSCALE_CONFIG", "/etc/mlstack/autoscale.yaml"))
    dry_run = os.environ.get("AUTOSCALE_DRY_RUN", "").lower() in ("1", "true", "yes")
    # Not mlservice.config: that needs the database's and the object store's settings, which the autoscaler lacks.
    broker_url = with_password(os.environ["REDIS_BROKER_URL"], secret("REDIS_PASSWORD"))
    broker = redis.Redis.from_url(broker_url, socket_connect_timeout=5, socket_timeout=5)
    autoscaler = Autoscaler(config, broker, ScalerClient(os.environ.get("SCALER_URL", "http://scaler:8080")), dry_run)
    DRY_RUN.set(1 if dry_run else 0)
    for tier in config.tiers:
        MIN.labels(tier.service).set(tier.min)
        MAX.labels(tier.service).set(tier.max)
    start_http_server(int(os.environ.get("METRICS_PORT", "9100")))
    wait_for_scaler(autoscaler._scaler)
    log.info("every %gs: %s%s", config.interval, "; ".join(
        f"{t.service} {t.min}..{t.max} at {t.per_replica}/replica on {','.join(t.queues)}" for t in config.tiers),
        " (dry run: decisions are logged, not applied)" if dry_run else "")
    while True:
        started = time.monotonic()
        try:
            autoscaler.look()
            HEARTBEAT.touch()
        except Exception as error:  # Redis or the scaler away for a moment: look again next time
            ERRORS.inc()
            log.warning("look failed: %s", error)
        time.sleep(max(0.0, config.interval - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
