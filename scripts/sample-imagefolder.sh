#!/usr/bin/env bash
# Writes the sample images as an ImageFolder tree by their true class (SOURCES.csv's `category`, also for the
# pool images), for `loupe bench simulate --data OUT`:  OUT/<class>/<file name>
#
#   scripts/sample-imagefolder.sh OUT
#
# The files are copied (9 MB), so the benchmark's embedding cache (OUT/.loupe-bench/) stays out of sample-images/.
set -euo pipefail
out=${1:?usage: sample-imagefolder.sh OUT}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../sample-images"
[ -f "$src/SOURCES.csv" ] || { echo "sample-imagefolder: $src/SOURCES.csv not found" >&2; exit 1; }
n=0
while IFS=, read -r file category _; do
    [ "$file" = file ] && continue # the header
    mkdir -p "$out/$category"
    cp "$src/$file" "$out/$category/$(basename "$file")"
    n=$((n + 1))
done < "$src/SOURCES.csv"
echo "sample-imagefolder: $n images in $(ls "$out" | wc -l) classes under $out" >&2
