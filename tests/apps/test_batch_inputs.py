"""Batches of careless input: every input gets a row, no image stops the batch, --jobs keeps both.

A folder holding images of many formats and modes, broken image files and files that are not
images at all is painted with ``--jobs 1`` and ``--jobs 2``: every image file gets a row (painted,
skipped or failed with its reason), other files are ignored, the exit code is 1, and a rerun skips
what was painted.
"""

from __future__ import annotations

import queue
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import brushcli.batch as batch
from brushcli.batch import BatchItem, PaintJob, paint_batch, plan_batch
from brushcli.cli import app
from brushcli.inputs import collect_images

PHOTO = "docs/examples/astronaut.jpg"
TINY = ["--strokes", "4", "--size", "32", "--steps", "6", "-q"]


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header claiming ``width`` x ``height`` pixels, with almost no pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture
def mixed(tmp_path) -> Path:
    """8 readable images of different formats and modes, 3 broken image files, 2 files that are not images."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    rgb = Image.open(PHOTO).convert("RGB").resize((24, 24))
    gray = np.asarray(rgb.convert("L"), dtype=np.float64) / 255.0
    rgb.save(folder / "rgb.png")
    rgb.convert("P", palette=Image.Palette.ADAPTIVE).save(folder / "palette.png")
    Image.fromarray(np.round(gray * 65535).astype(np.uint16)).save(folder / "gray16.png")  # I;16
    Image.fromarray(gray.astype(np.float32), mode="F").save(folder / "float.tif")
    rgb.convert("CMYK").save(folder / "cmyk.jpg")
    rgb.convert("RGBA").save(folder / "rgba.webp")
    wide = np.asarray(rgb.resize((400, 1)))
    Image.fromarray(wide).save(folder / "wide.png")  # 400x1
    Image.fromarray(wide.reshape(400, 1, 3)).save(folder / "tall.bmp")  # 1x400
    data = (folder / "rgb.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "bomb.png").write_bytes(bomb_png())
    (folder / "notes.txt").write_text("not an image, and not named like one\n")
    (folder / "README").write_text("neither\n")
    return folder


IMAGES = ["bomb", "cmyk", "empty", "float", "gray16", "palette", "rgb", "rgba", "tall", "truncated", "wide"]
BROKEN = {"bomb": "100 MP limit", "empty": "empty", "truncated": "truncated"}


def test_a_folder_walk_keeps_broken_image_files_and_ignores_other_files(mixed, tmp_path):
    found = collect_images([mixed])
    assert sorted(p.stem for p in found) == IMAGES
    (mixed / "photo-without-suffix").write_bytes((mixed / "rgb.png").read_bytes())  # an image by content
    (mixed / "data.bin").write_bytes(b"\x00\x01" * 100)
    assert "photo-without-suffix" in [p.name for p in collect_images([mixed])]
    assert "data.bin" not in [p.name for p in collect_images([mixed])]


def test_the_output_folder_is_never_walked(mixed, tmp_path, runner):
    out = mixed / "out"
    result = runner.invoke(app, ["paint", str(mixed / "rgb.png"), "-o", str(out), *TINY])
    assert result.exit_code == 0, result.output
    assert (out / "rgb" / "mypaint.png").is_file()
    assert all(out not in p.parents for p in collect_images([mixed], exclude=[out]))
    # even without being told: folders brush wrote hold a marker and are not entered
    assert all(out not in p.parents for p in collect_images([mixed]))


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_input_gets_a_row_and_a_rerun_skips_the_painted(mixed, tmp_path, runner, jobs):
    out = tmp_path / f"out{jobs}"
    args = ["paint", str(mixed), "-o", str(out), "--jobs", str(jobs), *TINY]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "3 of 11 images failed" in result.stderr
    failed = {line.split(":")[0].removeprefix("failed "): line for line in result.stderr.splitlines()
              if line.startswith("failed ")}
    assert sorted(failed) == sorted(BROKEN)
    for name, reason in BROKEN.items():
        assert reason in failed[name], failed[name]
    painted = sorted(p.name for p in out.iterdir())
    assert painted == sorted(set(IMAGES) - set(BROKEN))
    for name in painted:  # each painted with its own colours, not white or black
        source = np.asarray(Image.open(mixed / "rgb.png").convert("L"), dtype=np.float64).mean() / 255
        real = np.asarray(Image.open(out / name / "mypaint.png").convert("L"), dtype=np.float64).mean() / 255
        assert abs(real - source) < 0.12, (name, real, source)
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert again.stdout.count("skipped") == 8 and "3 of 11 images failed" in again.stderr


def test_an_unexpected_exception_fails_only_its_image(tmp_path, monkeypatch):
    photo = Path(PHOTO)
    items = plan_batch([photo, Path("docs/examples/chelsea.jpg")], tmp_path / "out")
    real = batch._paint_with_painter

    def flaky(item, job, progress):
        if item.name == "astronaut":
            raise ValueError("a bug\nover two lines")
        return real(item, job, progress)

    monkeypatch.setattr(batch, "_paint_with_painter", flaky)
    rows = paint_batch(items, PaintJob(strokes=4, size=32, steps=6))
    assert rows[0].failed and rows[0].error == "internal error: ValueError: a bug over two lines"
    assert rows[1].metrics is not None
    # the same in a worker process (called here, with the worker's message queue)
    monkeypatch.setattr(batch, "_messages", queue.Queue())
    row = batch._worker_paint(items[0], PaintJob(strokes=4, size=32, steps=6))
    assert row.failed and row.error.startswith("internal error: ValueError")


def test_ctrl_c_still_stops_the_batch(tmp_path, monkeypatch):
    items = plan_batch([Path(PHOTO), Path("docs/examples/chelsea.jpg")], tmp_path / "out")

    def interrupted(item, job, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "_paint_with_painter", interrupted)
    with pytest.raises(KeyboardInterrupt):
        paint_batch(items, PaintJob(strokes=4, size=32, steps=6))


@pytest.mark.parametrize("shape", [(1, 4000), (4000, 1), (1, 1), (2, 2)])
def test_one_pixel_wide_and_tiny_images_paint(tmp_path, shape):
    pixels = np.asarray(Image.open(PHOTO).convert("RGB").resize(shape[::-1]))
    path = tmp_path / "thin.png"
    Image.fromarray(pixels).save(path)
    row = paint_batch([BatchItem(path, "thin", tmp_path / "out" / "thin")], PaintJob(strokes=4, size=64, steps=6))[0]
    assert row.metrics is not None, row.error
    real = np.asarray(Image.open(tmp_path / "out" / "thin" / "mypaint.png").convert("RGB"), dtype=np.float64)
    assert real.shape[:2] == ((64, 1) if shape[0] > shape[1] else (1, 64) if shape[0] < shape[1] else (64, 64))
    assert np.abs(real.mean((0, 1)) - pixels.mean((0, 1))).max() < 30
