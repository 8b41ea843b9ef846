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
