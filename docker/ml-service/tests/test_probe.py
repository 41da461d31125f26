"""The heartbeat probe (mlservice/probe.py): fresh passes silently, stale and missing say why."""
import os
import subprocess
import sys
import tempfile
import time
import unittest


def probe(path: str, max_age: str):
    return subprocess.run([sys.executable, "-m", "mlservice.probe", path, max_age], capture_output=True, text=True)


class ProbeTest(unittest.TestCase):
    def test_a_fresh_heartbeat_passes_and_prints_nothing(self):
        with tempfile.NamedTemporaryFile() as beat:
            result = probe(beat.name, "30")
        self.assertEqual((0, ""), (result.returncode, result.stdout))

    def test_a_stale_heartbeat_fails_naming_its_age_and_the_limit(self):
        with tempfile.NamedTemporaryFile() as beat:
            os.utime(beat.name, (time.time() - 41, time.time() - 41))
            result = probe(beat.name, "30")
        self.assertEqual(1, result.returncode)
        self.assertEqual("heartbeat 41s old (limit 30s)", result.stdout.strip())

    def test_with_tasks_a_passing_check_says_idle_or_busy_from_the_marks_of_live_pool_children(self):
        with tempfile.NamedTemporaryFile() as beat:
            result = subprocess.run([sys.executable, "-m", "mlservice.probe", beat.name, "30", "--tasks"], capture_output=True, text=True)
        self.assertEqual((0, "idle"), (result.returncode, result.stdout.strip()))
        from mlservice.probe import running_a_task

        with tempfile.TemporaryDirectory() as folder:
            mark = os.path.join(folder, "worker-busy-")
            self.assertFalse(running_a_task(mark))
            open(f"{mark}99999999", "w").close()  # a child killed mid-task left it: no such process
            self.assertFalse(running_a_task(mark))
            open(f"{mark}{os.getpid()}", "w").close()
            self.assertTrue(running_a_task(mark))

    def test_a_missing_heartbeat_fails_saying_there_is_none(self):
        result = probe("/nonexistent/heartbeat", "30")
        self.assertEqual((1, "no heartbeat yet (/nonexistent/heartbeat)"), (result.returncode, result.stdout.strip()))


if __name__ == "__main__":
    unittest.main()
