"""A task Redis hands a worker as it shuts down goes back to its queue instead of being lost.

kombu's Redis transport consumes with BRPOP (a 1 s timeout, sent again and again). A worker's warm shutdown closed the
channel without reading the answer to the BRPOP in flight, so a task Redis popped for it in that moment was in neither
the queue nor the unacknowledged set: lost for good, acks_late or not (celery/celery#4354). Seen here: 1 of 300 pings
sent while worker-light stopped, and a ping queued as the autoscaler retired worker-heavy, never answered. kombu
5.3.2 fixed it (celery/kombu#1733): close() first reads that answer, so the task is delivered and, its consumer gone,
handed back to its queue (or restored with the channel's other unacknowledged tasks). Debian bookworm ships kombu
5.2.4; apply() makes the same change there, and leaves a kombu that has the fix alone."""
import kombu
from kombu.transport import redis as transport

FIXED_IN = (5, 3, 2)


def needed(version: str) -> bool:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit()) < FIXED_IN


def apply() -> bool:
    """Patches the Redis channel's close() once; True when it did."""
    if not needed(kombu.__version__) or getattr(transport.Channel.close, "reads_last_pop", False):
        return False
    close = transport.Channel.close

    def close_after_reading_the_last_pop(self):
        self._closing = True
        if self._in_poll:
            try:
                self._brpop_read()
            except transport.Empty:
                pass
        close(self)

    close_after_reading_the_last_pop.reads_last_pop = True
    transport.Channel.close = close_after_reading_the_last_pop
    return True
