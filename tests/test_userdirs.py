"""Per-user folders come from platformdirs and follow the XDG variables, read on every call."""

from __future__ import annotations

from pathlib import Path

from brushcli import userdirs
from brushcli.painters.data import cache_root, dataset_folder
from brushcli.presets import load_preset


def test_cache_is_brush_cache_dir_else_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("BRUSH_CACHE_DIR", str(tmp_path / "explicit"))
    assert userdirs.cache_dir() == cache_root() == tmp_path / "explicit"
    monkeypatch.delenv("BRUSH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert userdirs.cache_dir() == tmp_path / "xdg-cache" / "brush"
    assert dataset_folder(load_preset("pen"), 64, 0).parent == tmp_path / "xdg-cache" / "brush" / "datasets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert userdirs.cache_dir() == tmp_path / "home" / ".cache" / "brush"  # the Linux default, as before


def test_painters_folder_is_under_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert userdirs.painters_dir() == tmp_path / "data" / "brush" / "painters"
    assert not userdirs.painters_dir().exists()  # asking creates nothing
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert userdirs.painters_dir() == Path(tmp_path / "home" / ".local" / "share" / "brush" / "painters")
