"""Helpers shared by tests (a uniquely named module: every test folder may have its own conftest)."""

from __future__ import annotations

import numpy as np

from brushcli.presets import load_preset
from brushcli.strokes import StrokeList


def random_strokes(n: int = 12, preset: str = "dry-brush", seed: int = 0, width: int = 64, height: int = 64) -> StrokeList:
    """A random stroke list inside a preset's ranges."""
    p = load_preset(preset)
    rng = np.random.default_rng(seed)
    shapes = p.actions_to_shapes(p.random_actions(n, rng))
    colors = rng.uniform(0, 1, size=(n, 3))
    return StrokeList(
        np.concatenate([shapes, colors], axis=1), width, height, p.brush, sampling=p.sampling, preset=p.name
    )


def _devices() -> list:
    """Every device this machine has, as pytest parameters: tests that take a ``device`` run the
    same code on each (CUDA and Apple GPUs are skipped, visibly, where there are none)."""
    import pytest
    import torch

    from brushcli.runtime import mps_available

    return ["cpu",
            pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")),
            pytest.param("mps", marks=pytest.mark.skipif(not mps_available(), reason="no Apple GPU here"))]


DEVICES = _devices()


def register_tiny_classifier(name: str, input_size: int, width: int = 4, seed: int = 3) -> None:
    """Register ``name``: a tiny random-init ImageNet-shaped classifier (fast, offline) for tests that
    optimise through a net; it has no pretrained weights (create it with ``pretrained=False``)."""
    import torch
    from torch import nn

    from brushcli.vision.nets import NetSpec, WeightsNotFound, register_net

    def build() -> nn.Module:
        torch.manual_seed(seed)
        return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                             nn.Linear(4 * width, 1000))

    def no_weights() -> None:
        raise WeightsNotFound(f"{name} is a test net without pretrained weights")

    register_net(NetSpec(name=name, family="test", input_size=input_size, mean=(0.5,) * 3, std=(0.25,) * 3,
                         build=build, pretrained=no_weights))
