"""How many replicas a worker tier should run: the autoscaler's policy, as a pure function of what it saw and
remembers. No clock, no Redis, no Engine here: the unit tests (docker/ml-service/tests) drive it directly.

    replicas wanted = ceil(queue depth / per_replica), clamped to [min, max]

Up is fast (a burst should not wait), down is slow: a tier only shrinks once it has needed fewer replicas for a
whole cooldown_down, measured from the last moment it needed what it runs. That is what stops flapping: a queue
that dips to 0 between two tasks does not stop a replica that the next task would start again. Replicas that
appear without it (Up started them, or a person did) count as needed when they appear: a new release's worker
runs, and passes its gate, before the autoscaler may retire it."""
import dataclasses
import math
import signal
import sys


@dataclasses.dataclass(frozen=True)
class TierPolicy:
    service: str
    queues: tuple
    min: int
    max: int
    per_replica: int
    cooldown_up: float
    cooldown_down: float


@dataclasses.dataclass(frozen=True)
class Config:
    interval: float
    tiers: tuple


@dataclasses.dataclass(frozen=True)
class TierMemory:
    """What the autoscaler remembers of a tier between looks (monotonic seconds; replicas it saw running)."""
    last_change: float = float("-inf")
    last_needed: float = float("-inf")
    running: int = 0


@dataclasses.dataclass(frozen=True)
class Decision:
    replicas: int
    reason: str
    memory: TierMemory

    @property
    def action(self) -> str:
        return self.reason.split(":", 1)[0]


def wanted(policy: TierPolicy, depth: int) -> int:
    return max(policy.min, min(policy.max, math.ceil(depth / policy.per_replica)))


def decide(policy: TierPolicy, depth: int, running: int, memory: TierMemory, now: float) -> Decision:
    target = wanted(policy, depth)
    if target >= running or running > memory.running:
        memory = dataclasses.replace(memory, last_needed=now)
    if target > running and depth == 0:
        # Below its minimum with nothing queued: someone stopped it — most likely compose recreating it during an Up.
        # Starting it again would race compose; bringing a tier back to its declared count is Up's job.
        return Decision(running, f"steady: 0 queued, below min {policy.min}: left to Up", dataclasses.replace(memory, running=running))
    if target > running:
        if now - memory.last_change < policy.cooldown_up:
            return Decision(running, f"hold: {depth} queued wants {target}, up cooldown", memory)
        return Decision(target, f"up: {depth} queued wants {target}", dataclasses.replace(memory, last_change=now, running=target))
    if target < running:
        if now - memory.last_needed < policy.cooldown_down:
            return Decision(running, f"hold: {depth} queued wants {target}, down cooldown", dataclasses.replace(memory, running=running))
        return Decision(target, f"down: {depth} queued for {policy.cooldown_down:g}s wants {target}",
                        dataclasses.replace(memory, last_change=now, running=target))
    return Decision(running, f"steady: {depth} queued", dataclasses.replace(memory, running=running))


def parse(document: dict) -> Config:
    """autoscale.yaml → Config; a bad value is a ValueError naming the tier and the setting."""
    tiers = []
    for service, settings in (document.get("tiers") or {}).items():
        def number(key, default=None, kind=float):
            value = settings.get(key, default)
            if value is None:
                raise ValueError(f"autoscale.yaml: tier {service} needs '{key}'")
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"autoscale.yaml: tier {service}: '{key}' must be a number >= 0, not {value!r}")
            return kind(value)

        policy = TierPolicy(service, tuple(settings.get("queues") or ()), number("min", kind=int),
                            number("max", kind=int), number("per_replica", kind=int),
                            number("cooldown_up_seconds", 0), number("cooldown_down_seconds", 60))
        if not policy.queues:
            raise ValueError(f"autoscale.yaml: tier {service} needs 'queues'")
        if policy.max < max(policy.min, 1) or policy.per_replica < 1:
            raise ValueError(f"autoscale.yaml: tier {service} needs max >= min, max >= 1 and per_replica >= 1")
        tiers.append(policy)
    if not tiers:
        raise ValueError("autoscale.yaml: no tiers")
    interval = float(document.get("interval_seconds", 5))
    if interval <= 0:
        raise ValueError("autoscale.yaml: interval_seconds must be > 0")
    return Config(interval, tuple(tiers))


def load(path: str) -> Config:
    import yaml  # only where a file is read: the policy itself needs nothing beyond the standard library

    with open(path, encoding="utf-8") as file:
        return parse(yaml.safe_load(file) or {})


def exit_on_sigterm():
    """The autoscaler and the scaler are PID 1 of their containers, where the kernel drops a signal that has no
    handler: without this, every stop (Up, Restore, Down) waited for the engine's kill after the grace period."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
