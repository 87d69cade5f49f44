#!/usr/bin/env python3
"""Writes N camera-sized JPEGs made from real photographs, for `loupe bench embed` on large images.

Each output is a random 4:3 crop (60-100 % of the width) of one source photo, mirrored at random, upscaled
(bicubic) to the target size, with sensor-like grain added (Gaussian, sigma 4, plus a little per-row banding)
so that the file is about as large and as slow to decode as a camera's: upscaled content alone compresses to a
fraction of a real photo's size. Sources are cycled in sorted order; the same arguments give the same files.

usage: /usr/bin/python3 scripts/bench/camera_photos.py SRC_DIR OUT_DIR [N=200]
           [--size 4000x3000] [--quality 92] [--progressive] [--exif-orientation K]

SRC_DIR: photographs (JPEG/PNG, any size); scripts/bench/photos.sh fetches some from Debian's opencv-doc.
--exif-orientation K writes an EXIF Orientation tag K (1..8) into every file (pixels stored as given).
"""
import argparse
import glob
import os

import numpy as np
from PIL import Image

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("out")
ap.add_argument("n", nargs="?", type=int, default=200)
ap.add_argument("--size", default="4000x3000")
ap.add_argument("--quality", type=int, default=92)
ap.add_argument("--progressive", action="store_true")
ap.add_argument("--exif-orientation", type=int, default=0)
a = ap.parse_args()
W, H = (int(v) for v in a.size.lower().split("x"))

sources = sorted(p for p in glob.glob(os.path.join(a.src, "**", "*"), recursive=True)
                 if p.lower().endswith((".jpg", ".jpeg", ".png")))
if not sources:
    raise SystemExit(f"no JPEG or PNG photos under {a.src}")
os.makedirs(a.out, exist_ok=True)
rs = np.random.RandomState(0)
for i in range(a.n):
    src = Image.open(sources[i % len(sources)]).convert("RGB")
    sw, sh = src.size
    cw = int(sw * rs.uniform(0.6, 1.0))
    ch = min(sh, int(cw * H / W))
    cw = int(ch * W / H)
    x0 = rs.randint(0, sw - cw + 1)
    y0 = rs.randint(0, sh - ch + 1)
    img = src.crop((x0, y0, x0 + cw, y0 + ch))
    if rs.rand() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    big = np.asarray(img.resize((W, H), Image.BICUBIC), dtype=np.float32)
    grain = rs.normal(0, 4, (H, W, 3)).astype(np.float32) + rs.normal(0, 1.5, (H, 1, 1)).astype(np.float32)
    pixels = np.clip(big + grain, 0, 255).astype(np.uint8)
    kw = {"quality": a.quality, "progressive": a.progressive, "subsampling": "4:2:0"}
    if a.exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = a.exif_orientation
        kw["exif"] = exif.tobytes()
    Image.fromarray(pixels).save(os.path.join(a.out, f"photo{i:03d}.jpg"), **kw)
print(f"wrote {a.n} {W}x{H} JPEGs to {a.out}")
