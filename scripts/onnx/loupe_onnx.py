#!/usr/bin/env python3
"""Runs a classifier exported by `loupe export --onnx` on image files, resizing them exactly as Loupe does.

    pip install onnxruntime numpy pillow        # or Debian: python3-numpy python3-pil (+ onnxruntime from pip)
    python3 loupe_onnx.py model.onnx photo1.jpg photo2.png ...

Prints one line per image: the file, the most probable class and its probability. Copy `fit` into your own code to
feed the model yourself: it returns the H x W x 3 RGB array (0..255) the model's input `image` takes, one per image,
stacked into N x H x W x 3 float32. Loupe's rule (docs/adr/0020-onnx-export.md): transparent pixels on white; an image
larger than twice the model's size is first read at every k-th pixel (a plain JPEG: at 1/2, 1/4 or 1/8 in the DCT
domain, libjpeg's scaled decode, docs/adr/0030) and shrunk to fit twice the size; then stretched
(SQUASH) or centre-cropped (CENTER_CROP, after scaling its short side to `resize_short_side` when the model has one) to
the input size, halving while it is at least twice too large, and a last bilinear step. A plain `Image.resize` gives
slightly different pixels, which can change the prediction of a small model (docs/adr/0020-onnx-export.md).
`OnnxPythonPreprocessingTest` checks `fit` against Loupe's own pixels.
"""
import json
import sys

import numpy as np
from PIL import Image, ImageOps


def _bilinear(a, w, h):
    """Half-pixel bilinear resampling without smoothing, edges clamped, rounded to whole levels (Java 2D's)."""
    ah, aw = a.shape[:2]
    ys = np.clip((np.arange(h) + 0.5) * ah / h - 0.5, 0, ah - 1)
    xs = np.clip((np.arange(w) + 0.5) * aw / w - 0.5, 0, aw - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, ah - 1), np.minimum(x0 + 1, aw - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = a[y0][:, x0] * (1 - fx) + a[y0][:, x1] * fx
    bottom = a[y1][:, x0] * (1 - fx) + a[y1][:, x1] * fx
    return np.floor(top * (1 - fy) + bottom * fy + 0.5)


def _shrink(a, w, h):
    """Halves while the image is at least twice too large, then one bilinear step to exactly w x h."""
    while a.shape[1] // 2 >= w and a.shape[0] // 2 >= h:
        a = _bilinear(a, a.shape[1] // 2, a.shape[0] // 2)
    return a if a.shape[:2] == (h, w) else _bilinear(a, w, h)


def _round(x):
    return int(np.floor(x + 0.5))  # Java's Math.round, not Python's round-half-to-even


_ORIENT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def _jpeg_denominator(img, side):
    """1/2, 1/4 or 1/8: how much smaller Loupe reads a plain 8-bit YCbCr or grey JPEG in the DCT domain (1: not)."""
    if img.format != "JPEG" or img.mode not in ("RGB", "L") or img.info.get("adobe_transform", -1) not in (-1, 1):
        return 1
    if img.mode == "L" and img.info.get("adobe_transform", -1) == 1:
        return 1
    icc = img.info.get("icc_profile")
    if icc and b"sRGB" not in icc and "sRGB".encode("utf-16-be") not in icc:
        return 1  # a profile other than sRGB: Loupe reads the file whole and converts its colours
    longest = max(img.size)
    for d in (8, 4, 2):
        if -(-longest // d) >= side:  # libjpeg rounds a scaled side up
            return d
    return 1


def fit(path, width, height, resize="SQUASH", resize_short_side=0):
    """The image at `path` as the model's input: a height x width x 3 float32 array of RGB values 0..255."""
    img = Image.open(path)
    side = 2 * max(width, height, resize_short_side)  # Loupe reads images at up to twice the model's size
    raw_w, raw_h = img.size  # as stored, before the EXIF orientation
    step = 1 if max(img.size) <= 2 * side else -(-max(img.size) // (2 * side))
    d = _jpeg_denominator(img, side)
    if d > 1:
        # A large JPEG is read at 1/d in the DCT domain (libjpeg's scaled decode, as Loupe's OpenCV does), then
        # brought to the size the whole read would give, and only then turned upright.
        orientation = img.getexif().get(0x0112, 1)
        img.draft("RGB", (raw_w // d, raw_h // d))
        a = np.asarray(img.convert("RGB"), dtype=np.float64)
        w, h = -(-raw_w // step), -(-raw_h // step)
        if max(w, h) > side:
            s = side / max(w, h)
            w, h = max(1, _round(w * s)), max(1, _round(h * s))
        a = _shrink(a, w, h)
        if orientation in _ORIENT:
            a = np.asarray(Image.fromarray(a.astype(np.uint8)).transpose(_ORIENT[orientation]), dtype=np.float64)
    else:
        img = ImageOps.exif_transpose(img).convert("RGBA")
        a = np.asarray(Image.alpha_composite(Image.new("RGBA", img.size, "white"), img).convert("RGB"),
                       dtype=np.float64)
        a = a[::step, ::step]
        if max(a.shape[:2]) > side:
            s = side / max(a.shape[:2])
            a = _shrink(a, max(1, _round(a.shape[1] * s)), max(1, _round(a.shape[0] * s)))
    if resize == "CENTER_CROP":
        sh, sw = a.shape[:2]
        scale = resize_short_side / min(sw, sh) if resize_short_side > 0 else max(width / sw, height / sh)
        cw, ch = min(sw, _round(width / scale)), min(sh, _round(height / scale))
        a = a[(sh - ch) // 2:(sh - ch) // 2 + ch, (sw - cw) // 2:(sw - cw) // 2 + cw]
    return _shrink(a, width, height).astype(np.float32)


def main(model, files):
    import onnxruntime as ort
    session = ort.InferenceSession(model)
    meta = session.get_modelmeta().custom_metadata_map
    p = json.loads(meta["preprocessing"])
    classes = json.loads(meta["classes"])
    x = np.stack([fit(f, p["width"], p["height"], p["resize"], p.get("resize_short_side", 0)) for f in files])
    batch = session.get_inputs()[0].shape[0]  # "N", or a number when the base model fixes it
    step = batch if isinstance(batch, int) else len(files)
    probabilities = np.concatenate([session.run(["probabilities"], {"image": x[i:i + step]})[0]
                                    for i in range(0, len(files), step)])
    for f, row in zip(files, probabilities):
        best = int(row.argmax())
        print(f"{f}\t{classes[best]}\t{row[best]:.4f}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: loupe_onnx.py MODEL.onnx IMAGE...")
    main(sys.argv[1], sys.argv[2:])
