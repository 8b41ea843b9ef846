"""`brush render` end to end through the Typer app, with real MyPaint."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from brushcli.cli import app
from brushcli.mypaint.render import MAX_SIDE


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _fails(result, *needles):
    assert result.exit_code != 0
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def test_render_png_and_gif(runner, strokes_file, tmp_path):
    out, gif = tmp_path / "big.png", tmp_path / "big.gif"
    _ok(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--size", "256", "--gif", str(gif)]))
    img = np.asarray(Image.open(out))
    assert img.shape == (256, 256, 3)
    assert img.std() > 5  # strokes were painted on the white background
    frames = Image.open(gif)
    assert frames.n_frames == 12  # one frame per stroke
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.gif", "big.png", "strokes.json"]


def test_render_background_and_brush_override(runner, strokes_file, tmp_path):
    out = tmp_path / "o.png"
    _ok(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--background", "black",
                            "--brush", "classic/pen"]))
    img = np.asarray(Image.open(out)).astype(int)
    assert img.shape == (64, 64, 3)
    assert (img.sum(axis=2) == 0).mean() > 0.1  # black shows where no stroke landed


@pytest.mark.parametrize("size", ["0", "-3", str(MAX_SIDE + 1), "1000000"])
def test_bad_sizes_are_refused_before_rendering(runner, strokes_file, tmp_path, size):
    _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(tmp_path / "o.png"), "--size", size]),
           "px")
    assert not (tmp_path / "o.png").exists()


def test_bad_inputs_each_one_line(runner, strokes_file, tmp_path):
    out = tmp_path / "o.png"
    _fails(runner.invoke(app, ["render", str(tmp_path / "missing.json"), "-o", str(out)]), "no such file")
    notjson = tmp_path / "n.json"
    notjson.write_text("hello")
    _fails(runner.invoke(app, ["render", str(notjson), "-o", str(out)]), "not valid JSON")
    doc = json.loads(strokes_file.read_text())
    doc["version"] = 7
    future = tmp_path / "f.json"
    future.write_text(json.dumps(doc))
    _fails(runner.invoke(app, ["render", str(future), "-o", str(out)]), "schema version 7")
    doc["version"] = 1
    doc["strokes"][4]["size"] = float("nan")
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps(doc))
    _fails(runner.invoke(app, ["render", str(nan), "-o", str(out)]), "strokes[4].size: nan is not a finite number")
    _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--brush", "classic/no_such"]),
           "unknown brush")
    broken = tmp_path / "broken.myb"
    broken.write_text("{ this is not a brush")
    _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--brush", str(broken)]),
           "not valid JSON")
    _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--brush", str(tmp_path / "x.myb")]),
           "does not exist")
    _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--background", "plaid"]),
           "cannot read color")
    assert not out.exists()


def test_unwritable_output_directory(runner, strokes_file, tmp_path):
    # /sys is mounted read-only here, so this holds even for root (for whom permission bits do not).
    for target in ["/sys/brush-test.png", str(tmp_path / "no" / "dir" / "o.png"), str(tmp_path)]:
        _fails(runner.invoke(app, ["render", str(strokes_file), "-o", target]), "output")


def test_unknown_brush_in_stroke_file(runner, strokes_file, tmp_path):
    doc = json.loads(strokes_file.read_text())
    doc["brush"] = "classic/dry_brsh"
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(doc))
    err = _fails(runner.invoke(app, ["render", str(bad), "-o", str(tmp_path / "o.png")]), "unknown brush")
    assert "classic/dry_brush" in err  # suggestion


def test_render_formats_by_suffix(runner, strokes_file, tmp_path):
    import zipfile

    outs = [tmp_path / f"r.{s}" for s in ("png", "jpg", "webp", "ora", "svg", "gif", "mp4", "json")]
    args = ["render", str(strokes_file), "--size", "128", "--strokes-per-layer", "5", "--frames", "all"]
    for out in outs:
        args += ["-o", str(out)]
    _ok(runner.invoke(app, args))
    assert Image.open(tmp_path / "r.png").size == (128, 128)
    assert Image.open(tmp_path / "r.jpg").format == "JPEG" and Image.open(tmp_path / "r.webp").format == "WEBP"
    assert len([n for n in zipfile.ZipFile(tmp_path / "r.ora").namelist() if n.startswith("data/layer")]) == 3
    assert (tmp_path / "r.svg").read_text().startswith("<svg") and Image.open(tmp_path / "r.gif").n_frames == 12
    assert json.loads((tmp_path / "r.json").read_text())["canvas"]["width"] == 128


def test_render_transparent(runner, strokes_file, tmp_path):
    out = tmp_path / "t.png"
    _ok(runner.invoke(app, ["render", str(strokes_file), "-o", str(out), "--background", "transparent"]))
    img = np.asarray(Image.open(out))
    assert img.shape == (64, 64, 4) and img[..., 3].min() == 0 and img[..., 3].max() == 255
    for bad in ("t.jpg", "t.jpeg"):
        err = _fails(runner.invoke(app, ["render", str(strokes_file), "-o", str(tmp_path / bad),
                                         "--background", "transparent"]), "no transparency")
        assert bad[1:] in err
        assert not (tmp_path / bad).exists()
    _ok(runner.invoke(app, ["render", str(strokes_file), "-o", str(tmp_path / "t.gif"), "--background", "transparent"]))
    assert Image.open(tmp_path / "t.gif").convert("RGB").getpixel((0, 0)) != (0, 0, 0)  # on the paper


@pytest.mark.parametrize("args, needle", [
    (["-o", "x.svgz"], "unknown output format"),
    (["-o", "x.png", "-o", "y.tiff"], "unknown output format"),
    (["-o", "x.mp4", "--frames", "none"], "--frames"),
    (["-o", "x.mp4", "--fps", "0"], "--fps"),
    (["-o", "x.ora", "--strokes-per-layer", "0"], "--strokes-per-layer"),
])
def test_bad_export_options_fail_before_any_work(runner, strokes_file, tmp_path, args, needle):
    args = [a if not a.startswith("x.") and not a.startswith("y.") else str(tmp_path / a) for a in args]
    _fails(runner.invoke(app, ["render", str(strokes_file), *args]), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strokes.json"]
