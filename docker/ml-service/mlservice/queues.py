"""A Celery queue's depth as the Redis broker holds it: waiting plus reserved.

Waiting messages are the list named after the queue (kombu adds one list per priority step: 'ml', 'ml\\x06\\x163',
...). Reserved ones, taken by a worker but not yet acknowledged (acks_late: until the task has finished), sit in
kombu's 'unacked' hash as [message, exchange, routing_key]; the routing key is the queue's name here."""
import json

PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


def list_names(queue: str) -> list:
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


def depths(client, queues) -> dict:
    """{queue: waiting + reserved} for every queue asked for."""
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for name in list_names(queue):
            pipe.llen(name)
    lengths = iter(pipe.execute())
    result = {queue: sum(next(lengths) for _ in PRIORITY_STEPS) for queue in queues}
    for raw in client.hvals("unacked"):
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key in result:
            result[routing_key] += 1
    return result
