#!/usr/bin/env bash
# Prepares Fashion-MNIST (MIT licence) from Debian's dataset-fashion-mnist package as an ImageFolder
# tree with the official split kept:  OUT/train/<class>/NNNNN.png  and  OUT/test/<class>/NNNNN.png
#
#   scripts/fetch-datasets.sh OUT [--per-class N]
#
# --per-class N keeps the first N images of each class in each split (a small tree for quick checks).
# Needs apt-get (the package is downloaded, not installed) and python3 (standard library only).
set -euo pipefail
out=${1:?usage: fetch-datasets.sh OUT [--per-class N]}
per_class=0
if [ "${2:-}" = "--per-class" ]; then per_class=${3:?--per-class needs a number}; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && { apt-get download dataset-fashion-mnist 2>/dev/null || { apt-get update -qq && apt-get download dataset-fashion-mnist; }; })
dpkg-deb -x "$work"/dataset-fashion-mnist_*.deb "$work/root"
src=$(dirname "$(find "$work/root" -name 'train-images-idx3-ubyte*' | head -1)")
[ -n "$src" ] || { echo "fetch-datasets: no IDX files in the package" >&2; exit 1; }

python3 - "$src" "$out" "$per_class" <<'PY'
import gzip, os, struct, sys, zlib
src, out, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]

def read(name):
    for cand in (name, name + ".gz"):
        p = os.path.join(src, cand)
        if os.path.exists(p):
            return (gzip.open if p.endswith(".gz") else open)(p, "rb").read()
    raise SystemExit(f"missing {name} in {src}")

def png(path, w, h, pixels):
    raw = b"".join(b"\x00" + pixels[y * w:(y + 1) * w] for y in range(h))
    def chunk(t, d):
        c = t + d
        return struct.pack(">I", len(d)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

for split, prefix in (("train", "train"), ("test", "t10k")):
    imgs, labels = read(f"{prefix}-images-idx3-ubyte"), read(f"{prefix}-labels-idx1-ubyte")
    n, rows, cols = struct.unpack(">III", imgs[4:16])
    counts = [0] * 10
    for c in names:
        os.makedirs(os.path.join(out, split, c), exist_ok=True)
    for i in range(n):
        y = labels[8 + i]
        if per_class and counts[y] >= per_class:
            continue
        counts[y] += 1
        off = 16 + i * rows * cols
        png(os.path.join(out, split, names[y], f"{i:05d}.png"), cols, rows, imgs[off:off + rows * cols])
    print(f"{split}: {sum(counts)} images in {out}/{split}", file=sys.stderr)
PY
cat > "$out/README.md" <<'MD'
Fashion-MNIST (Zalando Research, MIT licence), from Debian's `dataset-fashion-mnist` package,
written as PNG files by Loupe's scripts/fetch-datasets.sh. train/ and test/ keep the official split.
MD
