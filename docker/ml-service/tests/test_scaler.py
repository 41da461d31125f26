"""The scaler's rules (mlservice/scaler.py) and the queue depth it is driven by (mlservice/queues.py), against fakes
of their boundaries: the Engine API client and the Redis client. The real engine and Redis are the full-stack test's."""
import json
import threading
import unittest

from mlservice import queues
from mlservice.scaler import Refused, Scaler, replica_request
from mlservice.scaling import TierPolicy

HEAVY = TierPolicy("worker-heavy", ("ml",), min=0, max=3, per_replica=1, cooldown_up=0, cooldown_down=45)
TEMPLATE = {
    "Name": "/mlstack_worker-heavy_1",
    "Config": {"Image": "mlstack/ml-service:abc", "Hostname": "0123456789ab", "Cmd": ["celery"], "Env": ["A=1"],
               "Labels": {"com.docker.compose.project": "mlstack", "com.docker.compose.service": "worker-heavy",
                          "com.docker.compose.container-number": "1", "io.mlstack.tier": "heavy"}},
    "HostConfig": {"NanoCpus": 1000000000, "RestartPolicy": {"Name": "unless-stopped"}},
    "NetworkSettings": {"Networks": {"mlstack_backend": {}, "mlstack_extra": {}}},
}


class FakeEngine:
    """The Engine API as the scaler sees it: containers of one service, and a log of what was asked."""

    def __init__(self, states):
        self.containers_by_id = {f"c{i}": {"Id": f"c{i}", "State": s, "Names": [f"/c{i}"],
                                           "Labels": {"com.docker.compose.container-number": str(i)}}
                                 for i, s in enumerate(states, start=1)}
        self.calls = []
        self.done = threading.Event()
        self.stopping = threading.Event()
        self.stopping.set()
        self.health = {}  # container id -> its last healthcheck's output (the workers' probe: busy or idle)

    def containers(self, project, service):
        return sorted(self.containers_by_id.values(), key=lambda c: int(c["Labels"]["com.docker.compose.container-number"]))

    def inspect(self, container_id):
        return {**TEMPLATE, "State": {"Health": {"Log": [{"ExitCode": 0, "Output": self.health.get(container_id, "idle\n")}]}}}

    def start(self, container_id):
        self.calls.append(("start", container_id))
        self.containers_by_id[container_id]["State"] = "running"

    def create(self, name, body):
        self.calls.append(("create", name))
        number = body["Labels"]["com.docker.compose.container-number"]
        self.containers_by_id[f"c{number}"] = {"Id": f"c{number}", "State": "created", "Names": [f"/{name}"],
                                                "Labels": {"com.docker.compose.container-number": number}}
        return f"c{number}"

    def connect(self, network, container_id, aliases):
        self.calls.append(("connect", network, container_id))

    def stop(self, container_id, grace):
        self.calls.append(("stop", container_id))
        self.stopping.wait(5)  # a warm shutdown takes as long as the test says
        self.containers_by_id[container_id]["State"] = "exited"

    def remove(self, container_id):
        self.calls.append(("remove", container_id))
        self.done.set()


class ScalerTests(unittest.TestCase):
    def test_a_replica_copies_the_first_container_but_its_number_name_and_hostname(self):
        name, body, networks = replica_request(TEMPLATE, 3)
        self.assertEqual("mlstack_worker-heavy_3", name)
        self.assertEqual("3", body["Labels"]["com.docker.compose.container-number"])
        self.assertEqual("worker-heavy", body["Labels"]["com.docker.compose.service"])
        self.assertNotIn("Hostname", body)
        self.assertEqual(TEMPLATE["HostConfig"], body["HostConfig"])
        self.assertEqual({"mlstack_backend": {"Aliases": ["worker-heavy"]}}, body["NetworkingConfig"]["EndpointsConfig"])
        self.assertEqual(["mlstack_extra"], networks)
        self.assertEqual("mlstack-worker-heavy-12", replica_request({**TEMPLATE, "Name": "/mlstack-worker-heavy-1"}, 12)[0])

    def test_scaling_up_from_zero_starts_the_stopped_first_container_then_adds_copies(self):
        engine = FakeEngine(["exited"])
        self.assertEqual(200, Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 3))
        self.assertEqual([("start", "c1"), ("create", "mlstack_worker-heavy_2"), ("connect", "mlstack_extra", "c2"),
                          ("start", "c2"), ("create", "mlstack_worker-heavy_3"), ("connect", "mlstack_extra", "c3"),
                          ("start", "c3")], engine.calls)

    def test_scaling_down_stops_the_newest_and_keeps_the_first_container_to_copy(self):
        engine = FakeEngine(["running", "running"])
        self.assertEqual(202, Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 0))
        self.assertTrue(engine.done.wait(5))
        self.assertIn(("stop", "c1"), engine.calls)
        self.assertIn(("stop", "c2"), engine.calls)
        self.assertIn(("remove", "c2"), engine.calls)
        self.assertNotIn(("remove", "c1"), engine.calls)

    def test_scaling_down_keeps_the_replicas_running_a_task_and_retires_idle_ones_first(self):
        engine = FakeEngine(["running", "running", "running"])
        engine.health = {"c3": "busy\n"}  # the newest runs a training
        self.assertEqual(202, Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 1))
        self.assertTrue(engine.done.wait(5))
        for _ in range(50):
            if ("stop", "c1") in engine.calls:
                break
            threading.Event().wait(0.1)
        self.assertEqual({("stop", "c1"), ("stop", "c2"), ("remove", "c2")}, set(engine.calls))  # c1 kept to copy

    def test_scaling_down_also_removes_copies_someone_else_stopped(self):
        engine = FakeEngine(["running", "running", "exited"])
        self.assertEqual(202, Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 1))
        for _ in range(50):
            if len([c for c in engine.calls if c[0] == "remove"]) == 2:
                break
            threading.Event().wait(0.1)
        self.assertEqual({("stop", "c2"), ("remove", "c2"), ("remove", "c3")}, set(engine.calls))

    def test_a_scale_up_while_the_tier_goes_to_zero_copies_at_once_instead_of_waiting_for_the_stop(self):
        engine = FakeEngine(["running"])
        engine.stopping.clear()  # the first container's warm shutdown goes on
        scaler = Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120)
        self.assertEqual(202, scaler.scale("worker-heavy", 0))
        self.assertEqual({"running": 0, "containers": 1, "retiring": 1, "busy": False}, scaler.replicas()["worker-heavy"])
        self.assertEqual(200, scaler.scale("worker-heavy", 1))  # a task came: not 409, not after the grace
        self.assertEqual(["mlstack_worker-heavy_2"], [c[1] for c in engine.calls if c[0] == "create"])
        self.assertNotIn(("start", "c1"), engine.calls)
        engine.stopping.set()
        for _ in range(50):
            if scaler.replicas()["worker-heavy"]["retiring"] == 0:
                break
            threading.Event().wait(0.1)
        self.assertEqual({"running": 1, "containers": 2, "retiring": 0, "busy": False}, scaler.replicas()["worker-heavy"])
        self.assertNotIn(("remove", "c1"), engine.calls)  # kept, stopped, to copy

    def test_a_container_compose_renamed_while_recreating_is_neither_started_nor_removed(self):
        engine = FakeEngine(["exited", "exited"])
        engine.containers_by_id["c2"]["Names"] = ["/0123456789ab_mlstack-worker-heavy-1"]
        Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 1)
        self.assertEqual([("start", "c1")], engine.calls)
        engine = FakeEngine(["running", "exited"])
        engine.containers_by_id["c2"]["Names"] = ["/0123456789ab_mlstack-worker-heavy-1"]
        self.assertEqual(200, Scaler(engine, "mlstack", {"worker-heavy": HEAVY}, 120).scale("worker-heavy", 1))
        self.assertEqual([], engine.calls)

    def test_it_refuses_what_is_not_a_tier_or_out_of_bounds(self):
        scaler = Scaler(FakeEngine(["running"]), "mlstack", {"worker-heavy": HEAVY}, 120)
        with self.assertRaisesRegex(Refused, "postgres is not a tier"):
            scaler.scale("postgres", 1)
        with self.assertRaisesRegex(Refused, r"4 replicas is outside \[0, 3\]"):
            scaler.scale("worker-heavy", 4)


class FakeRedis:
    def __init__(self, lists, unacked):
        self.lists, self.unacked, self.queued = lists, unacked, []

    def pipeline(self, transaction):
        return self

    def llen(self, name):
        self.queued.append(len(self.lists.get(name, [])))

    def execute(self):
        return self.queued

    def hvals(self, name):
        return [json.dumps(value).encode() for value in self.unacked]


class QueueDepthTests(unittest.TestCase):
    def test_depth_is_waiting_on_every_priority_list_plus_reserved(self):
        client = FakeRedis({"ml": [1, 2], "ml\x06\x169": [3], "quick": [4]},
                           [[{}, "", "ml"], [{}, "", "ml"], [{}, "", "analytics"]])
        self.assertEqual({"ml": 5, "quick": 1, "analytics": 1}, queues.depths(client, ["ml", "quick", "analytics"]))


if __name__ == "__main__":
    unittest.main()
