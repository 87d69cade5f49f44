#!/usr/bin/env python3
"""Makes a folder of N small PNGs (default 100,000) for the big-project open benchmark (issue 16).

Usage: big_project.py FMNIST_IMAGEFOLDER OUT [N]

Copies the PNGs of an ImageFolder tree (Fashion-MNIST's train and test folders from
scripts/fetch-datasets.sh give 70,000) into OUT/<class>/, then tops the count up to N with copies that carry a
tEXt chunk ("loupe-variant <i>") before IEND: the same pixels, different bytes, so Loupe's import (which drops
byte-identical files) keeps them. Standard library only.
"""
import os
import struct
import sys
import zlib


def png_files(root):
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            if n.lower().endswith(".png"):
                yield os.path.join(dirpath, n)


def with_text_chunk(data, text):
    iend = data.rfind(b"IEND") - 4  # length field before the type
    body = b"Comment\x00" + text.encode("ascii")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xffffffff)
    return data[:iend] + chunk + data[iend:]


def main():
    src, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    files = sorted(png_files(src))
    if not files:
        sys.exit(f"no PNG files under {src}")
    written = 0
    i = 0
    while written < n:
        f = files[i % len(files)]
        cls = os.path.basename(os.path.dirname(f))
        os.makedirs(os.path.join(out, cls), exist_ok=True)
        with open(f, "rb") as fh:
            data = fh.read()
        rnd = i // len(files)
        stem = os.path.splitext(os.path.basename(f))[0]
        # the source's parent of the class folder (train/test) keeps names unique
        part = os.path.basename(os.path.dirname(os.path.dirname(f)))
        name = f"{part}-{stem}" + (f"-v{rnd}" if rnd else "") + ".png"
        if rnd:
            data = with_text_chunk(data, f"loupe-variant {rnd}")
        with open(os.path.join(out, cls, name), "wb") as fh:
            fh.write(data)
        written += 1
        i += 1
    print(f"{written} PNGs in {out} from {len(files)} sources")


if __name__ == "__main__":
    main()
