import json
import math

import numpy as np
import pytest

from brushcli.errors import StrokeFileError
from brushcli.strokes import SCHEMA_VERSION, StrokeList, load_strokes
from _brushtest import random_strokes


def test_round_trip(tmp_path):
    sl = random_strokes(5, width=80, height=40)
    path = tmp_path / "s.json"
    path.write_text(sl.to_json())
    back = load_strokes(path)
    np.testing.assert_allclose(back.params, sl.params, atol=1e-6)
    assert (back.width, back.height, back.brush, back.sampling) == (80, 40, sl.brush, sl.sampling)
    assert back.size_for(800) == (800, 400)
    assert back.to_dict()["version"] == SCHEMA_VERSION


def _doc():
    return random_strokes(3).to_dict()


def _write(tmp_path, doc) -> str:
    path = tmp_path / "s.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(version=99), "schema version 99 is not supported"),
        (lambda d: d.update(version=True), "schema version True is not supported"),
        (lambda d: d.update(format="other"), "not a brush stroke file"),
        (lambda d: d["strokes"][2].update(size=0.9), "strokes[2].size: 0.9 is above the maximum 0.5"),
        (lambda d: d["strokes"][1]["color"].__setitem__(0, 1.5), "strokes[1].color[0]: 1.5 is above the maximum"),
        (lambda d: d["strokes"][0].update(pressure=[0.5]), "strokes[0].pressure[1]: missing"),
        (lambda d: d["strokes"][0].update(start=[0.5, "0.5"]), "strokes[0].start[1]: expected a number, got '0.5'"),
        (lambda d: d["strokes"][0].update(size=True), "strokes[0].size: expected a number, got True"),
        (lambda d: d["strokes"][0].pop("end"), "strokes[0].end: missing"),
        (lambda d: d.update(strokes=[1]), "strokes[0]: "),
        (lambda d: d.update(strokes={}), "strokes: "),
        (lambda d: d["canvas"].update(width=0), "canvas.width: 0 is below the minimum 1"),
        (lambda d: d["canvas"].update(width=64.0), "canvas.width: expected an integer, got 64.0"),
        (lambda d: d.pop("canvas"), "canvas: missing"),
        (lambda d: d.update(brush=""), "brush: "),
        (lambda d: d.update(brush="classic/pen\x00"), "brush: contains a NUL character"),
        (lambda d: d.update(sampling={"steps": 10**9}), "sampling.steps: 1000000000 is above the maximum 1000"),
        (lambda d: d.update(painter=["pen"]), "painter: "),
        (lambda d: d.update(meta={"plan": "everything"}), "meta.plan: "),
        (lambda d: d.update(meta={"plan": []}), "meta.plan: "),
        (lambda d: d.update(meta={"plan": [7]}), "meta.plan[0]: "),
        (lambda d: d.update(meta={"plan": [{"level": 0}]}), "meta.plan[0].per_tile: missing"),
        (lambda d: d.update(meta={"plan": [{"level": 99, "per_tile": 3}]}), "meta.plan[0].level: 99 is above"),
        (lambda d: d.update(meta={"plan": [{"level": 0, "per_tile": -3}]}), "meta.plan[0].per_tile: -3 is below"),
        (lambda d: d.update(meta={"plan": [{"level": "0", "per_tile": 3}]}), "meta.plan[0].level: expected an integer"),
        (lambda d: d.update(meta={"source": ["a.jpg"]}), "meta.source: "),
        (lambda d: d.update(meta={"source": "a\x00.jpg"}), "meta.source: contains a NUL character"),
        (lambda d: d.update(meta={"x": [1, float("nan")]}), "meta.x[1] is not a finite number"),
        (lambda d: d.update(meta=[1]), "meta: "),
    ],
)
def test_invalid_documents_name_the_problem(tmp_path, mutate, message):
    doc = _doc()
    mutate(doc)
    with pytest.raises(StrokeFileError) as exc:
        load_strokes(_write(tmp_path, doc))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_with_stroke_and_field(tmp_path, bad):
    doc = _doc()
    doc["strokes"][1]["start"][0] = bad
    text = json.dumps(doc)  # writes NaN / Infinity tokens
    with pytest.raises(StrokeFileError, match=r"strokes\[1\]\.start\[0\]: .* is not a finite number"):
        load_strokes(_write(tmp_path, text))


def test_a_valid_plan_and_source_are_kept(tmp_path):
    doc = _doc()
    doc["meta"] = {"source": "photo.jpg", "plan": [{"level": 0, "per_tile": 3}], "seed": 4}
    back = load_strokes(_write(tmp_path, doc))
    assert back.meta == doc["meta"]


def test_deep_nesting_is_one_error_not_a_recursion_error(tmp_path):
    doc = _doc()
    doc["meta"] = {"x": "DEEP"}
    deep = json.dumps(doc).replace('"DEEP"', "[" * 100_000 + "]" * 100_000)
    with pytest.raises(StrokeFileError, match="nested deeper than 32 levels"):
        load_strokes(_write(tmp_path, deep))
    shallow_but_deep = json.dumps(doc).replace('"DEEP"', "[" * 40 + "]" * 40)
    with pytest.raises(StrokeFileError, match=r"nested deeper than 32 levels \(at meta\.x"):
        load_strokes(_write(tmp_path, shallow_but_deep))


def test_byte_limit_and_devices_are_refused_without_reading_them(tmp_path, monkeypatch):
    import brushcli.strokes as strokes_module

    monkeypatch.setattr(strokes_module, "MAX_FILE_BYTES", 1000)
    big = _write(tmp_path, json.dumps(_doc()) + " " * 2000)
    with pytest.raises(StrokeFileError, match="is more than a stroke file may be"):
        load_strokes(big)
    with pytest.raises(StrokeFileError, match="is not a regular file"):
        load_strokes("/dev/zero")


def test_a_pipe_is_read_only_up_to_the_limit(tmp_path, monkeypatch):
    import os
    import threading

    import brushcli.strokes as strokes_module

    monkeypatch.setattr(strokes_module, "MAX_FILE_BYTES", 1 << 16)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def endless_writer() -> None:
        try:
            with open(fifo, "wb") as fh:
                while True:
                    fh.write(b" " * 4096)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=endless_writer, daemon=True)
    thread.start()
    with pytest.raises(StrokeFileError, match="larger than a stroke file may be"):
        load_strokes(fifo)
    thread.join(timeout=5)


def test_not_utf8(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(StrokeFileError, match="not UTF-8 text"):
        load_strokes(path)


def test_missing_and_non_json(tmp_path):
    with pytest.raises(StrokeFileError, match="no such file"):
        load_strokes(tmp_path / "nope.json")
    with pytest.raises(StrokeFileError, match="not valid JSON"):
        load_strokes(_write(tmp_path, "{not json"))
    with pytest.raises(StrokeFileError, match="is a directory"):
        load_strokes(tmp_path)


def test_params_shape_is_enforced():
    sl = StrokeList(np.zeros(24), 64, 64, "classic/pen")
    assert len(sl) == 2 and sl.params.shape == (2, 12)
