"""The team server's view of one library: its directory of users, and what each may read.
``Library.team()`` hands it out, so the server reaches the engine only through the library."""

from __future__ import annotations

from collections.abc import Callable

from engine.store.catalog import Catalog
from engine.team.access import Readable, Scope, readable, scoped_status
from engine.team.directory import TeamDirectory, TeamError, User, roots_for

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class TeamAccess:
    def __init__(
        self, catalog: Catalog, status: Callable[[], dict[str, object]], store_url: str | None
    ) -> None:
        self.catalog = catalog
        self._status = status
        self.directory = open_directory(catalog, store_url)

    def scope_of(self, user: User) -> Scope:
        """The roots ``user``'s groups may read, as granted now."""
        return Scope(roots_for(user, self.directory.grants()))

    def readable(self, scope: Scope, item_id: int) -> Readable | None:
        return readable(self.catalog, scope, item_id)

    def status(self, scope: Scope) -> dict[str, object]:
        return scoped_status(self.catalog, scope, self._status())

    def indexed_roots(self) -> list[str]:
        return sorted(str(r) for (r,) in self.catalog.query("SELECT DISTINCT root FROM files"))

    def close(self) -> None:
        self.directory.close()


def open_directory(catalog: Catalog, store_url: str | None) -> TeamDirectory:
    """The directory in PostgreSQL at ``store_url``, else in the SQLite catalog."""
    if store_url is None:
        from engine.team.sqlite_directory import SqliteDirectory

        return SqliteDirectory(catalog)
    if not store_url.startswith(POSTGRES_SCHEMES):
        raise TeamError(f"--store must be a postgresql:// URL, not {store_url!r}")
    from engine.team.pg_directory import PostgresDirectory

    return PostgresDirectory(store_url)
