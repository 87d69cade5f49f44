#!/usr/bin/env python3
"""Writes N synthetic 4000x3000 JPEG "photos" (smooth colour waves plus sensor-like noise, quality 90,
about 4 MB each) for `loupe bench embed` on large images.

usage: /usr/bin/python3 scripts/bench/synthetic_photos.py OUT_DIR [N=40]
"""
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
os.makedirs(out, exist_ok=True)
rs = np.random.RandomState(0)
H, W = 3000, 4000
y, x = np.mgrid[0:H, 0:W].astype(np.float32)
for i in range(n):
    r = 128 + 100 * np.sin(x / (300 + 17 * i) + i)
    g = 128 + 100 * np.cos(y / (250 + 11 * i) - i)
    b = 128 + 80 * np.sin((x + y) / (500 + 7 * i))
    img = np.stack([r, g, b], -1) + rs.normal(0, 12, (H, W, 3)).astype(np.float32)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(out, f"photo{i:02d}.jpg"), quality=90)
