"""The scaler: the one part of autoscaling that holds the Docker Engine's socket, so that the autoscaler, which reads
Redis and decides, holds nothing but the right to ask for a replica count.

It offers one operation on one kind of thing: set the number of running replicas of a worker tier named in
autoscale.yaml, of its own compose project, within that tier's min and max. A replica is a copy of the tier's
first container (the one compose made), with the same image, command, environment, limits, networks and compose
labels (only the container number differs), so compose, Status, Down and the gates see it as one of the service's
own. Scaling down stops idle replicas first, then the newest (their healthcheck says which run a task; Celery's warm
shutdown lets a running task finish within the grace) and removes them; the first container is only ever stopped,
never removed: it is what the next scale-up copies.
Replicas being retired no longer count as running, and a scale-up does not wait for them: a task queued while the
tier goes to zero starts a new copy at once instead of waiting out a warm shutdown (up to the 120 s grace).
On a Docker Swarm (its container labelled with a stack) a tier is a service of that stack, and the same operations
set the service's replica count through the Swarm API (mlservice/swarm_scaler.py).

    GET /healthz                      ok
    GET /replicas                     {"worker-heavy": {"running": 1, "containers": 2, "retiring": 1, "busy": false}, ...}
    PUT /replicas/worker-heavy        {"replicas": 2} -> 200 done, 202 stopping, 400 out of bounds, 404 not a tier,
                                      409 another request for the tier is being applied
"""
import json
import logging
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import scaling
from .engine import NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL, STACK_LABEL, Engine, EngineError

TIER_LABEL = "io.mlstack.tier"
# Everything of a container's Config a replica copies; Hostname is left out on purpose: each replica gets its own
# (Celery names its node after it).
CLONED_CONFIG = ("Image", "Cmd", "Entrypoint", "Env", "User", "WorkingDir", "Healthcheck", "StopSignal",
                 "StopTimeout", "ExposedPorts", "Volumes", "Tty", "OpenStdin")
log = logging.getLogger("scaler")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def claim(policies: dict, busy: dict, tier: str, replicas: int) -> threading.Lock:
    """The tier's lock, taken, for a request autoscale.yaml allows: a tier it names, a count within its bounds, and
    no other request for it being applied (a moment: a scale-down's stops go on without it). The caller releases it."""
    policy = policies.get(tier)
    if policy is None:
        raise Refused(404, f"{tier} is not a tier in autoscale.yaml")
    if not policy.min <= replicas <= policy.max:
        raise Refused(400, f"{tier}: {replicas} replicas is outside [{policy.min}, {policy.max}]")
    lock = busy[tier]
    if not lock.acquire(blocking=False):
        raise Refused(409, f"{tier} is being scaled by another request; ask again")
    return lock


def _up_or_coming(container: dict) -> bool:
    """Running, or about to: 'created' is a container compose (or this scaler) is starting right now, so a scaler
    that looks during an Up counts what compose is bringing up instead of starting it a second time."""
    return container["State"] in ("running", "restarting", "created")


def _compose_renamed(container: dict) -> bool:
    """An old container compose renamed to '<id>_<name>' while recreating the service (an Up, a release): compose
    removes it in a moment, and starting it would break that."""
    return re.match(r"/?[0-9a-f]{12}_", container["Names"][0]) is not None


def replica_request(template: dict, number: int):
    """(name, create body, further networks) for replica `number` of the service `template` is a container of."""
    config = template["Config"]
    body = {key: config[key] for key in CLONED_CONFIG if config.get(key) is not None}
    body["Labels"] = {**config["Labels"], NUMBER_LABEL: str(number)}
    body["HostConfig"] = template["HostConfig"]
    service = config["Labels"][SERVICE_LABEL]
    networks = list(template["NetworkSettings"]["Networks"])
    body["NetworkingConfig"] = {"EndpointsConfig": {networks[0]: {"Aliases": [service]}}} if networks else {}
    name = re.sub(r"([_-])\d+$", lambda m: f"{m.group(1)}{number}", template["Name"].lstrip("/"))
    return name, body, networks[1:]


class Scaler:
    def __init__(self, engine: Engine, project: str, policies: dict, grace_seconds: int):
        self._engine, self._project, self._policies, self._grace = engine, project, policies, grace_seconds
        self._busy = {service: threading.Lock() for service in policies}
        # Containers a scale-down is stopping and removing. Each use is one set operation, atomic under the GIL.
        self._retiring = set()

    def _serving(self, containers: list) -> list:
        return [c for c in containers if _up_or_coming(c) and c["Id"] not in self._retiring]

    def _spare(self, container: dict) -> bool:
        """Stopped, not being retired, and not compose's while it recreates the service: ours to start or remove."""
        return not _up_or_coming(container) and container["Id"] not in self._retiring and not _compose_renamed(container)

    def replicas(self) -> dict:
        result = {}
        for service in self._policies:
            containers = self._engine.containers(self._project, service)
            result[service] = {"running": len(self._serving(containers)), "containers": len(containers),
                               "retiring": sum(c["Id"] in self._retiring for c in containers),
                               "busy": self._busy[service].locked()}
        return result

    def scale(self, service: str, replicas: int) -> int:
        lock = claim(self._policies, self._busy, service, replicas)
        try:
            containers = self._engine.containers(self._project, service)
            if not containers:
                raise Refused(409, f"{service} has no container to copy; ./build.sh Up creates it")
            running = self._serving(containers)
            if replicas > len(running):
                self._up(containers, replicas - len(running))
                return 200
            if replicas < len(running):
                stopping = self._retire_order(running, containers[0])[replicas:]
                # copies someone else stopped (docker stop) go too: only the first container is kept stopped
                stopping += [c for c in containers[1:] if self._spare(c)]
                self._retiring.update(c["Id"] for c in stopping)
                for container in stopping:
                    threading.Thread(target=self._retire, args=(container, container["Id"] != containers[0]["Id"]),
                                     daemon=True).start()
                log.info("%s: stopping %d replica(s)", service, len(stopping))
                return 202
            return 200
        finally:
            lock.release()

    def _retire_order(self, running: list, first: dict) -> list:
        """Replicas in the order they are kept: those running a task (as their last healthcheck said), then the first
        container, then the oldest. A scale-down stops the rest: an idle replica before one whose warm shutdown would
        wait for its task, or, past the limit, send a training back to start again."""
        return sorted(running, key=lambda c: (not self._busy_now(c), c["Id"] != first["Id"], int(c["Labels"].get(NUMBER_LABEL, "1"))))

    def _busy_now(self, container: dict) -> bool:
        log = ((self._engine.inspect(container["Id"]).get("State") or {}).get("Health") or {}).get("Log") or []
        return bool(log) and log[-1].get("Output", "").strip() == "busy"

    def _up(self, containers: list, missing: int):
        for container in containers:
            if missing and self._spare(container):
                self._engine.start(container["Id"])
                missing -= 1
        if not missing:
            return
        # The first container may be stopping (a scale to zero under way): it is still there to copy.
        template = self._engine.inspect(containers[0]["Id"])
        if TIER_LABEL not in template["Config"]["Labels"]:
            raise Refused(403, f"{template['Name']} has no {TIER_LABEL} label: not a worker tier")
        number = max(int(c["Labels"].get(NUMBER_LABEL, "1")) for c in containers)
        for _ in range(missing):
            number += 1
            name, body, networks = replica_request(template, number)
            created = self._engine.create(name, body)
            for network in networks:
                self._engine.connect(network, created, [body["Labels"][SERVICE_LABEL]])
            self._engine.start(created)
            log.info("started replica %s", name)

    def _retire(self, container: dict, remove: bool):
        try:
            if _up_or_coming(container):
                self._engine.stop(container["Id"], self._grace)
            if remove:
                self._engine.remove(container["Id"])
            log.info("retired %s", container["Names"][0])
        except EngineError as error:
            log.error("could not retire %s: %s", container["Names"][0], error)
        finally:
            self._retiring.discard(container["Id"])


def handler_for(scaler):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/healthz":
                return self._reply(200, {"status": "ok"})
            if self.path == "/replicas":
                return self._guarded(lambda: (200, scaler.replicas()))
            return self._reply(404, {"error": "not found"})

        def do_PUT(self):
            match = re.fullmatch(r"/replicas/([A-Za-z0-9_.-]+)", self.path)
            if not match:
                return self._reply(404, {"error": "not found"})
            try:
                replicas = int(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))["replicas"])
            except (ValueError, KeyError, TypeError):
                return self._reply(400, {"error": 'the body must be {"replicas": N}'})
            return self._guarded(lambda: (scaler.scale(match.group(1), replicas), {"replicas": replicas}))

        def _guarded(self, action):
            try:
                status, body = action()
            except Refused as refused:
                status, body = refused.status, {"error": str(refused)}
            except EngineError as error:
                log.error("%s", error)
                status, body = 502, {"error": str(error)}
            self._reply(status, body)

        def _reply(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            if self.command != "GET":  # the autoscaler's look every interval would drown the changes
                log.info("%s", format % args)

    return Handler


def own_stack_or_project(engine, container_id: str):
    """(stack, project) from its own container's labels, in the engine it was given. On a swarm that engine may be
    another manager's than the one running it (the socket it was given is that manager's): then its task, which any
    manager knows, names its service, and the service its stack."""
    try:
        labels = engine.inspect(container_id)["Config"]["Labels"]
    except EngineError as error:
        if "HTTP 404" not in str(error):
            raise
        task = engine.task_of(container_id)
        return engine.service(task["ServiceID"])["Spec"]["Labels"][STACK_LABEL], None
    return labels.get(STACK_LABEL), labels.get(PROJECT_LABEL)


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    scaling.exit_on_sigterm()
    config = scaling.load(os.environ.get("AUTOSCALE_CONFIG", "/etc/mlstack/autoscale.yaml"))
    engine = Engine(os.environ.get("DOCKER_SOCKET_PATH", "/var/run/docker.sock"))
    # Its own compose project or Swarm stack: it never reaches beyond it.
    stack, project = own_stack_or_project(engine, os.environ["HOSTNAME"])
    policies = {t.service: t for t in config.tiers}
    if stack:
        from .swarm_scaler import SwarmScaler  # here: it imports this module's Refused
        scaler = SwarmScaler(engine, stack, policies)
        log.info("scaling %s of the swarm stack %s", ", ".join(policies), stack)
    else:
        scaler = Scaler(engine, project, policies, int(os.environ.get("STOP_GRACE_SECONDS", "120")))
        log.info("scaling %s of project %s", ", ".join(policies), project)
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), handler_for(scaler)).serve_forever()


if __name__ == "__main__":
    main()
