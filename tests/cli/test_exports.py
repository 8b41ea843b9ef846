"""``--export`` on the painting commands: checked before any work, written from the same painting."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from brushcli.cli import app

ROOT = Path(__file__).resolve().parents[2]
PHOTO = str(ROOT / "docs/examples/astronaut.jpg")
CAT = str(ROOT / "docs/examples/chelsea.jpg")
FAST = ["--strokes", "6", "--size", "64", "--steps", "4", "-q"]


def _one_line_error(result, needle):
    assert result.exit_code != 0
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and needle in err, err


def test_paint_exports_every_format_from_the_same_painting(runner, tmp_path):
    out = tmp_path / "out"
    exports = [tmp_path / f"a.{s}" for s in ("ora", "svg", "mp4", "webp")]
    args = ["paint", PHOTO, *FAST, "-o", str(out), "--transparent"]
    for path in exports:
        args += ["--export", str(path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert all(p.is_file() for p in exports)
    archive = zipfile.ZipFile(tmp_path / "a.ora")
    assert b'name="background"' in archive.read("stack.xml") and b'"hidden"' in archive.read("stack.xml")
    merged = np.asarray(Image.open(io.BytesIO(archive.read("mergedimage.png"))), np.float64)
    assert merged.shape == (64, 64, 4)
    # the export is the painting of the output folder: its strokes over the paper are mypaint.png
    mypaint = np.asarray(Image.open(out / "astronaut" / "mypaint.png"), np.float64)
    paper = np.asarray(json.loads((out / "astronaut" / "strokes.json").read_text())["canvas"]["background"]) * 255
    a = merged[..., 3:] / 255
    assert np.abs(merged[..., :3] * a + paper * (1 - a) - mypaint).max() <= 3
    webp = np.asarray(Image.open(tmp_path / "a.webp").convert("RGBA"), np.float64)
    assert np.abs(webp[..., 3] - merged[..., 3]).max() <= 1  # lossless, with alpha (dropped only when all opaque)
    seen = merged[..., 3] > 0  # colour under fully transparent pixels is not part of the picture
    assert np.abs(webp[..., :3] - merged[..., :3])[seen].max() <= 1


def test_exports_are_checked_before_any_work(runner, tmp_path):
    out = tmp_path / "out"
    _one_line_error(runner.invoke(app, ["paint", PHOTO, *FAST, "-o", str(out), "--export", str(tmp_path / "a.xyz")]),
                    "unknown output format")
    _one_line_error(runner.invoke(app, ["paint", PHOTO, CAT, *FAST, "-o", str(out),
                                        "--export", str(tmp_path / "a.png")]), "{name}")
    _one_line_error(runner.invoke(app, ["paint", PHOTO, *FAST, "-o", str(out), "--transparent",
                                        "--export", str(tmp_path / "a.jpg")]), "no transparency")
    _one_line_error(runner.invoke(app, ["style", PHOTO, "--size", "128", "--steps", "1", "-o", str(out),
                                        "--export", str(tmp_path / "s.bmp")]), "unknown output format")
    _one_line_error(runner.invoke(app, ["dream", "goldfish", "--steps", "1", "-o", str(out), "--frames", "x",
                                        "--export", str(tmp_path / "d.mp4")]), "--frames")
    assert not out.exists() and not list(tmp_path.iterdir())  # nothing written, not even the output folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_name_in_the_path_gives_one_export_per_image(runner, tmp_path, jobs):
    result = runner.invoke(app, ["paint", PHOTO, CAT, *FAST, "-o", str(tmp_path / "out"), "--jobs", jobs,
                                 "--export", str(tmp_path / "{name}.svg")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == ["astronaut.svg", "chelsea.svg"]
    assert "astronaut.svg" in result.stdout and "chelsea.svg" in result.stdout


def test_eval_painter_grid_is_a_png_only(runner, tmp_path):
    _one_line_error(runner.invoke(app, ["eval-painter", "pen", "--samples", "4", "--grid", str(tmp_path / "g.jpg")]),
                    ".png")
    assert not list(tmp_path.iterdir())


def test_a_finished_painting_still_gets_the_exports_asked_for(runner, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["paint", PHOTO, *FAST, "-o", str(out)]).exit_code == 0
    again = runner.invoke(app, ["paint", PHOTO, *FAST, "-o", str(out), "--export", str(tmp_path / "a.svg")])
    assert again.exit_code == 0 and "skipped" in again.stdout, again.output
    assert (tmp_path / "a.svg").read_bytes().startswith(b"<")  # written from the saved strokes, not skipped
