"""Server paths to the user's own paths: the server indexes ``/srv/share/...``, this computer
reaches the same files as ``\\\\nas\\share\\...`` or ``/mnt/share/...``. Pure functions."""

from __future__ import annotations

import re

PathMapping = tuple[str, str]  # (server prefix, local prefix)
_WINDOWS_LOCAL = re.compile(r"^(\\\\|//|[A-Za-z]:)")


def map_path(server_path: str, mappings: tuple[PathMapping, ...] | list[PathMapping]) -> str:
    """``server_path`` through the first mapping whose server prefix holds it (a whole
    folder name: ``/srv/share`` maps ``/srv/share/a.pdf``, not ``/srv/shared/a.pdf``);
    unchanged when none does. The rest of the path takes the local prefix's separators.
    Prefixes match as spelt (case-sensitive), like the server's roots."""
    path = server_path.replace("\\", "/")
    for server, local in mappings:
        prefix = server.replace("\\", "/").rstrip("/")
        if not prefix or not (path == prefix or path.startswith(prefix + "/")):
            continue
        rest = [part for part in path[len(prefix) :].split("/") if part]
        return _join(local, rest)
    return server_path


def _join(local: str, parts: list[str]) -> str:
    windows = bool(_WINDOWS_LOCAL.match(local))
    sep = "\\" if windows else "/"
    base = (local.replace("/", "\\") if windows else local).rstrip(sep)
    if windows and re.fullmatch(r"[A-Za-z]:", base):
        base += sep  # "Z:" alone is the drive's current folder, not its top
    elif not base:
        base = sep  # the local prefix is "/"
    if not parts:
        return base
    return base + ("" if base.endswith(sep) else sep) + sep.join(parts)


def parse_mappings(text: str) -> tuple[PathMapping, ...]:
    """Lines ``SERVER => LOCAL`` (the settings panel's text box); raises ValueError naming
    the first line that is not one."""
    out: list[PathMapping] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        server, arrow, local = line.partition("=>")
        if not arrow or not server.strip() or not local.strip():
            raise ValueError(f"line {number}: write SERVER PREFIX => LOCAL PREFIX")
        out.append((server.strip(), local.strip()))
    return tuple(out)


def mappings_text(mappings: tuple[PathMapping, ...]) -> str:
    return "\n".join(f"{server} => {local}" for server, local in mappings)
