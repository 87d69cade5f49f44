#!/usr/bin/env python3
"""Trains Model Zero with SimCLR (NT-Xent, two augmented views) on cached openclipart images.

usage: /usr/bin/python3 scripts/model-zero/train_simclr.py --data /tmp/zero-data/openclipart-64.npy \
           --out /tmp/zero-run [--epochs N] [--widths 16,32,64,128] [--convs 2] [--batch 256] [--seed 1]
       ... --bench 5      # time 5 training steps and print the estimated epoch time, then stop
       ... --device cuda --max-minutes 6   # on a GPU machine; the epoch count is fixed after the
                                           # warm-up epoch so that the run ends within 6 minutes

On the CPU the run is seeded and single-threaded (torch.set_num_threads(1) unless --threads), so a
rerun with the same arguments repeats it; on a GPU, cuDNN's kernels are not bit-reproducible.
With --max-minutes, the first (warm-up) epoch is timed and the number of epochs is set then, before
the cosine part of the schedule starts, and printed: rerunning with --epochs N gives the same schedule.

Every epoch writes OUT/last.pt (backbone, projection head, optimiser,
schedule position) and appends a line to OUT/log.jsonl; a stopped run resumes from OUT/last.pt with
--resume. The backbone's config travels in the checkpoint, so export and probe need no flags. The end
of the run also writes OUT/backbone.pt: the backbone alone (what export and probe read), a few MB.

Augmentations run on uint8 -> float tensors in batches (no PIL): random resized crop (scale 0.2-1,
aspect 3/4-4/3) + horizontal flip via one affine grid_sample per batch; colour jitter (brightness,
contrast, saturation 0.4, p=0.8); greyscale (p=0.2); inversion (p=0.2, clip art is dark-on-white, photos
and scans need not be).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from zero_net import ZeroNet, normalise


SETTLE = 5  # warm-up steps not timed by --max-minutes


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--widths", default="16,32,64,128")
    p.add_argument("--convs", type=int, default=2)
    p.add_argument("--stem-stride", type=int, default=1, choices=(1, 2), help="2: the first conv has stride 2")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--wd", type=float, default=1e-5)
    p.add_argument("--temperature", type=float, default=0.2)
    p.add_argument("--proj", type=int, default=128)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine (random numbers stay on the CPU)")
    p.add_argument("--size", type=int, default=0, help="train at this size (default: the cache's)")
    p.add_argument("--max-minutes", type=float, default=0,
                   help="fit the run into this many minutes: epochs = min(--epochs, what fits at the warm-up epoch's speed)")
    p.add_argument("--bench", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    return p.parse_args()


def augment(x, gen):
    """x: float N x 3 x S x S in [0,1] -> one augmented view, same shape."""
    n, _, s, _ = x.shape
    dev = x.device
    # Random resized crop + flip as an affine map of the normalised [-1,1] grid.
    area = torch.empty(n).uniform_(0.2, 1.0, generator=gen)
    logr = torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=gen)
    ratio = torch.exp(logr)
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - w)
    cy = (torch.rand(n, generator=gen) * 2 - 1) * (1 - h)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta.to(dev), list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    # Colour jitter, applied with p=0.8 (brightness, contrast, saturation; order fixed).
    jit = (torch.rand(n, generator=gen) < 0.8).float().view(n, 1, 1, 1).to(dev)
    b = 1 + (torch.rand(n, generator=gen) * 0.8 - 0.4).view(n, 1, 1, 1).to(dev)
    c = 1 + (torch.rand(n, generator=gen) * 0.8 - 0.4).view(n, 1, 1, 1).to(dev)
    sat = 1 + (torch.rand(n, generator=gen) * 0.8 - 0.4).view(n, 1, 1, 1).to(dev)
    grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    y = x * b
    m = (0.299 * y[:, 0:1] + 0.587 * y[:, 1:2] + 0.114 * y[:, 2:3]).mean(dim=(2, 3), keepdim=True)
    y = (y - m) * c + m
    g = 0.299 * y[:, 0:1] + 0.587 * y[:, 1:2] + 0.114 * y[:, 2:3]
    y = (y - g) * sat + g
    x = (jit * y + (1 - jit) * x).clamp(0, 1)
    # Greyscale p=0.2, inversion p=0.2.
    gmask = (torch.rand(n, generator=gen) < 0.2).float().view(n, 1, 1, 1).to(dev)
    grey = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
    x = gmask * grey.expand_as(x) + (1 - gmask) * x
    imask = (torch.rand(n, generator=gen) < 0.2).float().view(n, 1, 1, 1).to(dev)
    x = imask * (1 - x) + (1 - imask) * x
    return x


def nt_xent(z1, z2, t):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.t() / t
    sim.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    loss = F.cross_entropy(sim, target)
    acc = (sim.argmax(dim=1) == target).float().mean()
    return loss, acc


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    data = torch.from_numpy(np.load(a.data))  # N x S x S x 3 uint8
    if a.size and a.size != data.shape[1]:
        f = data.permute(0, 3, 1, 2).float()
        f = F.interpolate(f, size=(a.size, a.size), mode="area")
        data = f.round().clamp(0, 255).byte().permute(0, 2, 3, 1).contiguous()
    n = data.shape[0]
    widths = [int(v) for v in a.widths.split(",")]
    net = ZeroNet(widths, a.convs, batchnorm=True, stem_stride=a.stem_stride)
    head = nn.Sequential(nn.Linear(net.dim, 256), nn.BatchNorm1d(256), nn.ReLU(inplace=True), nn.Linear(256, a.proj))
    device = torch.device(a.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        data = data.to(device)
    net.to(device)
    head.to(device)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.wd)
    steps_per_epoch = n // a.batch
    total = steps_per_epoch * a.epochs
    warm = steps_per_epoch  # one epoch of linear warm-up, then cosine to 0
    start_epoch = 0
    gen = torch.Generator().manual_seed(a.seed)
    ckpt_path = os.path.join(a.out, "last.pt")
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        net.load_state_dict(ck["backbone"])
        head.load_state_dict(ck["head"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        torch.set_rng_state(ck["rng"])
        start_epoch = ck["epoch"]
        a.epochs = ck.get("epochs", a.epochs)
        print("resumed at epoch", start_epoch, flush=True)
    print(f"{n} images {tuple(data.shape[1:])}, net {widths} x{a.convs} convs, dim {net.dim}, "
          f"{sum(p.numel() for p in net.parameters())} backbone params, {steps_per_epoch} steps/epoch, "
          f"{a.epochs} epochs", flush=True)

    def set_epochs(e):
        nonlocal total
        a.epochs = e
        total = steps_per_epoch * e

    def lr_at(step):
        if step < warm:
            return a.lr * (step + 1) / warm
        return a.lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    t_run = time.time()
    epoch = start_epoch
    while epoch < a.epochs:  # a.epochs may shrink after the warm-up epoch (--max-minutes)
        net.train()
        head.train()
        perm = torch.randperm(n, generator=gen)
        t0 = time.time()
        tot_loss = tot_acc = 0.0
        for s in range(steps_per_epoch):
            step = epoch * steps_per_epoch + s
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            idx = perm[s * a.batch:(s + 1) * a.batch].to(data.device)
            x = data[idx].permute(0, 3, 1, 2).to(device).float().div_(255.0)
            v1 = augment(x, gen)
            v2 = augment(x, gen)
            z = head(net(normalise(torch.cat([v1, v2]))))
            loss, acc = nt_xent(z[:len(idx)], z[len(idx):], a.temperature)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if s + 1 == min(SETTLE, steps_per_epoch - 1):
                t_settled = time.time()
            tot_loss += loss.item()
            tot_acc += acc.item()
            if a.bench and s + 1 >= a.bench:
                dt = (time.time() - t0) / a.bench
                print(f"bench: {dt:.2f} s/step at batch {a.batch} -> {dt * steps_per_epoch:.0f} s/epoch")
                return
        dt = time.time() - t0
        if a.max_minutes and epoch == 0 and start_epoch == 0:
            # The first steps pay for CUDA start-up and cuDNN's autotuning: time the rest of the epoch.
            per_epoch = (time.time() - t_settled) * steps_per_epoch / max(1, steps_per_epoch - SETTLE)
            fit = max(2, 1 + int((a.max_minutes * 60 - (time.time() - t_run)) / per_epoch))
            if fit < a.epochs:
                set_epochs(fit)
            print(f"warm-up epoch took {dt:.2f} s, {per_epoch:.2f} s once settled: {a.epochs} epochs in all", flush=True)
        rec = {"epoch": epoch + 1, "loss": tot_loss / steps_per_epoch, "pos_acc": tot_acc / steps_per_epoch,
               "lr": lr_at(step), "epoch_s": round(dt, 1), "total_s": round(time.time() - t_run, 1)}
        print(json.dumps(rec), flush=True)
        with open(os.path.join(a.out, "log.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        ck = {"backbone": {k: v.cpu() for k, v in net.state_dict().items()},
              "head": {k: v.cpu() for k, v in head.state_dict().items()}, "opt": opt.state_dict(),
              "gen": gen.get_state(), "rng": torch.get_rng_state(), "epoch": epoch + 1,
              "epochs": a.epochs, "net_config": net.config(), "args": vars(a), "image_size": int(data.shape[1])}
        torch.save(ck, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        epoch += 1
    ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    slim = {k: v for k, v in ck.items() if k not in ("head", "opt", "gen", "rng")}
    torch.save(slim, os.path.join(a.out, "backbone.pt"))


if __name__ == "__main__":
    main()
