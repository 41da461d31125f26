"""What a release does to a worker's tasks (mlservice/tasks.py): late acknowledgement, rejection on a lost pool child,
and how a worker stops (mlservice/shutdown.py). Needs Celery, so it runs in the image (the host's python3 has none):
    docker run --rm -v $PWD/docker/ml-service:/src -w /src --entrypoint python3 mlstack/ml-service:latest -m unittest
The behaviour against a real Redis (a task handed back on a cold shutdown or a killed child, nothing run twice on a
warm one) is FullStackTests' and docs/tiers-and-studies.md's."""
import contextlib
import importlib.util
import os
import pathlib
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
        from mlservice import probe, shutdown, tasks

        cls.tasks, cls.shutdown, cls.probe = tasks, shutdown, probe

    def test_tasks_are_acknowledged_late_and_a_lost_child_puts_its_task_back(self):
        conf = self.tasks.app.conf
        self.assertEqual((True, True, 1), (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier))
        self.assertTrue(self.tasks.train_model.acks_late and self.tasks.train_model.reject_on_worker_lost)

    def quits_after(self, warm_limit, idle, while_waiting=lambda: None):
        """Starts a warm shutdown's watch with these limits, runs while_waiting, and says after how many seconds the
        watch sent SIGQUIT (Celery's cold shutdown), or None within 5 s."""
        quits = []
        previous = signal.signal(signal.SIGQUIT, lambda *_: quits.append(time.monotonic()))
        limits = self.shutdown.WARM_SHUTDOWN_SECONDS, self.shutdown.IDLE_SECONDS
        self.shutdown.WARM_SHUTDOWN_SECONDS, self.shutdown.IDLE_SECONDS = warm_limit, idle
        try:
            started = time.monotonic()
            self.shutdown.limit_warm_shutdown(how="Warm")
            while_waiting()
            while not quits and time.monotonic() < started + 5:
                time.sleep(0.05)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGQUIT, previous)
            self.shutdown.WARM_SHUTDOWN_SECONDS, self.shutdown.IDLE_SECONDS = limits
        self.assertLessEqual(len(quits), 1)
        return quits[0] - started if quits else None

    def test_a_warm_shutdown_past_its_limit_turns_cold(self):
        with self.running_a_task():
            self.assertAlmostEqual(2, self.quits_after(warm_limit=2, idle=60), delta=0.5)

    def test_a_warm_shutdown_with_nothing_running_turns_cold(self):
        self.assertAlmostEqual(1, self.quits_after(warm_limit=0, idle=1), delta=0.5)

    def test_a_running_task_holds_the_warm_shutdown_until_it_ends(self):
        with self.running_a_task() as mark:
            quit_after = self.quits_after(warm_limit=0, idle=1, while_waiting=lambda: (time.sleep(2), mark.unlink()))
        self.assertTrue(2.9 <= quit_after <= 4.3, quit_after)  # 2 s running, then 1 s idle (seen once a second)

    def test_a_cold_shutdown_sets_no_watch(self):
        self.shutdown.limit_warm_shutdown(how="Cold")
        self.assertEqual((0.0, 0.0), signal.getitimer(signal.ITIMER_REAL))

    def test_sigterm_asks_the_event_loop_to_stop_instead_of_raising_where_it_lands(self):
        from celery.worker import state

        before = signal.getsignal(signal.SIGTERM)
        self.shutdown.warm_at_a_safe_point(sender=type("Consumer", (), {"hostname": "light@test"})())
        try:
            self.assertTrue(callable(signal.getsignal(signal.SIGTERM)))
            os.kill(os.getpid(), signal.SIGTERM)  # Celery 5.2's handler would raise WorkerShutdown right here
            self.assertEqual(0, state.should_stop)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)  # the watch the shutdown started (its first look is 1 s away)
            state.should_stop = None
            signal.signal(signal.SIGTERM, before)

    @contextlib.contextmanager
    def running_a_task(self):
        """The mark a pool child holds while it runs a task (tasks.py), for this process."""
        mark = pathlib.Path(f"{self.probe.BUSY_MARK}{os.getpid()}")
        mark.touch()
        try:
            yield mark
        finally:
            mark.unlink(missing_ok=True)


if __name__ == "__main__":
    unittest.main()
