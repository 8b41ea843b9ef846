"""SVG export: one group of quadratic path pieces per stroke, widths from the engine, and (rasterised
by a real SVG renderer) close to the MyPaint render for the pen."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from _brushtest import random_strokes
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.result import Painting, mse
from brushcli.mypaint.brushes import resolve_brush
from brushcli.outputs.svg import SEGMENTS, engine_tracks
from brushcli.outputs.writers import export

NS = {"svg": "http://www.w3.org/2000/svg"}


def _pen(n: int = 30, seed: int = 0):
    strokes = random_strokes(n, preset="pen", seed=seed, width=160, height=120)
    strokes.params[:, 8] = np.linspace(0.015, 0.06, n)  # the sizes a painting uses, not random giants
    return strokes


def test_paths_per_stroke_in_painting_order(tmp_path):
    strokes = _pen()
    export(Painting(strokes=strokes), tmp_path / "p.svg")
    root = ET.parse(tmp_path / "p.svg").getroot()
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("160", "120", "0 0 160 120")
    rect = root.find("svg:rect", NS)
    assert rect is not None and rect.get("fill") == "#ffffff"
    groups = root.findall("svg:g/svg:g", NS)
    assert len(groups) == len(strokes)
    first = strokes.params[0]
    assert groups[0].get("stroke") == "#{:02x}{:02x}{:02x}".format(*np.round(first[9:12] * 255).astype(int))
    paths = groups[0].findall("svg:path", NS)
    assert len(paths) == SEGMENTS and all("Q" in p.get("d") for p in paths)
    start = [float(v) for v in re.findall(r"-?[\d.]+", paths[0].get("d"))[:2]]
    assert start == pytest.approx([first[0] * 160, first[1] * 120], abs=1.0)  # the first dab
    assert root.find("svg:g", NS).get("stroke-linecap") == "round"


def test_paths_follow_the_engines_dab_track():
    strokes = _pen(2)
    strokes.params[:, 6:8] = [[0.3, 1.0], [1.0, 0.3]]  # pressure rises / falls
    strokes.params[:, 8] = 0.04
    tracks = engine_tracks(strokes, resolve_brush("classic/pen"))
    assert tracks.shape == (2, strokes.sampling.steps + 1, 3)
    radii = tracks[..., 2]
    assert radii[0, -1] > radii[0, 2] and radii[1, -1] < radii[1, 2]  # the pen widens with pressure
    assert 0.5 * 0.04 < radii.mean() < 3 * 0.04
    # dabs start at the start point and trail the Bezier's end (the last whole dab, tracking)
    first = strokes.params[0]
    long_side = max(strokes.width, strokes.height)
    start = tracks[0, 0, :2] * long_side
    assert np.allclose(start, [first[0] * strokes.width, first[1] * strokes.height], atol=1.0)
    end = np.array([first[4] * strokes.width, first[5] * strokes.height])
    assert 0 < np.linalg.norm(tracks[0, -1, :2] * long_side - end) < 2 * radii[0, -1] * long_side


def test_transparent_has_no_background_and_textured_brushes_say_so(tmp_path):
    export(Painting(strokes=_pen(3)), tmp_path / "t.svg", ExportOptions(transparent=True))
    assert ET.parse(tmp_path / "t.svg").getroot().find("svg:rect", NS) is None
    export(Painting(strokes=random_strokes(3, preset="dry-brush")), tmp_path / "d.svg")
    text = (tmp_path / "d.svg").read_text()
    desc = ET.parse(tmp_path / "d.svg").getroot().find("svg:desc", NS).text
    assert "textured" in desc and "skeleton" in desc and "<!--" in text


def test_rasterised_pen_svg_looks_like_the_mypaint_render(tmp_path):
    resvg = pytest.importorskip("resvg_py")
    painting = Painting(strokes=_pen(40, seed=4))
    export(painting, tmp_path / "p.svg")
    png = resvg.svg_to_bytes(svg_path=str(tmp_path / "p.svg"))
    raster = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGB"), np.float64) / 255
    real = painting.mypaint().image
    assert raster.shape == real.shape
    blank = mse(np.ones_like(real) * np.asarray(painting.strokes.background), real)
    assert mse(raster, real) < 0.1 * blank  # far closer than an empty canvas
