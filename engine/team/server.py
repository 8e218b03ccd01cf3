"""``sagasu serve``: the API (engine.team.api) on uvicorn, over one library.

Several server processes may serve one library: they only read the catalog (SQLite in WAL
mode lets them read while an index run in another process writes; PostgreSQL too) and each
keeps its own models. TLS is uvicorn's (``--tls-cert``/``--tls-key``); without it the
server is meant for loopback or a TLS-terminating proxy in front."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.library import Library

log = logging.getLogger("sagasu.serve")


@dataclass(frozen=True)
class ServeOptions:
    data_dir: Path | None
    store_url: str | None
    host: str = "127.0.0.1"
    port: int = 8470
    tls_cert: Path | None = None
    tls_key: Path | None = None
    warm: bool = True  # load the models before listening: the first query is not slowed
    search_slots: int = 0  # searches at once (engine.team.api.create_app)


def serve(options: ServeOptions) -> None:
    """Open the library, load its models, and answer until interrupted."""
    import uvicorn

    from engine.library import Library
    from engine.team.api import create_app

    with Library(options.data_dir, store=options.store_url) as library:
        team = library.team()
        try:
            if options.warm:
                _warm_up(library)
            app = create_app(library, team, options.search_slots)
            scheme = "https" if options.tls_cert else "http"
            print(
                f"sagasu: serving {library.data_dir} at {scheme}://{options.host}:{options.port}"
                " (OpenAPI: /openapi.json, /docs)",
                file=sys.stderr,
                flush=True,
            )
            uvicorn.run(
                app,
                host=options.host,
                port=options.port,
                ssl_certfile=str(options.tls_cert) if options.tls_cert else None,
                ssl_keyfile=str(options.tls_key) if options.tls_key else None,
                log_level="warning",
                access_log=False,
            )
        finally:
            team.close()


def _warm_up(library: Library) -> None:
    """Load the models and what a first search reads (vectors, calibration, the word lists of
    both languages), so the first users are not the ones who wait for it."""
    from engine.search import Query

    library.warm_up()
    for text in ("warm up", "起動"):
        library.search(Query(text=text, top_k=1))
