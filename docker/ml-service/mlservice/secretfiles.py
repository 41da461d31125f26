"""Passwords and keys as files (compose secrets, /run/secrets/...), and URLs that get their password only in the
process. Imports nothing of the stack's settings, so every service (the autoscaler too) can use it."""
import os
from urllib.parse import quote, urlsplit, urlunsplit


def secret(name: str) -> str:
    """A password or key: from the file NAME_FILE names (compose secrets, /run/secrets/...), else NAME itself."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read().rstrip("\r\n")
    return os.environ.get(name, "")


def with_password(url: str, password: str) -> str:
    """URL with password added to its user part (redis://redis:6379/0 → redis://:PASSWORD@redis:6379/0); unchanged
    when there is no password or the URL already has one."""
    parts = urlsplit(url)
    if not password or parts.password is not None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))
