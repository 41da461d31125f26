"""API tokens: who may change the stack's state (docs/stack.md#api-tokens-and-rate-limits). No web framework and no
database driver here, so the rules are unit-tested without either (tests/test_tokens.py); main.py wires this to
FastAPI and db.py.

A token is 256 random bits that the build makes (./build.sh ApiToken --name NAME --create) and shows once; PostgreSQL
keeps only its SHA-256. A slow hash (bcrypt, scrypt, Argon2) protects secrets people choose, which an attacker holding
the table could guess a dictionary word at a time; nobody can walk 2^256 random values, fast hash or not, and a fast
one checks a request in a microsecond. The env file's API_TOKEN is accepted as a token named "env" (dev, SmokeTest).

Each process remembers a token's answer for CACHE_SECONDS: a write costs at most one indexed query per token and
process in that window (none on a hit), and a revocation takes effect within it."""
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

CACHE_SECONDS = 5.0
CREATE_HINT = "create one with ./build.sh ApiToken --name NAME --create (with --host HOST for a VM) and send it as 'Authorization: Bearer <token>'"
ENV_TOKEN_NAME = "env"

# What the database says of a token's hash: None (unknown), or (name, revoked).
Lookup = Callable[[str], Optional[Tuple[str, bool]]]


@dataclass(frozen=True)
class Verdict:
    status: int  # 200: allowed; 401: no token; 403: unknown or revoked
    detail: str
    name: Optional[str] = None

    @property
    def allowed(self) -> bool:
        return self.status == 200


MISSING = Verdict(401, f"this request needs an API token; {CREATE_HINT}")
UNKNOWN = Verdict(403, f"this API token is not known here (mistyped, or made for another stack); {CREATE_HINT}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer(authorization: Optional[str]) -> Optional[str]:
    """The token of an 'Authorization: Bearer <token>' header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def revoked(name: str) -> Verdict:
    return Verdict(403, f"API token {name} was revoked; {CREATE_HINT}", name)


class TokenCheck:
    def __init__(self, env_token: str, lookup: Lookup, clock: Callable[[], float] = time.monotonic,
                 ttl: float = CACHE_SECONDS, max_entries: int = 1024):
        self._env_hash = hash_token(env_token) if env_token else None
        self._lookup = lookup
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._answers = {}  # hash -> (expires, Verdict)
        self._lock = threading.Lock()

    def cached(self, authorization: Optional[str]) -> Optional[Verdict]:
        """The verdict when it needs no database (no token, the env token, a fresh cached answer), else None."""
        token = bearer(authorization)
        if token is None:
            return MISSING
        digest = hash_token(token)
        if self._env_hash is not None and hmac.compare_digest(digest, self._env_hash):
            return Verdict(200, "", ENV_TOKEN_NAME)
        answer = self._answers.get(digest)
        if answer is not None and answer[0] > self._clock():
            return answer[1]
        return None

    def check(self, authorization: Optional[str]) -> Verdict:
        """The verdict, asking the database when the cache cannot answer (raises what the lookup raises)."""
        verdict = self.cached(authorization)
        if verdict is not None:
            return verdict
        digest = hash_token(bearer(authorization))
        found = self._lookup(digest)
        verdict = UNKNOWN if found is None else revoked(found[0]) if found[1] else Verdict(200, "", found[0])
        with self._lock:
            if len(self._answers) >= self._max_entries:
                self._answers.clear()  # a flood of made-up tokens must not grow the process without bound
            self._answers[digest] = (self._clock() + self._ttl, verdict)
        return verdict
