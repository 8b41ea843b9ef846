"""Untrusted painter configs are bounded before anything is built from them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from brushcli.errors import InvalidArgument, PainterError
from brushcli.painters.config import PainterConfig
from brushcli.painters.data import build_dataset, dataset_folder
from brushcli.painters.evaluate import evaluate_painter, fidelity
from brushcli.painters.folder import save_painter_folder
from brushcli.painters.painter import Painter
from brushcli.painters.registry import create_painter
from brushcli.presets import Preset, load_preset

BASE = PainterConfig(name="tiny", preset=load_preset("pen"), arch="dabs",
                     arch_args={"dabs": 16, "knots": 4, "hidden": 8}).to_dict()


def _set(path: str, value):
    def mutate(doc):
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[key]
        node[last] = value
    return mutate


BAD = [
    (_set("arch_args.hidden", 200_000), "arch_args.hidden: 200000 is above the maximum 4096"),
    (_set("arch_args.dabs", 10**9), "arch_args.dabs: 1000000000 is above the maximum 1024"),
    (_set("arch_args.knots", 0), "arch_args.knots: 0 is below the minimum 2"),
    (_set("arch_args.hidden", 8.5), "arch_args.hidden: expected an integer, got 8.5"),
    (_set("arch_args.bogus", 1), "arch_args.bogus: extra inputs are not permitted"),
    (_set("arch_args.spacing", [1e30, 0, 0]), "arch_args.spacing[0]: 1e+30 is above the maximum 200"),
    (_set("arch_args.events", -1), "arch_args.events: -1 is below the minimum 0"),
    (_set("canvas", 100_000), "canvas: 100000 is above the maximum 256"),
    (_set("canvas", -5), "canvas: -5 is below the minimum 8"),
    (_set("canvas", "64"), "canvas: expected an integer, got '64'"),
    (_set("arch", "transformer"), "arch: input should be 'dabs', 'conv' or 'vae'"),
    (_set("method", "magic"), "method: input should be"),
    (_set("version", "1"), "'version' must be a whole number such as 1, got '1'"),
    (_set("version", 0), "'version' must be a whole number"),
    (_set("version", 2), "version 2 is newer than this brush understands"),
    (_set("name", ""), "name: "),
    (_set("name", ["pen"]), "name: expected a string"),
    (_set("preset.name", "../../x"), "name '../../x' must be letters, digits"),
    (_set("preset.size", [0.5, 0.1]), "size range must satisfy 0 < min < max <= 0.5"),
    (_set("preset.size", [0.01, 1e9]), "preset: size[1]: 1000000000.0 is above the maximum 0.5"),
    (_set("preset.sampling.steps", 10**6), "preset: sampling.steps: 1000000 is above the maximum 1000"),
    (_set("preset.brush", "/etc/passwd"), "preset brush '/etc/passwd' must be a brush name"),
    (_set("preset.brush", "../elsewhere.myb"), "must be a brush name such as classic/pen or a .myb file inside"),
    (_set("preset.brush", "~/.config/x.myb"), "must be a brush name"),
    (_set("training", [1]), "training: expected a JSON object"),
]


def _folder(tmp_path: Path, doc) -> Path:
    folder = tmp_path / "painter"
    folder.mkdir(exist_ok=True)
    text = doc if isinstance(doc, str) else json.dumps(doc)
    (folder / "config.json").write_text(text)
    return folder


@pytest.mark.parametrize("mutate, message", BAD, ids=[m for _, m in BAD])
def test_bad_configs_are_refused_before_anything_is_built(tmp_path, mutate, message):
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(PainterError) as info:
        PainterConfig.load(_folder(tmp_path, doc) / "config.json")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text, message", [
    (json.dumps(BASE).replace('"metrics": {}', '"metrics": {"alpha_mae": NaN}'), "NaN is not allowed"),
    (json.dumps(BASE).replace('"training": {}', '"training": ' + "[" * 50 + "]" * 50), "nested deeper than 32"),
    (json.dumps(BASE) + " " * (1 << 20), "more than a painter config may be"),
])
def test_config_files_are_read_with_limits(tmp_path, text, message):
    with pytest.raises(PainterError, match=message):
        PainterConfig.load(_folder(tmp_path, text) / "config.json")


def test_a_brush_file_inside_the_painter_folder_is_allowed(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["preset"]["brush"] = "own.myb"
    folder = _folder(tmp_path, doc)
    (folder / "own.myb").write_text(load_preset("pen").brush and Path("/usr/share/mypaint-data/2.0/brushes/classic/pen.myb").read_text())
    config = PainterConfig.load(folder / "config.json")
    assert config.preset.brush == str((folder / "own.myb").resolve())


def test_arch_args_given_in_code_are_bounded_too():
    with pytest.raises(PainterError, match="arch_args.hidden: 200000 is above the maximum"):
        PainterConfig(name="t", preset=load_preset("pen"), arch_args={"hidden": 200_000})
    with pytest.raises(PainterError, match="canvas must be a whole number of pixels in 8..256"):
        PainterConfig(name="t", preset=load_preset("pen"), canvas=100_000)


def test_bundled_configs_still_load():
    for name in ("pen", "dry-brush"):
        assert create_painter(name).config.name == name


def test_preset_names_cannot_leave_the_dataset_cache(tmp_path):
    with pytest.raises(InvalidArgument, match="must be letters, digits"):
        Preset(name="../../x", brush="classic/pen", size=(0.01, 0.1))
    with pytest.raises(InvalidArgument, match="unknown preset '../../x'"):
        load_preset("../../x")
    folder = dataset_folder(load_preset("pen"), 64, 0, tmp_path)
    assert folder.parent == tmp_path


def test_dataset_memory_is_bounded():
    with pytest.raises(InvalidArgument, match="GiB of memory, more than the 8 GiB limit"):
        build_dataset(load_preset("pen"), samples=5_000_000, canvas=64)


def test_eval_samples_are_bounded_before_any_work():
    painter = create_painter("pen")
    for bad in [10**9, 0, -1, True]:
        with pytest.raises(InvalidArgument, match="--samples must be a whole number of strokes in 1..20000"):
            evaluate_painter(painter, bad)
    with pytest.raises(InvalidArgument, match="--worst must be 0 or more"):
        fidelity(np.zeros((2, 4, 4)), np.zeros((2, 4, 4)), np.zeros((2, 9)), worst=-1)


def test_a_nan_painter_is_refused_at_load(tmp_path):
    config = PainterConfig(name="nan", preset=load_preset("pen"), arch="dabs",
                           arch_args={"dabs": 16, "knots": 4, "hidden": 8})
    painter = Painter(config)
    with torch.no_grad():
        next(painter.parameters()).fill_(float("nan"))
    folder = save_painter_folder(painter, tmp_path / "nan")
    with pytest.raises(PainterError, match="NaN or infinite weights"):
        create_painter(f"local-dir:{folder}")
