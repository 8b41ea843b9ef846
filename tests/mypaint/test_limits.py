"""Brush files are checked against libmypaint's limits before the engine sees them."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from brushcli.errors import BrushNotFound, InvalidBrushFile
from brushcli.mypaint import _lib
from brushcli.mypaint.brushes import brush_in_folder, is_brush_name, list_brushes, resolve_brush
from brushcli.mypaint.limits import INPUTS, SETTINGS, check_brush_doc, mapped_range

PEN = json.loads(resolve_brush("classic/pen").path.read_text())


def _brush(tmp_path: Path, mutate=None, text: str | bytes | None = None) -> Path:
    doc = copy.deepcopy(PEN)
    if mutate:
        mutate(doc)
    path = tmp_path / "hostile.myb"
    data = text if text is not None else json.dumps(doc)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    resolve_brush.cache_clear()
    return path


def _set(name, value):
    return lambda d: d["settings"].setdefault(name, {"inputs": {}}).update(base_value=value)


def _points(setting, input_name, points):
    return lambda d: d["settings"].setdefault(setting, {"base_value": 0.0, "inputs": {}})["inputs"].update(
        {input_name: points})


HOSTILE = [
    # (mutation, text, expected message)
    (_set("dabs_per_actual_radius", 1e9), None, "dabs_per_actual_radius = 1e+09 is outside libmypaint's range 0..200"),
    (_set("dabs_per_second", -1), None, "dabs_per_second = -1 is outside"),
    (_set("radius_logarithmic", "big"), None, "expected a number, got 'big'"),
    (_set("opaque", True), None, "expected a number, got True"),
    (_set("no_such_setting", 1.0), None, "unknown setting 'no_such_setting'"),
    (_points("opaque", "pressure", [[i / 70, 0.0] for i in range(65)]), None, "at most 64 items"),
    (_points("opaque", "pressure", [[0.5, 0.0], [0.2, 1.0]]), None, "must be sorted by x (0.2 after 0.5)"),
    (_points("opaque", "pressure", [[0.5, 0.0]]), None, "needs at least 2 points"),
    (_points("opaque", "pressure", [[0.0, 0.0], [1.0, 1e6]]), None, "y = 1e+06 is outside -2..2"),
    (_points("opaque", "random", [[0.0, 0.0], [5.0, 1.0]]), None, "x = 5 is outside the input's range 0..1"),
    (_points("opaque", "pressure", [[0.0, 0.0], [1.0]]), None, "inputs.pressure[1][1]: missing"),
    (_points("opaque", "pressure", "points"), None, "inputs.pressure: "),
    (lambda d: d.update(version=2), None, "brush file version 2 is not supported"),
    (lambda d: d.update(settings=[]), None, "settings: "),
    (lambda d: d["settings"].update(opaque=5), None, "settings.opaque: "),
    (lambda d: d["settings"]["opaque"].pop("base_value"), None, "settings.opaque.base_value: missing"),
    (None, '{"version": 3, "settings": {"opaque": {"base_value": NaN, "inputs": {}}}}', "NaN is not allowed"),
    (None, '{"version": 3, "settings": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper than 32 levels"),
    (None, "[" * 100_000, "nested deeper than 32 levels"),
    (None, '{"version": 3, "settings": {}}' + " " * (1 << 20), "is more than a MyPaint brush file may be"),
    (None, b"\xff\xfe", "not UTF-8 text"),
]


@pytest.mark.parametrize("mutate, text, message", HOSTILE)
def test_hostile_brush_files_are_refused_before_libmypaint(tmp_path, mutate, text, message):
    path = _brush(tmp_path, mutate, text)
    with pytest.raises(BrushNotFound) as info:
        resolve_brush(str(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_inputs_and_empty_mappings_are_dropped_as_libmypaint_does(tmp_path):
    path = _brush(tmp_path, lambda d: d["settings"]["opaque"]["inputs"].update(surfacemap_x=[[0, 0], [1, 1]],
                                                                                 pressure=[]))
    spec = resolve_brush(str(path))
    engine = json.loads(spec.engine_bytes)
    assert engine["version"] == 3
    assert "surfacemap_x" not in json.dumps(engine) and "pressure" not in engine["settings"]["opaque"]["inputs"]


def test_every_installed_brush_passes():
    names = list_brushes()
    assert len(names) > 100
    for name in names:
        resolve_brush(name).engine_bytes  # raises on any problem


def test_tables_match_the_installed_libmypaint():
    for name, (low, high) in SETTINGS.items():
        actual = _lib.setting_range(name)
        assert actual is not None, name
        assert math.isclose(actual[0], low, abs_tol=1e-5) and math.isclose(actual[1], high, abs_tol=1e-5), name
    for name, (low, high) in INPUTS.items():
        actual = _lib.input_range(name)
        assert actual is not None, name
        for mine, theirs in zip((low, high), actual):
            assert (math.isinf(mine) and abs(theirs) > 1e37) or math.isclose(mine, theirs, abs_tol=1e-5), name
    assert _lib.setting_range("no_such_setting") is None


def test_mappings_extrapolate_like_libmypaint():
    points = [[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]]
    ranges = {"pressure": (0.0, 4.0)}
    assert mapped_range({"pressure": points}, ranges) == (-1.0, 2.0)  # x = 4 continues the last segment
    assert mapped_range({"pressure": points}, {"pressure": (-1.0, 1.0)}) == (-2.0, 2.0)
    assert mapped_range({"pressure": points}, {"pressure": (0.0, math.inf)})[0] == -math.inf


@pytest.mark.parametrize("mutate", [
    _points("opaque", "pressure", [[i / 70, 0.0] for i in range(65)]),
    _points("opaque", "pressure", [[0.5, 0.0], [0.2, 1.0]]),
    _set("dabs_per_actual_radius", 1e9),
])
def test_render_with_a_hostile_brush_is_one_line_in_a_real_process(tmp_path, strokes_file, mutate):
    """libmypaint aborted the process (65 or unsorted points) or ran out of memory (1e9 dabs)."""
    path = _brush(tmp_path, mutate)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30));"
            "from brushcli.cli import main; sys.argv = ['brush'] + sys.argv[1:]; main()")
    result = subprocess.run([sys.executable, "-c", code, "render", str(strokes_file), "-o", str(tmp_path / "o.png"),
                             "--brush", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "o.png").exists()


def test_brush_names_and_folder_files():
    assert is_brush_name("classic/pen") and is_brush_name("deevad/2B_pencil") and is_brush_name("pen")
    assert all(is_brush_name(name) for name in list_brushes())  # Fan#1, 100%_Opaque, smudge_ink(0.7)_sm
    for bad in ["/etc/passwd", "../x", "classic/../../x", "x.myb", "~/x", "a//b", "", "a\x00b", "C:\\x"]:
        assert not is_brush_name(bad), bad


def test_brush_in_folder_stays_in_the_folder(tmp_path):
    folder = tmp_path / "painter"
    folder.mkdir()
    (folder / "own.myb").write_text(json.dumps(PEN))
    (tmp_path / "outside.myb").write_text(json.dumps(PEN))
    (folder / "link.myb").symlink_to(tmp_path / "outside.myb")
    assert brush_in_folder("own.myb", folder) == (folder / "own.myb").resolve()
    for bad in ["../outside.myb", "link.myb", str(tmp_path / "outside.myb"), "missing.myb", "own.json"]:
        assert brush_in_folder(bad, folder) is None, bad


def test_nul_in_a_brush_name_is_an_error_not_a_crash():
    with pytest.raises(BrushNotFound, match="is not a brush name"):
        resolve_brush("classic/pen\x00")


def test_invalid_brush_file_is_a_brush_not_found():
    assert issubclass(InvalidBrushFile, BrushNotFound)
    with pytest.raises(InvalidBrushFile):
        check_brush_doc({"version": 3, "settings": {"opaque": {"base_value": 9.0, "inputs": {}}}}, "x")


def test_libmypaint_prints_nothing_on_stderr_for_brushes_with_newer_inputs(capfd):
    """Dieterle brushes use inputs libmypaint 1.6 lacks (surfacemap_x/y): it warned once per stroke."""
    import numpy as np

    from brushcli.mypaint.render import render_alphas

    capfd.readouterr()
    shapes = np.tile([0.2, 0.2, 0.5, 0.6, 0.8, 0.3, 0.5, 0.9, 0.05], (5, 1))
    render_alphas("Dieterle/Blender", shapes, workers=1)
    assert capfd.readouterr().err == ""
