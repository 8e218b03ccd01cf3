"""End-to-end smoke test of Sagasu, frozen or from source, headless.

    python packaging/smoke_test.py                       # the newest dist/sagasu-*/ build
    python packaging/smoke_test.py --frozen DIR          # a release folder (or its app/)
    python packaging/smoke_test.py --source              # python -m engine.cli … (this repo)

Checks: version of both programs, cold start, indexing the bundled sample folder, a text and
an image search with ``--json``, the MiniLM model loading from the bundle with no network,
a desktop screenshot (``--screenshot OUT.png --query TEXT``), a data folder on a read-only
path (clear message, non-zero exit, no traceback) and — for a frozen build — a run as an
unprivileged user of an installation folder it cannot write to. Prints one line per check;
exits 1 if any check failed (skipped checks do not fail the run).

tests/test_packaging.py runs the same checks through pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_QUERY = "relay module for 5 V"
IMAGE_QUERY = "photos/relay-board.jpg"


class Skip(Exception):
    """A check that cannot run here (says why)."""


@dataclass
class Target:
    """How to start the CLI and the desktop app, and where their sample folder is."""

    name: str
    cli: list[str]
    desktop: list[str]
    samples: Path
    app_dir: Path | None = None  # the frozen onedir folder (holds _internal)
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def source(cls) -> Target:
        py = sys.executable
        return cls(
            "source",
            cli=[py, "-m", "engine.cli"],
            desktop=[py, "-c", "import sys; from desktop.app import main; sys.exit(main())"],
            samples=ROOT / "resources" / "samples",
        )

    @classmethod
    def frozen(cls, folder: Path) -> Target:
        folder = folder.resolve()
        app = folder / "app" if (folder / "app" / "sagasu").is_file() else folder
        if not (app / "sagasu").is_file():
            raise FileNotFoundError(f"no frozen build in {folder} (expected app/sagasu)")
        internal = app / "_internal"
        return cls(
            "frozen",
            cli=[str(app / "sagasu")],
            desktop=[str(app / "sagasu-desktop")],
            samples=internal / "resources" / "samples",
            app_dir=app,
            cwd=Path(tempfile.gettempdir()),  # nothing may come from the source tree
        )


def find_frozen() -> Path | None:
    """``SAGASU_FROZEN_DIR`` or the newest dist/sagasu-*/ release folder, if any."""
    env = os.environ.get("SAGASU_FROZEN_DIR")
    if env:
        return Path(env)
    found = sorted(
        (p for p in (ROOT / "dist").glob("sagasu-*") if (p / "app" / "sagasu").is_file()),
        key=lambda p: p.stat().st_mtime,
    )
    return found[-1] if found else None


class Smoke:
    """Runs the checks against one target in a scratch folder."""

    def __init__(self, target: Target, work: Path, timeout: float = 900) -> None:
        self.t = target
        self.work = work
        self.timeout = timeout
        self.data = work / "data"
        self.env = dict(os.environ)
        # No user caches, no network, nothing but what the target ships.
        self.env.update(
            QT_QPA_PLATFORM="offscreen",
            SAGASU_MODELS_DIR=str(work / "models"),
            HF_HOME=str(work / "hf-home"),
            HF_HUB_OFFLINE="1",
            PYTHONPATH=str(ROOT) if target.name == "source" else "",
            XDG_DATA_HOME=str(work / "xdg-data"),
            XDG_CONFIG_HOME=str(work / "xdg-config"),
            XDG_CACHE_HOME=str(work / "xdg-cache"),
        )
        self.env.pop("SAGASU_DATA_DIR", None)
        self.env.update(target.env)
        self.timings: dict[str, float] = {}

    def run(self, argv: list[str], *, desktop: bool = False, env=None, user: str | None = None):
        cmd = (self.t.desktop if desktop else self.t.cli) + argv
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        start = time.perf_counter()
        proc = subprocess.run(
            cmd,
            cwd=self.t.cwd,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
        )
        proc.seconds = time.perf_counter() - start  # type: ignore[attr-defined]
        return proc

    @staticmethod
    def _fail(proc, what: str) -> AssertionError:
        return AssertionError(
            f"{what}: exit {proc.returncode}\n--- stdout\n{proc.stdout[-2000:]}"
            f"\n--- stderr\n{proc.stderr[-3000:]}"
        )

    # ------------------------------------------------------------------ checks

    def check_version(self) -> str:
        from_source = _source_version()
        proc = self.run(["--version"])
        if proc.returncode != 0 or from_source not in proc.stdout:
            raise self._fail(proc, f"sagasu --version (expected {from_source})")
        self.timings["cli --version"] = proc.seconds
        line = proc.stdout.strip()
        proc = self.run(["--version"], desktop=True)
        if proc.returncode != 0 or from_source not in proc.stdout:
            if self.t.name == "source" and _desktop_missing(proc):
                return f"{line}; sagasu-desktop --version: not available yet ({_last(proc)})"
            raise self._fail(proc, "sagasu-desktop --version")
        self.timings["desktop --version"] = proc.seconds
        return f"{line}; {proc.stdout.strip()}"

    def check_cold_start(self) -> str:
        proc = self.run(["--help"])
        if proc.returncode != 0 or "index" not in proc.stdout:
            raise self._fail(proc, "sagasu --help")
        self.timings["cli --help"] = proc.seconds
        proc = self.run(["models", "list", "--json", "--data-dir", str(self.data)])
        if proc.returncode != 0:
            raise self._fail(proc, "sagasu models list")
        self.timings["cli models list (imports torch)"] = proc.seconds
        rows = json.loads(proc.stdout)
        text = [r for r in rows if r.get("kind") == "text"]
        if not text or not text[0].get("installed"):
            raise AssertionError(f"text model not found by the target: {text}")
        where = str(text[0].get("path"))
        if self.t.app_dir is not None and str(self.t.app_dir) not in where:
            raise AssertionError(f"text model comes from outside the bundle: {where}")
        return (
            f"--help {self.timings['cli --help']:.2f} s, models list "
            f"{proc.seconds:.2f} s; MiniLM at {where}"
        )

    def check_index(self) -> str:
        proc = self.run(["index", "--json", "--data-dir", str(self.data), str(self.t.samples)])
        if proc.returncode != 0:
            raise self._fail(proc, "sagasu index")
        self.timings["index samples"] = proc.seconds
        summary = json.loads(proc.stdout)
        indexed = int(summary.get("files_indexed", 0)) + int(summary.get("files_unchanged", 0))
        if indexed < 3:
            raise AssertionError(f"only {indexed} sample files indexed: {summary}")
        return (
            f"{indexed} files, {summary.get('pages')} pages, {summary.get('photos')} photos, "
            f"image search {summary.get('image_search')}, {proc.seconds:.1f} s"
        )

    def _search(self, argv: list[str]) -> tuple[list[dict], str]:
        proc = self.run(["search", "--json", "--data-dir", str(self.data), *argv])
        if proc.returncode != 0:
            raise self._fail(proc, f"sagasu search {argv}")
        results = json.loads(proc.stdout)
        if not isinstance(results, list):
            raise AssertionError(f"search --json did not print a list: {proc.stdout[:300]}")
        notes = " ".join(line for line in proc.stderr.splitlines() if line.startswith("note:"))
        return results, notes

    def check_text_search(self) -> str:
        results, notes = self._search([TEXT_QUERY])
        if not results:
            raise AssertionError(f"no results for {TEXT_QUERY!r} ({notes})")
        top = Path(str(results[0].get("path", ""))).name
        if not any("relay" in str(r.get("path", "")).lower() for r in results[:3]):
            raise AssertionError(f"no relay document in the top 3 for {TEXT_QUERY!r}: {results}")
        return f"{len(results)} results, top {top}"

    def check_image_search(self) -> str:
        results, notes = self._search(["--image", str(self.t.samples / IMAGE_QUERY)])
        top = Path(str(results[0].get("path", ""))).name if results else "-"
        return f"{len(results)} results, top {top}" + (f" ({notes})" if notes else "")

    def check_screenshot(self) -> str:
        out = self.work / "screenshot.png"
        argv = ["--data-dir", str(self.data), "--screenshot", str(out), "--query", TEXT_QUERY]
        proc = self.run(argv, desktop=True)
        if proc.returncode != 0 and _desktop_missing(proc):
            raise Skip(f"desktop screenshot mode not available: {_last(proc)}")
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size < 1000:
            raise self._fail(proc, "sagasu-desktop --screenshot")
        self.timings["desktop screenshot"] = proc.seconds
        return f"{out} ({out.stat().st_size // 1024} KiB, {proc.seconds:.1f} s)"

    def check_readonly_data_dir(self) -> str:
        """A data folder the user cannot write to: one clear line, non-zero exit."""
        ro = Path(tempfile.mkdtemp(prefix="sagasu-ro-data-"))  # not below a private folder
        ro.chmod(0o555)
        bad = ro / "data"
        user = _unprivileged_user(self.t)
        if user is None and os.access(ro, os.W_OK):
            # root writes anywhere, but not into sysfs (EPERM even for root).
            if not Path("/sys/kernel").is_dir():
                raise Skip("root can write anywhere and user nobody cannot run this interpreter")
            ro, bad = Path("/sys"), Path("/sys/sagasu-smoke-data/data")
        try:
            proc = self.run(["index", "--data-dir", str(bad), str(self.t.samples)], user=user)
        finally:
            if ro != Path("/sys"):
                ro.chmod(0o755)
                shutil.rmtree(ro, ignore_errors=True)
        if proc.returncode == 0:
            raise self._fail(proc, "index into a read-only data folder succeeded?")
        if "Traceback" in proc.stderr or str(ro) not in proc.stderr:
            raise self._fail(proc, "read-only data folder: no clear message")
        return f"exit {proc.returncode}: {_last(proc)}"

    def check_readonly_install(self) -> str:
        """The installation folder must work when the user cannot write to it."""
        if self.t.app_dir is None:
            raise Skip("only for a frozen build")
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                raise Skip("running as root without runuser: root can write anywhere")
            user = "nobody"
        else:
            user = None
            if os.access(self.t.app_dir, os.W_OK):
                raise Skip(f"{self.t.app_dir} is writable; chmod -R a-w it to run this check")
        if user and os.access(self.t.app_dir, os.W_OK) and _can_write_as(user, self.t.app_dir):
            raise Skip(f"{user} can write to {self.t.app_dir}")
        scratch = Path(tempfile.mkdtemp(prefix="sagasu-ro-"))
        scratch.chmod(0o777)
        env = dict(self.env, HOME=str(scratch), SAGASU_MODELS_DIR=str(scratch / "models"))
        env.update(
            {
                k: str(scratch / k.lower())
                for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HF_HOME")
            }
        )
        try:
            proc = self.run(
                ["index", "--json", "--data-dir", str(scratch / "data"), str(self.t.samples)],
                env=env,
                user=user,
            )
            if proc.returncode != 0:
                raise self._fail(proc, f"index as {user or 'this user'} from a read-only install")
            results = self.run(
                ["search", "--json", "--data-dir", str(scratch / "data"), TEXT_QUERY],
                env=env,
                user=user,
            )
            if results.returncode != 0 or not json.loads(results.stdout):
                raise self._fail(results, "search from a read-only install")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return f"index + search as {user or 'this user'} with {self.t.app_dir} not writable: ok"

    CHECKS = (
        "version",
        "cold_start",
        "index",
        "text_search",
        "image_search",
        "screenshot",
        "readonly_data_dir",
        "readonly_install",
    )


def _unprivileged_user(target: Target) -> str | None:
    """As root, checks of permissions run as ``nobody`` (if it can read the target)."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return None
    return "nobody" if _can_access_as("nobody", target.cli[0], "-x") else None


def _can_access_as(user: str, path: str, flag: str) -> bool:
    proc = subprocess.run(["runuser", "-u", user, "--", "test", flag, path], check=False)
    return proc.returncode == 0


def _can_write_as(user: str, path: Path) -> bool:
    proc = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path)], check=False)
    return proc.returncode == 0


def _source_version() -> str:
    text = (ROOT / "engine" / "__init__.py").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise RuntimeError("no __version__ in engine/__init__.py")


def _desktop_missing(proc) -> bool:
    err = proc.stderr + proc.stdout
    return any(
        s in err
        for s in (
            "No module named 'desktop",
            "not in this build",
            "unrecognized arguments",
            "cannot import name 'main'",
        )
    )


def _last(proc) -> str:
    lines = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else f"exit {proc.returncode}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--frozen", type=Path, help="release folder (default: newest in dist/)")
    group.add_argument("--source", action="store_true", help="test the source tree instead")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    if args.source:
        target = Target.source()
    else:
        folder = args.frozen or find_frozen()
        if folder is None:
            print("smoke_test: no frozen build in dist/; run packaging/build.sh", file=sys.stderr)
            return 2
        target = Target.frozen(folder)
    work = args.work or Path(tempfile.mkdtemp(prefix="sagasu-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    smoke = Smoke(target, work)
    print(f"smoke test of the {target.name} build: {' '.join(target.cli)}")
    failed = 0
    for name in Smoke.CHECKS:
        start = time.perf_counter()
        try:
            detail = getattr(smoke, f"check_{name}")()
            status = "PASS"
        except Skip as exc:
            status, detail = "SKIP", str(exc)
        except Exception as exc:  # report every check, then fail the run
            status, detail = "FAIL", f"{type(exc).__name__}: {exc}"
            failed += 1
        print(f"{status} {name:18s} {time.perf_counter() - start:6.1f} s  {detail}", flush=True)
    for what, seconds in smoke.timings.items():
        print(f"  time {what}: {seconds:.2f} s")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    print("smoke test " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
