"""mlservice/lastpop.py: which kombu needs the fix, and that it is applied once. Needs kombu, so it runs in the image.
That a stopped worker really loses no task is FullStackTests' (StoppedWorkerLosesNoTaskAsync), against real Redis."""
import importlib.util
import unittest

HAS_KOMBU = importlib.util.find_spec("kombu") is not None


@unittest.skipUnless(HAS_KOMBU, "needs kombu: run in the ml-service image")
class LastPopTest(unittest.TestCase):
    def test_only_a_kombu_before_5_3_2_needs_it(self):
        from mlservice import lastpop

        self.assertTrue(lastpop.needed("5.2.4"))
        self.assertTrue(lastpop.needed("5.3.1"))
        self.assertFalse(lastpop.needed("5.3.2"))
        self.assertFalse(lastpop.needed("5.4.0"))

    def test_the_image_s_kombu_gets_it_once(self):
        import kombu
        from kombu.transport import redis as transport
        from mlservice import lastpop

        lastpop.apply()
        self.assertEqual(lastpop.needed(kombu.__version__), getattr(transport.Channel.close, "reads_last_pop", False))
        self.assertFalse(lastpop.apply())  # already applied, or not needed: nothing wraps it twice


if __name__ == "__main__":
    unittest.main()
