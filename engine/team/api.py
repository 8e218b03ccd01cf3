"""The team server's HTTP API (FastAPI): search by text and by image, status, thumbnails,
page previews and original files, each for one user's readable roots.

Access is decided in the engine (engine.team.access: a ``Scope`` per user, applied by the
search before fusion and by ``TeamAccess.readable`` for every item URL); the endpoints only
pass the user's scope along. Every error is ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import io
import logging
import os
import threading
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from engine.outcome_json import outcome_json
from engine.search import Query as SearchQuery
from engine.team.access import Readable, Scope
from engine.team.freshness import Freshness
from engine.team.problems import Problem, ProblemCode
from engine.types import ItemKind

if TYPE_CHECKING:
    from engine.library import Library
    from engine.team.view import TeamAccess

log = logging.getLogger("sagasu.serve")
MAX_UPLOAD_MB = 32
MAX_TOP_K = 200
PREVIEW_SIDES = (64, 4096)


def _scope(request: Request) -> Scope:
    """The readable roots of the user whose token the request carries; 401 without one."""
    team: TeamAccess = request.app.state.team
    token = _bearer(request.headers.get("authorization", ""))
    user = team.directory.user_for_token(token) if token else None
    if user is None:
        raise Problem(ProblemCode.UNAUTHORIZED)
    return team.scope_of(user)


UserScope = Annotated[Scope, Depends(_scope)]


def create_app(library: Library, team: TeamAccess, search_slots: int = 0) -> FastAPI:
    """The API over ``library``; ``team`` knows the users and what each may read.
    ``search_slots``: searches run at once (0: one per two cores, at least one)."""
    app = FastAPI(
        title="Sagasu team server",
        version="1",
        description="Search a shared Sagasu library. Every call but /v1/health takes "
        "`Authorization: Bearer TOKEN` (`sagasu users add`).",
    )
    fresh = Freshness(library)
    # Requests beyond the slots wait their turn. Twenty searches at once on two cores, each
    # spreading MiniLM, OpenCV and onnxruntime over every core, took minutes each; in turn
    # they take their own time plus the queue's (docs/BENCHMARKS.md, bench_serve.py).
    slots = threading.BoundedSemaphore(search_slots or max(1, (os.cpu_count() or 2) // 2))
    _add_error_handlers(app)

    app.state.team = team

    @app.get("/v1/health", summary="Liveness (no token)")
    def health() -> dict[str, object]:
        return {"ok": True}

    @app.get("/v1/search", summary="Search by text: the same results as `sagasu search --json`")
    def search_text(
        user: UserScope,
        q: Annotated[str, Query(min_length=1, max_length=2000)],
        top_k: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 20,
        kind: Annotated[list[ItemKind] | None, Query()] = None,
    ) -> dict[str, object]:
        fresh.check()
        query = SearchQuery(text=q, top_k=top_k, kinds=set(kind) if kind else None, scope=user)
        with slots:
            return outcome_json(library.search(query))

    @app.post("/v1/search/image", summary="Search by a photo or picture (multipart upload)")
    def search_image(
        user: UserScope,
        image: Annotated[UploadFile, File()],
        top_k: Annotated[int, Form(ge=1, le=MAX_TOP_K)] = 20,
    ) -> dict[str, object]:
        data = image.file.read(MAX_UPLOAD_MB * 2**20 + 1)
        if len(data) > MAX_UPLOAD_MB * 2**20:
            raise Problem(ProblemCode.TOO_LARGE, limit=MAX_UPLOAD_MB)
        try:
            picture = library.load_query_image(data)
        except Exception as exc:  # ExtractError, OSError, PIL's errors: the upload is bad
            raise Problem(ProblemCode.BAD_IMAGE, detail=_reason(exc)) from exc
        fresh.check()
        with slots:
            return outcome_json(library.search(SearchQuery(image=picture, top_k=top_k, scope=user)))

    @app.get("/v1/status", summary="Your roots: counts, tiers, skipped files, models")
    def status(user: UserScope) -> dict[str, object]:
        return team.status(user)

    @app.get("/v1/items/{item_id}/thumbnail", summary="The item's small JPEG")
    def thumbnail(user: UserScope, item_id: str) -> Response:
        item = _item(team, user, item_id)
        data = library.thumbnail(item.item_id)
        if data is None:
            raise Problem(ProblemCode.NO_PREVIEW)
        return Response(data, media_type="image/jpeg")

    @app.get("/v1/items/{item_id}/preview", summary="The item's page (or photo) as an image")
    def preview(
        user: UserScope,
        item_id: str,
        size: Annotated[int, Query(ge=PREVIEW_SIDES[0], le=PREVIEW_SIDES[1])] = 1024,
        format: Annotated[str, Query(pattern="^(png|jpeg)$")] = "jpeg",
    ) -> Response:
        item = _item(team, user, item_id)
        if item.file is None:
            raise Problem(ProblemCode.FILE_UNAVAILABLE)
        picture = _picture(library, item, size)
        out = io.BytesIO()
        picture.convert("RGB").save(out, format=format.upper(), quality=88)
        return Response(out.getvalue(), media_type=f"image/{format}")

    @app.get("/v1/items/{item_id}/file", summary="The original file")
    def original(user: UserScope, item_id: str) -> FileResponse:
        item = _item(team, user, item_id)
        if item.file is None:
            raise Problem(ProblemCode.FILE_UNAVAILABLE)
        return FileResponse(item.file, filename=item.file.name)

    return app


def _item(team: TeamAccess, scope: Scope, item_id: str) -> Readable:
    """The item when the user may read it; one 403 for another root's, an unknown id and
    anything that is not an id (a path, ``..``), so none of them tells what exists."""
    item = team.readable(scope, int(item_id)) if item_id.isascii() and item_id.isdigit() else None
    if item is None:
        raise Problem(ProblemCode.FORBIDDEN)
    return item


def _picture(library: Library, item: Readable, size: int) -> Any:
    assert item.file is not None
    try:
        if item.kind is ItemKind.PHOTO:
            picture = library.load_query_image(item.file)
            picture.thumbnail((size, size))
            return picture
        return library.render_page(item.file, item.page or 1, max_side=size)
    except Exception as exc:  # a file changed on disk since it was indexed
        log.warning("preview of item %s failed: %s", item.item_id, exc)
        raise Problem(ProblemCode.FILE_UNAVAILABLE) from exc


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "reason", None) or exc or type(exc).__name__)


def _add_error_handlers(app: FastAPI) -> None:
    def answer(problem: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
        return JSONResponse(problem.body(), status_code=problem.status, headers=headers)

    @app.exception_handler(Problem)
    async def on_problem(_: Request, exc: Problem) -> JSONResponse:
        return answer(exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
        return answer(Problem(ProblemCode.BAD_REQUEST, detail=f"check {fields}"))

    @app.exception_handler(HTTPException)
    async def on_http(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return answer(Problem(ProblemCode.NOT_FOUND))
        return answer(Problem(ProblemCode.BAD_REQUEST, detail=f"HTTP {exc.status_code}"))

    @app.exception_handler(Exception)
    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return answer(Problem(ProblemCode.INTERNAL))
