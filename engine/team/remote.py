"""A team server as a window's ``SearchSource`` (engine.search_source): searches, pictures
and status come from the server (engine.team.client), and a result's file is opened from
this computer's own copy, its server path mapped through Settings.path_mappings
(engine.team.paths), or downloaded into a cache folder when this computer has none."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.search import Query, SearchOutcome
from engine.team.client import ServerError, TeamClient
from engine.team.paths import PathMapping, map_path
from engine.team.problems import ProblemCode
from engine.team.token_file import read_token

if TYPE_CHECKING:
    from PIL import Image

    from engine.config import Settings
    from engine.types import SearchResult

DOWNLOADS_DIR = "team-downloads"  # in the data folder: originals fetched from the server
NOTHING_TO_SHOW = {ProblemCode.NO_PREVIEW, ProblemCode.FILE_UNAVAILABLE}


class RemoteLibrary:
    def __init__(
        self, client: TeamClient, mappings: tuple[PathMapping, ...], downloads: Path
    ) -> None:
        self.client = client
        self.mappings = mappings
        self.downloads = downloads

    @property
    def url(self) -> str:
        return self.client.url

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome:
        return self.client.search(query, on_partial)

    def similar_to(self, item_id: int, top_k: int = 20) -> SearchOutcome:
        """The server has no "find similar": the item's picture is the query, as a local
        library does for pictures, and the item itself is left out."""
        data = self.client.thumbnail(item_id)
        if data is None:
            return SearchOutcome([])
        outcome = self.client.search(Query(image=_image(data), top_k=top_k + 1))
        outcome.results = [r for r in outcome.results if r.item_id != item_id][:top_k]
        return outcome

    def thumbnail(self, item_id: int) -> bytes | None:
        return self.client.thumbnail(item_id)

    def preview(self, result: SearchResult, max_side: int) -> Image.Image | None:
        try:
            return _image(self.client.preview(result.item_id, max_side))
        except ServerError as exc:
            if exc.code in NOTHING_TO_SHOW:
                return None
            raise

    def counts(self) -> dict[str, object]:
        return self.client.status()

    def original(self, result: SearchResult) -> Path:
        return Path(map_path(str(result.path), self.mappings))

    def fetch_original(self, result: SearchResult) -> Path | None:
        return self.client.download(result.item_id, self.downloads, result.path.name)

    def health(self) -> bool:
        return self.client.health()

    def close(self) -> None:
        self.client.close()


def open_remote(settings: Settings, data_dir: Path) -> RemoteLibrary:
    """The server of ``settings`` with the token saved in ``data_dir`` (engine.team.token_file)."""
    client = TeamClient(settings.server_url, read_token(data_dir), settings.server_ca_bundle)
    return RemoteLibrary(client, settings.path_mappings, data_dir / DOWNLOADS_DIR)


def _image(data: bytes) -> Image.Image:
    from PIL import Image

    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture
