"""An HTTP client of the team server (engine.team.api): the same typed values as a local
search, parsed back with engine.outcome_json, so a window shows remote results with the code
it shows local ones with. No Qt here.

Every failure is typed: the server's ``{"error": {"code", "message"}}`` becomes a
``ServerError`` with its ``ProblemCode``; no answer at all (refused, timed out, TLS not
trusted) a ``ServerUnreachable`` that says what to do."""

from __future__ import annotations

import io
import logging
import ssl
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from engine.errors import SagasuError
from engine.outcome_json import notes_from_json, results_from_json
from engine.search import SearchOutcome
from engine.team.problems import ProblemCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from engine.search import Query

log = logging.getLogger("sagasu.client")
TIMEOUT_S = 30.0  # a search on a busy server waits its turn (engine.team.api's slots)
HEALTH_TIMEOUT_S = 5.0
DOWNLOAD_CHUNK = 1 << 20


class ServerError(SagasuError):
    """The server answered with an error; ``code`` says which (engine.team.problems)."""

    def __init__(self, code: ProblemCode, message: str, status: int) -> None:
        self.code = code
        self.status = status
        super().__init__(message)


class Unreachable(StrEnum):
    """Why a server did not answer (the English line; a window says it in its language)."""

    TIMEOUT = "no answer in time"
    REFUSED = "connection refused or no route"
    UNTRUSTED = "its certificate is not trusted; set the CA bundle in Settings → Library"
    BROKEN = "the connection broke off"


class ServerUnreachable(SagasuError):
    """No answer from the server: ``why`` says why, the message says what to do."""

    def __init__(self, url: str, why: Unreachable) -> None:
        self.url = url
        self.why = why
        self.reason = why.value
        super().__init__(
            f"the team server at {url} does not answer ({why.value}); check the address and "
            "your network, or switch Settings → Library to This computer"
        )


class TeamClient:
    """One server, one user's token. Thread-safe (httpx.Client is), so a window's workers
    share it."""

    def __init__(
        self, url: str, token: str, ca_bundle: str | None = None, timeout: float = TIMEOUT_S
    ) -> None:
        self.url = url.rstrip("/")
        # TLS is verified always; a department CA bundle replaces the system's store.
        verify: Any = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=ca_bundle)
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            verify=verify,
            timeout=timeout,
        )

    # --- the API ---------------------------------------------------------------------

    def health(self) -> bool:
        """True when the server answers (no token needed); raises ServerUnreachable."""
        self._call("GET", "/v1/health", timeout=HEALTH_TIMEOUT_S)
        return True

    def search(
        self, query: Query, on_partial: Callable[[SearchOutcome], None] | None = None
    ) -> SearchOutcome:
        """A text or image query (``on_partial``: unused, the server answers once)."""
        if query.image is not None:
            return self.search_image(query.image, query.top_k)
        params: list[tuple[str, str | int]] = [("q", query.text), ("top_k", query.top_k)]
        params += [("kind", k.value) for k in sorted(query.kinds or ())]
        return _outcome(self._json("GET", "/v1/search", params=params))

    def search_image(self, image: Image.Image, top_k: int = 20) -> SearchOutcome:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
        files = {"image": ("query.png", out.getvalue(), "image/png")}
        data = {"top_k": str(top_k)}
        return _outcome(self._json("POST", "/v1/search/image", files=files, data=data))

    def status(self) -> dict[str, Any]:
        """The user's roots: counts, tiers, skipped files, whether each search is on."""
        answer = self._json("GET", "/v1/status")
        return answer if isinstance(answer, dict) else {}

    def thumbnail(self, item_id: int) -> bytes | None:
        """The item's small JPEG, or None when it has none."""
        try:
            return self._call("GET", f"/v1/items/{item_id}/thumbnail").content
        except ServerError as exc:
            if exc.code is ProblemCode.NO_PREVIEW:
                return None
            raise

    def preview(self, item_id: int, max_side: int) -> bytes:
        """The item's page (or photo) as a JPEG at most ``max_side`` pixels on a side."""
        params = {"size": max(64, min(4096, max_side)), "format": "jpeg"}
        return self._call("GET", f"/v1/items/{item_id}/preview", params=params).content

    def download(self, item_id: int, folder: Path, name: str) -> Path:
        """The original file, written to ``folder/<item_id>/name`` (a partial download never
        takes the final name)."""
        target = folder / str(item_id) / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            with self._http.stream("GET", f"/v1/items/{item_id}/file") as answer:
                if answer.status_code != 200:
                    answer.read()
                    raise _server_error(answer)
                with partial.open("wb") as out:
                    for chunk in answer.iter_bytes(DOWNLOAD_CHUNK):
                        out.write(chunk)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise ServerUnreachable(self.url, _why(exc)) from exc
        partial.replace(target)
        return target

    def close(self) -> None:
        self._http.close()

    # --- plumbing --------------------------------------------------------------------

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self._call(method, path, **kwargs)
        try:
            return answer.json()
        except ValueError as exc:
            raise ServerError(
                ProblemCode.INTERNAL, f"the server at {self.url} answered something not JSON", 200
            ) from exc

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ServerUnreachable(self.url, _why(exc)) from exc
        if answer.status_code >= 400:
            raise _server_error(answer)
        return answer


def _outcome(data: Any) -> SearchOutcome:
    return SearchOutcome(
        results_from_json(data.get("results") or []),
        notes_from_json(data.get("notes") or []),
        float(data.get("seconds") or 0.0),
    )


def _server_error(answer: httpx.Response) -> ServerError:
    """The typed error of an error answer; one that is not the server's JSON (a proxy's
    page) is said with its HTTP status."""
    try:
        error = answer.json()["error"]
        return ServerError(ProblemCode(error["code"]), str(error["message"]), answer.status_code)
    except (ValueError, KeyError, TypeError):
        code = ProblemCode.UNAUTHORIZED if answer.status_code == 401 else ProblemCode.INTERNAL
        return ServerError(
            code, f"the server answered HTTP {answer.status_code}", answer.status_code
        )


def _why(exc: httpx.TransportError) -> Unreachable:
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable.TIMEOUT
    # httpx has no type of its own for a failed TLS handshake: the ssl error is the cause.
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY" in str(exc):
        return Unreachable.UNTRUSTED
    if isinstance(exc, httpx.ConnectError):
        return Unreachable.REFUSED
    return Unreachable.BROKEN
