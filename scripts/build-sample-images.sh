#!/usr/bin/env bash
# Rebuild sample-images/ from Debian's openclipart-png package (public-domain clip art).
#
#   scripts/build-sample-images.sh            # from the repository root (or anywhere)
#
# Needs: a Debian/Ubuntu system with apt (the package is fetched with `apt-get download`, nothing
# is installed from it), dpkg-deb, and Debian's python3 with python3-pil. When python3-pil is
# missing and we are root, it is installed with apt-get; otherwise the script says what to install.
# No network other than apt. Deterministic: sorted file order and a fixed seed (in
# scripts/select_sample_images.py), so the same package version gives the same files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/sample-images"
py=/usr/bin/python3          # Debian's python3 (not a pyenv/venv one): python3-pil lives there

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' not found. $2" >&2; exit 1; }; }
need apt-get "This script needs apt (Debian or Ubuntu)."
need dpkg-deb "Install the 'dpkg' package."
[ -x "$py" ] || { echo "error: $py not found. Install Debian's 'python3' package." >&2; exit 1; }

if ! "$py" -c 'import PIL' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing python3-pil (Debian package) with apt-get"
        apt-get install -y --no-install-recommends python3-pil >/dev/null ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends python3-pil >/dev/null; }
    else
        echo "error: python3-pil is missing. Run: sudo apt-get install python3-pil" >&2
        exit 1
    fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"   # so apt's sandbox user (_apt) may write the download there

echo "== downloading openclipart-png (apt-get download; not installed)"
( cd "$tmp" && { apt-get download openclipart-png 2>/dev/null ||
                 { apt-get update >/dev/null && apt-get download openclipart-png; }; } )
deb="$(ls "$tmp"/openclipart-png_*.deb)"
version="$(dpkg-deb -f "$deb" Version)"
echo "== extracting openclipart-png $version"
dpkg-deb -x "$deb" "$tmp/root"

echo "== rebuilding $out"
rm -rf "$out"
mkdir -p "$out"
"$py" "$here/select_sample_images.py" "$tmp/root" "$out" "$version" 2> "$tmp/select.log" ||
    { cat "$tmp/select.log" >&2; exit 1; }
grep -v '^  skip ' "$tmp/select.log"
echo "   ($(grep -c '^  skip ' "$tmp/select.log") candidate files skipped; rerun with"\
     "SAMPLE_IMAGES_LOG=file to keep the full log)"
[ -n "${SAMPLE_IMAGES_LOG:-}" ] && cp "$tmp/select.log" "$SAMPLE_IMAGES_LOG"

echo "== done: $(find "$out" -name '*.png' | wc -l) images, $(du -sh "$out" | cut -f1) in $out"
