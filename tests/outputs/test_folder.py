"""Output folders: written whole, replaced only when brush wrote them, a user's files never touched."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from _brushtest import random_strokes
from brushcli.errors import OutputError
from brushcli.outputs.folder import MARKER, OUTPUT_FILES, is_done, prepare_folder, write_painting
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import WRITERS, check_export, export


def _painting() -> Painting:
    strokes = random_strokes(6)
    neural = np.full((64, 64, 3), 0.5, np.float32)
    return Painting(strokes=strokes, neural=neural, target=neural * 0.9, info={"command": "test"})


def test_written_folder_has_every_output_and_the_marker(tmp_path):
    painting = write_painting(_painting(), tmp_path / "p", {"seed": 1}, started=0.0)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted([*OUTPUT_FILES, MARKER])
    metrics = json.loads((tmp_path / "p" / "metrics.json").read_text())
    assert {"mse_neural", "mse_mypaint", "gap_mse", "strokes", "seconds"} <= set(metrics)
    assert painting.folder == tmp_path / "p" and (tmp_path / "p").stat().st_mode & 0o077  # not a private 0700
    assert is_done(tmp_path / "p", {"seed": 1}) and not is_done(tmp_path / "p", {"seed": 2})


def test_replacing_keeps_the_users_files(tmp_path):
    folder = tmp_path / "p"
    write_painting(_painting(), folder, {"seed": 1})
    (folder / "notes.txt").write_text("mine")
    (folder / "sub").mkdir()
    assert prepare_folder(folder, {"seed": 1}, overwrite=True)
    write_painting(_painting(), folder, {"seed": 1})
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "sub").is_dir()


def test_done_is_skipped_other_settings_need_overwrite(tmp_path):
    folder = tmp_path / "p"
    assert prepare_folder(folder, {"seed": 1})  # missing: paint
    write_painting(_painting(), folder, {"seed": 1})
    assert not prepare_folder(folder, {"seed": 1})  # done: skip
    assert prepare_folder(folder, {"seed": 1}, overwrite=True)
    with pytest.raises(OutputError, match="other settings"):
        prepare_folder(folder, {"seed": 2})
    assert prepare_folder(folder, {"seed": 2}, overwrite=True)


@pytest.mark.parametrize("kind", ["user folder", "file", "symlink"])
def test_what_brush_did_not_write_is_refused_and_left_alone(tmp_path, kind):
    path = tmp_path / "p"
    if kind == "user folder":
        path.mkdir()
        (path / "notes.txt").write_text("mine")
    elif kind == "file":
        path.write_text("mine")
    else:
        (tmp_path / "elsewhere").mkdir()
        path.symlink_to(tmp_path / "elsewhere")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(OutputError):
        prepare_folder(path, {"seed": 1}, overwrite=True)
    with pytest.raises(OutputError):
        write_painting(_painting(), path, {"seed": 1})
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_writers_by_suffix(tmp_path):
    import zipfile

    painting = _painting()
    for suffix in WRITERS:
        export(painting, tmp_path / f"x{suffix}")
    assert Image.open(tmp_path / "x.jpg").format == "JPEG" and Image.open(tmp_path / "x.webp").format == "WEBP"
    assert Image.open(tmp_path / "x.gif").n_frames == 6  # one frame per stroke
    assert json.loads((tmp_path / "x.json").read_text())["format"] == "brush-strokes"
    assert zipfile.ZipFile(tmp_path / "x.ora").read("mimetype") == b"image/openraster"
    assert (tmp_path / "x.svg").read_text().startswith("<svg")
    assert (tmp_path / "x.mp4").read_bytes()[4:8] == b"ftyp" and (tmp_path / "x.webm").read_bytes()[:4] == b"\x1aE\xdf\xa3"
    for bad in ("x.bmp", "x.tiff", "x"):
        with pytest.raises(OutputError, match="unknown output format"):
            check_export(tmp_path / bad)
        assert not (tmp_path / bad).exists()


def test_compare_png_is_labelled(tmp_path):
    painting = write_painting(_painting(), tmp_path / "p", {})
    compare = np.asarray(Image.open(tmp_path / "p" / "compare.png"))
    assert compare.shape[0] > 64  # a label strip above the 64-px panels
    strip = compare[: compare.shape[0] - 64]
    assert (strip < 128).any()  # text was drawn
    assert painting.folder == tmp_path / "p"


def test_neural_drawn_at_a_smaller_size_is_written_at_that_size_and_labelled(tmp_path):
    from brushcli.outputs.folder import neural_label

    painting = _painting()
    painting.neural_side = 32
    write_painting(painting, tmp_path / "p", {})
    assert Image.open(tmp_path / "p" / "neural.png").size == (32, 32)
    assert "32 px" in neural_label(painting)
    assert json.loads((tmp_path / "p" / "metrics.json").read_text())["neural_side"] == 32


def test_the_replay_is_made_once(tmp_path, monkeypatch):
    import brushcli.outputs.result as result

    calls = []
    real = result.replay
    monkeypatch.setattr(result, "replay", lambda *a, **k: calls.append(1) or real(*a, **k))
    painting = _painting()
    _ = painting.metrics
    write_painting(painting, tmp_path / "p", {})
    assert len(calls) == 1


def test_a_folder_of_an_older_brush_without_marker_is_still_brushs(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for name in OUTPUT_FILES:
        (folder / name).write_text("old")
    assert prepare_folder(folder, {"seed": 1})  # repainted, not refused
    write_painting(_painting(), folder, {"seed": 1})
    assert is_done(folder, {"seed": 1})
