"""Entry script of the frozen ``sagasu`` command line (PyInstaller analyses this file)."""

import multiprocessing
import sys

import sagasu_frozen


def _main() -> int:
    from engine.cli import main

    return main()


if __name__ == "__main__":
    # Extraction workers start from this executable (forkserver or spawn): in a frozen build
    # this turns such a start into a worker instead of a second app. A no-op from source.
    multiprocessing.freeze_support()
    sys.exit(sagasu_frozen.run("sagasu", _main))
