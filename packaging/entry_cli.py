"""Entry script of the frozen ``sagasu`` command line (PyInstaller analyses this file)."""

import sys

import sagasu_frozen


def _main() -> int:
    from engine.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(sagasu_frozen.run("sagasu", _main))
