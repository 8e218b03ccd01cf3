"""The team directory in the library's catalog, on SQLite or PostgreSQL alike (the tables of
schema migration ``V6_TEAM``, and of the PostgreSQL schema)."""

from __future__ import annotations

import time

from engine.store.catalog import Catalog
from engine.store.sql import SqlConnection
from engine.team.directory import TeamError, User, check_name, new_token, token_hash


class CatalogDirectory:
    """Users and grants in the library's own catalog database (one transaction a change)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def add_user(self, name: str, groups: frozenset[str]) -> str:
        check_name(name)
        token = new_token()
        with self.catalog.transaction() as conn:
            if conn.execute("SELECT 1 FROM team_users WHERE name = ?", (name,)).fetchone():
                raise TeamError(f"user {name!r} exists: remove it first for a new token")
            conn.execute(
                "INSERT INTO team_users (name, token_sha256, created_at) VALUES (?, ?, ?)",
                (name, token_hash(token), time.time()),
            )
            _insert_groups(conn, name, groups)
        return token

    def remove_user(self, name: str) -> bool:
        with self.catalog.transaction() as conn:
            return conn.execute("DELETE FROM team_users WHERE name = ?", (name,)).rowcount > 0

    def set_groups(self, name: str, groups: frozenset[str]) -> None:
        with self.catalog.transaction() as conn:
            if not conn.execute("SELECT 1 FROM team_users WHERE name = ?", (name,)).fetchone():
                raise TeamError(f"no user {name!r}: sagasu users list shows them")
            conn.execute("DELETE FROM team_user_groups WHERE user_name = ?", (name,))
            _insert_groups(conn, name, groups)

    def users(self) -> list[User]:
        rows = self.catalog.query("SELECT name, created_at FROM team_users ORDER BY name")
        groups = self._groups()
        return [User(n, groups.get(n, frozenset()), float(t)) for n, t in rows]

    def user_for_token(self, token: str) -> User | None:
        rows = self.catalog.query(
            "SELECT name, created_at FROM team_users WHERE token_sha256 = ?", (token_hash(token),)
        )
        if not rows:
            return None
        name, created = rows[0]
        return User(name, self._groups(name).get(name, frozenset()), float(created))

    def grant(self, root: str, groups: frozenset[str]) -> None:
        with self.catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO team_root_groups (root, group_name) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                [(root, check_name(g, "group")) for g in sorted(groups)],
            )

    def revoke(self, root: str, groups: frozenset[str]) -> None:
        with self.catalog.transaction() as conn:
            conn.executemany(
                "DELETE FROM team_root_groups WHERE root = ? AND group_name = ?",
                [(root, g) for g in sorted(groups)],
            )

    def grants(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for root, group in self.catalog.query("SELECT root, group_name FROM team_root_groups"):
            out.setdefault(str(root), set()).add(str(group))
        return {root: frozenset(groups) for root, groups in out.items()}

    def close(self) -> None:
        """The catalog belongs to the library, which closes it."""

    def _groups(self, name: str | None = None) -> dict[str, frozenset[str]]:
        sql = "SELECT user_name, group_name FROM team_user_groups"
        rows = (
            self.catalog.query(sql + " WHERE user_name = ?", (name,))
            if name
            else (self.catalog.query(sql))
        )
        out: dict[str, set[str]] = {}
        for user, group in rows:
            out.setdefault(str(user), set()).add(str(group))
        return {user: frozenset(groups) for user, groups in out.items()}


def _insert_groups(conn: SqlConnection, name: str, groups: frozenset[str]) -> None:
    conn.executemany(
        "INSERT INTO team_user_groups (user_name, group_name) VALUES (?, ?)",
        [(name, check_name(g, "group")) for g in sorted(groups)],
    )
