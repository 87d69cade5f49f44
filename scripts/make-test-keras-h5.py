#!/usr/bin/env python3
"""Writes a tiny Keras 2 HDF5 model by hand (no TensorFlow needed) plus its expected output.

Model (tf.keras 2.4 Sequential layout): Conv2D(4, 3x3, relu, valid, input 16x16x3, channels_last)
-> GlobalAveragePooling2D -> Dense(3, softmax). Weights are deterministic functions of their index.

For one fixed 16x16 RGB image (pixel values p = (37*y + 11*x + 71*c) % 256, network input p/255),
the script computes the pooled Conv2D output and the softmax output with plain numpy, independently
of DL4J, and writes them to keras-tiny.expected.json next to the model.

Needs Debian's python3-h5py and python3-numpy:
    apt-get install -y python3-h5py python3-numpy
    /usr/bin/python3 scripts/make-test-keras-h5.py [out-dir]   # default src/test/resources/dev/loupe/backbone
(/usr/bin/python3: the Debian interpreter that sees the Debian packages, not a pyenv one.)
"""
import json
import os
import sys

import h5py
import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/dev/loupe/backbone"
H, W, C, F, K, N = 16, 16, 3, 4, 3, 3


def glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": None}}


def zeros():
    return {"class_name": "Zeros", "config": {}}


model_config = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {"class_name": "InputLayer", "config": {
                "batch_input_shape": [None, H, W, C], "dtype": "float32", "sparse": False,
                "ragged": False, "name": "conv2d_input"}},
            {"class_name": "Conv2D", "config": {
                "name": "conv2d", "trainable": True, "batch_input_shape": [None, H, W, C],
                "dtype": "float32", "filters": F, "kernel_size": [K, K], "strides": [1, 1],
                "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
                "groups": 1, "activation": "relu", "use_bias": True,
                "kernel_initializer": glorot(), "bias_initializer": zeros(),
                "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                "kernel_constraint": None, "bias_constraint": None}},
            {"class_name": "GlobalAveragePooling2D", "config": {
                "name": "global_average_pooling2d", "trainable": True, "dtype": "float32",
                "data_format": "channels_last"}},
            {"class_name": "Dense", "config": {
                "name": "dense", "trainable": True, "dtype": "float32", "units": N,
                "activation": "softmax", "use_bias": True,
                "kernel_initializer": glorot(), "bias_initializer": zeros(),
                "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                "kernel_constraint": None, "bias_constraint": None}},
        ],
    },
}

# Deterministic weights; Keras shapes: conv kernel (kh, kw, in, out), dense kernel (in, out).
conv_kernel = (0.5 * np.sin(0.7 * np.arange(K * K * C * F))).reshape(K, K, C, F).astype(np.float32)
conv_bias = np.array([0.1, -0.05, 0.0, -0.3], dtype=np.float32)
dense_kernel = (np.cos(1.3 * np.arange(F * N))).reshape(F, N).astype(np.float32)
dense_bias = np.array([0.05, -0.1, 0.2], dtype=np.float32)

# The fixed input image and what the model gives for it, computed directly.
ys, xs, cs = np.meshgrid(np.arange(H), np.arange(W), np.arange(C), indexing="ij")
pixels = (37 * ys + 11 * xs + 71 * cs) % 256  # [y, x, c]
x = (pixels / 255.0).astype(np.float64)
conv = np.zeros((H - K + 1, W - K + 1, F))
for i in range(H - K + 1):
    for j in range(W - K + 1):
        patch = x[i:i + K, j:j + K, :]
        conv[i, j, :] = np.tensordot(patch, conv_kernel.astype(np.float64), axes=([0, 1, 2], [0, 1, 2]))
conv = np.maximum(conv + conv_bias, 0.0)
pooled = conv.mean(axis=(0, 1))
logits = pooled @ dense_kernel.astype(np.float64) + dense_bias
probs = np.exp(logits - logits.max())
probs /= probs.sum()

os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "keras-tiny.h5")
layers = ["conv2d", "global_average_pooling2d", "dense"]
weights = {
    "conv2d": [("conv2d/kernel:0", conv_kernel), ("conv2d/bias:0", conv_bias)],
    "global_average_pooling2d": [],
    "dense": [("dense/kernel:0", dense_kernel), ("dense/bias:0", dense_bias)],
}
with h5py.File(path, "w") as f:
    # Keras 2 stores these as byte strings (fixed-length), as written here.
    f.attrs["keras_version"] = b"2.4.0"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = np.array([n.encode("utf8") for n in layers])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = b"2.4.0"
    for name in layers:
        lg = g.create_group(name)
        lg.attrs["weight_names"] = np.array([w.encode("utf8") for w, _ in weights[name]], dtype="S")
        for wname, value in weights[name]:
            lg.create_dataset(wname, data=value)

with open(os.path.join(OUT, "keras-tiny.expected.json"), "w") as f:
    json.dump({
        "description": "Input: pixel (y, x, channel c in R,G,B) = (37*y + 11*x + 71*c) % 256, scaled by 1/255;"
                       " pooled = GlobalAveragePooling2D output, output = Dense softmax output; numpy, float64.",
        "height": H, "width": W,
        "pooled": [float(v) for v in pooled],
        "output": [float(v) for v in probs],
    }, f, indent=2)
print("wrote", path, os.path.getsize(path), "bytes; pooled", pooled, "output", probs)
