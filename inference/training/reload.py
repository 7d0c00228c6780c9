"""Read a shipped EarNet back from its ONNX file into PyTorch, to fine-tune it further.

    python -m inference.training.reload inference/models/earnet-2.0.0.onnx artifacts/earnet2-reloaded.pt \
        --cache artifacts/earnet2-train-samples.npz

The export folds each BatchNorm into the convolution before it, so the file holds a fused weight
and bias per convolution and no normalisation statistics. Reloaded as they are (BatchNorm as the
identity plus the bias), the network answers exactly as the file does in evaluation mode, but in
training mode BatchNorm would normalise by the batch's own statistics and the network would no
longer be the one shipped. So each BatchNorm is re-parametrised from a batch of training samples:
running mean and variance set to what its convolution outputs on that batch, and its scale and
shift set so that evaluation mode is still exactly the file (``y + b``) and training mode on a
similar batch is close to it. The check at the end compares the reloaded network with
onnxruntime on the same inputs and refuses to write weights that differ.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper
from torch import nn

from inference.training.model import EarNet
from inference.training.train import network_input

TOLERANCE = 1e-4  # largest output difference the reload may show against the file


def _conv_bn_pairs(model: EarNet) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """The convolutions followed by a BatchNorm, in the order the export writes them."""
    modules = list(model.modules())
    return [
        (conv, bn)
        for conv, bn in itertools.pairwise(modules)
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
    ]


def _running(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """A BatchNorm's running mean and variance (EarNet's all track them)."""
    mean, var = bn.running_mean, bn.running_var
    if mean is None or var is None:
        raise ValueError("a BatchNorm without running statistics")
    return mean, var


def load_fused(onnx_path: Path, channels: tuple[int, int, int, int]) -> EarNet:
    """The file's weights in an EarNet whose BatchNorms are the identity plus the fused bias."""
    graph = onnx.load(str(onnx_path)).graph
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    model = EarNet(channels)
    state = model.state_dict()
    fused = []
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        weight, bias = node.input[1], node.input[2]
        if weight in state:
            continue  # a plain convolution (no BatchNorm after it), stored under its own name
        fused.append((weights[weight], weights[bias]))
    pairs = _conv_bn_pairs(model)
    if len(fused) != len(pairs):
        raise ValueError(f"{onnx_path}: {len(fused)} fused convolutions, the model has {len(pairs)}")
    with torch.no_grad():
        for name, tensor in weights.items():
            if name in state:
                state[name].copy_(tensor)
        model.load_state_dict(state)
        for (conv, bn), (w, b) in zip(pairs, fused, strict=True):
            if conv.weight.shape != w.shape:
                raise ValueError(f"{onnx_path}: weight {tuple(w.shape)} for a {tuple(conv.weight.shape)} convolution")
            conv.weight.copy_(w)
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
            running_mean, running_var = _running(bn)
            running_mean.zero_()
            running_var.fill_(1.0 - bn.eps)
    model.eval()
    return model


def restore_statistics(model: EarNet, x: torch.Tensor) -> None:
    """Give each BatchNorm the statistics of its convolution's output on ``x``, keeping eval mode exact."""
    pairs = _conv_bn_pairs(model)
    seen: dict[int, torch.Tensor] = {}
    hooks = [
        conv.register_forward_hook(lambda mod, _inp, out, i=i: seen.__setitem__(i, out.detach()))
        for i, (conv, _) in enumerate(pairs)
    ]
    model.eval()
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    with torch.no_grad():
        for i, (_, bn) in enumerate(pairs):
            out = seen[i]
            mean = out.mean(dim=(0, 2, 3))
            var = out.var(dim=(0, 2, 3), unbiased=False)
            scale = torch.sqrt(var + bn.eps)
            bn.bias.add_(mean)  # (y - mean) / scale * scale + (b + mean) == y + b
            bn.weight.copy_(scale)
            running_mean, running_var = _running(bn)
            running_mean.copy_(mean)
            running_var.copy_(var)


def largest_difference(model: EarNet, onnx_path: Path, x: torch.Tensor) -> float:
    """Largest difference of any output (keypoints, spread, presence logits) between the model and
    onnxruntime on ``x``."""
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    theirs = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    model.eval()
    with torch.no_grad():
        ours = model(x)
    return max(float(np.abs(a.numpy() - b).max()) for a, b in zip(ours, theirs, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("onnx", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cache", type=Path, required=True, help="rendered training samples (train.py's cache)")
    parser.add_argument("--channels", default="12,24,48,80")
    parser.add_argument("--batch", type=int, default=512, help="samples the BatchNorm statistics come from")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    widths = [int(c) for c in args.channels.split(",")]
    if len(widths) != 4:
        parser.error("--channels takes four widths")
    channels = (widths[0], widths[1], widths[2], widths[3])
    torch.set_num_threads(2)
    images = np.load(args.cache)["images"]
    rng = np.random.default_rng(args.seed)
    x = network_input(torch.from_numpy(images[rng.choice(len(images), args.batch, replace=False)]).float() / 255.0)
    model = load_fused(args.onnx, channels)
    restore_statistics(model, x)
    diff = largest_difference(model, args.onnx, x[:128])
    if diff > TOLERANCE:
        raise SystemExit(f"the reloaded network differs from {args.onnx} by {diff:.2e} (> {TOLERANCE:.0e})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out)
    print(f"wrote {args.out}: the network of {args.onnx}, largest difference {diff:.2e} on 128 samples")


if __name__ == "__main__":
    main()
