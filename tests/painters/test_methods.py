"""Painter training methods on real MyPaint strokes: regression, VAE, GAN; checkpoints resume exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _brushtest import DEVICES
from brushcli.painters.config import PainterConfig
from brushcli.painters.data import build_dataset
from brushcli.painters.painter import Painter
from brushcli.painters.pipeline import train_painter
from brushcli.painters.registry import create_painter
from brushcli.painters.train import TrainSettings, train
from brushcli.presets import load_preset

SMALL = {"regression": ("dabs", {"dabs": 32, "knots": 8, "hidden": 16}),
         "vae": ("vae", {"width": 8, "fc": 64, "latent": 8}),
         "gan": ("conv", {"width": 8, "fc": 64})}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return build_dataset(load_preset("pen"), samples=512, seed=0, workers=1,
                         cache_dir=tmp_path_factory.mktemp("data"))


def _painter(method: str, seed: int = 0) -> Painter:
    torch.manual_seed(seed)
    arch, args = SMALL[method]
    return Painter(PainterConfig(name="t", preset=load_preset("pen"), arch=arch, arch_args=args, method=method))


def _mae(painter: Painter, data) -> float:
    with torch.no_grad():
        pred = painter(torch.from_numpy(data.actions[:128]))
    return float((pred - torch.from_numpy(data.alphas[:128]).float() / 255).abs().mean())


@pytest.mark.parametrize("method", ["regression", "vae", "gan"])
def test_a_few_steps_lower_the_error(method, data):
    painter = _painter(method)
    before = _mae(painter, data)
    log = train(painter, data, TrainSettings(steps=40, batch=32, lr=3e-3, warmup=0.1))
    assert all(np.isfinite(v) for losses in log.losses for v in losses.values())
    assert _mae(painter, data) < 0.8 * before


def test_resume_gives_identical_weights(data, tmp_path):
    settings = TrainSettings(steps=20, batch=16, checkpoint_every=5)
    straight = _painter("regression")
    train(straight, data, settings)
    resumed = _painter("regression")
    calls = {"n": 0}

    def stop_half() -> bool:
        calls["n"] += 1
        return calls["n"] == 10

    train(resumed, data, settings, out=tmp_path, should_stop=stop_half)
    again = _painter("regression", seed=123)  # different init: everything must come from the checkpoint
    train(again, data, settings, out=tmp_path)
    for key, value in straight.net.state_dict().items():
        assert torch.equal(value, again.net.state_dict()[key]), key


@pytest.mark.parametrize("method", ["vae", "gan"])
def test_vae_and_gan_checkpoints_resume(method, data, tmp_path):
    settings = TrainSettings(steps=6, batch=16, checkpoint_every=3)
    first = _painter(method)
    calls = {"n": 0}
    train(first, data, settings, out=tmp_path, should_stop=lambda: (calls.__setitem__("n", calls["n"] + 1) or calls["n"] == 3))
    second = _painter(method, seed=5)
    log = train(second, data, settings, out=tmp_path)
    assert log.steps and log.steps[-1] == 5


@pytest.mark.parametrize("method", ["regression", "vae", "gan"])
def test_pipeline_writes_a_folder_that_loads(method, tmp_path):
    arch, args = SMALL[method]
    report = train_painter(preset="pen", out=tmp_path / "p", method=method, samples=300,
                           settings=TrainSettings(steps=10, batch=16), arch=arch, arch_args=args, eval_samples=50,
                           workers=1)
    painter = create_painter(f"local-dir:{report.folder}")
    assert painter.config.method == method and painter.config.metrics["samples"] == 50
    assert (report.folder / "README.md").read_text().count(method) >= 1
    out = painter(torch.rand(3, 9))
    assert out.shape == (3, 64, 64) and 0 <= float(out.min()) and float(out.max()) <= 1


@pytest.mark.parametrize("device", DEVICES)
def test_training_and_prediction_run_on_every_device(data, device):
    from brushcli.painters.evaluate import predict

    painter = _painter("regression").to(device)
    log = train(painter, data, TrainSettings(steps=6, batch=16))
    assert all(np.isfinite(v) for losses in log.losses for v in losses.values())
    assert next(painter.parameters()).device.type == device
    pred = predict(painter, data.actions[:8])
    assert pred.shape == (8, 64, 64) and pred.dtype == np.float32
