#!/usr/bin/env python3
"""Exports a Model Zero checkpoint as a Keras 2 functional-model HDF5 file, written by hand with h5py
(no TensorFlow), which DL4J's KerasModelImport reads; plus expected embeddings for a few fixed images.

usage: /usr/bin/python3 scripts/model-zero/export_keras_h5.py CHECKPOINT OUT.h5 [--images CACHE.npy]

The graph (channels_last, input SIZE x SIZE x 3, already normalised as (p/255 - 0.5)/0.25):
  input -> conv1 (3x3 same, ReLU) -> gap1 (GlobalAveragePooling2D)
                                 -> pool1 (MaxPooling2D 2x2) -> conv2 -> gap2 ...
  (with 2 convs per block: conv1a, conv1b, ...). Outputs: gap1 .. gapN, Loupe's feature layers.
BatchNorm is folded into each conv's kernel and bias (eval statistics), so no BatchNorm layer is exported.

Also writes next to OUT.h5: OUT.expected.json with, for each check image, the embedding the exported
network gives (float64 torch on the folded weights) and the trained network in eval mode gives (must agree),
and the check images as PNGs (SIZE x SIZE RGB, so Loupe's preprocessing does no resizing): two
synthetic patterns and, with --images, two openclipart images from the training cache.
"""
import argparse
import json
import os

import h5py
import numpy as np
import torch
from PIL import Image

from zero_net import load_checkpoint, normalise, plain_forward


def conv_names(widths, convs):
    names = []
    for b in range(len(widths)):
        for k in range(convs):
            names.append(f"conv{b + 1}" if convs == 1 else f"conv{b + 1}{'abcdefgh'[k]}")
    return names


def layer(class_name, name, config, inbound):
    cfg = {"name": name, "trainable": False, "dtype": "float32"}
    cfg.update(config)
    return {"class_name": class_name, "name": name, "config": cfg,
            "inbound_nodes": [[[n, 0, 0, {}] for n in inbound]] if inbound else []}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint")
    p.add_argument("out")
    p.add_argument("--images")
    a = p.parse_args()
    torch.set_num_threads(1)
    net, ck = load_checkpoint(a.checkpoint)
    from zero_net import folded_convs
    convs = folded_convs(net)
    size = ck["image_size"]
    widths, nconv = net.widths, net.convs
    names = conv_names(widths, nconv)

    layers = [layer("InputLayer", "input", {"batch_input_shape": [None, size, size, 3], "sparse": False,
                                             "ragged": False}, None)]
    weights = {}
    prev = "input"
    outputs = []
    for i, (b, k, w, bias) in enumerate(convs):
        name = names[i]
        stride = net.stem_stride if i == 0 else 1
        layers.append(layer("Conv2D", name, {
            "filters": int(w.shape[0]), "kernel_size": [3, 3], "strides": [stride, stride], "padding": "same",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu",
            "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}, [prev]))
        # torch OIHW -> Keras (kh, kw, in, out)
        weights[name] = [(f"{name}/kernel:0", w.permute(2, 3, 1, 0).float().numpy()),
                         (f"{name}/bias:0", bias.float().numpy())]
        prev = name
        if k == nconv - 1:
            gap = f"gap{b + 1}"
            layers.append(layer("GlobalAveragePooling2D", gap, {"data_format": "channels_last"}, [prev]))
            weights[gap] = []
            outputs.append(gap)
            if b < len(widths) - 1:
                pool = f"pool{b + 1}"
                layers.append(layer("MaxPooling2D", pool, {"pool_size": [2, 2], "padding": "valid",
                                                           "strides": [2, 2], "data_format": "channels_last"}, [prev]))
                weights[pool] = []
                prev = pool
    model_config = {"class_name": "Functional", "config": {
        "name": "model_zero", "layers": layers,
        "input_layers": [["input", 0, 0]],
        "output_layers": [[o, 0, 0] for o in outputs]}}
    # DL4J's importer knows "Model" (Keras 2.2-2.3) for functional models.
    model_config["class_name"] = "Model"

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with h5py.File(a.out, "w") as f:
        f.attrs["keras_version"] = b"2.4.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        g = f.create_group("model_weights")
        order = [l["name"] for l in layers]
        g.attrs["layer_names"] = np.array([n.encode("utf8") for n in order])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.4.0"
        for name in order:
            lg = g.create_group(name)
            ws = weights.get(name, [])
            lg.attrs["weight_names"] = np.array([wn.encode("utf8") for wn, _ in ws], dtype="S")
            for wn, value in ws:
                lg.create_dataset(wn, data=value)

    # Check images: uint8 size x size x 3.
    ys, xs, cs = np.meshgrid(np.arange(size), np.arange(size), np.arange(3), indexing="ij")
    checks = [((37 * ys + 11 * xs + 71 * cs) % 256).astype(np.uint8),
              (255 * (((xs // 8 + ys // 8) % 2) * (cs != 1) + ((xs - size / 2) ** 2 + (ys - size / 2) ** 2 < (size / 3) ** 2) * (cs == 1) * 0.7)).clip(0, 255).astype(np.uint8)]
    if a.images:
        cache = np.load(a.images, mmap_mode="r")
        checks += [np.array(cache[100]), np.array(cache[4000])]
    base = os.path.splitext(a.out)[0]
    entries = []
    for i, img in enumerate(checks):
        png = f"{os.path.basename(base)}.check{i}.png"
        Image.fromarray(img, "RGB").save(os.path.join(os.path.dirname(os.path.abspath(a.out)), png))
        x = normalise(torch.from_numpy(img).unsqueeze(0)).double()
        plain = plain_forward(convs, widths, x, net.stem_stride)[0]
        with torch.no_grad():
            trained = net.double()(x)[0]
        net.float()
        assert torch.allclose(plain, trained, atol=1e-6), float((plain - trained).abs().max())
        entries.append({"png": png, "embedding": [float(v) for v in plain]})
    meta = {"description": "Embeddings (float64 torch, BatchNorm folded) of the check PNGs; Loupe's preprocessing:"
                           " RGB, (p/255 - 0.5)/0.25, already " + f"{size}x{size} so no resize.",
            "size": size, "widths": widths, "convs": nconv, "stem_stride": net.stem_stride, "feature_layers": outputs, "dim": sum(widths),
            "epoch": ck["epoch"], "images": entries,
            "loupe_description": (
                f"Model Zero: {len(widths)}-block conv net ({'-'.join(map(str, widths))} filters, {nconv} 3x3 conv(s)"
                f" + ReLU per block, 2x2 max-pool between{', the first conv with stride 2' if net.stem_stride == 2 else ''}), {size}x{size} RGB, trained self-supervised (SimCLR,"
                f" {ck['epoch']} epochs) on public-domain openclipart images; all blocks' average-pooled outputs"
                f" joined ({sum(widths)} values). See models/MODEL_CARD.md.")}
    with open(base + ".expected.json", "w") as f:
        json.dump(meta, f, indent=1)
    print("wrote", a.out, os.path.getsize(a.out), "bytes;", len(entries), "check images; outputs", outputs)


if __name__ == "__main__":
    main()
