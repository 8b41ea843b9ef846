"""OpenRaster export: the structure the spec asks for, layers that composite back to the merged image,
and (slow, where installed) Krita opening the file and flattening it to what MyPaint painted."""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from PIL import Image

from _brushtest import random_strokes
from brushcli.canvas.grid import Level
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.ora import stroke_layers
from brushcli.outputs.result import Painting, mse
from brushcli.outputs.writers import export


def _planned(seed: int = 0):
    """A pen painting laid out like `brush paint` writes it: 3 strokes on level 0, 2 per tile on level 1."""
    per_level1 = Level(1, 1.0).count * 2
    strokes = random_strokes(3 + per_level1, preset="pen", seed=seed, width=96, height=96)
    strokes.params[3:, 8] *= 0.3  # finer strokes on the finer level
    strokes.meta["plan"] = [{"level": 0, "per_tile": 3}, {"level": 1, "per_tile": 1}, {"level": 1, "per_tile": 1}]
    return strokes


def _read(path):
    archive = zipfile.ZipFile(path)
    stack = ET.fromstring(archive.read("stack.xml"))
    return archive, stack


def _png(archive, name):
    return np.asarray(Image.open(io.BytesIO(archive.read(name))))


def test_structure_follows_the_spec(tmp_path):
    strokes = _planned()
    export(Painting(strokes=strokes), tmp_path / "p.ora")
    archive, stack = _read(tmp_path / "p.ora")
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"image/openraster"
    raw = (tmp_path / "p.ora").read_bytes()
    assert raw[30:38] == b"mimetype" and raw[38:54] == b"image/openraster"  # readable by `file` magic
    assert stack.tag == "image" and (stack.get("w"), stack.get("h")) == ("96", "96")
    layers = stack.find("stack").findall("layer")
    names = [layer.get("name") for layer in layers]
    assert names == [f"level 1 ({len(strokes) - 3} strokes)", "level 0 (3 strokes)", "background"]  # top first
    for layer in layers:
        assert layer.get("src") in archive.namelist() and layer.get("composite-op") == "svg:src-over"
    assert _png(archive, "mergedimage.png").shape == (96, 96, 4)
    assert max(_png(archive, "Thumbnails/thumbnail.png").shape[:2]) <= 256


def test_layers_composite_to_the_merged_image_and_to_mypaint(tmp_path):
    strokes = _planned(seed=1)
    painting = Painting(strokes=strokes)
    export(painting, tmp_path / "p.ora")
    archive, stack = _read(tmp_path / "p.ora")
    canvas = np.zeros((96, 96, 3))
    for layer in reversed(stack.find("stack").findall("layer")):  # bottom first
        pixels = _png(archive, layer.get("src")).astype(np.float64) / 255
        x, y = int(layer.get("x")), int(layer.get("y"))
        h, w = pixels.shape[:2]
        a = pixels[..., 3:4]
        canvas[y : y + h, x : x + w] = pixels[..., :3] * a + canvas[y : y + h, x : x + w] * (1 - a)
    merged = _png(archive, "mergedimage.png").astype(np.float64) / 255
    assert (merged[..., 3] == 1).all()
    assert np.abs(canvas - merged[..., :3]).max() <= 2.5 / 255  # 8-bit layers re-composited
    assert mse(merged[..., :3], painting.mypaint().image) < 2e-6  # = painting the strokes directly


def test_strokes_per_layer_and_files_without_a_plan():
    strokes = _planned()
    assert [(s.start, s.stop) for s in stroke_layers(strokes, 10)][:2] == [(0, 10), (10, 20)]
    assert stroke_layers(strokes, 10)[-1].stop == len(strokes)
    strokes.meta = {}
    assert [(s.start, s.stop) for s in stroke_layers(strokes)] == [(0, len(strokes))]
    strokes.meta = {"plan": [{"level": 0, "per_tile": 1}]}  # does not match the strokes: one layer
    assert len(stroke_layers(strokes)) == 1


def test_transparent_hides_the_paper(tmp_path):
    export(Painting(strokes=_planned()), tmp_path / "t.ora", ExportOptions(transparent=True, layers=5))
    archive, stack = _read(tmp_path / "t.ora")
    layers = stack.find("stack").findall("layer")
    assert layers[-1].get("name") == "background" and layers[-1].get("visibility") == "hidden"
    assert len(layers) == 1 + -(-len(_planned()) // 5)
    assert _png(archive, "mergedimage.png")[..., 3].min() < 255


def _krita() -> str | None:
    krita, xvfb = shutil.which("krita"), shutil.which("xvfb-run")
    return f"{xvfb} -a {krita}" if krita and xvfb else None


@pytest.mark.slow
@pytest.mark.skipif(_krita() is None, reason="needs Krita and xvfb-run (apt-get install -y krita xvfb xauth)")
def test_krita_opens_the_file_and_flattens_it_to_the_mypaint_render(tmp_path):
    painting = Painting(strokes=_planned(seed=2))
    export(painting, tmp_path / "p.ora")
    flat = tmp_path / "krita.png"
    subprocess.run([*_krita().split(), "--export", "--export-filename", str(flat), str(tmp_path / "p.ora")],
                   check=True, capture_output=True, timeout=300)
    krita = np.asarray(Image.open(flat).convert("RGB"), np.float64) / 255
    assert krita.shape == (96, 96, 3)
    assert mse(krita, painting.mypaint().image) < 2e-6
