#!/usr/bin/env bash
# Downloads Debian's openclipart-png (public domain), extracts it, drops every path in the
# training-exclude list (Loupe's sample images and their copies), and caches the rest as one
# uint8 array of SIZE x SIZE RGB images composited on white (what Loupe's decoder does with alpha).
#
#   scripts/model-zero/prepare_openclipart.sh EXCLUDE_LIST [WORK_DIR] [SIZE]
#   e.g. scripts/model-zero/prepare_openclipart.sh sample-images/TRAINING-EXCLUDE.txt /tmp/zero-data 64
#
# Writes WORK_DIR/openclipart-SIZE.npy (N x SIZE x SIZE x 3, uint8), WORK_DIR/openclipart-SIZE.txt (paths,
# one per row, same order) and WORK_DIR/openclipart-SIZE.labels.npy (top-level category index, unused by SimCLR).
# Needs: apt-get download (Debian), dpkg-deb, /usr/bin/python3 with python3-numpy and python3-pil.
set -euo pipefail
EXCLUDE=${1:?usage: prepare_openclipart.sh EXCLUDE_LIST [WORK_DIR] [SIZE]}
WORK=${2:-/tmp/zero-data}
SIZE=${3:-64}
EXCLUDE=$(readlink -f "$EXCLUDE")
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
cd "$WORK"
if [ ! -d root/usr/share/openclipart/png ]; then
  ls openclipart-png_*.deb >/dev/null 2>&1 || apt-get download openclipart-png
  dpkg-deb -x openclipart-png_*.deb root
fi
/usr/bin/python3 "$HERE/cache_images.py" root "$EXCLUDE" "$SIZE" "$WORK/openclipart-$SIZE"
