"""The dab budget: a bound computed before painting that holds, and a clean stop past the budget."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from brushcli.errors import DabBudgetExceeded
from brushcli.mypaint import engine
from brushcli.mypaint.brushes import BrushSpec, list_brushes, resolve_brush
from brushcli.mypaint.budget import MAX_COORD, max_speed, stroke_bounds
from brushcli.mypaint.convert import Sampling, stroke_events
from brushcli.mypaint.engine import Surface
from brushcli.mypaint.limits import check_brush_doc
from brushcli.mypaint.render import render_canvas

#: Brushes with every kind of dynamics: mapped radius, offsets, random radius, tracking noise,
#: elliptical dabs, dabs per second, speed mappings.
SAMPLE = ["classic/pen", "classic/dry_brush", "classic/charcoal", "tanda/splatter-02", "tanda/water-01",
          "tanda/splatter-04", "experimental/fur", "ramon/Dirty_Noise", "deevad/airbrush", "tanda/oil-01-paint",
          "ramon/Delayed_", "Dieterle/Fan#1", "experimental/DNA_brush", "classic/imp_details", "kaerhon_v1/bulk"]


def _shapes(n: int, seed: int, spread: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shapes = rng.uniform(0.5 - spread, 0.5 + spread, (n, 9)).clip(-0.5, 1.5)
    shapes[:, 6:8] = rng.uniform(0, 1, (n, 2))
    shapes[:, 8] = rng.uniform(0.005, 0.25, n)
    return shapes


def _spec(settings: dict, name: str = "hostile") -> BrushSpec:
    """A brush built around the file checks, as if a bug let one through."""
    return BrushSpec(name=name, path=engine.__file__, text=json.dumps(settings), settings=settings)


@pytest.mark.parametrize("size", [64, 300])
@pytest.mark.parametrize("name", [n for n in SAMPLE if n in list_brushes()])
def test_the_bound_holds_for_real_brushes(name, size):
    """Stamps and reach counted dab by dab never exceed what stroke_bounds promised."""
    brush = resolve_brush(name)
    shapes = _shapes(12, seed=size, spread=0.9)
    sampling = Sampling(steps=16, dtime=0.05) if size == 300 else Sampling()
    radii, events = stroke_events(shapes, size, size, sampling)
    with Surface(size, size) as surface:
        geometry = brush.geometry(max_speed(brush, radii, events, surface.zoom))
        stamps, coordinate = stroke_bounds(geometry, radii, events)
        for i in range(len(shapes)):
            surface.clear()
            surface.paint_events(brush, float(radii[i]), events[i].tolist(), guarded=True)
            counted, extent = surface.last_count
            assert counted <= stamps[i], (i, counted, stamps[i])
            assert extent <= coordinate[i], (i, extent, coordinate[i])


def test_normal_strokes_take_the_fast_path_for_every_installed_brush():
    """At painter size no brush needs per-dab counting, so training data renders at full speed."""
    shapes = _shapes(500, seed=1, spread=0.5)
    radii, events = stroke_events(shapes, 64, 64, Sampling())
    with Surface(64, 64) as surface:
        slow = [n for n in list_brushes() if not surface.within_budget(resolve_brush(n), radii, events).all()]
    assert slow == []


def test_guarded_and_fast_paths_paint_the_same_pixels():
    shapes = _shapes(30, seed=2, spread=0.5)
    for name in ("classic/pen", "classic/dry_brush", "tanda/water-01"):
        brush = resolve_brush(name)
        radii, events = stroke_events(shapes, 96, 64, Sampling())
        with Surface(96, 64) as a, Surface(96, 64) as b:
            for i in range(len(shapes)):
                a.paint_events(brush, float(radii[i]), events[i].tolist(), guarded=False)
                b.paint_events(brush, float(radii[i]), events[i].tolist(), guarded=True)
            assert np.array_equal(a.tiles, b.tiles), name


def test_a_runaway_brush_is_stopped_at_the_budget(monkeypatch):
    monkeypatch.setattr(engine, "MAX_STAMPS", 20_000)
    settings = {"dabs_per_actual_radius": {"base_value": 1e9, "inputs": {}},
                "opaque": {"base_value": 1.0, "inputs": {}}, "hardness": {"base_value": 0.8, "inputs": {}}}
    shapes = np.array([[0.1, 0.1, 0.5, 0.5, 0.9, 0.9, 1.0, 1.0, 0.05]])
    started = time.perf_counter()
    with pytest.raises(DabBudgetExceeded, match=r"stroke 0: a stroke of brush hostile lays more than 20,000 dab"):
        render_canvas(shapes, np.zeros((1, 3)), _spec(settings), 128, 128)
    assert time.perf_counter() - started < 10  # libmypaint's loop ended; it did not lay 1e9 dabs


def test_in_range_offsets_that_would_exhaust_memory_are_stopped():
    """offset_by_random 25 is a legal brush, but on a 16384 px canvas its dabs land 400k px away, where
    libmypaint's tile index (quadratic in the distance) would need gigabytes."""
    doc = {"version": 3, "settings": {"offset_by_random": {"base_value": 25.0, "inputs": {}},
                                      "dabs_per_actual_radius": {"base_value": 2.0, "inputs": {}},
                                      "opaque": {"base_value": 1.0, "inputs": {}}}}
    brush = _spec(check_brush_doc(doc, "offsets"), name="far-offsets")
    shapes = np.array([[0.1, 0.1, 0.5, 0.5, 0.9, 0.9, 1.0, 1.0, 0.3]])
    with pytest.raises(DabBudgetExceeded, match=f"stroke 0: brush far-offsets throws a dab more than {MAX_COORD:.0f}"):
        render_canvas(shapes, np.zeros((1, 3)), brush, 16384, 64)


@pytest.mark.slow
def test_the_real_budget_stops_a_runaway_stroke_in_seconds():
    settings = {"dabs_per_actual_radius": {"base_value": 1e9, "inputs": {}},
                "opaque": {"base_value": 1.0, "inputs": {}}}
    shapes = np.array([[0.1, 0.1, 0.5, 0.5, 0.9, 0.9, 1.0, 1.0, 0.05]])
    started = time.perf_counter()
    with pytest.raises(DabBudgetExceeded, match="1,000,000 dab tiles"):
        render_canvas(shapes, np.zeros((1, 3)), _spec(settings), 256, 256)
    assert time.perf_counter() - started < 60
