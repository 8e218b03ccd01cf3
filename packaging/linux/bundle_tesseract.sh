#!/usr/bin/env bash
# Copy Tesseract into a release: the program, the shared libraries it links (all but the C
# library's own, which every Linux has), its tsv/txt configs and the eng, jpn and jpn_vert
# models, with a wrapper DEST/tesseract that runs it from there. The engine finds the wrapper
# in a frozen build (engine.signals.ocr_tesseract.find_tesseract). About 72 MB on Debian 12
# (31 MB of it ICU data, which libtesseract links).
#
#   packaging/linux/bundle_tesseract.sh DEST
#   TESSERACT=/path/to/tesseract TESSDATA=/path/to/tessdata packaging/linux/bundle_tesseract.sh DEST
set -euo pipefail
DEST=${1:?usage: bundle_tesseract.sh DEST}
PROG=${TESSERACT:-$(command -v tesseract || true)}
DATA=${TESSDATA:-/usr/share/tesseract-ocr/5/tessdata}
[ -n "$PROG" ] || { echo "bundle_tesseract.sh: no tesseract program (apt install tesseract-ocr)" >&2; exit 1; }
for lang in eng jpn jpn_vert; do
  [ -f "$DATA/$lang.traineddata" ] || {
    echo "bundle_tesseract.sh: $DATA/$lang.traineddata missing (apt install tesseract-ocr-jpn tesseract-ocr-jpn-vert)" >&2
    exit 1; }
done
rm -rf "$DEST"
mkdir -p "$DEST/bin" "$DEST/lib" "$DEST/tessdata"
cp -L "$PROG" "$DEST/bin/tesseract"
ldd "$PROG" | awk '/=> \// {print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|ld-linux*) ;;
    *) cp -L "$lib" "$DEST/lib/" ;;
  esac
done
for lang in eng jpn jpn_vert; do cp "$DATA/$lang.traineddata" "$DEST/tessdata/"; done
cp -r "$DATA/configs" "$DEST/tessdata/"  # image_to_data asks for configs/tsv
cat > "$DEST/tesseract" <<'WRAP'
#!/bin/sh
# Bundled Tesseract: its own libraries and language data (--tessdata-dir still overrides).
case "$0" in */*) here=${0%/*} ;; *) here=. ;; esac  # no dirname: PATH may lack it
here=$(cd "$here" && pwd)
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" TESSDATA_PREFIX="$here/tessdata" \
  exec "$here/bin/tesseract" "$@"
WRAP
chmod 755 "$DEST/tesseract" "$DEST/bin/tesseract"
du -sh "$DEST" | sed 's/^/  tesseract bundled: /'
