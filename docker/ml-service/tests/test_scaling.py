"""The autoscaler's policy (mlservice/scaling.py): bursts, drains, cooldowns, no flapping, bounds."""
import unittest

from mlservice import scaling
from mlservice.scaling import TierMemory, TierPolicy, decide

HEAVY = TierPolicy("worker-heavy", ("ml",), min=0, max=4, per_replica=1, cooldown_up=0, cooldown_down=45)
LIGHT = TierPolicy("worker-light", ("default", "quick"), min=1, max=2, per_replica=20, cooldown_up=10, cooldown_down=120)


def run(policy, depths, running=None, start=0.0, step=2.0):
    """Feeds one depth per look, applying each decision as the scaler would: the replica counts, in order."""
    memory, running, counts = TierMemory(), policy.min if running is None else running, []
    for index, depth in enumerate(depths):
        decision = decide(policy, depth, running, memory, start + index * step)
        memory, running = decision.memory, decision.replicas
        counts.append(running)
    return counts


class PolicyTests(unittest.TestCase):
    def test_a_burst_scales_heavy_up_from_zero_at_once_to_the_depth_within_max(self):
        self.assertEqual([3], run(HEAVY, [3]))
        self.assertEqual([4], run(HEAVY, [10]))

    def test_an_idle_tier_stays_at_its_minimum(self):
        self.assertEqual([0, 0, 0], run(HEAVY, [0, 0, 0]))
        self.assertEqual([1, 1], run(LIGHT, [0, 0]))

    def test_a_drained_queue_scales_down_only_after_the_down_cooldown(self):
        counts = run(HEAVY, [2] + [0] * 30)  # a look every 2 s
        self.assertEqual(2, counts[22])       # 44 s after the last need: still held
        self.assertEqual(0, counts[23])       # 46 s: down to the minimum
        self.assertEqual([0] * 7, counts[24:])

    def test_a_queue_that_dips_between_tasks_does_not_flap(self):
        self.assertEqual([1] * 20, run(HEAVY, [1, 0] * 10))

    def test_a_smaller_need_scales_down_to_it_not_to_the_minimum(self):
        counts = run(HEAVY, [4] + [1] * 30)
        self.assertEqual(1, counts[-1])

    def test_up_cooldown_holds_a_second_step_up(self):
        # light: 25 queued wants 2; its last change was 4 s ago, under the 10 s up cooldown
        memory = TierMemory(last_change=96.0, last_needed=96.0)
        held = decide(LIGHT, 25, 1, memory, 100.0)
        self.assertEqual((1, "hold"), (held.replicas, held.action))
        self.assertEqual(2, decide(LIGHT, 25, 1, memory, 106.0).replicas)

    def test_a_tier_below_its_minimum_with_nothing_queued_is_left_to_Up(self):
        # compose stops a tier's container while it recreates it: starting it again would race compose
        self.assertEqual(0, decide(LIGHT, 0, 0, TierMemory(), 0).replicas)
        self.assertEqual(1, decide(LIGHT, 3, 0, TierMemory(), 0).replicas)

    def test_the_decision_says_why(self):
        self.assertEqual("up: 3 queued wants 3", decide(HEAVY, 3, 0, TierMemory(), 0).reason)
        self.assertEqual("steady: 0 queued", decide(HEAVY, 0, 0, TierMemory(), 0).reason)

    def test_a_replica_started_by_hand_above_the_need_is_brought_back_after_the_cooldown(self):
        counts = run(HEAVY, [0] * 30, running=2)
        self.assertEqual(2, counts[0])   # it appeared just now: it gets a whole cooldown (Up gates it meanwhile)
        self.assertEqual(0, counts[-1])

    def test_a_replica_up_started_while_the_tier_was_at_zero_gets_a_whole_cooldown(self):
        memory = decide(HEAVY, 0, 0, TierMemory(), 0.0).memory
        self.assertEqual(1, decide(HEAVY, 0, 1, memory, 2.0).replicas)
        self.assertEqual(1, decide(HEAVY, 0, 1, decide(HEAVY, 0, 1, memory, 2.0).memory, 46.0).replicas)


class ConfigTests(unittest.TestCase):
    def test_the_stacks_own_file_parses(self):
        import os
        path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "stack", "config", "autoscale.yaml")
        config = scaling.load(path)
        self.assertEqual(["worker-light", "worker-medium", "worker-heavy"], [t.service for t in config.tiers])
        self.assertEqual(0, config.tiers[2].min)

    def test_a_bad_value_names_the_tier_and_the_setting(self):
        with self.assertRaisesRegex(ValueError, "tier worker-heavy: 'max' must be a number >= 0"):
            scaling.parse({"tiers": {"worker-heavy": {"queues": ["ml"], "min": 0, "max": "two", "per_replica": 1}}})
        with self.assertRaisesRegex(ValueError, "tier worker-heavy needs 'per_replica'"):
            scaling.parse({"tiers": {"worker-heavy": {"queues": ["ml"], "min": 0, "max": 2}}})
        with self.assertRaisesRegex(ValueError, "max >= min"):
            scaling.parse({"tiers": {"worker-heavy": {"queues": ["ml"], "min": 3, "max": 2, "per_replica": 1}}})


if __name__ == "__main__":
    unittest.main()
