"""The team directory in PostgreSQL, in the same database as the team catalog.

Its own small DDL (``CREATE ... IF NOT EXISTS`` in one transaction, serialised by an advisory
lock so several ``sagasu serve`` processes starting at once create it once)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from engine.team.directory import TeamError, User, check_name, new_token, token_hash

if TYPE_CHECKING:
    import psycopg

DDL = (
    "CREATE TABLE IF NOT EXISTS team_users (name TEXT PRIMARY KEY,"
    " token_sha256 TEXT NOT NULL UNIQUE, created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS team_user_groups (user_name TEXT NOT NULL"
    " REFERENCES team_users(name) ON DELETE CASCADE, group_name TEXT NOT NULL,"
    " PRIMARY KEY (user_name, group_name))",
    "CREATE TABLE IF NOT EXISTS team_root_groups (root TEXT NOT NULL,"
    " group_name TEXT NOT NULL, PRIMARY KEY (root, group_name))",
)
_DDL_LOCK = 0x5A6A5375  # pg_advisory_xact_lock key: "team directory DDL"


class PostgresDirectory:
    """Users and grants in PostgreSQL; one connection, autocommit off, one transaction a call."""

    def __init__(self, url: str) -> None:
        import psycopg

        # One connection for the server's threads: a lock keeps their transactions apart
        # (psycopg would nest a second thread's transaction inside the first as a savepoint).
        self._lock = threading.Lock()
        try:
            self._conn: psycopg.Connection[Any] = psycopg.connect(url)
        except psycopg.Error as exc:
            raise TeamError(f"cannot reach the team database: {exc}".strip()) from exc
        with self._lock, self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            for statement in DDL:
                self._conn.execute(statement)

    def add_user(self, name: str, groups: frozenset[str]) -> str:
        import psycopg

        check_name(name)
        token = new_token()
        try:
            with self._lock, self._conn.transaction():
                self._conn.execute(
                    "INSERT INTO team_users (name, token_sha256, created_at) VALUES (%s, %s, %s)",
                    (name, token_hash(token), time.time()),
                )
                self._insert_groups(name, groups)
        except psycopg.errors.UniqueViolation as exc:
            raise TeamError(f"user {name!r} exists: remove it first for a new token") from exc
        return token

    def remove_user(self, name: str) -> bool:
        with self._lock, self._conn.transaction():
            cur = self._conn.execute("DELETE FROM team_users WHERE name = %s", (name,))
            return cur.rowcount > 0

    def set_groups(self, name: str, groups: frozenset[str]) -> None:
        with self._lock, self._conn.transaction():
            found = self._conn.execute("SELECT 1 FROM team_users WHERE name = %s", (name,))
            if found.fetchone() is None:
                raise TeamError(f"no user {name!r}: sagasu users list shows them")
            self._conn.execute("DELETE FROM team_user_groups WHERE user_name = %s", (name,))
            self._insert_groups(name, groups)

    def users(self) -> list[User]:
        with self._lock, self._conn.transaction():
            rows = self._conn.execute(
                "SELECT u.name, u.created_at, array_remove(array_agg(g.group_name), NULL)"
                " FROM team_users u LEFT JOIN team_user_groups g ON g.user_name = u.name"
                " GROUP BY u.name, u.created_at ORDER BY u.name"
            ).fetchall()
        return [User(n, frozenset(gs), float(t)) for n, t, gs in rows]

    def user_for_token(self, token: str) -> User | None:
        with self._lock, self._conn.transaction():
            row = self._conn.execute(
                "SELECT u.name, u.created_at, array_remove(array_agg(g.group_name), NULL)"
                " FROM team_users u LEFT JOIN team_user_groups g ON g.user_name = u.name"
                " WHERE u.token_sha256 = %s GROUP BY u.name, u.created_at",
                (token_hash(token),),
            ).fetchone()
        return None if row is None else User(row[0], frozenset(row[2]), float(row[1]))

    def grant(self, root: str, groups: frozenset[str]) -> None:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO team_root_groups (root, group_name) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                [(root, check_name(g, "group")) for g in sorted(groups)],
            )

    def revoke(self, root: str, groups: frozenset[str]) -> None:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany(
                "DELETE FROM team_root_groups WHERE root = %s AND group_name = %s",
                [(root, g) for g in sorted(groups)],
            )

    def grants(self) -> dict[str, frozenset[str]]:
        with self._lock, self._conn.transaction():
            rows = self._conn.execute("SELECT root, group_name FROM team_root_groups").fetchall()
        out: dict[str, set[str]] = {}
        for root, group in rows:
            out.setdefault(str(root), set()).add(str(group))
        return {root: frozenset(groups) for root, groups in out.items()}

    def close(self) -> None:
        self._conn.close()

    def _insert_groups(self, name: str, groups: frozenset[str]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO team_user_groups (user_name, group_name) VALUES (%s, %s)",
                [(name, check_name(g, "group")) for g in sorted(groups)],
            )
