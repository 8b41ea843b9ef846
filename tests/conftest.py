"""Shared fixtures: isolated user directories, a CLI runner, small stroke lists."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from _brushtest import random_strokes


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep caches (Hugging Face, torch) out of the real home and force offline mode."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(home / "torch"))
    monkeypatch.setenv("BRUSH_CACHE_DIR", str(home / "brush-cache"))
    # platformdirs' user folders (your painters, the cache when BRUSH_CACHE_DIR is unset)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def forget_unreachable_hubs():
    """brush remembers an unreachable Hub endpoint for a while; each test starts and ends without that."""
    from brushcli.painters import hub

    hub._unreachable.clear()
    yield
    hub._unreachable.clear()


@pytest.fixture
def refused_port() -> int:
    """A local port nothing listens on: connections are refused at once."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def strokes_file(tmp_path):
    path = tmp_path / "strokes.json"
    path.write_text(random_strokes().to_json())
    return path
