#!/usr/bin/env python3
"""Writes the two small ONNX base models the ONNX export tests append Loupe's head to, at the edges of the opsets the
export writes for (docs/adr/0020-onnx-export.md). Weights are seeded; nothing is downloaded.

    /usr/bin/python3 scripts/onnx/make_export_test_models.py    # writes src/test/resources/dev/loupe/export/onnx

  old-opset.onnx   PyTorch 1.13 export at opset 9 with every weight also listed as a graph input (the form of files
                   before IR 4): input `data` [N,3,16,16] -> conv-relu -> conv-relu (`block`, [N,8,4,4]) -> global
                   average pool (`pooled`) -> flatten -> Gemm (`logits`). Reduce* nodes take `axes` as an attribute here.
  opset18.onnx     written with onnx.helper at opset 18 (Debian's onnx 1.12 cannot check it; ONNX Runtime runs it):
                   input `pixels` [N,3,12,12] -> Conv -> Relu (`features`, [N,4,12,12]). From opset 18 on, Reduce*
                   nodes take `axes` as an input.
Needs Debian's python3-torch (1.13) and python3-onnx (1.12).
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper

OUT = "src/test/resources/dev/loupe/export/onnx"


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(6, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        block = torch.relu(self.c2(torch.relu(self.c1(x))))
        pooled = nn.functional.adaptive_avg_pool2d(block, 1)
        return self.fc(torch.flatten(pooled, 1))


def old_opset(path):
    torch.manual_seed(5)
    model = Small().eval()
    torch.onnx.export(model, torch.zeros(1, 3, 16, 16), path, opset_version=9, input_names=["data"],
                      output_names=["logits"], dynamic_axes={"data": {0: "N"}, "logits": {0: "N"}},
                      keep_initializers_as_inputs=True)
    m = onnx.load(path)
    # Name the last conv block's output so a test can take the embedding from it.
    relus = [n for n in m.graph.node if n.op_type == "Relu"]
    old = relus[-1].output[0]
    for n in m.graph.node:
        n.input[:] = ["block" if i == old else i for i in n.input]
        n.output[:] = ["block" if o == old else o for o in n.output]
    onnx.checker.check_model(m)
    onnx.save(m, path)


def opset18(path):
    rng = np.random.default_rng(18)
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 3, 3], rng.normal(0, 0.4, (4, 3, 3, 3)).astype(np.float32).ravel())
    b = helper.make_tensor("b", TensorProto.FLOAT, [4], rng.normal(0, 0.1, 4).astype(np.float32))
    graph = helper.make_graph(
        [helper.make_node("Conv", ["pixels", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["conv"], ["features"])],
        "opset18",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, 12, 12])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 4, 12, 12])],
        [w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="loupe-tests")
    model.ir_version = 8
    onnx.save(model, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    old_opset(os.path.join(OUT, "old-opset.onnx"))
    opset18(os.path.join(OUT, "opset18.onnx"))
    for name in ("old-opset.onnx", "opset18.onnx"):
        m = onnx.load(os.path.join(OUT, name))
        print(name, "ir", m.ir_version, "opset", m.opset_import[0].version, "inputs", [i.name for i in m.graph.input])


if __name__ == "__main__":
    main()
