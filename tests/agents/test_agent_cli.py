"""``brush train-agent`` and ``brush paint --agent``: the agent's outputs load in ``brush render``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from brushcli.agents.inference import load_agent, paint_with_agent, resolve_agent_folder
from brushcli.cli import app
from brushcli.files import write_png
from brushcli.outputs.folder import MARKER, OUTPUT_FILES


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("agent") / "tiny"
    args = ["train-agent", "--data", "digits", "--limit", "40", "--holdout", "6", "--steps", "3", "--batch", "2",
            "--strokes", "3", "--precondition", "digits", "--precondition-steps", "1", "--width", "4",
            "--hidden", "16", "--sample-every", "3", "--out", str(out), "-q"]
    torch.set_num_threads(1)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_train_agent_writes_an_agent_folder(trained):
    for name in ("config.json", "model.safetensors", "README.md", "samples.png", "log.csv",
                 "checkpoint/state.json", "samples/step_000003.png"):
        assert (trained / name).is_file(), name
    config = json.loads((trained / "config.json").read_text())
    assert config["format"] == "brush-agent" and config["strokes"] == 3 and config["painter"] == "pen"
    assert config["precondition"] == "digits" and config["training"]["settings"]["steps"] == 3
    assert load_agent(trained).strokes == 3


def test_paint_with_agent_outputs_load_in_render(trained, runner, digits, tmp_path):
    image = tmp_path / "seven.png"
    write_png(image, np.repeat((digits.images[7, 0].numpy() / 255.0)[..., None], 3, axis=2))
    out = tmp_path / "out"
    result = runner.invoke(app, ["paint", str(image), "--agent", str(trained), "--size", "96", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    folder = out / "seven"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*OUTPUT_FILES, MARKER])
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["strokes"] == 3 and metrics["agent"] == str(trained)
    assert {"mse_neural", "mse_mypaint", "gap_mse", "seconds"} <= set(metrics)
    png = tmp_path / "big.png"
    result = runner.invoke(app, ["render", str(folder / "strokes.json"), "-o", str(png), "--size", "200"])
    assert result.exit_code == 0, result.output
    assert Image.open(png).size == (200, 200)


def test_agent_painting_is_deterministic_and_non_square(trained, tmp_path):
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (30, 50, 3)).astype(np.float32)
    p1, p2 = paint_with_agent(image, trained, size=80), paint_with_agent(image, trained, size=80)
    s1, n1, t1 = p1.strokes, p1.neural, p1.target
    s2, n2 = p2.strokes, p2.neural
    np.testing.assert_array_equal(s1.params, s2.params)
    assert n1.shape == t1.shape == (80, 80, 3) and len(s1) == 3
    assert s1.meta["plan"] == [{"level": 0, "per_tile": 3}]


def test_bad_agent_is_one_line_error(runner, tmp_path):
    image = tmp_path / "x.png"
    write_png(image, np.ones((8, 8, 3)))
    result = runner.invoke(app, ["paint", str(image), "--agent", str(tmp_path / "nope"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "not found" in result.output
    result = runner.invoke(app, ["train-agent", "--data", "digits", "--out", str(tmp_path / "a"), "--color", "x"])
    assert result.exit_code == 2 and "--color" in result.output


def test_train_agent_offline_dataset_error(runner, tmp_path, monkeypatch):
    import torchvision

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "KMNIST", offline)
    result = runner.invoke(app, ["train-agent", "--data", "kmnist", "--out", str(tmp_path / "a"), "-q"])
    assert result.exit_code == 2
    assert "cannot download kmnist" in result.output and "Traceback" not in result.output


def test_help():
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["train-agent", "--help"])
    assert result.exit_code == 0 and "--precondition" in result.output


def test_bundled_agent(tmp_path):
    folder = resolve_agent_folder("digits")  # ships in weights/agents/digits
    agent = load_agent(folder)
    assert agent.config.strokes == 15 and (folder / "README.md").is_file()
    assert sum(p.stat().st_size for p in folder.iterdir()) < 20 << 20
    from brushcli.agents.data import load_digits_set, split

    _, held = split(load_digits_set(), 200, seed=0)
    image = np.repeat(held.floats()[0, 0].numpy()[..., None], 3, axis=2)
    painting = paint_with_agent(image, "digits", size=64)
    strokes, neural, target = painting.strokes, painting.neural, painting.target
    assert len(strokes) == 15
    blank = np.mean((1 - target) ** 2)
    assert np.mean((neural - target) ** 2) < 0.5 * blank  # it paints the digit, not nothing
