"""Clients that are expensive to make (a PostgreSQL pool, a boto3 client, a Redis client) are made once per process,
on first use. 'Per process' matters: gunicorn forks its workers and Celery forks its pool children, and a socket
inherited across a fork is shared by two processes that would interleave their bytes on it. So every holder
remembers the pid it was made in and a child makes its own; the parent's object is dropped in the child, never
closed there (closing would end the parent's sessions too)."""
import os
import threading


class PerProcess:
    def __init__(self, factory):
        self._factory = factory
        self._lock = threading.Lock()
        self._pid = None
        self._value = None

    def get(self):
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._value = self._factory()
                    self._pid = os.getpid()
        return self._value

    def made(self):
        """The value when this process made it, else None (nothing to close)."""
        return self._value if self._pid == os.getpid() else None

    def _after_fork(self):
        # A fork taken while another thread held the lock would leave the child's copy locked for ever.
        self._lock = threading.Lock()


_holders = []


def per_process(factory) -> PerProcess:
    holder = PerProcess(factory)
    _holders.append(holder)
    return holder


os.register_at_fork(after_in_child=lambda: [holder._after_fork() for holder in _holders])
