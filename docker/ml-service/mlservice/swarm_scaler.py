"""The scaler on a Docker Swarm: there a worker tier is a service of the scaler's own stack, and its replica count is
the service's, set through the Swarm API (a new spec with the count, against the spec's version, as `docker service
scale` does). Swarm starts the tasks where the tier's placement says (worker nodes first) and stops the ones it
retires with the service's stop_grace_period: Celery's warm shutdown, as the compose scaler's stop gives it.

The same HTTP operations as on one machine (scaler.handler_for), so the autoscaler does not know which it asks."""
import logging
import threading

from .engine import EngineError
from .scaler import TIER_LABEL, Refused, claim

log = logging.getLogger("scaler")

# A task Swarm wants running and has not ended: counted as up or coming, as the compose scaler counts "created".
_ENDED = {"complete", "failed", "shutdown", "rejected", "orphaned", "remove"}


class SwarmScaler:
    def __init__(self, engine, stack: str, policies: dict):
        self._engine, self._stack, self._policies = engine, stack, policies
        self._busy = {service: threading.Lock() for service in policies}

    def _service(self, tier: str) -> dict:
        return self._engine.service(f"{self._stack}_{tier}")

    def replicas(self) -> dict:
        result = {}
        for tier in self._policies:
            service = self._service(tier)
            tasks = self._engine.tasks(service["ID"])
            wanted = [t for t in tasks if t.get("DesiredState") == "running" and t["Status"]["State"] not in _ENDED]
            # Tasks Swarm is stopping (a scale-down's warm shutdown) are not running: a scale-up meanwhile gets new
            # tasks at once, as on one machine, rather than waiting out the old ones' grace.
            leaving = [t for t in tasks if t.get("DesiredState") in ("shutdown", "remove") and t["Status"]["State"] == "running"]
            result[tier] = {"running": len(wanted), "containers": service["Spec"]["Mode"]["Replicated"]["Replicas"],
                            "retiring": len(leaving), "busy": self._busy[tier].locked()}
        return result

    def scale(self, tier: str, replicas: int) -> int:
        lock = claim(self._policies, self._busy, tier, replicas)
        try:
            service = self._service(tier)
            spec = service["Spec"]
            if TIER_LABEL not in (spec.get("Labels") or {}):
                raise Refused(403, f"{spec['Name']} has no {TIER_LABEL} label: not a worker tier")
            current = spec["Mode"]["Replicated"]["Replicas"]
            if replicas == current:
                return 200
            spec["Mode"]["Replicated"]["Replicas"] = replicas
            try:
                self._engine.update_service(service["ID"], service["Version"]["Index"], spec)
            except EngineError as error:
                # Someone else changed the service since we read it (a release): the autoscaler asks again.
                if "update out of sequence" in str(error):
                    raise Refused(409, f"{tier} changed while being scaled; ask again") from error
                raise
            log.info("%s: %d -> %d replicas (service %s)", tier, current, replicas, spec["Name"])
            return 200 if replicas > current else 202
        finally:
            lock.release()
