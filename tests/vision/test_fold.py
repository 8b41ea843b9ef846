"""Folding BatchNorm and padding into convolutions (brushcli.vision.fold): the folded net must
compute what the loaded net computes, on real weights, and refuse a net whose structure it misreads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from brushcli.vision.fold import folded_copy
from brushcli.vision.nets import create_classifier

PHOTO = Path(__file__).resolve().parents[2] / "docs" / "examples" / "astronaut.jpg"


def _photo(size: int) -> torch.Tensor:
    image = Image.open(PHOTO).convert("RGB").resize((size, size))
    return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).permute(2, 0, 1)[None]


def _count(net: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in net.modules())


def test_the_offline_net_folds_to_the_same_logits_and_gradients():
    net = create_classifier("efficientnet-lite0")
    photo = _photo(224)
    reference = net.net(net.preprocess(photo)).detach()
    fast = net._logits_net()
    assert fast is not net.net and _count(fast, nn.BatchNorm2d) == 0 and _count(net.net, nn.BatchNorm2d) == 49
    # symmetric padding moved into the convolutions; stride-2 "same" padding is asymmetric and stays
    assert 0 < _count(fast, nn.ZeroPad2d) < _count(net.net, nn.ZeroPad2d)

    grads = []
    for run in (lambda x: net.net(net.preprocess(x)), net):
        seen = photo.clone().requires_grad_()
        logits = run(seen)
        logits.log_softmax(-1)[0, 417].backward()
        grads.append(seen.grad.flatten())
        if run is net:
            assert torch.allclose(logits, reference, atol=1e-4 * float(reference.abs().max()))
            assert int(logits.argmax()) == int(reference.argmax())
    assert torch.nn.functional.cosine_similarity(grads[0], grads[1], dim=0) > 0.999
    assert torch.equal(net.net(net.preprocess(photo)).detach(), reference)  # the loaded net is untouched


def test_a_convolution_asked_for_by_name_is_still_before_its_batchnorm():
    net = create_classifier("efficientnet-lite0")
    photo = _photo(224)
    seen: dict[str, torch.Tensor] = {}
    handle = net.net._conv_stem.register_forward_hook(lambda _m, _i, out: seen.setdefault("stem", out))
    try:
        got = net.run(photo, ["_conv_stem", "logits"])
    finally:
        handle.remove()
    assert torch.equal(got["_conv_stem"], seen["stem"])
    assert not torch.allclose(got["_conv_stem"], net.net._bn0(seen["stem"]), atol=1e-3)


@pytest.mark.parametrize("name, left", [("resnet18", 0), ("densenet121", 62)])
def test_torchvision_nets_fold_where_a_batchnorm_follows_a_convolution(name, left):
    net = create_classifier(name, pretrained=False)
    generator = torch.Generator().manual_seed(0)
    for module in net.net.modules():  # statistics unlike the identity, so a wrong fold would show
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.copy_(0.1 * torch.randn(module.running_mean.shape, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(module.running_var.shape, generator=generator))
            module.weight.copy_(torch.randn(module.weight.shape, generator=generator))
    photo = _photo(224)
    with torch.no_grad():
        want, got = net.net(net.preprocess(photo)), net(photo)
    # DenseNet's BatchNorms come before their convolutions (pre-activation): those stay
    assert _count(net._logits_net(), nn.BatchNorm2d) == left
    assert torch.allclose(got, want, atol=1e-4 * float(want.abs().max()))


class _SharedOutput(nn.Module):
    """A convolution whose output feeds its BatchNorm and a skip connection: folding would be wrong."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.head = nn.Linear(3, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return self.head((self.bn(y) + y).mean((2, 3)))


def test_a_net_the_fold_would_change_is_left_as_it_is():
    net = _SharedOutput().eval()
    with torch.no_grad():
        net.bn.running_mean.fill_(0.5)
        net.bn.running_var.fill_(4.0)
    assert folded_copy(net, torch.rand(1, 3, 16, 16)) is None
    plain = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3)).eval()
    with torch.no_grad():
        plain[1].running_var.fill_(4.0)
    fast = folded_copy(plain, torch.rand(1, 3, 16, 16))
    assert fast is not None and isinstance(fast[1], nn.Identity) and isinstance(plain[1], nn.BatchNorm2d)
