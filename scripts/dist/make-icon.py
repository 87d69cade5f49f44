#!/usr/bin/env python3
"""Draws Loupe's application icon (a magnifying glass over a grid of image tiles) and writes it in the three
forms jpackage wants: src/dist/icons/loupe.png (Linux), loupe.ico (Windows) and loupe.icns (macOS).

Drawn here from plain shapes, so the icon is Loupe's own (Apache-2.0, like the code). Needs Pillow
(`pip install pillow` or Debian's python3-pil). Run from the repository root: python3 scripts/dist/make-icon.py
"""
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 1024  # drawn large, then scaled down: smooth edges without an anti-aliasing library
OUT = Path("src/dist/icons")

TILES = [(0x3b, 0x82, 0xc4), (0xe8, 0xa3, 0x3d), (0x4c, 0xa6, 0x6b),
         (0xd0, 0x5a, 0x5a), (0x8a, 0x6f, 0xc4), (0x3b, 0xa7, 0xb0),
         (0xc4, 0xc0, 0x3b), (0x5a, 0x7d, 0xd0), (0xb0, 0x6f, 0x3b)]


def draw() -> Image.Image:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = SIZE / 256  # coordinates below are on a 256 grid
    d.rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=40 * s, fill=(0x24, 0x2b, 0x36, 255))
    # a 3x3 gallery of tiles, as in the app
    for i, colour in enumerate(TILES):
        x, y = 30 + (i % 3) * 66, 30 + (i // 3) * 66
        d.rounded_rectangle([x * s, y * s, (x + 58) * s, (y + 58) * s], radius=8 * s, fill=colour + (255,))
    # the loupe: a lens over the middle tile, its handle towards the lower right
    cx, cy, r = 118, 118, 64
    d.line([(cx + 40) * s, (cy + 40) * s, 226 * s, 226 * s], fill=(0x1a, 0x1a, 0x1a, 255), width=int(30 * s))
    d.line([(cx + 40) * s, (cy + 40) * s, 226 * s, 226 * s], fill=(0xf2, 0xf2, 0xf2, 255), width=int(20 * s))
    d.ellipse([(cx - r - 6) * s, (cy - r - 6) * s, (cx + r + 6) * s, (cy + r + 6) * s], fill=(0x1a, 0x1a, 0x1a, 255))
    d.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=(0xf2, 0xf2, 0xf2, 255))
    d.ellipse([(cx - r + 12) * s, (cy - r + 12) * s, (cx + r - 12) * s, (cy + r - 12) * s],
              fill=(0xcf, 0xe6, 0xf7, 255))
    # a check mark in the lens: the label the model learns from
    d.line([((cx - 26) * s, (cy + 2) * s), ((cx - 6) * s, (cy + 22) * s), ((cx + 30) * s, (cy - 20) * s)],
           fill=(0x2e, 0x8b, 0x57, 255), width=int(14 * s), joint="curve")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.LANCZOS).save(OUT / "loupe.png", optimize=True)
    big.resize((256, 256), Image.LANCZOS).save(OUT / "loupe.ico", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
    big.resize((512, 512), Image.LANCZOS).save(OUT / "loupe.icns")
    print("wrote", ", ".join(str(OUT / n) for n in ("loupe.png", "loupe.ico", "loupe.icns")))


if __name__ == "__main__":
    main()
