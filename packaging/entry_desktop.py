"""Entry script of the frozen ``sagasu-desktop`` application (PyInstaller analyses this file).

On Windows, ``desktop.app.main`` imports torch before Qt (Qt's DLLs loaded first can make
torch's ``c10.dll`` fail to initialise, WinError 1114); elsewhere torch loads with the models,
after the window is shown, so nothing here imports it.
"""

import multiprocessing
import sys

import sagasu_frozen


def _main() -> int:
    if "--version" in sys.argv[1:]:
        from engine import __version__

        print(f"sagasu-desktop {__version__}")
        return 0
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
    # Extraction workers start from this executable (forkserver or spawn): in a frozen build
    # this turns such a start into a worker instead of a second app. A no-op from source.
    multiprocessing.freeze_support()
    sys.exit(sagasu_frozen.run("sagasu-desktop", _main))
