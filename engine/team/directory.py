"""Users, groups and the groups each indexed root belongs to: one small protocol with a
SQLite implementation (in the catalog database) and a PostgreSQL one.

Tokens: ``secrets.token_urlsafe(32)`` (256 random bits), shown once; only their SHA-256 is
stored. Why not bcrypt, scrypt or argon2: those slow hashes exist to make guessing a
low-entropy password expensive. Nobody guesses 256 random bits, so a slow hash would add
only its cost (tens of milliseconds and megabytes) to every request, and it would rule out
finding the user by an index on the hash. A stolen table of SHA-256 digests yields no token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from engine.errors import SagasuError

TOKEN_PREFIX = "sgs_"  # recognisable in a leaked log or config file
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class TeamError(SagasuError):
    """A bad user or group name, an unknown user: one line saying what to do."""


@dataclass(frozen=True)
class User:
    name: str
    groups: frozenset[str]
    created_at: float


class TeamDirectory(Protocol):
    """Who may read what. Names are checked here (``check_name``) before any store sees them."""

    def add_user(self, name: str, groups: frozenset[str]) -> str:
        """Create ``name`` in ``groups``; returns the token (never stored, never shown again).
        Raises TeamError when the user exists."""
        ...

    def remove_user(self, name: str) -> bool: ...

    def set_groups(self, name: str, groups: frozenset[str]) -> None:
        """Replace the user's groups; raises TeamError for an unknown user."""
        ...

    def users(self) -> list[User]: ...

    def user_for_token(self, token: str) -> User | None: ...

    def grant(self, root: str, groups: frozenset[str]) -> None:
        """Let ``groups`` read the indexed folder ``root`` (spelt as engine.crawl.folder_root)."""
        ...

    def revoke(self, root: str, groups: frozenset[str]) -> None: ...

    def grants(self) -> dict[str, frozenset[str]]:
        """root → the groups that may read it."""
        ...

    def close(self) -> None: ...


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_name(name: str, what: str = "user") -> str:
    """``name`` when it is a usable user or group name, else TeamError saying why."""
    if not _NAME.match(name):
        raise TeamError(
            f"{what} name {name!r} is not usable: letters, digits and . _ @ - (at most 64), "
            "starting with a letter or digit"
        )
    return name


def parse_groups(text: str) -> frozenset[str]:
    """``a,b`` → {"a", "b"}; every name checked."""
    return frozenset(check_name(g.strip(), "group") for g in text.split(",") if g.strip())


def roots_for(user: User, grants: dict[str, frozenset[str]]) -> frozenset[str]:
    """The roots ``user``'s groups may read."""
    return frozenset(root for root, groups in grants.items() if groups & user.groups)
