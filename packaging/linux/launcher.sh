#!/bin/sh
# Launcher for a program inside the Sagasu folder; works through symlinks (e.g. ~/.local/bin).
here=$(dirname "$(readlink -f "$0")")
exec "$here/app/$(basename "$0")" "$@"
