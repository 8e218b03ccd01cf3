#!/bin/sh
# Install Sagasu for the current user (default) or system-wide:
#   ./install.sh                      → ~/.local/lib/sagasu, ~/.local/bin, ~/.local/share
#   sudo ./install.sh --prefix /opt/sagasu-root   (any prefix; bin/ lib/ share/ below it)
#   ./install.sh --uninstall [--prefix P]
# Nothing else is needed on the machine: Python, Qt, torch and the models are inside.
set -eu
prefix="$HOME/.local"
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
src=$(dirname "$(readlink -f "$0")")
lib="$prefix/lib/sagasu"
bin="$prefix/bin"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"
if [ "$action" = uninstall ]; then
  rm -rf "$lib"
  rm -f "$bin/sagasu" "$bin/sagasu-desktop" "$apps/sagasu.desktop" \
        "$icons/scalable/apps/sagasu.svg" "$icons/256x256/apps/sagasu.png"
  echo "Sagasu removed from $prefix (your index and settings are kept)."
  exit 0
fi
mkdir -p "$prefix/lib" "$bin" "$apps" "$icons/scalable/apps" "$icons/256x256/apps"
tmp="$lib.new.$$"
rm -rf "$tmp"
cp -a "$src" "$tmp"
rm -rf "$lib"
mv "$tmp" "$lib"
ln -sf "$lib/sagasu" "$bin/sagasu"
ln -sf "$lib/sagasu-desktop" "$bin/sagasu-desktop"
sed "s|@BINDIR@|$lib|" "$src/share/sagasu.desktop.in" > "$apps/sagasu.desktop"
cp "$src/share/sagasu.svg" "$icons/scalable/apps/sagasu.svg"
[ -f "$src/share/sagasu.png" ] && cp "$src/share/sagasu.png" "$icons/256x256/apps/sagasu.png"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" 2>/dev/null || true
echo "Sagasu installed in $lib"
echo "  commands: $bin/sagasu, $bin/sagasu-desktop (add $bin to PATH if needed)"
echo "  menu entry: $apps/sagasu.desktop"
