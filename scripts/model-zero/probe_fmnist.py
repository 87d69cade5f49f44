#!/usr/bin/env python3
"""Linear probe of frozen features on Fashion-MNIST: Model Zero's benchmark.

usage: /usr/bin/python3 scripts/model-zero/probe_fmnist.py --fmnist DIR (--checkpoint last.pt | --random | --raw)
           [--size 64] [--widths 16,32,64,128 --convs 1 --stem-stride 1] [--json OUT.json] [--device cuda]

DIR holds the four IDX .gz files of Debian's dataset-fashion-mnist (usr/share/datasets/fashion-mnist).
Images are upsampled from 28 to SIZE px (bilinear, rounded back to 8-bit, as Loupe's decoder would
give them), grey copied to R, G and B, then normalised exactly as in training ((p/255 - 0.5)/0.25).
Features: --checkpoint: the trained backbone with BatchNorm folded in (the exported network);
--random: the same architecture with fixed-seed He-normal weights, zero biases (the stand-in's kind);
--raw: the upsampled grey pixels themselves.
Probe: features standardised on the labelled set, scikit-learn LogisticRegression (lbfgs, C=1,
multinomial). 20,000 labels = the first 20k of a seed-0 permutation of the 60k training images;
100 labels = 10 per class, averaged over seeds 0-4. Tested on the official 10k test split.
"""
import argparse
import gzip
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

from zero_net import ZeroNet, folded_convs, load_checkpoint, normalise, plain_forward

RANDOM_SEED = 20240501


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def upsample(x28, size):
    """uint8 N x 28 x 28 -> uint8 N x size x size x 3."""
    t = torch.from_numpy(x28).float().unsqueeze(1)
    t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    t = t.round().clamp(0, 255).byte()
    return t.expand(-1, 3, -1, -1).permute(0, 2, 3, 1).contiguous()


def features(fn, u8, batch=500, device="cpu"):
    out = []
    with torch.no_grad():
        for i in range(0, len(u8), batch):
            out.append(fn(u8[i:i + batch].to(device)).double().cpu().numpy())
    return np.concatenate(out)


def probe(xtr, ytr, xte, yte):
    mu = xtr.mean(0)
    sd = xtr.std(0) + 1e-6
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit((xtr - mu) / sd, ytr)
    return float((clf.predict((xte - mu) / sd) == yte).mean())


def load_fmnist(d):
    """Train images and labels, test images and labels, and the protocol's 20k pool (seed-0 permutation)."""
    xtr = idx(os.path.join(d, "train-images-idx3-ubyte.gz"))
    ytr = idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    xte = idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    yte = idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    pool = np.random.RandomState(0).permutation(len(xtr))[:20000]
    return xtr, ytr, xte, yte, pool


def probe_protocol(ftr, ypool, fte, yte):
    """Accuracy with all 20k pool labels, and the five 100-label accuracies (10 per class, seeds 0-4)."""
    acc20k = probe(ftr, ypool, fte, yte)
    accs = []
    for seed in range(5):
        rs = np.random.RandomState(seed)
        pick = np.concatenate([rs.choice(np.where(ypool == c)[0], 10, replace=False) for c in range(10)])
        accs.append(probe(ftr[pick], ypool[pick], fte, yte))
    return acc20k, accs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fmnist", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--checkpoint")
    g.add_argument("--random", action="store_true")
    g.add_argument("--raw", action="store_true")
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--widths", default="16,32,64,128")
    p.add_argument("--convs", type=int, default=1)
    p.add_argument("--stem-stride", type=int, default=1, choices=(1, 2), help="with --random: 2 = stride-2 first conv")
    p.add_argument("--json")
    p.add_argument("--device", default="cpu", help="where the features are computed (cuda: TF32 off, float32)")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    t0 = time.time()
    if a.checkpoint:
        net, ck = load_checkpoint(a.checkpoint)
        size = a.size or ck["image_size"]
        convs = [(b, k, w.float().to(a.device), bias.float().to(a.device)) for b, k, w, bias in folded_convs(net)]
        widths = net.widths
        fn = lambda u8: plain_forward(convs, widths, normalise(u8), net.stem_stride)
        name = f"SimCLR {widths} x{net.convs} conv{', stride-2 stem' if net.stem_stride == 2 else ''}, epoch {ck['epoch']}"
    elif a.random:
        size = a.size or 64
        torch.manual_seed(RANDOM_SEED)
        net = ZeroNet([int(v) for v in a.widths.split(",")], a.convs, batchnorm=False, stem_stride=a.stem_stride)
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                torch.nn.init.zeros_(m.bias)
        net.eval().to(a.device)
        fn = lambda u8: net(normalise(u8))
        name = f"random-init {net.widths} x{net.convs} conv{', stride-2 stem' if a.stem_stride == 2 else ''}"
    else:
        size = a.size or 64
        fn = lambda u8: normalise(u8)[:, 0].reshape(len(u8), -1)
        name = f"raw pixels {size}x{size} grey"
    xtr, ytr, xte, yte, pool = load_fmnist(a.fmnist)
    ftr = features(fn, upsample(xtr[pool], size), device=a.device)
    fte = features(fn, upsample(xte, size), device=a.device)
    t1 = time.time()
    acc20k, accs = probe_protocol(ftr, ytr[pool], fte, yte)
    res = {"features": name, "size": size, "dim": int(ftr.shape[1]), "acc_20k": round(100 * acc20k, 2),
           "acc_100_mean": round(100 * float(np.mean(accs)), 2), "acc_100_sd": round(100 * float(np.std(accs)), 2),
           "acc_100_seeds": [round(100 * v, 2) for v in accs],
           "features_s": round(t1 - t0, 1), "probe_s": round(time.time() - t1, 1)}
    print(json.dumps(res), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
