"""``brush painters list``: bundled painters, your painters folder and the Hub cache, each with its folder.

User folders are isolated per test by tests/conftest.py (XDG_DATA_HOME, HF_HOME); painters pulled
through a real local Hub are listed in tests/painters/test_hub.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from brushcli import userdirs
from brushcli.cli import app
from brushcli.painters import registry
from brushcli.painters.catalog import catalog, hub_entries, local_entries
from brushcli.painters.config import PainterConfig
from brushcli.painters.folder import save_painter_folder
from brushcli.painters.hub import hub_cache_dir
from brushcli.painters.painter import Painter
from brushcli.painters.registry import create_painter
from brushcli.presets import load_preset

WIDE = {"COLUMNS": "400"}


def make_tiny(folder: Path, name: str = "tiny") -> Path:
    torch.manual_seed(0)
    config = PainterConfig(name=name, preset=load_preset("dry-brush"), arch="dabs",
                           arch_args={"dabs": 16, "knots": 4, "hidden": 8}, metrics={"alpha_mae": 0.5, "iou": 0.25})
    return save_painter_folder(Painter(config), folder)


def cache_snapshot(cache: Path, repo_id: str, files: dict[str, bytes], refs: tuple[str, ...] = ("main",),
                   commit: str = "0123456789abcdef0123456789abcdef01234567") -> Path:
    """The standard Hugging Face cache layout (refs + snapshots), as hf_hub_download leaves it."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name, data in files.items():
        (snapshot / name).write_bytes(data)
    (repo / "refs").mkdir(exist_ok=True)
    for ref in refs:
        (repo / "refs" / ref).write_text(commit)
    return snapshot


def test_bundled_painters_come_first_with_their_folders():
    entries = catalog()
    bundled = [e for e in entries if e.source == "bundled"]
    assert [e.reference for e in bundled] == sorted(registry.BUNDLED)
    for entry in bundled:
        assert entry.folder == registry.weights_dir() / registry.BUNDLED[entry.reference].folder
        assert entry.problem is None and entry.config is not None


def test_your_painters_are_listed_and_load_by_the_listed_name(runner):
    mine = userdirs.painters_dir()
    make_tiny(mine / "my-charcoal")
    make_tiny(mine / "pen")  # same name as a bundled painter: listed by its path, which loads it
    broken = mine / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ nope")
    entries = {e.reference: e for e in local_entries()}
    assert set(entries) == {"my-charcoal", str(mine / "pen"), "broken"}
    assert entries["my-charcoal"].folder == mine / "my-charcoal" and entries["my-charcoal"].problem is None
    assert "not valid JSON" in entries["broken"].problem
    for reference in ("my-charcoal", str(mine / "pen")):
        assert create_painter(reference).config.name == "tiny"

    result = runner.invoke(app, ["painters", "list"], env=WIDE)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "my-charcoal" in line)
    assert "local" in row and "classic/dry_brush" in row and "0.5000" in row and str(mine / "my-charcoal") in row
    assert "unusable" in next(line for line in lines if "broken" in line)
    assert f"your painters folder: {mine}" in result.stdout
    assert "pen (default)" in result.stdout


def test_an_empty_machine_lists_only_the_bundled_painters(runner):
    assert not userdirs.painters_dir().exists() and not hub_cache_dir().exists()
    assert [e.source for e in catalog()] == ["bundled"] * len(registry.BUNDLED)
    result = runner.invoke(app, ["painters", "list"], env=WIDE)
    assert result.exit_code == 0 and " local " not in result.stdout and " hub " not in result.stdout


def test_hub_cached_painters_are_listed_and_other_models_skipped(tmp_path, monkeypatch, runner):
    cache = hub_cache_dir()
    painter = make_tiny(tmp_path / "p", name="cached")
    files = {n: (painter / n).read_bytes() for n in ("config.json", "model.safetensors")}
    cache_snapshot(cache, "org/cached", files, refs=("main", "v1"))
    cache_snapshot(cache, "org/pinned", files, refs=(), commit="f" * 40)
    cache_snapshot(cache, "org/bert", {"config.json": json.dumps({"model_type": "bert"}).encode()})
    entries = {e.reference: e for e in hub_entries()}
    assert set(entries) == {"hf-hub:org/cached", "hf-hub:org/cached@v1", f"hf-hub:org/pinned@{'f' * 40}"}
    assert entries["hf-hub:org/cached"].config.name == "cached"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for reference in entries:  # every listed name loads, offline, from the cache
        assert create_painter(reference).config.name == "cached"
    result = runner.invoke(app, ["painters", "list"], env=WIDE)
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "hf-hub:org/cached " in line)
    assert " hub " in row and "classic/dry_brush" in row and str(cache / "models--org--cached") in row
    assert "org/bert" not in result.stdout
