#!/usr/bin/env python3
"""Writes the small ONNX models, test images and golden embeddings that Loupe's ONNX tests use.

Every model is a tiny PyTorch network with fixed seeded weights, exported by torch.onnx (opset 13), then tidied
with the onnx package (tensor names a reader can recognise). Goldens are computed by PyTorch itself on the committed
test images, so they check ONNX Runtime Java and Loupe's tensor handling against an independent implementation.

Needs Debian's python3-torch (1.13) and python3-onnx (1.12), and python3-pil:
    /usr/bin/python3 scripts/onnx/make_test_models.py            # writes src/test/resources/dev/loupe/backbone/onnx
    /usr/bin/python3 scripts/onnx/make_test_models.py --bench DIR # also MobileNetV2- and ResNet-50-shaped models
                                                                  # (random weights, 224 px) for `loupe bench embed`

Models (all float32; inputs 32x32 RGB unless said):
  cnn-nchw.onnx     input `image` [N,3,32,32], dynamic batch. conv-relu (`block1`) -> conv-relu (`block2`,
                    [N,16,8,8]) -> GlobalAveragePool (`pooled`, [N,16,1,1]) -> Flatten (`features`, [N,16])
                    -> Gemm (`logits`, 5 classes) -> Softmax (`probabilities`, the only graph output).
                    `features` is the input of the final Gemm: Loupe's default embedding tensor.
  cnn-nhwc.onnx     input `input_1` [1,32,32,3] (NHWC, batch fixed to 1, like TensorFlow exports); graph output
                    `feature_map` [1,8,8,12] (NHWC): Loupe averages over the spatial axes.
  dynamic-size.onnx input `pixels` [N,3,H,W] with H, W dynamic; output `embedding` [N,8] (global average pool).
  tokens.onnx       input `pixel_values` [N,3,32,32]; output `last_hidden_state` [N,17,12]: a class token then 16
                    patch tokens (a miniature vision transformer's shape).
  two-inputs.onnx   inputs `input_ids` [N,8] and `attention_mask` [N,8] (int64): a text model, not an image one.
  vector-input.onnx input `x` [N,10]: not an image model.
  truncated.onnx    the first half of cnn-nchw.onnx.
  not-onnx.onnx     a text file.
Images: images/*.png, 32x32 RGB, drawn from formulas (no outside source).
Goldens: goldens.json, per model and tensor the embedding of every image, computed with the preprocessing
`(p/255 - mean) / std`, ImageNet's mean and std, no resize (the images already are 32x32).
"""
import argparse
import hashlib
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from PIL import Image

OUT = "src/test/resources/dev/loupe/backbone/onnx"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def seeded(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return module.eval()


class CnnNchw(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        b1 = torch.relu(self.c1(x))
        b2 = torch.relu(self.c2(b1))
        pooled = nn.functional.adaptive_avg_pool2d(b2, 1)
        features = torch.flatten(pooled, 1)
        return torch.softmax(self.fc(features), dim=1), b2, pooled, features


class CnnNhwc(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(6, 12, 3, stride=2, padding=1)

    def forward(self, x):
        y = torch.relu(self.c2(torch.relu(self.c1(x.permute(0, 3, 1, 2)))))
        return y.permute(0, 2, 3, 1)


class DynamicSize(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return torch.tanh(self.c1(x)).mean(dim=(2, 3))


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 12, 8, stride=8)
        self.cls = nn.Parameter(torch.zeros(1, 1, 12))
        self.norm = nn.LayerNorm(12)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(x.shape[0], -1, -1), t], dim=1)
        return self.norm(t)


class TextLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 4)

    def forward(self, ids, mask):
        return (self.emb(ids) * mask.unsqueeze(-1)).sum(1)


def export(model, args, path, inputs, outputs, dynamic):
    torch.onnx.export(model, args, path, opset_version=13, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, do_constant_folding=True)


def rename(path, mapping, extra_outputs=()):
    """Gives tensors readable names and keeps only the wanted graph outputs."""
    m = onnx.load(path)
    for node in m.graph.node:
        node.input[:] = [mapping.get(i, i) for i in node.input]
        node.output[:] = [mapping.get(o, o) for o in node.output]
    for o in m.graph.output:
        o.name = mapping.get(o.name, o.name)
    keep = [o for o in m.graph.output if o.name not in extra_outputs]
    del m.graph.output[:]
    m.graph.output.extend(keep)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def producer_outputs(path, op):
    m = onnx.load(path)
    return [n.output[0] for n in m.graph.node if n.op_type == op]


def images(out):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    y, x = np.mgrid[0:32, 0:32]
    pics = {
        "gradient": np.stack([x * 8, y * 8, (x + y) * 4], -1),
        "rings": np.stack([((x - 16) ** 2 + (y - 16) ** 2) % 97 * 2, x * 5 + 20, 255 - y * 6], -1),
        "checker": np.stack([((x // 4 + y // 4) % 2) * 230 + 10, (x * y) % 256, ((x // 8) % 2) * 200 + 30], -1),
        "stripes": np.stack([(y % 6) * 40, 128 + (x % 5) * 20, (x * 3 + y * 7) % 256], -1),
    }
    arrays = {}
    for name, a in pics.items():
        a = np.clip(a, 0, 255).astype(np.uint8)
        Image.fromarray(a, "RGB").save(os.path.join(out, "images", name + ".png"))
        arrays[name] = a
    return arrays


def normalised(a, layout="NCHW"):
    x = (a.astype(np.float32) / np.float32(255.0) - MEAN) / STD
    x = x[None]
    return torch.from_numpy(np.ascontiguousarray(x if layout == "NHWC" else x.transpose(0, 3, 1, 2)))


def rows(t):
    return [[float(v) for v in r] for r in t.reshape(t.shape[0], -1).tolist()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--bench", help="also write MobileNetV2- and ResNet-50-shaped models (224 px) here")
    a = ap.parse_args()
    out = a.out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    pics = images(out)
    goldens = {}

    # NCHW CNN, dynamic batch; the embedding lives inside the graph.
    cnn = seeded(CnnNchw(), 1)
    p = os.path.join(out, "cnn-nchw.onnx")
    export(cnn, torch.zeros(2, 3, 32, 32), p, ["image"], ["probabilities", "b2", "pooled", "features"],
           {"image": {0: "batch"}, "probabilities": {0: "batch"}})
    relus = producer_outputs(p, "Relu")
    rename(p, {relus[0]: "block1", relus[1]: "block2", "b2": "block2"}, extra_outputs=("b2", "pooled", "features", "block2"))
    m = onnx.load(p)
    ops = {n.op_type: n for n in m.graph.node}
    names = {ops["GlobalAveragePool"].output[0]: "pooled", ops["Flatten"].output[0]: "features",
             ops["Gemm"].output[0]: "logits"}
    rename(p, names)
    g = {"features": [], "pooled": [], "block2_mean": [], "probabilities": [], "features_l2": []}
    for name in sorted(pics):
        with torch.no_grad():
            prob, b2, pooled, feat = cnn(normalised(pics[name]))
        g["features"] += rows(feat)
        g["pooled"] += rows(pooled)
        g["block2_mean"] += rows(b2.mean(dim=(2, 3)))
        g["probabilities"] += rows(prob)
        g["features_l2"] += rows(feat / feat.norm(dim=1, keepdim=True))
    goldens["cnn-nchw.onnx"] = g

    # NHWC, batch fixed to 1.
    nhwc = seeded(CnnNhwc(), 2)
    p = os.path.join(out, "cnn-nhwc.onnx")
    export(nhwc, torch.zeros(1, 32, 32, 3), p, ["input_1"], ["feature_map"], None)
    g = {"feature_map_mean": []}
    for name in sorted(pics):
        with torch.no_grad():
            fm = nhwc(normalised(pics[name], "NHWC"))
        g["feature_map_mean"] += rows(fm.mean(dim=(1, 2)))
    goldens["cnn-nhwc.onnx"] = g

    # Dynamic spatial size.
    dyn = seeded(DynamicSize(), 3)
    p = os.path.join(out, "dynamic-size.onnx")
    export(dyn, torch.zeros(1, 3, 32, 32), p, ["pixels"], ["embedding"],
           {"pixels": {0: "batch", 2: "height", 3: "width"}, "embedding": {0: "batch"}})
    g = {"embedding": []}
    for name in sorted(pics):
        with torch.no_grad():
            g["embedding"] += rows(dyn(normalised(pics[name])))
    goldens["dynamic-size.onnx"] = g

    # Tokens: the first (class) token is the embedding.
    tok = seeded(Tokens(), 4)
    p = os.path.join(out, "tokens.onnx")
    export(tok, torch.zeros(1, 3, 32, 32), p, ["pixel_values"], ["last_hidden_state"],
           {"pixel_values": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    g = {"first_token": []}
    for name in sorted(pics):
        with torch.no_grad():
            g["first_token"] += rows(tok(normalised(pics[name]))[:, 0, :])
    goldens["tokens.onnx"] = g

    # Models that are not image models, and broken files.
    export(seeded(TextLike(), 5), (torch.zeros(1, 8, dtype=torch.long), torch.ones(1, 8, dtype=torch.long)),
           os.path.join(out, "two-inputs.onnx"), ["input_ids", "attention_mask"], ["text_embeds"],
           {"input_ids": {0: "batch"}, "attention_mask": {0: "batch"}})
    export(seeded(nn.Linear(10, 3), 6), torch.zeros(1, 10), os.path.join(out, "vector-input.onnx"), ["x"], ["y"],
           {"x": {0: "batch"}})
    whole = open(os.path.join(out, "cnn-nchw.onnx"), "rb").read()
    open(os.path.join(out, "truncated.onnx"), "wb").write(whole[: len(whole) // 2])
    open(os.path.join(out, "not-onnx.onnx"), "w").write("This is a text file, not a neural network.\n")

    goldens["images"] = sorted(pics)
    goldens["preprocessing"] = {"mean": MEAN.tolist(), "std": STD.tolist(), "size": 32}
    goldens["sha256"] = {f: hashlib.sha256(open(os.path.join(out, f), "rb").read()).hexdigest()
                         for f in sorted(os.listdir(out)) if f.endswith(".onnx")}
    with open(os.path.join(out, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1)
        f.write("\n")
    print("wrote", out)
    if a.bench:
        bench(a.bench)


# ---- benchmark models: the shapes of MobileNetV2 and ResNet-50, random weights --------------------------------

def conv_bn(i, o, k, s, groups=1, act=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, i, o, s, t):
        super().__init__()
        h = i * t
        layers = [] if t == 1 else [conv_bn(i, h, 1, 1)]
        layers += [conv_bn(h, h, 3, s, groups=h), conv_bn(h, o, 1, 1, act=False)]
        self.body = nn.Sequential(*layers)
        self.skip = s == 1 and i == o

    def forward(self, x):
        return x + self.body(x) if self.skip else self.body(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2 layout (width 1.0): 3.5 M parameters, 1280-d pooled features, 1000 classes."""

    def __init__(self):
        super().__init__()
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        layers, c = [conv_bn(3, 32, 3, 2)], 32
        for t, o, n, s in cfg:
            for k in range(n):
                layers.append(InvertedResidual(c, o, s if k == 0 else 1, t))
                c = o
        layers.append(conv_bn(c, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, 1000)

    def forward(self, x):
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class Bottleneck(nn.Module):
    def __init__(self, i, w, s):
        super().__init__()
        o = w * 4
        self.body = nn.Sequential(nn.Conv2d(i, w, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
                                  nn.Conv2d(w, w, 3, s, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
                                  nn.Conv2d(w, o, 1, bias=False), nn.BatchNorm2d(o))
        self.down = None if s == 1 and i == o else nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return torch.relu(self.body(x) + (x if self.down is None else self.down(x)))


class ResNet50(nn.Module):
    """torchvision's ResNet-50 layout: 25.6 M parameters, 2048-d pooled features, 1000 classes."""

    def __init__(self):
        super().__init__()
        layers, c = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                     nn.MaxPool2d(3, 2, 1)], 64
        for w, n, s in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for k in range(n):
                layers.append(Bottleneck(c, w, s if k == 0 else 1))
                c = w * 4
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


def bench(out):
    os.makedirs(out, exist_ok=True)
    for name, net in [("mobilenetv2-shaped.onnx", MobileNetV2()), ("resnet50-shaped.onnx", ResNet50())]:
        p = os.path.join(out, name)
        export(net.eval(), torch.zeros(1, 3, 224, 224), p, ["input"], ["output"],
               {"input": {0: "batch"}, "output": {0: "batch"}})
        print("wrote", p, os.path.getsize(p), "bytes")


if __name__ == "__main__":
    main()
