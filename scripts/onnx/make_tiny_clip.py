#!/usr/bin/env python3
"""Generates the tiny CLIP-style pair Loupe's zero-shot tests run on, with its vocabulary and golden outputs.

Writes into OUT (default: src/test/resources/dev/loupe/backbone/clip):
  tiny-vocab.txt.gz        a BPE merges file in CLIP's format (a version line, then "first second" per line),
                           learned here from the prompt templates and a few class names
  tiny-visual.onnx         image model: input `pixel_values` N x 3 x 32 x 32 float -> output `image_embeds` N x 16
  tiny-textual.onnx        text model: inputs `input_ids`, `attention_mask` N x 77 int32 (as the ViT-B/32 pair of
                           jina-ai/clip-as-service takes them) -> output `text_embeds` N x 16; like CLIP it reads the
                           features at the end-of-text token (the largest id) and never looks past it
  tiny-clip.golden.json    token ids of some strings, raw text embeddings, each class's prompt-ensemble embedding
                           (L2-normalised prompt embeddings averaged, then L2-normalised), and image embeddings of
                           two fixed input tensors

Random weights (seeded): the models are only for checking plumbing, not for recognising anything. The tokenizer
below is this script's own, for ASCII text only (CLIP's cleaning reduces to lower case and white space there); the
ids of the committed goldens were also checked against openai/CLIP's simple_tokenizer.py by hand
(docs/adr/0021-zero-shot-classes.md).

Needs Debian's python3-torch and python3-onnx:  /usr/bin/python3 scripts/onnx/make_tiny_clip.py [OUT]
"""
import collections
import gzip
import io
import json
import os
import re
import sys

import onnx
import torch
import torch.nn.functional as F

CONTEXT = 77
DIM = 16
SIZE = 32
MERGES = 160

# Must equal dev.loupe.backbone.clip.PromptEnsemble.TEMPLATES (the test compares ensembles built from both).
TEMPLATES = [
    "a photo of a {}.",
    "itap of a {}.",
    "a bad photo of the {}.",
    "a origami {}.",
    "a photo of the large {}.",
    "a {} in a video game.",
    "art of the {}.",
    "a photo of the small {}.",
]
CLASSES = ["cat", "dog", "bird", "car", "boat", "tree"]
EXTRA = ["Hello World!", "a photo of a cat.", "golden retriever", "don't stop", "T-shirt/top", "3 cats and 12 dogs",
         "  lots   of   space  ", "a word it never saw: zyxwvut"]

PIECE = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")


def byte_symbols():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    order = [table[b] for b in printable] + [table[b] for b in range(256) if b not in printable]
    return table, order


BYTE, ORDER = byte_symbols()


def pieces(text):
    text = re.sub(r"\s+", " ", text).strip().lower()
    return ["".join(BYTE[b] for b in p.encode("utf-8")) for p in PIECE.findall(text)]


def learn_merges(corpus, n):
    """Plain BPE training: the most frequent adjacent pair (ties: the smallest) merged n times."""
    words = collections.Counter()
    for text in corpus:
        for p in pieces(text):
            words[tuple(p[:-1]) + (p[-1] + "</w>",)] += 1
    merges = []
    for _ in range(n):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], [-ord(ch) for ch in kv[0][0] + " " + kv[0][1]]))[0]
        merges.append(best)
        merged = collections.Counter()
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] += c
        words = merged
    return merges


class Tokenizer:
    def __init__(self, merges):
        vocab = ORDER + [s + "</w>" for s in ORDER] + [a + b for a, b in merges]
        self.ids = {s: i for i, s in enumerate(vocab)}
        self.rank = {m: i for i, m in enumerate(merges)}
        self.sot = len(vocab)
        self.eot = len(vocab) + 1
        self.size = len(vocab) + 2

    def bpe(self, piece):
        word = list(piece[:-1]) + [piece[-1] + "</w>"]
        while len(word) > 1:
            ranked = [(self.rank[(a, b)], a, b) for a, b in zip(word, word[1:]) if (a, b) in self.rank]
            if not ranked:
                break
            _, a, b = min(ranked)
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        return word

    def encode(self, text):
        return [self.ids[s] for p in pieces(text) for s in self.bpe(p)]

    def tokens(self, texts):
        ids = torch.zeros(len(texts), CONTEXT, dtype=torch.int32)
        mask = torch.zeros(len(texts), CONTEXT, dtype=torch.int32)
        for i, t in enumerate(texts):
            row = ([self.sot] + self.encode(t))[:CONTEXT - 1] + [self.eot]
            ids[i, :len(row)] = torch.tensor(row, dtype=torch.int32)
            mask[i, :len(row)] = 1
        return ids, mask


class TinyTextual(torch.nn.Module):
    def __init__(self, vocab_size, width=24):
        super().__init__()
        self.token = torch.nn.Embedding(vocab_size, width)
        self.position = torch.nn.Parameter(0.1 * torch.randn(CONTEXT, width))
        self.mix = torch.nn.Linear(width, width)
        self.proj = torch.nn.Linear(width, DIM, bias=False)

    def forward(self, input_ids, attention_mask):
        ids = input_ids.long()
        m = attention_mask.to(torch.float32).unsqueeze(-1)
        h = torch.tanh(self.mix(self.token(ids) + self.position)) * m
        running = torch.cumsum(h, dim=1) / torch.clamp(torch.cumsum(m, dim=1), min=1.0)  # causal: never looks ahead
        eot = ids.argmax(dim=-1).view(-1, 1, 1).expand(-1, 1, h.shape[-1])
        return self.proj(torch.gather(running, 1, eot).squeeze(1))


class TinyVisual(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.c2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.proj = torch.nn.Linear(16, DIM)

    def forward(self, pixel_values):
        x = F.relu(self.c2(F.relu(self.c1(pixel_values))))
        return self.proj(x.mean(dim=(2, 3)))


def export(model, args, names, output, path):
    dynamic = {n: {0: "batch"} for n in names + [output]}
    torch.onnx.export(model, args, path, input_names=names, output_names=[output], dynamic_axes=dynamic,
                      opset_version=13, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def fixed_input(k):
    """A deterministic pixel_values tensor the Java test rebuilds: sin of a per-element index."""
    idx = torch.arange(3 * SIZE * SIZE, dtype=torch.float64).view(1, 3, SIZE, SIZE)
    return torch.sin(0.01 * (k + 1) * idx + k).to(torch.float32)


def unit(v):
    return v / v.norm(dim=-1, keepdim=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/dev/loupe/backbone/clip"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    corpus = [t.format(c) for t in TEMPLATES for c in CLASSES]
    merges = learn_merges(corpus, MERGES)
    text = "#version: tiny (Loupe test vocabulary)\n" + "\n".join(a + " " + b for a, b in merges)  # no final newline
    with open(os.path.join(out, "tiny-vocab.txt.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(text.encode("utf-8"))
    tok = Tokenizer(merges)

    textual = TinyTextual(tok.size).eval()
    visual = TinyVisual().eval()
    ids, mask = tok.tokens(["a photo of a cat.", "dog"])
    export(textual, (ids, mask), ["input_ids", "attention_mask"], "text_embeds", os.path.join(out, "tiny-textual.onnx"))
    export(visual, (fixed_input(0),), ["pixel_values"], "image_embeds", os.path.join(out, "tiny-visual.onnx"))

    golden = {"vocab_size": tok.size, "start": tok.sot, "end": tok.eot, "dim": DIM, "size": SIZE,
              "templates": TEMPLATES, "tokens": [], "text_embeds": [], "classes": [], "images": []}
    with torch.no_grad():
        for s in EXTRA + [t.format("cat") for t in TEMPLATES]:
            golden["tokens"].append({"text": s, "ids": tok.encode(s)})
        for s in EXTRA[:3]:
            i, m = tok.tokens([s])
            golden["text_embeds"].append({"text": s, "embedding": textual(i, m)[0].tolist()})
        for c in CLASSES:
            i, m = tok.tokens([t.format(c) for t in TEMPLATES])
            golden["classes"].append({"name": c, "embedding": unit(unit(textual(i, m)).mean(dim=0)).tolist()})
        for k in range(2):
            golden["images"].append({"input": k, "embedding": visual(fixed_input(k))[0].tolist()})
    with open(os.path.join(out, "tiny-clip.golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
    print("wrote", out, "vocabulary", tok.size, "ids,", len(merges), "merges")


if __name__ == "__main__":
    main()
