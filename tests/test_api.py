"""The Python API: ``brushcli.paint`` works as often as it is called, and resume keeps what it should."""

from __future__ import annotations

import json
import shutil

import pytest

import brushcli
from brushcli.errors import OutputError
from brushcli.images import load_image
from brushcli.resources import data_dir

PHOTO = "docs/examples/chelsea.jpg"


@pytest.fixture(scope="module")
def photo():
    return load_image(PHOTO)[::4, ::4].copy()


def test_paint_can_be_called_twice_in_one_process(photo, tmp_path):
    first = brushcli.paint(photo, strokes=4, size=64, steps=6, out=tmp_path, name="a")
    second = brushcli.paint(photo, strokes=4, size=64, steps=6, out=tmp_path, name="b")
    assert callable(brushcli.paint)  # no package shadows the function after use
    assert first.folder == tmp_path / "a" and second.folder == tmp_path / "b"
    assert (first.strokes.params == second.strokes.params).all()  # same seed, same strokes
    assert 0 < second.metrics["mse_mypaint"] < 1


def test_resume_keeps_a_local_painter_and_a_non_default_size(tmp_path):
    custom = tmp_path / "my-painter"
    shutil.copytree(data_dir("weights") / "pen", custom)
    config = json.loads((custom / "config.json").read_text())
    config["name"] = "custom-pen"  # not a bundled name: looking it up as one would fail
    (custom / "config.json").write_text(json.dumps(config))
    spec = f"local-dir:{custom}"
    first = brushcli.paint(PHOTO, strokes=10, size=96, steps=12, painter=spec, out=tmp_path / "out")
    strokes_file = first.folder / "strokes.json"
    resumed = brushcli.paint(None, resume=strokes_file, steps=40, out=tmp_path / "again")
    assert resumed.info["painter"] == spec and resumed.strokes.painter == "custom-pen"
    assert max(resumed.strokes.width, resumed.strokes.height) == 96
    assert resumed.neural.shape[:2] == first.neural.shape[:2] == (72, 96)
    metrics = json.loads((tmp_path / "again" / "chelsea" / "metrics.json").read_text())
    assert metrics["width"] == 96 and metrics["painter"] == spec
    # the resumed painting improves (or at worst keeps) its real MyPaint error
    assert resumed.metrics["mse_mypaint"] <= first.metrics["mse_mypaint"] * 1.01


def test_an_explicit_painter_and_size_win_over_the_stroke_file(tmp_path):
    first = brushcli.paint(PHOTO, strokes=4, size=80, steps=4, out=tmp_path)
    resumed = brushcli.paint(None, resume=first.folder / "strokes.json", steps=2, size=128, painter="pen")
    assert max(resumed.neural.shape[:2]) == 128 and resumed.info["painter"] == "pen"


def test_a_folder_brush_did_not_write_is_refused_before_any_work(tmp_path):
    mine = tmp_path / "chelsea"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not written by brush"):
        brushcli.paint(PHOTO, strokes=2, size=64, steps=2, out=tmp_path)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
