"""What a release does to a worker's tasks (mlservice/tasks.py): late acknowledgement, rejection on a lost pool child,
and the warm shutdown's limit. Needs Celery, so it runs in the image (the host's python3 has none):
    docker run --rm -v $PWD/docker/ml-service:/src -w /src --entrypoint python3 mlstack/ml-service:latest -m unittest
The behaviour against a real Redis (a task handed back on a cold shutdown or a killed child, nothing run twice on a
warm one) is FullStackTests' and docs/tiers-and-studies.md's."""
import importlib.util
import os
import signal
import time
import unittest

HAS_CELERY = importlib.util.find_spec("celery") is not None


@unittest.skipUnless(HAS_CELERY, "needs Celery: run in the ml-service image")
class ShutdownTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for name in ("DATABASE_URL", "REDIS_BROKER_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
            os.environ.setdefault(name, "redis://127.0.0.1:1/0" if name == "REDIS_BROKER_URL" else "unused")
        from mlservice import tasks

        cls.tasks = tasks

    def test_tasks_are_acknowledged_late_and_a_lost_child_puts_its_task_back(self):
        conf = self.tasks.app.conf
        self.assertEqual((True, True, 1), (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier))
        self.assertTrue(self.tasks.train_model.acks_late and self.tasks.train_model.reject_on_worker_lost)

    def test_a_warm_shutdown_past_its_limit_turns_cold(self):
        quits = []
        previous = signal.signal(signal.SIGQUIT, lambda *_: quits.append(time.monotonic()))
        limit, self.tasks.WARM_SHUTDOWN_SECONDS = self.tasks.WARM_SHUTDOWN_SECONDS, 1
        try:
            started = time.monotonic()
            self.tasks._limit_warm_shutdown(how="Cold")  # only a warm shutdown has a limit
            self.tasks._limit_warm_shutdown(how="Warm")
            while not quits and time.monotonic() < started + 5:
                time.sleep(0.05)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGQUIT, previous)
            self.tasks.WARM_SHUTDOWN_SECONDS = limit
        self.assertEqual(1, len(quits))
        self.assertGreaterEqual(quits[0] - started, 0.9)

    def test_without_a_limit_a_warm_shutdown_waits(self):
        self.assertEqual(0, self.tasks.WARM_SHUTDOWN_SECONDS)  # unset here: compose sets it per tier
        self.tasks._limit_warm_shutdown(how="Warm")
        self.assertEqual(0, signal.alarm(0))


if __name__ == "__main__":
    unittest.main()
