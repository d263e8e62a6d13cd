"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended profile)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The stored form of ``password`` (a PHC string with its own salt and parameters)."""
    return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False for a damaged hash, never an exception)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with weaker parameters than today's (rehashed at the next good login)."""
    return _hasher.check_needs_rehash(stored)


@functools.cache
def _dummy() -> str:
    return _hasher.hash("no such account")


def spend_time() -> None:
    """Verify against a dummy hash: a login for an unknown name costs as long as one for a real account,
    so the time taken does not tell which names exist."""
    verify(_dummy(), "not the password")
