"""torchvision classifiers get their weights as safetensors from the Hugging Face Hub, never as pickles.

The Hub is :class:`painters.hub_server.HubServer`, a real HTTP server on 127.0.0.1 that
huggingface_hub talks to unmodified; the files it serves are random weights saved in the layout of
timm's ``tv_in1k`` repositories (the real ones hold torchvision's own weights in that layout).
"""

from __future__ import annotations

import time

import pytest
import torch
import torchvision.models as tvm
from safetensors.torch import save

from brushcli.vision.nets import (
    HUB_TORCHVISION, NetError, WeightsNotFound, _vgg_from_timm, create_classifier, get_spec, hub_repo,
)
from painters.hub_server import HubServer, set_hub_env


pytestmark = pytest.mark.usefixtures("forget_unreachable_hubs")


@pytest.fixture
def online(monkeypatch):
    with HubServer() as server:
        set_hub_env(monkeypatch, server.url, offline=False)
        yield server
    assert server.unhandled == [], server.unhandled


def test_the_hub_repo_is_the_same_weights_version_as_torchvisions_default():
    assert hub_repo("vgg16", tvm.get_model_weights("vgg16").DEFAULT.name) == "timm/vgg16.tv_in1k"
    assert hub_repo("resnet50", tvm.get_model_weights("resnet50").DEFAULT.name) == "timm/resnet50.tv2_in1k"
    assert hub_repo("googlenet", "IMAGENET1K_V1") is None and hub_repo("vgg16", "IMAGENET1K_V9") is None
    assert len(HUB_TORCHVISION) == 23 and "safetensors from hf-hub:timm/" in get_spec("densenet121").description


def test_weights_come_from_the_hub_once_then_from_its_cache(online, monkeypatch):
    model = tvm.resnet18(weights=None)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    online.add_commit("timm/resnet18.tv_in1k", {"model.safetensors": save(state)})
    net = create_classifier("resnet18")
    loaded = net.net.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
    assert net.weights.endswith("model.safetensors") and "models--timm--resnet18.tv_in1k" in net.weights
    images = torch.rand(2, 3, 64, 64)
    set_hub_env(monkeypatch, online.url, offline=True)  # the cached copy loads with no network at all
    again = create_classifier("resnet18")
    assert torch.equal(again(images), net(images))


def test_vgg_in_timms_layout_loads_as_torchvisions(online):
    """timm stores VGG's first two classifier layers as 7x7 and 1x1 convolutions."""
    with torch.device("meta"):
        expected = {k: v.shape for k, v in tvm.vgg11(weights=None).state_dict().items()}
    timm_layout = {"pre_logits.fc1.weight": torch.arange(2 * 3 * 7 * 7.0).reshape(2, 3, 7, 7),
                   "pre_logits.fc1.bias": torch.ones(2), "pre_logits.fc2.weight": torch.ones(5, 2, 1, 1),
                   "head.fc.weight": torch.ones(4, 5), "features.0.weight": torch.ones(1)}
    converted = _vgg_from_timm(timm_layout)
    assert sorted(converted) == ["classifier.0.bias", "classifier.0.weight", "classifier.3.weight",
                                 "classifier.6.weight", "features.0.weight"]
    # torchvision flattens the (channels, 7, 7) features in that order: the same order as the conv's
    assert torch.equal(converted["classifier.0.weight"][1], torch.arange(147.0, 294.0))
    assert converted["classifier.3.weight"].shape == (5, 2) and converted["classifier.6.weight"].shape == (4, 5)
    with torch.device("meta"):
        real = {k: v.shape for k, v in _vgg_from_timm(_timm_vgg11_meta()).items()}
    assert real == expected


def _timm_vgg11_meta() -> dict[str, torch.Tensor]:
    """torchvision's vgg11 keys and shapes rewritten the way timm stores them (on the meta device)."""
    out = {}
    for key, value in tvm.vgg11(weights=None).state_dict().items():
        if key.startswith("classifier.0."):
            key, value = key.replace("classifier.0", "pre_logits.fc1"), (
                value.reshape(-1, 512, 7, 7) if key.endswith("weight") else value)
        elif key.startswith("classifier.3."):
            key, value = key.replace("classifier.3", "pre_logits.fc2"), (
                value.reshape(-1, 4096, 1, 1) if key.endswith("weight") else value)
        elif key.startswith("classifier.6."):
            key = key.replace("classifier.6", "head.fc")
        out[key] = value
    return out


def test_a_repo_without_the_file_is_one_line(online):
    online.add_commit("timm/resnet18.tv_in1k", {"README.md": b"no weights here"})
    with pytest.raises(WeightsNotFound) as info:
        create_classifier("resnet18")
    message = str(info.value)
    assert "\n" not in message and "--weights resnet18=FILE.safetensors" in message
    assert f"the Hub at {online.url} has no model.safetensors in timm/resnet18.tv_in1k" in message
    with pytest.raises(WeightsNotFound, match="has no model.safetensors in timm/resnet34.tv_in1k"):
        create_classifier("resnet34")  # no such repository at all


def test_an_unreachable_hub_is_one_line_in_seconds(monkeypatch, refused_port):
    set_hub_env(monkeypatch, f"http://127.0.0.1:{refused_port}", offline=False)
    started = time.perf_counter()
    with pytest.raises(WeightsNotFound, match=r"could not download model\.safetensors of timm/vgg16\.tv_in1k .*"
                                              r"check the connection, or pass --weights vgg16="):
        create_classifier("vgg16")
    assert time.perf_counter() - started < 5


def test_offline_and_not_cached_says_what_to_do(monkeypatch):
    monkeypatch.setenv("BRUSH_OFFLINE", "1")
    with pytest.raises(WeightsNotFound) as info:
        create_classifier("densenet121")
    message = str(info.value)
    assert "\n" not in message and "BRUSH_OFFLINE is set" in message and "--weights densenet121=" in message


def test_a_net_without_safetensors_weights_is_refused_not_unpickled():
    with pytest.raises(NetError, match="only as a pickle, which brush never loads; pass --weights googlenet="):
        create_classifier("googlenet")


def test_inception_loads_with_or_without_its_auxiliary_head(tmp_path):
    """timm's copy has no AuxLogits; a file converted from torchvision's .pth has them."""
    from safetensors.torch import save_file

    with_aux = tvm.inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict()
    path = tmp_path / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in with_aux.items()}, str(path))
    net = create_classifier("inception_v3", weights=path)
    assert not any(k.startswith("AuxLogits") for k in net.net.state_dict())
    assert net(torch.rand(1, 3, 80, 80)).shape == (1, 1000)
