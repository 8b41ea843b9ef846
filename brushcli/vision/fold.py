"""A frozen classifier made cheaper to run: each BatchNorm folded into the convolution before it,
and symmetric "same" padding folded into its convolution.

Why: in eval mode a BatchNorm after a convolution is a per-channel scale and shift, so it can live
in the convolution's weights and bias; and a separate zero-padding layer (EfficientNet-Lite's
TensorFlow-style "same" padding) copies every activation map once more. Neither changes what the net
computes, but both cost memory traffic forward and backward: on the 2-core CPU, one step of
``brush dream``'s class image (EfficientNet-Lite0 + Lite1, four 224-px views, forward and backward)
took 395-444 ms before and 216-242 ms after, and a whole class about a quarter less
(docs/benchmarks.md, seventeenth session).

The folded net is a copy that shares every tensor it does not change with the original, so the
original stays as loaded (a convolution's own output, before its BatchNorm, is still there for
callers that ask for that layer). :func:`folded_copy` checks the copy against the original on a
probe image and gives ``None`` when they disagree, for a net whose structure it misreads.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

#: Largest difference between the folded and the original logits on the probe, relative to the
#: logits' own range, that still counts as the same net (float32 rounding is ~1e-6 of it).
AGREEMENT = 1e-4


def conv_bn_pairs(net: nn.Module, probe: torch.Tensor) -> list[tuple[str, str]]:
    """``(conv, batchnorm)`` module paths where the BatchNorm's input is that convolution's output.

    Found by running ``probe`` once with hooks, so it follows the forward pass rather than module
    names (``conv1``/``bn1``, ``_depthwise_conv``/``_bn1``, ``features.0``/``features.1``).
    """
    produced: dict[int, tuple[str, torch.Tensor]] = {}
    pairs: list[tuple[str, str]] = []
    handles = []

    def after_conv(name: str):  # type: ignore[no-untyped-def]
        def hook(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
            produced[id(output)] = (name, output)  # the tensor is kept, so its id is not reused

        return hook

    def before_bn(name: str):  # type: ignore[no-untyped-def]
        def hook(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            source = produced.get(id(inputs[0]))
            if source is not None and source[1] is inputs[0]:
                pairs.append((source[0], name))

        return hook

    for name, module in net.named_modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(after_conv(name)))
        elif isinstance(module, nn.BatchNorm2d) and module.track_running_stats:
            handles.append(module.register_forward_pre_hook(before_bn(name)))
    try:
        with torch.no_grad():
            net(probe)
    finally:
        for handle in handles:
            handle.remove()
    # a module run twice (shared weights) could take only one fold: leave those as they are
    convs, bns = [conv for conv, _ in pairs], [bn for _, bn in pairs]
    return [(conv, bn) for conv, bn in pairs if convs.count(conv) == 1 and bns.count(bn) == 1]


def folded_copy(net: nn.Module, probe: torch.Tensor) -> nn.Module | None:
    """``net`` (eval mode, frozen) with its BatchNorms and symmetric padding folded, or ``None`` if
    the folded copy does not give the same logits on ``probe`` (then the caller keeps ``net``)."""
    pairs = conv_bn_pairs(net, probe)
    shared = {id(t): t for t in [*net.parameters(), *net.buffers()]}
    fast = copy.deepcopy(net, shared)  # new modules, the same tensors
    modules = dict(fast.named_modules())
    for conv_name, bn_name in pairs:
        conv, bn = modules[conv_name], modules[bn_name]
        weight, bias = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var,
                                            bn.eps, bn.weight, bn.bias)
        conv.weight = nn.Parameter(weight.detach().contiguous(memory_format=torch.channels_last),
                                   requires_grad=False)
        conv.bias = nn.Parameter(bias.detach(), requires_grad=False)
        parent, _, child = bn_name.rpartition(".")
        setattr(fast.get_submodule(parent) if parent else fast, child, nn.Identity())
    for module in fast.modules():
        _fold_padding(module)
    with torch.no_grad():
        want, got = net(probe), fast(probe)
    scale = float(want.abs().max()) or 1.0
    return fast if float((want - got).abs().max()) <= AGREEMENT * scale else None


def _fold_padding(module: nn.Module) -> None:
    """Move a symmetric ``ZeroPad2d`` in front of a convolution (EfficientNet's ``static_padding``)
    into the convolution's own padding; asymmetric ones (stride 2 on even sizes) stay."""
    pad = getattr(module, "static_padding", None)
    if not isinstance(module, nn.Conv2d) or not isinstance(pad, nn.ZeroPad2d) or module.padding != (0, 0):
        return
    left, right, top, bottom = pad.padding
    if left == right and top == bottom:
        module.padding = (top, left)
        module.static_padding = nn.Identity()
