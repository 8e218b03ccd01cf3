"""The window's words for a team server's typed failures (engine.team.client): each
``ProblemCode`` and an unreachable server, in the user's language."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from engine.team.client import ServerError, ServerUnreachable, Unreachable
from engine.team.problems import ProblemCode


def server_problem_text(exc: BaseException) -> str:
    """One line for ``exc``: what went wrong on the server, or why it did not answer."""
    if isinstance(exc, ServerUnreachable):
        return QCoreApplication.translate(
            "TeamMessages", "The team server at {0} does not answer: {1}"
        ).format(exc.url, reason_text(exc.why))
    if isinstance(exc, ServerError):
        words = {
            ProblemCode.UNAUTHORIZED: QCoreApplication.translate(
                "TeamMessages", "The server does not accept this token."
            ),
            ProblemCode.FORBIDDEN: QCoreApplication.translate(
                "TeamMessages", "This item is not readable with your token."
            ),
            ProblemCode.TOO_LARGE: QCoreApplication.translate(
                "TeamMessages", "The image is too large for the server."
            ),
            ProblemCode.BAD_IMAGE: QCoreApplication.translate(
                "TeamMessages", "The server cannot read this image."
            ),
            ProblemCode.BUSY: QCoreApplication.translate(
                "TeamMessages", "The server is busy repairing its index; try again shortly."
            ),
            ProblemCode.FILE_UNAVAILABLE: QCoreApplication.translate(
                "TeamMessages", "The file is no longer on the server's disk."
            ),
        }
        return words.get(exc.code) or QCoreApplication.translate(
            "TeamMessages", "The server answered: {0}"
        ).format(exc)
    return QCoreApplication.translate("TeamMessages", "Something went wrong: {0}").format(
        exc or type(exc).__name__
    )


def reason_text(why: Unreachable) -> str:
    """Why the server did not answer, in the user's language."""
    return {
        Unreachable.TIMEOUT: QCoreApplication.translate("TeamMessages", "no answer in time"),
        Unreachable.REFUSED: QCoreApplication.translate(
            "TeamMessages", "connection refused or no route"
        ),
        Unreachable.UNTRUSTED: QCoreApplication.translate(
            "TeamMessages",
            "its certificate is not trusted; set the CA bundle in Settings → Library",
        ),
        Unreachable.BROKEN: QCoreApplication.translate("TeamMessages", "the connection broke off"),
    }[why]
