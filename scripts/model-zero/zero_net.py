"""Model Zero's network, shared by the trainer, the exporter and the probe.

Blocks of `convs` x (3x3 conv, 'same' padding -> BatchNorm -> ReLU), a 2x2 max-pool between blocks.
With stem_stride=2 the very first conv has stride 2 with Keras/TensorFlow 'same' padding (one row and
column of zeros after the image, none before), so the rest of the net runs at half the resolution.
The embedding joins every block's global-average-pooled output (taken before the pool), as the
calibration runs found best. BatchNorm is only for training: export folds it into the conv weights,
so the exported network is plain conv + bias + ReLU.

Preprocessing (identical in training, probe and Loupe): RGB, squashed to SIZE x SIZE, alpha
composited on white, x = (p/255 - 0.5) / 0.25 per channel.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.5
STD = 0.25


def normalise(u8):
    """uint8 N x H x W x 3 (or N x 3 x H x W float in [0,1] when already a float) -> network input."""
    if u8.dtype == torch.uint8:
        u8 = u8.permute(0, 3, 1, 2).float().div_(255.0)
    return (u8 - MEAN) / STD


class ZeroNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128), convs=2, batchnorm=True, stem_stride=1):
        super().__init__()
        assert stem_stride in (1, 2), stem_stride
        self.widths = list(widths)
        self.convs = convs
        self.batchnorm = batchnorm
        self.stem_stride = stem_stride
        blocks = []
        cin = 3
        for b, w in enumerate(self.widths):
            layers = []
            for k in range(convs):
                if b == 0 and k == 0 and stem_stride == 2:
                    layers.append(nn.ZeroPad2d((0, 1, 0, 1)))
                    layers.append(nn.Conv2d(cin, w, 3, stride=2, padding=0, bias=not batchnorm))
                else:
                    layers.append(nn.Conv2d(cin, w, 3, padding=1, bias=not batchnorm))
                if batchnorm:
                    layers.append(nn.BatchNorm2d(w))
                layers.append(nn.ReLU(inplace=True))
                cin = w
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)

    @property
    def dim(self):
        return sum(self.widths)

    def forward(self, x):
        pooled = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            pooled.append(x.mean(dim=(2, 3)))
            if i < len(self.blocks) - 1:
                x = F.max_pool2d(x, 2)
        return torch.cat(pooled, dim=1)

    def config(self):
        return {"widths": self.widths, "convs": self.convs, "batchnorm": self.batchnorm, "stem_stride": self.stem_stride}


def folded_convs(net):
    """[(block, conv index, weight OIHW, bias)] with BatchNorm (eval statistics) folded in; float64."""
    out = []
    for b, block in enumerate(net.blocks):
        mods = list(block)
        k = 0
        i = 0
        while i < len(mods):
            if isinstance(mods[i], nn.ZeroPad2d):
                i += 1
            conv = mods[i]
            assert isinstance(conv, nn.Conv2d)
            w = conv.weight.detach().double().clone()
            bias = conv.bias.detach().double().clone() if conv.bias is not None else torch.zeros(w.shape[0], dtype=torch.float64)
            i += 1
            if i < len(mods) and isinstance(mods[i], nn.BatchNorm2d):
                bn = mods[i]
                scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
                w = w * scale[:, None, None, None]
                bias = (bias - bn.running_mean.double()) * scale + bn.bias.detach().double()
                i += 1
            assert isinstance(mods[i], nn.ReLU)
            i += 1
            out.append((b, k, w, bias))
            k += 1
    return out


def plain_forward(convs, widths, x, stem_stride=1):
    """The exported network (folded weights, no BatchNorm) in torch: what DL4J should compute."""
    pooled = []
    nb = len(widths)
    for b in range(nb):
        for (bb, k, w, bias) in convs:
            if bb == b and b == 0 and k == 0 and stem_stride == 2:
                x = F.relu(F.conv2d(F.pad(x, (0, 1, 0, 1)), w.to(x.dtype), bias.to(x.dtype), stride=2))
            elif bb == b:
                x = F.relu(F.conv2d(x, w.to(x.dtype), bias.to(x.dtype), padding=1))
        pooled.append(x.mean(dim=(2, 3)))
        if b < nb - 1:
            x = F.max_pool2d(x, 2)
    return torch.cat(pooled, dim=1)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    net = ZeroNet(**ck["net_config"])
    net.load_state_dict(ck["backbone"])
    net.eval()
    return net, ck
