"""Find indexable files under the configured folders.

The walk is an explicit-stack depth-first ``os.scandir`` walk (no ``os.walk``) so that every
failure can be reported per folder as a :class:`Skipped` and the walk goes on. Order is
deterministic: roots in the given order, then per folder its files sorted by name, then its
subfolders sorted by name.

Paths on Linux may contain bytes that are not UTF-8. Python hands them over as ``str`` with
surrogate escapes (PEP 383); such a ``str`` cannot be encoded to UTF-8, so SQLite (and JSON)
refuse it. Store paths with :func:`storable_path` and read them back with
:func:`path_from_storable` (a lossless ``os.fsencode`` round trip); show them with
:func:`display_path`.
"""

from __future__ import annotations

import base64
import errno
import fnmatch
import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from engine.config import FolderConfig
from engine.types import Cancelled, FileEntry, FileType, Skipped

EXTENSIONS: dict[str, FileType] = {
    ".pdf": FileType.PDF,
    ".jpg": FileType.IMAGE,
    ".jpeg": FileType.IMAGE,
    ".jpe": FileType.IMAGE,
    ".png": FileType.IMAGE,
    ".webp": FileType.IMAGE,
    ".tif": FileType.IMAGE,
    ".tiff": FileType.IMAGE,
    ".bmp": FileType.IMAGE,
    ".gif": FileType.IMAGE,
}

# Windows marks hidden files with an attribute instead of a leading dot.
_FILE_ATTRIBUTE_HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0x2)
_STORED_BYTES_PREFIX = "fsb64:"
_HASH_SAMPLE = 1 << 20  # 1 MiB


def file_type_for(path: Path | str) -> FileType | None:
    """The file type a name promises (by extension, case-insensitive); None if unsupported.

    Content is checked later, at extract time (``engine.extract.sniff_file_type``).
    """
    return EXTENSIONS.get(os.path.splitext(os.fspath(path))[1].lower())


def crawl(
    roots: list[FolderConfig],
    on_skip: Callable[[Skipped], None],
    cancel: Callable[[], bool],
    *,
    include_hidden: bool = False,
    walk: Walk | None = None,
) -> Iterator[FileEntry]:
    """Yield every supported file under ``roots``; report problems through ``on_skip``.

    Raises :class:`Cancelled` (between folders) when ``cancel()`` turns true. Symbolic links
    follow :class:`Walk`'s rules: a file is yielded once, whatever the paths that reach it.
    Pass one ``walk`` to several calls to share them (the indexer crawls root by root).
    """
    walk = walk if walk is not None else Walk(roots)
    for root in roots:
        yield from _crawl_root(root, on_skip, cancel, walk, include_hidden)


class Walk:
    """The rules for links, and what an index run's crawl has reached so far.

    * A link whose target lies outside every indexed folder is not followed: it is skipped
      with the reason ``link outside the indexed folders`` (shown by ``sagasu status``).
      Following it would index, and show in results, files the user never chose; a link
      to ``/`` or a home folder would index the whole disk.
    * A link into another indexed folder is not followed: that folder indexes the files
      under their own path.
    * A link within its own folder is followed after the folder's real tree, so a file is
      listed under its real path when it has one. A file or folder reached again (a second
      link, a hard link, a loop) is not yielded twice: files and folders are told apart by
      (st_dev, st_ino), and a repeat is reported as skipped.
    """

    def __init__(self, folders: Sequence[FolderConfig | str]) -> None:
        paths = [f.path if isinstance(f, FolderConfig) else f for f in folders]
        self.inside = [os.path.realpath(folder_root(p)) for p in paths]
        self.folders: set[tuple[int, int]] = set()
        self.files: set[tuple[int, int]] = set()

    def owner(self, real: str) -> str | None:
        """The indexed folder (real path, the innermost) holding ``real``; None: outside."""
        holders = [r for r in self.inside if _contains(r, real)]
        return max(holders, key=len) if holders else None


def _contains(folder: str, path: str) -> bool:
    try:
        return os.path.commonpath([folder, path]) == folder
    except ValueError:  # different drives on Windows
        return False


@dataclass(frozen=True)
class _Dir:
    path: str
    rel: str  # relative to the root, "/"-separated, "" for the root itself
    ancestors: frozenset[tuple[int, int]]


@dataclass
class _Scan:
    """One root's walk: its real path, and the links within it, kept for after its tree."""

    real_root: str
    linked_dirs: list[tuple[os.DirEntry[str], str, _Dir]] = field(default_factory=list)
    linked_files: list[os.DirEntry[str]] = field(default_factory=list)


def folder_root(path: str | Path) -> str:
    """A folder as the index records it: absolute, ``~`` expanded, symbolic links kept (the
    path the user chose, so results show it). The one spelling of a root everywhere."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def _crawl_root(
    root: FolderConfig,
    on_skip: Callable[[Skipped], None],
    cancel: Callable[[], bool],
    walk: Walk,
    include_hidden: bool,
) -> Iterator[FileEntry]:
    top = folder_root(root.path)
    try:
        st = os.stat(top)
    except FileNotFoundError:
        on_skip(Skipped(Path(top), "folder does not exist"))
        return
    except OSError as exc:
        on_skip(Skipped(Path(top), f"folder cannot be accessed ({_os_reason(exc)})"))
        return
    if not stat.S_ISDIR(st.st_mode):
        on_skip(Skipped(Path(top), "not a folder"))
        return
    key = (st.st_dev, st.st_ino)
    if key in walk.folders:
        on_skip(Skipped(Path(top), "folder is already included through another folder"))
        return
    walk.folders.add(key)
    patterns = _Patterns(root.include, root.exclude)
    scan = _Scan(os.path.realpath(top))
    stack = [_Dir(top, "", frozenset({key}))]
    while stack or scan.linked_dirs or scan.linked_files:
        if cancel():
            raise Cancelled
        if not stack:  # the real tree is done: now what its links add
            yield from _linked_files(scan, on_skip, walk)
            stack.extend(_linked_dirs(scan, on_skip, walk))
            continue
        folder = stack.pop()
        files, subdirs = _scan(folder, patterns, on_skip, walk, scan, include_hidden)
        yield from files
        stack.extend(reversed(subdirs))  # reversed so the stack pops them in name order


def _scan(
    folder: _Dir,
    patterns: _Patterns,
    on_skip: Callable[[Skipped], None],
    walk: Walk,
    scan: _Scan,
    include_hidden: bool,
) -> tuple[list[FileEntry], list[_Dir]]:
    """List one folder: its matching files and the subfolders still to walk. Links that
    stay in this root wait in ``scan`` until its real tree is done."""
    try:
        with os.scandir(folder.path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        on_skip(Skipped(Path(folder.path), "folder disappeared during the scan"))
        return [], []
    except PermissionError:
        on_skip(Skipped(Path(folder.path), "folder is not readable (permission denied)"))
        return [], []
    except OSError as exc:
        on_skip(Skipped(Path(folder.path), f"folder could not be read ({_os_reason(exc)})"))
        return [], []
    files: list[FileEntry] = []
    subdirs: list[_Dir] = []
    for entry in entries:
        if not include_hidden and _is_hidden(entry):
            continue
        rel = f"{folder.rel}/{entry.name}" if folder.rel else entry.name
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError:
            is_dir = False
        wanted = (
            not patterns.excludes(rel, entry.name) if is_dir else _selects(patterns, rel, entry)
        )
        if not wanted or not _link_kept(entry, is_dir, rel, folder, on_skip, walk, scan):
            continue
        if is_dir:
            sub = _enter_dir(entry, rel, folder, on_skip, walk)
            if sub is not None:
                subdirs.append(sub)
        else:
            found = _file_entry(entry, on_skip, walk)
            if found is not None:
                files.append(found)
    return files, subdirs


def _selects(patterns: _Patterns, rel: str, entry: os.DirEntry[str]) -> bool:
    if entry.is_symlink() and not os.path.exists(entry.path):
        return True  # a dangling link is reported whatever its name (_file_entry)
    return file_type_for(entry.name) is not None and patterns.selects(rel, entry.name)


def _link_kept(
    entry: os.DirEntry[str],
    is_dir: bool,
    rel: str,
    parent: _Dir,
    on_skip: Callable[[Skipped], None],
    walk: Walk,
    scan: _Scan,
) -> bool:
    """True for an entry to handle now: not a link, or a dangling one (reported as such).
    A link is skipped, left to its own folder, or kept for after the real tree (Walk)."""
    if not entry.is_symlink() or not os.path.exists(entry.path):
        return True
    owner = walk.owner(os.path.realpath(entry.path))
    if owner is None:
        on_skip(Skipped(Path(entry.path), "link outside the indexed folders"))
    elif owner == scan.real_root:
        if is_dir:
            scan.linked_dirs.append((entry, rel, parent))
        else:
            scan.linked_files.append(entry)
    return False


def _linked_files(
    scan: _Scan, on_skip: Callable[[Skipped], None], walk: Walk
) -> Iterator[FileEntry]:
    pending, scan.linked_files = scan.linked_files, []
    for entry in pending:
        found = _file_entry(entry, on_skip, walk)
        if found is not None:
            yield found


def _linked_dirs(scan: _Scan, on_skip: Callable[[Skipped], None], walk: Walk) -> list[_Dir]:
    pending, scan.linked_dirs = scan.linked_dirs, []
    entered = (_enter_dir(entry, rel, parent, on_skip, walk) for entry, rel, parent in pending)
    return list(reversed([d for d in entered if d is not None]))


def _enter_dir(
    entry: os.DirEntry[str],
    rel: str,
    parent: _Dir,
    on_skip: Callable[[Skipped], None],
    walk: Walk,
) -> _Dir | None:
    try:
        st = entry.stat()
    except OSError as exc:
        on_skip(Skipped(Path(entry.path), f"folder cannot be accessed ({_os_reason(exc)})"))
        return None
    key = (st.st_dev, st.st_ino)
    if key in parent.ancestors:
        on_skip(Skipped(Path(entry.path), "symbolic link loop (points to a containing folder)"))
        return None
    if key in walk.folders:
        on_skip(Skipped(Path(entry.path), "folder already scanned through another path (link)"))
        return None
    walk.folders.add(key)
    return _Dir(entry.path, rel, parent.ancestors | {key})


def _file_entry(
    entry: os.DirEntry[str], on_skip: Callable[[Skipped], None], walk: Walk
) -> FileEntry | None:
    if entry.is_symlink() and not os.path.exists(entry.path):
        # Reported whatever its name: the link may have pointed at a folder of documents.
        on_skip(Skipped(Path(entry.path), "dangling symbolic link (target is missing)"))
        return None
    try:
        st = entry.stat()
    except FileNotFoundError:
        on_skip(Skipped(Path(entry.path), "file disappeared during the scan"))
        return None
    except OSError as exc:
        on_skip(Skipped(Path(entry.path), f"file cannot be accessed ({_os_reason(exc)})"))
        return None
    if not stat.S_ISREG(st.st_mode):
        on_skip(Skipped(Path(entry.path), "not a regular file"))
        return None
    key = (st.st_dev, st.st_ino)
    if key in walk.files:
        on_skip(Skipped(Path(entry.path), "same file as one already indexed (a link to it)"))
        return None
    walk.files.add(key)
    file_type = file_type_for(entry.name)
    if file_type is None:  # not reached: _selects keeps supported names only
        return None
    return FileEntry(Path(entry.path), st.st_size, st.st_mtime_ns, file_type)


class _Patterns:
    """Include/exclude globs, case-insensitive, tried on the relative path and on the name.

    ``*`` also crosses folders (``fnmatch`` semantics), and a leading ``**/`` may match nothing,
    so ``*.pdf``, ``**/*.pdf``, ``drafts/*`` and ``~$*`` all do what a person expects.
    """

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._include = [_norm_pattern(p) for p in include if p.strip()]
        self._exclude = [_norm_pattern(p) for p in exclude if p.strip()]

    def excludes(self, rel: str, name: str) -> bool:
        return _any_match(self._exclude, rel, name)

    def selects(self, rel: str, name: str) -> bool:
        if self.excludes(rel, name):
            return False
        return not self._include or _any_match(self._include, rel, name)


def _norm_pattern(pattern: str) -> str:
    return pattern.strip().replace("\\", "/").lower().rstrip("/")


def _any_match(patterns: list[str], rel: str, name: str) -> bool:
    rel_l, name_l = rel.lower(), name.lower()
    for pat in patterns:
        if fnmatch.fnmatchcase(rel_l, pat) or fnmatch.fnmatchcase(name_l, pat):
            return True
        if pat.startswith("**/") and fnmatch.fnmatchcase(rel_l, pat[3:]):
            return True
    return False


def _is_hidden(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith("."):
        return True
    if os.name != "nt":
        return False
    try:  # on Windows DirEntry.stat() is served from the directory listing: no extra syscall
        attrs = entry.stat(follow_symlinks=False).st_file_attributes  # type: ignore[attr-defined]
    except OSError:
        return False
    return bool(attrs & _FILE_ATTRIBUTE_HIDDEN)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def content_hash(path: Path | str) -> str:
    """A fast fingerprint of a file's content, to recognise a moved or renamed file.

    blake2b-128 over the size and either the whole file (up to 3 MiB) or three 1 MiB samples:
    the start, the middle and the end. Reads at most 3 MiB whatever the size. Two files that
    differ only outside the samples (rare for PDFs and photos, whose trailers/metadata sit at
    the ends) collide; callers should also compare size and, when unsure, re-extract.
    """
    h = hashlib.blake2b(digest_size=16)
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        h.update(size.to_bytes(8, "little"))
        if size <= 3 * _HASH_SAMPLE:
            h.update(f.read())
        else:
            for offset in (0, size // 2 - _HASH_SAMPLE // 2, size - _HASH_SAMPLE):
                f.seek(offset)
                h.update(f.read(_HASH_SAMPLE))
    return h.hexdigest()


def _open_regular(path: Path | str) -> BinaryIO:
    """Open without blocking: a file swapped for a named pipe after the scan would block a
    plain open() forever. Raises OSError for anything but a regular file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    return os.fdopen(fd, "rb")


def storable_path(path: Path | str) -> str:
    """A UTF-8-safe text form of ``path`` for SQLite/JSON; lossless for any file name.

    Normal names are stored as they are (so the database stays readable); a name that holds
    undecodable bytes (surrogate escapes) is stored as ``fsb64:`` + base64 of its raw bytes.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(text)
        return _STORED_BYTES_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")
    return text


def path_from_storable(text: str) -> Path:
    """Inverse of :func:`storable_path`."""
    if text.startswith(_STORED_BYTES_PREFIX):
        raw = base64.urlsafe_b64decode(text[len(_STORED_BYTES_PREFIX) :].encode("ascii"))
        return Path(os.fsdecode(raw))
    return Path(text)


def display_path(path: Path | str) -> str:
    """A printable form of ``path``: undecodable bytes become U+FFFD (not reversible)."""
    raw = os.fsencode(os.fspath(path))
    return raw.decode("utf-8", errors="replace")
