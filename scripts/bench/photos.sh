#!/usr/bin/env bash
# Makes camera-sized benchmark JPEGs from real photographs: the sample photos of Debian's opencv-doc package
# (downloaded, not installed) go through scripts/bench/camera_photos.py.
#
#   scripts/bench/photos.sh OUT [N=200] [camera_photos.py options: --size 6000x4000 --progressive ...]
#
# Needs apt-get and Debian's python3 with PIL and numpy (python3-pil, python3-numpy).
set -euo pipefail
out=${1:?usage: photos.sh OUT [N] [options]}
shift
n=${1:-200}
[ $# -gt 0 ] && shift

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && { apt-get download opencv-doc 2>/dev/null || { apt-get update -qq && apt-get download opencv-doc; }; })
dpkg-deb -x "$work"/opencv-doc_*.deb "$work/root"
ex="$work/root/usr/share/doc/opencv-doc/examples"
mkdir -p "$work/photos"
# Photographs only (no drawings, charts, renders or paintings).
for f in alphamat/input_images/plant.jpg data/aero1.jpg data/aero3.jpg data/aloeL.jpg data/apple.jpg \
         data/baboon.jpg data/board.jpg data/building.jpg data/butterfly.jpg data/ela_original.jpg data/fruits.jpg \
         data/home.jpg data/leuvenA.jpg data/messi5.jpg data/orange.jpg data/squirrel_cls.jpg data/graf1.png \
         text/scenetext01.jpg text/scenetext02.jpg text/scenetext04.jpg text/scenetext05.jpg; do
  [ -f "$ex/$f" ] && cp "$ex/$f" "$work/photos/$(echo "$f" | tr / _)"
done
/usr/bin/python3 "$(dirname "$0")/camera_photos.py" "$work/photos" "$out" "$n" "$@"
