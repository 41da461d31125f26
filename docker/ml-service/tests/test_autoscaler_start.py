"""The autoscaler's start (mlservice/autoscaler.py): it waits quietly for the scaler, which compose starts just before
it, and gives up waiting after its limit. Needs redis and prometheus_client, so it runs in the image
(MlServiceImageUnitTests)."""
import importlib.util
import unittest
import urllib.error

HAS_DEPENDENCIES = all(importlib.util.find_spec(m) is not None for m in ("redis", "prometheus_client"))


class Scaler:
    def __init__(self, refusals: int):
        self.refusals, self.asked = refusals, 0

    def replicas(self):
        self.asked += 1
        if self.asked <= self.refusals:
            raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
        return {}


@unittest.skipUnless(HAS_DEPENDENCIES, "needs redis and prometheus_client: run in the ml-service image")
class WaitForScalerTest(unittest.TestCase):
    def setUp(self):
        from mlservice import autoscaler

        self.autoscaler = autoscaler
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def test_a_scaler_that_answers_after_a_few_tries_is_waited_for(self):
        scaler = Scaler(refusals=4)
        self.assertTrue(self.autoscaler.wait_for_scaler(scaler, limit=60, pause=0.5, clock=lambda: self.now, sleep=self.sleep))
        self.assertEqual((5, 2.0), (scaler.asked, self.now))

    def test_a_scaler_that_never_answers_is_given_up_after_the_limit(self):
        scaler = Scaler(refusals=10_000)
        self.assertFalse(self.autoscaler.wait_for_scaler(scaler, limit=3, pause=0.5, clock=lambda: self.now, sleep=self.sleep))
        self.assertEqual(3.0, self.now)


if __name__ == "__main__":
    unittest.main()
