"""The team server token of this computer's user. No OS keyring is available to the app
(``keyring`` is not a dependency), so it is a file in the data folder readable by the user
alone (0600), never in settings.json, which is shared in bug reports."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TOKEN_FILE = "team-token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def read_token(data_dir: Path) -> str:
    """The saved token, or "" when none is saved or it cannot be read."""
    try:
        return token_path(data_dir).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def save_token(data_dir: Path, token: str) -> None:
    """Write the token with owner-only permissions from the first byte (the file is created
    0600, not chmod-ed after it was written); an empty token removes the file."""
    path = token_path(data_dir)
    if not token:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(TOKEN_FILE + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token.strip())
    os.replace(partial, path)
