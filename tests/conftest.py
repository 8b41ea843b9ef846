"""Shared fixtures: isolated user directories, a CLI runner, small stroke lists."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from brushcli.presets import load_preset  # noqa: E402
from brushcli.strokes import StrokeList  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep caches (Hugging Face, torch) out of the real home and force offline mode."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(home / "torch"))
    monkeypatch.setenv("BRUSH_CACHE_DIR", str(home / "brush-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def random_strokes(n: int = 12, preset: str = "dry-brush", seed: int = 0, width: int = 64, height: int = 64) -> StrokeList:
    """A random stroke list inside a preset's ranges."""
    p = load_preset(preset)
    rng = np.random.default_rng(seed)
    shapes = p.actions_to_shapes(p.random_actions(n, rng))
    colors = rng.uniform(0, 1, size=(n, 3))
    return StrokeList(
        np.concatenate([shapes, colors], axis=1), width, height, p.brush, sampling=p.sampling, preset=p.name
    )


@pytest.fixture
def strokes_file(tmp_path):
    path = tmp_path / "strokes.json"
    path.write_text(random_strokes().to_json())
    return path
