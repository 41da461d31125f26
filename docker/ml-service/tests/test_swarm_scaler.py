"""The scaler on a swarm (mlservice/swarm_scaler.py) against a fake of its boundary, the Engine API client: a tier's
replica count set as the service's spec, against the spec's version; what counts as running; the refusals. The
real swarm is ClusterWholeStackTests'."""
import copy
import unittest

from mlservice.engine import EngineError
from mlservice.scaler import Refused, own_stack_or_project
from mlservice.scaling import TierPolicy
from mlservice.swarm_scaler import SwarmScaler

HEAVY = TierPolicy("worker-heavy", ("ml",), min=0, max=3, per_replica=1, cooldown_up=0, cooldown_down=45)


def task(desired, state):
    return {"DesiredState": desired, "Status": {"State": state}}


class FakeSwarm:
    """A manager's engine as the scaler sees it: services by name, their tasks, and the updates asked for."""

    def __init__(self, replicas=1, tasks=(), labels=None, refuse=None):
        self.spec = {"Name": "mlstack_worker-heavy", "Labels": {"io.mlstack.tier": "heavy"} if labels is None else labels,
                     "Mode": {"Replicated": {"Replicas": replicas}}, "TaskTemplate": {"ContainerSpec": {"Image": "x"}}}
        self.task_list, self.updates, self.refuse, self.asked = list(tasks), [], refuse, []

    def service(self, name):
        self.asked.append(name)
        return {"ID": "s1", "Version": {"Index": 41}, "Spec": copy.deepcopy(self.spec)}

    def tasks(self, service_id):
        return self.task_list

    def update_service(self, service_id, version, spec):
        if self.refuse:
            raise EngineError(self.refuse)
        self.updates.append((service_id, version, spec["Mode"]["Replicated"]["Replicas"], spec["TaskTemplate"]))


class OwnStackTests(unittest.TestCase):
    """Which stack or project the scaler serves, from its own container, or on a swarm from its task."""

    class Engine:
        def __init__(self, labels=None):
            self.labels = labels

        def inspect(self, container_id):
            if self.labels is None:
                raise EngineError(f"GET /containers/{container_id}/json: HTTP 404: No such container: {container_id}")
            return {"Config": {"Labels": self.labels}}

        def task_of(self, container_id):
            return {"ServiceID": "s9"} if container_id == "09813916ef64" else None

        def service(self, service_id):
            return {"Spec": {"Labels": {"com.docker.stack.namespace": "mlstack"}}}

    def test_its_own_labels_name_a_project_or_a_stack(self):
        self.assertEqual((None, "mlstack"), own_stack_or_project(self.Engine({"com.docker.compose.project": "mlstack"}), "c1"))
        self.assertEqual(("prod", None), own_stack_or_project(self.Engine({"com.docker.stack.namespace": "prod"}), "c1"))

    def test_on_another_managers_engine_its_task_names_its_service_and_that_its_stack(self):
        self.assertEqual(("mlstack", None), own_stack_or_project(self.Engine(labels=None), "09813916ef64"))


class SwarmScalerTests(unittest.TestCase):
    def test_a_scale_is_the_services_replica_count_set_against_its_version_the_rest_of_its_spec_kept(self):
        swarm = FakeSwarm(replicas=1)
        scaler = SwarmScaler(swarm, "mlstack", {"worker-heavy": HEAVY})
        self.assertEqual(200, scaler.scale("worker-heavy", 3))
        self.assertEqual([("s1", 41, 3, {"ContainerSpec": {"Image": "x"}})], swarm.updates)
        self.assertEqual(["mlstack_worker-heavy"], swarm.asked)  # its own stack's service, by name
        # Down: Swarm retires the tasks (warm shutdown within stop_grace_period); 202, as the compose scaler says.
        self.assertEqual(202, SwarmScaler(FakeSwarm(replicas=3), "mlstack", {"worker-heavy": HEAVY}).scale("worker-heavy", 0))

    def test_the_same_count_changes_nothing(self):
        swarm = FakeSwarm(replicas=2)
        self.assertEqual(200, SwarmScaler(swarm, "mlstack", {"worker-heavy": HEAVY}).scale("worker-heavy", 2))
        self.assertEqual([], swarm.updates)

    def test_running_counts_tasks_wanted_and_not_ended_and_retiring_the_ones_still_finishing(self):
        swarm = FakeSwarm(replicas=2, tasks=[task("running", "running"), task("running", "starting"),
                                             task("shutdown", "running"), task("shutdown", "complete"), task("running", "failed")])
        state = SwarmScaler(swarm, "mlstack", {"worker-heavy": HEAVY}).replicas()["worker-heavy"]
        self.assertEqual({"running": 2, "containers": 2, "retiring": 1, "busy": False}, state)

    def test_it_refuses_what_is_not_a_tier_out_of_bounds_or_unlabelled(self):
        scaler = SwarmScaler(FakeSwarm(), "mlstack", {"worker-heavy": HEAVY})
        with self.assertRaisesRegex(Refused, "postgres is not a tier"):
            scaler.scale("postgres", 1)
        with self.assertRaisesRegex(Refused, r"4 replicas is outside \[0, 3\]"):
            scaler.scale("worker-heavy", 4)
        with self.assertRaisesRegex(Refused, "mlstack_worker-heavy has no io.mlstack.tier label"):
            SwarmScaler(FakeSwarm(labels={}), "mlstack", {"worker-heavy": HEAVY}).scale("worker-heavy", 2)

    def test_a_spec_changed_meanwhile_is_a_409_to_ask_again_and_the_tier_is_free_after(self):
        swarm = FakeSwarm(refuse="POST /services/s1/update: HTTP 500: rpc error: update out of sequence")
        scaler = SwarmScaler(swarm, "mlstack", {"worker-heavy": HEAVY})
        with self.assertRaises(Refused) as refused:
            scaler.scale("worker-heavy", 2)
        self.assertEqual(409, refused.exception.status)
        swarm.refuse = None
        self.assertEqual(200, scaler.scale("worker-heavy", 2))


if __name__ == "__main__":
    unittest.main()
