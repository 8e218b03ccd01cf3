"""The team server's view of one library: its directory of users, and what each may read.
``Library.team()`` hands it out, so the server reaches the engine only through the library."""

from __future__ import annotations

from collections.abc import Callable

from engine.store.catalog import Catalog
from engine.team.access import Readable, Scope, readable, scoped_status
from engine.team.catalog_directory import CatalogDirectory
from engine.team.directory import TeamDirectory, User, roots_for


class TeamAccess:
    def __init__(self, catalog: Catalog, status: Callable[[], dict[str, object]]) -> None:
        self.catalog = catalog
        self._status = status
        # Users and grants live in the library's own catalog (SQLite or the team's PostgreSQL).
        self.directory: TeamDirectory = CatalogDirectory(catalog)

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
