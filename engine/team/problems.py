"""The team server's errors: a typed code, an HTTP status and one English line. Every error
body is ``{"error": {"code": CODE, "message": LINE}}``, never a traceback."""

from __future__ import annotations

from enum import StrEnum


class ProblemCode(StrEnum):
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    NO_PREVIEW = "no_preview"
    FILE_UNAVAILABLE = "file_unavailable"
    TOO_LARGE = "too_large"
    BAD_IMAGE = "bad_image"
    BUSY = "busy"
    INTERNAL = "internal"


STATUS = {
    ProblemCode.UNAUTHORIZED: 401,
    ProblemCode.FORBIDDEN: 403,
    ProblemCode.BAD_REQUEST: 400,
    ProblemCode.NOT_FOUND: 404,
    ProblemCode.NO_PREVIEW: 404,
    ProblemCode.FILE_UNAVAILABLE: 404,
    ProblemCode.TOO_LARGE: 413,
    ProblemCode.BAD_IMAGE: 400,
    ProblemCode.BUSY: 503,
    ProblemCode.INTERNAL: 500,
}

# The same line for an unknown item and another root's: a 403 tells nothing about existence.
ENGLISH = {
    ProblemCode.UNAUTHORIZED: "a valid token is required: Authorization: Bearer TOKEN",
    ProblemCode.FORBIDDEN: "this item is not readable with your token",
    ProblemCode.BAD_REQUEST: "the request is not valid: {detail}",
    ProblemCode.NOT_FOUND: "no such endpoint; /docs lists them",
    ProblemCode.NO_PREVIEW: "this item has no picture to show",
    ProblemCode.FILE_UNAVAILABLE: "the file is no longer on the server's disk",
    ProblemCode.TOO_LARGE: "the upload is over {limit} MB",
    ProblemCode.BAD_IMAGE: "the uploaded file is not an image that can be read: {detail}",
    ProblemCode.BUSY: "the index is being repaired or reopened; try again shortly",
    ProblemCode.INTERNAL: "the server met an unexpected problem; its log has the details",
}


class Problem(Exception):
    """An error answered as JSON with its code (engine.team.api turns it into a response)."""

    def __init__(self, code: ProblemCode, **params: object) -> None:
        self.code = code
        self.message = ENGLISH[code].format(**params)
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code.value, "message": self.message}}
