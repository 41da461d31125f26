"""A task Redis hands a worker as it shuts down goes back to its queue instead of being lost.

kombu's Redis transport consumes with BRPOP (a 1 s timeout, sent again and again). A worker's warm shutdown closed the
channel without reading the answer to the BRPOP in flight, so a task Redis popped for it in that moment was in neither
the queue nor the unacknowledged set: lost for good, acks_late or not (celery/celery#4354). Seen here: 1 of 300 pings
sent while worker-light stopped, and a ping queued as the autoscaler retired worker-heavy, never answered.

kombu 5.3.2 reads that answer in close() and delivers the task (celery/kombu#1733). Delivered to a worker that is
stopping, it can wait in the pool, never started, until the warm shutdown's limit (seen: 20 s for worker-light; it
would be 110 s for worker-heavy), and only the cold shutdown hands it back. So close() here reads the answer and puts
the task straight back at the tail of the list it was popped from, where the next BRPOP, of any worker, takes it
first. Debian bookworm ships kombu 5.2.4; apply() patches it, and leaves a kombu with its own fix alone."""
import logging

import kombu
from kombu.transport import redis as transport

FIXED_IN = (5, 3, 2)
log = logging.getLogger(__name__)


def needed(version: str) -> bool:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit()) < FIXED_IN


def put_back_last_pop(channel) -> bool:
    """Reads the answer to the channel's BRPOP in flight and puts a task in it back where it was; True when there was
    one. A connection already gone took the answer with it: nothing to read, as before."""
    try:
        popped = channel.client.parse_response(channel.client.connection, "BRPOP")
    except channel.connection_errors:
        return False
    finally:
        channel._in_poll = None
    if not popped:
        return False
    key, item = popped
    if channel.global_keyprefix and key.startswith(channel.global_keyprefix.encode()):
        key = key[len(channel.global_keyprefix):]  # the channel's client adds it again
    with channel.conn_or_acquire() as client:
        client.rpush(key, item)  # BRPOP takes from the tail: back there, it is the next one taken
    log.warning("put back a task Redis popped for this worker as it stopped (%s)", key.decode(errors="replace"))
    return True


def apply() -> bool:
    """Patches the Redis channel's close() once; True when it did."""
    if not needed(kombu.__version__) or getattr(transport.Channel.close, "puts_back_last_pop", False):
        return False
    close = transport.Channel.close

    def close_after_putting_back_the_last_pop(self):
        if self._in_poll:
            put_back_last_pop(self)
        close(self)

    close_after_putting_back_the_last_pop.puts_back_last_pop = True
    transport.Channel.close = close_after_putting_back_the_last_pop
    return True
