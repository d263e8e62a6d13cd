"""Password hashing with Argon2id (RFC 9106). The parameters are the STAFF_ARGON2_PROFILE setting, a profile
of ``argon2.profiles``: RFC_9106_LOW_MEMORY in production (64 MiB, 3 passes); the test suite uses CHEAPEST.
A hash keeps its own parameters, so a change of profile applies to each password at its next good login."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@functools.cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def _hasher() -> PasswordHasher:
    return _hasher_for(current_app.config["STAFF_ARGON2_PROFILE"])


def hash_password(password: str) -> str:
    """The stored form of ``password`` (a PHC string with its own salt and parameters)."""
    return _hasher().hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False for a damaged hash, never an exception)."""
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with other parameters than the current profile's (rehashed at login)."""
    return _hasher().check_needs_rehash(stored)


@functools.cache
def _dummy(profile: str) -> str:
    return _hasher_for(profile).hash("no such account")


def spend_time() -> None:
    """Verify against a dummy hash: a login for an unknown name costs as long as one for a real account,
    so the time taken does not tell which names exist."""
    verify(_dummy(current_app.config["STAFF_ARGON2_PROFILE"]), "not the password")
