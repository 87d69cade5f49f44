#!/usr/bin/env python3
"""Model Zero 1's linear probe (probe_fmnist.py's protocol) for other poolings of the SAME shipped weights:
every block's global average (the shipped embedding), global max, or both joined.

usage (Model Zero 1 is the file of commit a97de42; Model Zero 2's stride-2 first conv is not handled here):
       git show a97de42:models/model-zero.zip > /tmp/model-zero-1.zip
       java -cp target/loupe.jar scripts/model-zero/DumpConvWeights.java /tmp/model-zero-1.zip /tmp/zero-weights
       /usr/bin/python3 scripts/model-zero/probe_pooling.py --fmnist DIR --weights /tmp/zero-weights gap gap+gmp gmp

Widths 16-32-64-128, one 3x3 'same' conv + ReLU per block, 2x2 max-pool between blocks, 64 px input, as
Model Zero 1 shipped.
"""
import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
import torch
import torch.nn.functional as F

from probe_fmnist import load_fmnist, probe_protocol, upsample

SHAPES = {1: (16, 3), 2: (32, 16), 3: (64, 32), 4: (128, 64)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fmnist", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("variants", nargs="+", choices=["gap", "gmp", "gap+gmp"])
    a = p.parse_args()
    w = {i: (torch.from_numpy(np.fromfile(os.path.join(a.weights, f"conv{i}W.f32"), "<f4").reshape(o, c, 3, 3).copy()),
             torch.from_numpy(np.fromfile(os.path.join(a.weights, f"conv{i}b.f32"), "<f4").copy()))
         for i, (o, c) in SHAPES.items()}

    def feats(u8, batch=500):
        gap, gmp = [], []
        with torch.no_grad():
            for s in range(0, len(u8), batch):
                x = (u8[s:s + batch].permute(0, 3, 1, 2).float() / 255.0 - 0.5) / 0.25
                g, m = [], []
                for i in range(1, 5):
                    x = F.relu(F.conv2d(x, w[i][0], w[i][1], padding=1))
                    g.append(x.mean(dim=(2, 3)))
                    m.append(x.amax(dim=(2, 3)))
                    if i < 4:
                        x = F.max_pool2d(x, 2)
                gap.append(torch.cat(g, 1).double().numpy())
                gmp.append(torch.cat(m, 1).double().numpy())
        return np.concatenate(gap), np.concatenate(gmp)

    xtr, ytr, xte, yte, pool = load_fmnist(a.fmnist)
    gtr, mtr = feats(upsample(xtr[pool], 64))
    gte, mte = feats(upsample(xte, 64))
    sets = {"gap": (gtr, gte), "gmp": (mtr, mte), "gap+gmp": (np.hstack([gtr, mtr]), np.hstack([gte, mte]))}
    for name in a.variants:
        ftr, fte = sets[name]
        t0 = time.time()
        acc20k, accs = probe_protocol(ftr, ytr[pool], fte, yte)
        print(json.dumps({"pooling": name, "dim": int(ftr.shape[1]), "acc_20k": round(100 * acc20k, 2),
                          "acc_100_mean": round(100 * float(np.mean(accs)), 2),
                          "acc_100_sd": round(100 * float(np.std(accs)), 2), "probe_s": round(time.time() - t0, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
