"""Property-based fuzzing of the stroke-file loader: any input is a StrokeList or a StrokeFileError.

Documents start from a valid stroke file and get random values spliced in anywhere (including the
``meta.plan``/``meta.source`` shapes ``brush paint --resume`` reads), keys deleted, or random bytes
appended; hypothesis runs derandomized (seeded) so failures reproduce.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brushcli.errors import StrokeFileError
from brushcli.strokes import StrokeList, load_strokes
from _brushtest import random_strokes

FUZZ = settings(max_examples=300, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "classic/pen", "../../etc/passwd", "\x00", "plan", "level", "per_tile"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
plan_like = st.lists(
    st.one_of(json_values, st.fixed_dictionaries({"level": json_values, "per_tile": json_values})), max_size=4
)

BASE = random_strokes(3).to_dict()
BASE["meta"] = {"source": "photo.jpg", "plan": [{"level": 0, "per_tile": 3}]}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


PATHS = list(_paths(BASE))[1:]


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "plan", "source"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif action == "plan":
                doc.setdefault("meta", {})["plan"] = draw(plan_like)
            elif action == "source":
                doc.setdefault("meta", {})["source"] = draw(json_values)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier mutation removed or replaced this path
    return doc


def _check(path) -> None:
    try:
        loaded = load_strokes(path)
    except StrokeFileError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(loaded, StrokeList)
    assert np.isfinite(loaded.params).all()
    plan = loaded.meta.get("plan")
    if plan is not None:
        assert all(isinstance(e["level"], int) and isinstance(e["per_tile"], int) for e in plan)
    source = loaded.meta.get("source")
    assert source is None or (isinstance(source, str) and "\x00" not in source)


@FUZZ
@given(doc=mutated_documents())
def test_mutated_stroke_files_load_or_raise_stroke_file_error(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz") / "strokes.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _check(path)


@FUZZ
@given(doc=json_values)
def test_any_json_document_loads_or_raises_stroke_file_error(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz") / "strokes.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _check(path)


@FUZZ
@given(cut=st.integers(0, 2000), junk=st.binary(max_size=40))
def test_truncated_or_corrupted_bytes_load_or_raise_stroke_file_error(tmp_path_factory, cut, junk):
    text = json.dumps(BASE).encode()
    path = tmp_path_factory.mktemp("fuzz") / "strokes.json"
    path.write_bytes(text[: cut % (len(text) + 1)] + junk)
    _check(path)


def test_the_base_document_is_valid():
    assert math.isfinite(float(StrokeList.from_dict(BASE).params.sum()))
