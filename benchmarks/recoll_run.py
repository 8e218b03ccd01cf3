"""Recoll, the reference indexer of issue #14: install it, index folders with a private
configuration, and check that it really read the PDFs' text.

Debian's ``recollcmd`` (recollindex, recollq; 1.34.3 on bookworm) with ``poppler-utils``
(pdftotext, which Recoll's PDF filter runs) is the whole install: 7 packages and about 5 s
with ``--no-install-recommends``. The ``recoll`` package adds the Qt GUI and ~140 packages
(it upgrades systemd): not needed to index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from measure import Watched, du_bytes, run_watched

APT_PACKAGES = ("recollcmd", "poppler-utils")
INSTALL_HINT = (
    "Recoll is not installed. On Debian/Ubuntu: "
    "sudo apt-get install -y --no-install-recommends recollcmd poppler-utils"
)
_WORD = re.compile(r"[A-Za-z]{7,}")


@dataclass
class RecollRun:
    version: str
    watched: Watched
    index_bytes: int  # du of the configuration folder's xapiandb
    documents: int  # documents in the index (recollq)
    probe_word: str  # a word read from a PDF's text layer, not its name
    probe_found: bool  # recollq finds that PDF by that word


def ensure_recoll() -> None:
    """Install Recoll from the distribution when missing (as root with apt-get), else stop
    with the command that installs it."""
    if shutil.which("recollindex") and shutil.which("pdftotext"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(INSTALL_HINT)
    print("installing Recoll: apt-get install -y --no-install-recommends " + " ".join(APT_PACKAGES))
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not shutil.which("recollindex"):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"apt-get could not install Recoll ({tail[0]}). {INSTALL_HINT}")


def recoll_version() -> str:
    """'Recoll 1.34.3 + Xapian 1.4.22' as the indexer reports it."""
    done = subprocess.run(["recollindex", "-h"], capture_output=True, text=True, check=False)
    found = re.search(r"Recoll [\d.]+ \+ Xapian [\d.]+", done.stdout + done.stderr)
    return found.group() if found else "unknown version"


def run_recoll(folders: list[Path], config: Path) -> RecollRun:
    """A full first index of ``folders`` in a fresh private configuration folder ``config``:
    default settings apart from ``topdirs``."""
    shutil.rmtree(config, ignore_errors=True)
    config.mkdir(parents=True)
    topdirs = " ".join(_quoted(f.resolve()) for f in folders)
    (config / "recoll.conf").write_text(f"topdirs = {topdirs}\n", encoding="utf-8")
    env = {**os.environ, "RECOLL_CONFDIR": str(config)}
    watched = run_watched(
        ["recollindex", "-c", str(config)], env=env, stderr_path=config.parent / "recoll.log"
    )
    if watched.returncode != 0:
        raise SystemExit(f"recollindex failed (exit {watched.returncode}); see {config.parent}")
    probe, pdf = probe_word(folders)
    return RecollRun(
        version=recoll_version(),
        watched=watched,
        index_bytes=du_bytes(config / "xapiandb"),
        documents=_count(config, "mime:application/pdf"),
        probe_word=probe,
        probe_found=bool(probe) and pdf is not None and _finds(config, probe, pdf),
    )


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if " " in text else text


def probe_word(folders: list[Path]) -> tuple[str, Path | None]:
    """A long word from the first page's text layer of the first PDF that has one, and not
    in that PDF's name: finding it proves the text was indexed, not just the file name."""
    for folder in folders:
        for pdf in sorted(folder.rglob("*.pdf")):
            text = subprocess.run(
                ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, check=False
            ).stdout.decode("utf-8", "replace")
            for word in _WORD.findall(text):
                if word.lower() not in pdf.name.lower():
                    return word.lower(), pdf
    return "", None


def _recollq(config: Path, *args: str) -> str:
    cmd = ["recollq", "-c", str(config), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def _count(config: Path, query: str) -> int:
    found = re.search(r"^(\d+) results", _recollq(config, query), re.MULTILINE)
    return int(found.group(1)) if found else 0


def _finds(config: Path, word: str, pdf: Path) -> bool:
    # -b: URLs only, one a line, not percent-encoded; the word may match many documents.
    return "file://" + str(pdf.resolve()) in _recollq(config, "-b", word).splitlines()
