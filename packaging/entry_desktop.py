"""Entry script of the frozen ``sagasu-desktop`` application (PyInstaller analyses this file).

torch is imported before Qt on purpose: on Windows, loading Qt's DLLs first can make torch's
``c10.dll`` fail to initialise (WinError 1114), and the order costs nothing elsewhere.
"""

import sys

import sagasu_frozen


def _main() -> int:
    if "--version" in sys.argv[1:]:
        from engine import __version__

        print(f"sagasu-desktop {__version__}")
        return 0
    import torch  # noqa: F401  (before Qt, see above)

    try:
        from desktop.app import main
    except ImportError as exc:
        print(
            f"sagasu-desktop: the desktop application is not in this build ({exc}).",
            file=sys.stderr,
        )
        return 1
    return main()


if __name__ == "__main__":
    sys.exit(sagasu_frozen.run("sagasu-desktop", _main))
