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
        (lambda d: d.update(format="other"), "not a brush stroke file"),
        (lambda d: d["strokes"][2].update(size=0.9), "stroke 2, field 'size': 0.9 is outside [1e-06, 0.5]"),
        (lambda d: d["strokes"][1]["color"].__setitem__(0, 1.5), "stroke 1, field 'color': 1.5 is outside"),
        (lambda d: d["strokes"][0].update(pressure=[0.5]), "stroke 0, field 'pressure': expected a list of 2"),
        (lambda d: d["strokes"][0].pop("end"), "stroke 0, field 'end': missing"),
        (lambda d: d["canvas"].update(width=0), "canvas.width must be an integer"),
        (lambda d: d.update(brush=""), "'brush' must be"),
    ],
)
def test_invalid_documents_name_the_problem(tmp_path, mutate, message):
    doc = _doc()
    mutate(doc)
    with pytest.raises(StrokeFileError) as exc:
        load_strokes(_write(tmp_path, doc))
    assert message in str(exc.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_with_stroke_and_field(tmp_path, bad):
    doc = _doc()
    doc["strokes"][1]["start"][0] = bad
    text = json.dumps(doc)  # writes NaN / Infinity tokens
    with pytest.raises(StrokeFileError, match=r"stroke 1, field 'start': .* is not a finite number"):
        load_strokes(_write(tmp_path, text))


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
