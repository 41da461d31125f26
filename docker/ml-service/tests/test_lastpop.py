"""mlservice/lastpop.py: which kombu needs it, that it is applied once, and what it does with the answer to the BRPOP
in flight, against a fake of the channel's Redis client. Needs kombu, so it runs in the image. That a stopped worker
really loses no task, and stops quickly, is FullStackTests' (StoppedWorkerLosesNoTaskAsync), against real Redis."""
import contextlib
import importlib.util
import unittest

HAS_KOMBU = importlib.util.find_spec("kombu") is not None


class FakeClient:
    def __init__(self, answer):
        self.answer, self.connection, self.pushed = answer, object(), []

    def parse_response(self, connection, command):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def rpush(self, key, item):
        self.pushed.append((key, item))


class FakeChannel:
    connection_errors = (ConnectionError,)

    def __init__(self, answer, prefix=""):
        self.client, self.global_keyprefix, self._in_poll = FakeClient(answer), prefix, object()

    @contextlib.contextmanager
    def conn_or_acquire(self):
        yield self.client


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
        self.assertEqual(lastpop.needed(kombu.__version__), getattr(transport.Channel.close, "puts_back_last_pop", False))
        self.assertFalse(lastpop.apply())  # already applied, or not needed: nothing wraps it twice

    def test_a_task_in_the_answer_goes_back_to_the_tail_of_its_list_undelivered(self):
        from mlservice import lastpop

        channel = FakeChannel((b"quick", b'{"body": "ping"}'))
        self.assertTrue(lastpop.put_back_last_pop(channel))
        self.assertEqual([(b"quick", b'{"body": "ping"}')], channel.client.pushed)
        self.assertIsNone(channel._in_poll)
        prefixed = FakeChannel((b"mls:quick", b"{}"), prefix="mls:")
        lastpop.put_back_last_pop(prefixed)
        self.assertEqual([(b"quick", b"{}")], prefixed.client.pushed)  # its client adds the prefix again

    def test_an_empty_answer_or_a_lost_connection_puts_nothing_back(self):
        from mlservice import lastpop

        for answer in (None, ConnectionError("gone")):
            channel = FakeChannel(answer)
            self.assertFalse(lastpop.put_back_last_pop(channel))
            self.assertEqual([], channel.client.pushed)
            self.assertIsNone(channel._in_poll)


if __name__ == "__main__":
    unittest.main()
