#!/usr/bin/env python3
"""Caches openclipart PNGs as a uint8 N x S x S x 3 array (used by prepare_openclipart.sh).

usage: cache_images.py PACKAGE_ROOT EXCLUDE_LIST SIZE OUT_PREFIX

Every PNG under PACKAGE_ROOT/usr/share/openclipart/png is read unless its package-relative path
(usr/share/openclipart/png/...) is in EXCLUDE_LIST. Alpha is composited onto white; the image is
squashed (aspect ratio not kept) to SIZE x SIZE with PIL's area-averaging reduce + bilinear resize,
matching Loupe's Preprocessing (SQUASH, alpha on white, halving before a bilinear last step).
Sorted order, so the output is deterministic.
"""
import os
import sys

import numpy as np
from PIL import Image

root, exclude_list, size, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(exclude_list) as f:
    excluded = {line.strip().lstrip("./") for line in f if line.strip() and not line.startswith("#")}
base = os.path.join(root, "usr/share/openclipart/png")
paths = []
for d, _, files in os.walk(base):
    for name in files:
        if name.lower().endswith(".png"):
            paths.append(os.path.relpath(os.path.join(d, name), root))
paths.sort()
kept = [p for p in paths if p not in excluded]
print(f"{len(paths)} PNGs, {len(paths) - len(kept)} excluded, {len(kept)} kept "
      f"({len(excluded)} paths in the exclude list)")
cats = sorted({p.split("/")[4] for p in kept})
images, labels, names = [], [], []
for i, p in enumerate(kept):
    try:
        im = Image.open(os.path.join(root, p))
        im.load()
    except Exception as e:  # a damaged file is skipped, and said so
        print("skip", p, e)
        continue
    im = im.convert("RGBA")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    im = Image.alpha_composite(white, im).convert("RGB")
    # Halve while both sides stay >= size (area average), then one bilinear step, as Loupe does.
    while im.width // 2 >= size and im.height // 2 >= size:
        im = im.reduce(2)
    im = im.resize((size, size), Image.BILINEAR)
    images.append(np.asarray(im, dtype=np.uint8))
    labels.append(cats.index(p.split("/")[4]))
    names.append(p)
    if i % 1000 == 0:
        print(i, p, flush=True)
np.save(out + ".npy", np.stack(images))
np.save(out + ".labels.npy", np.array(labels, dtype=np.int64))
with open(out + ".txt", "w") as f:
    f.write("\n".join(names) + "\n")
print("wrote", out + ".npy", len(images), "images,", len(cats), "categories")
