"""Broad paint benchmark (issue 14): ``brush paint`` against two reference optimisers, many images.

Methods, each at every budget on every available image of ``benchmarks/photos.py``:

- ``brush``: brush's default ``paint()`` (pen painter, real-MyPaint feedback, default steps);
- ``ref-brush``: the same ``paint()`` (planner, initialisation, loop) with the analytic renderer of
  ``reference_paint.py`` in place of the painter, real-MyPaint feedback off;
- ``ref-progressive``: the progressive recipe of ``../shared/notes/quality-reference.md`` through
  the analytic renderer (1,000 steps, white background);
- ``mosaic``: the best flat-colour grid with as many cells as strokes (no optimiser, a floor);
- ``perfect 64 px`` (when ``--size`` is larger than the painter's 64-px canvas): the target itself
  shrunk to 64 px and enlarged back, i.e. what a painting exact at 64 px would score at ``--size``,
  to show how much of a large painting's error is detail finer than one painter canvas;
- optional (``--methods``): ``ref-brush-real`` and ``ref-progressive-real``, the references with
  brush's real-MyPaint feedback, so their forward pass is MyPaint's as in ``brush`` and only the
  gradients (analytic vs the painter's) differ.

``brush`` vs ``ref-brush`` is what the painter costs (its gradients and imitation), ``ref-brush``
vs ``ref-progressive`` what the schedule and optimiser cost. Per row: ``mse_render`` (the
optimiser's own differentiable render vs the target), ``mse_mypaint`` (real MyPaint replay vs the
target; the number that matters), ``gap_mse`` (replay vs render), ``seconds`` (optimise + replay).

    flock /tmp/brush-cpu.lock python benchmarks/paint_broad.py --json broad.json
    python benchmarks/paint_broad.py --report broad.json [more.json]   # tables from saved rows
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

# brushcli internals
from brushcli.images import fit_long_side, resize  # noqa: E402
from brushcli.mypaint.render import render_canvas  # noqa: E402
from brushcli.apps.paint import REAL_EVERY, PaintSettings, paint  # noqa: E402
from brushcli.painters.registry import create_painter  # noqa: E402
from brushcli.presets import load_preset  # noqa: E402
from brushcli.outputs.replay import replay  # noqa: E402

from paint_quality import mosaic  # noqa: E402
from photos import CATEGORIES, SPLITS, Photo, load, select  # noqa: E402
from reference_paint import EDGE, AnalyticPen, ProgressiveSettings, canvas_shapes, paint_progressive  # noqa: E402

METHODS = ("brush", "ref-brush", "ref-progressive")
#: Optional: the same references with real-MyPaint feedback (forward pass = MyPaint's alphas, gradients
#: from the analytic renderer), so that only the gradients differ from ``brush``.
EXTRA_METHODS = ("ref-brush-real", "ref-progressive-real")
ALL_METHODS = METHODS + EXTRA_METHODS
#: The painter's canvas: a larger painting is compared with the target as seen at this size.
COARSE_SIDE = 64


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((np.asarray(a, np.float64) - b) ** 2))


def run_brush(image: np.ndarray, painter: torch.nn.Module, strokes: int, size: int, real_feedback: bool,
              **settings: object) -> dict:
    """``paint()`` with ``painter`` (and any other ``PaintSettings``); the render is the painter's own,
    the replay real MyPaint's."""
    started = time.perf_counter()
    result = paint(image, painter, PaintSettings(strokes=strokes, size=size, real_feedback=real_feedback, **settings))
    real = replay(result.strokes).image
    seconds = time.perf_counter() - started
    return {"render": result.neural, "mypaint": real, "steps": result.steps, "seconds": seconds}


def run_progressive(target: np.ndarray, renderer: AnalyticPen, strokes: int, steps: int, real_every: int = 0) -> dict:
    """The progressive recipe on the fitted target, replayed by MyPaint over white."""
    started = time.perf_counter()
    result = paint_progressive(target, renderer, strokes, ProgressiveSettings(steps=steps, real_every=real_every))
    h, w = target.shape[:2]
    preset = renderer.preset
    real = render_canvas(canvas_shapes(result.actions, preset, w, h, renderer.canvas), result.colors, preset.brush,
                         w, h, preset.sampling, background=(1.0, 1.0, 1.0)).image
    seconds = time.perf_counter() - started
    return {"render": result.render, "mypaint": real, "steps": len(result.losses), "seconds": seconds}


def benchmark(photos: list[Photo], budgets: list[int], methods: list[str], size: int, ref_steps: int,
              renderer: AnalyticPen, done: set[tuple[str, str, int]], emit: Callable[[dict], None],
              brush_settings: dict | None = None, label: str = "brush") -> None:
    """Paint every photo at every budget with every method; ``emit`` each row as it is measured.

    ``brush_settings`` (e.g. ``{"steps": 1000, "search": 12}``) change the ``brush`` method, whose rows
    are then named ``label``."""
    pen = create_painter("pen")
    for photo in photos:
        image = load(photo.name)
        w, h = fit_long_side(image.shape[1], image.shape[0], size)
        target = resize(image, w, h)
        coarse = resize(resize(target, *fit_long_side(w, h, COARSE_SIDE)), w, h) if size > COARSE_SIDE else target
        for strokes in budgets:
            for method in methods:
                name = label if method == "brush" else method
                if (photo.name, name, strokes) in done:
                    continue
                if method == "brush":
                    out = run_brush(image, pen, strokes, size, real_feedback=True, **(brush_settings or {}))
                elif method in ("ref-brush", "ref-brush-real"):
                    out = run_brush(image, renderer, strokes, size, real_feedback=method.endswith("-real"))
                else:
                    out = run_progressive(target, renderer, strokes, ref_steps,
                                          real_every=REAL_EVERY if method.endswith("-real") else 0)
                emit({"photo": photo.name, "category": photo.category, "split": photo.split, "method": name,
                      "strokes": strokes, "size": size, "width": w, "height": h, "steps": out["steps"],
                      "mse_render": mse(out["render"], target), "mse_mypaint": mse(out["mypaint"], target),
                      "gap_mse": mse(out["mypaint"], out["render"]), "mosaic": mse(mosaic(target, strokes), target),
                      "perfect64": mse(coarse, target),
                      "seconds": out["seconds"]})


def _stat(values: list[float], digits: int = 4) -> str:
    if not values:
        return "–"
    return f"{np.mean(values):.{digits}f} ({statistics.median(values):.{digits}f})"


def _by(rows: list[dict], **match: object) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def _methods(rows: list[dict]) -> list[str]:
    """Known methods in their order, then any other name found in the rows (e.g. an earlier version's)."""
    known = [m for m in ALL_METHODS if any(r["method"] == m for r in rows)]
    return known + sorted({r["method"] for r in rows} - set(known))


def compact_table(rows: list[dict], budgets: list[int]) -> str:
    """mse_mypaint mean (median) and image count per budget and method, the progressive reference's own
    (analytic) render, and the mosaic."""
    methods = _methods(rows)
    own = ["ref-progressive own render"] if "ref-progressive" in methods else []
    perfect = ["perfect 64 px"] if any(r.get("perfect64") for r in rows) else []
    extra = own + ["mosaic"] + perfect
    lines = ["| strokes | " + " | ".join(methods + extra) + " |", "|---" * (len(methods) + len(extra) + 1) + "|"]
    for strokes in budgets:
        parts = [_by(rows, method=m, strokes=strokes) for m in methods]
        cells = [f"{_stat([r['mse_mypaint'] for r in part])} n{len(part)}" for part in parts]
        if own:
            part = _by(rows, method="ref-progressive", strokes=strokes)
            cells.append(f"{_stat([r['mse_render'] for r in part])} n{len(part)}")
        firsts = {r["photo"]: r["mosaic"] for r in _by(rows, strokes=strokes)}
        cells.append(_stat(list(firsts.values())))
        if perfect:
            cells.append(_stat(list({r["photo"]: r.get("perfect64", 0.0) for r in _by(rows, strokes=strokes)}.values())))
        lines.append(f"| {strokes} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail_table(rows: list[dict], budgets: list[int]) -> str:
    """Per budget and method: mse_render, mse_mypaint, gap and seconds, each mean (median)."""
    lines = ["| strokes | method | images | mse_render | mse_mypaint | gap_mse | seconds |", "|---" * 7 + "|"]
    for strokes in budgets:
        for method in _methods(rows):
            part = _by(rows, method=method, strokes=strokes)
            if not part:
                continue
            lines.append(f"| {strokes} | {method} | {len(part)} | {_stat([r['mse_render'] for r in part])} "
                         f"| {_stat([r['mse_mypaint'] for r in part])} | {_stat([r['gap_mse'] for r in part])} "
                         f"| {_stat([r['seconds'] for r in part], 1)} |")
    return "\n".join(lines)


def report(rows: list[dict]) -> str:
    """Markdown: compact tables for all images, each category and each split; details for all and splits."""
    budgets = sorted({r["strokes"] for r in rows})
    groups: list[tuple[str, list[dict]]] = [("all images", rows)]
    groups += [(f"category {c}", _by(rows, category=c)) for c in CATEGORIES]
    groups += [(f"split {s}", _by(rows, split=s)) for s in SPLITS]
    out = ["mse_mypaint (real MyPaint replay vs target), mean (median) over images:"]
    for title, part in groups:
        if part:
            names = sorted({r["photo"] for r in part})
            out += ["", f"#### {title} ({len(names)}: {', '.join(names)})", "", compact_table(part, budgets)]
    for title, part in groups[:1] + groups[-len(SPLITS):]:
        if part:
            out += ["", f"#### {title}: details, mean (median)", "", detail_table(part, budgets)]
    return "\n".join(out)


def _write_rows(path: Path, rows: list[dict]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(rows, indent=1))
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", default="10,25,50,100,200")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--photos", default=None, help="comma-separated names (default: every available image)")
    parser.add_argument("--split", choices=SPLITS, default=None)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--ref-steps", type=int, default=1000, help="steps of the progressive recipe")
    parser.add_argument("--edge", type=float, default=EDGE, help="analytic renderer's edge softness (px)")
    parser.add_argument("--ideal", action="store_true", help="analytic strokes without the engine's speed term and end")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None, help="brush's --steps (default: its own)")
    parser.add_argument("--search", type=int, default=None, help="brush's --search sweeps (default: its own)")
    parser.add_argument("--quality", default=None, help="brush's --quality (default: its own)")
    parser.add_argument("--label", default="brush", help="name of the brush method's rows (for non-default settings)")
    parser.add_argument("--json", type=Path, default=None, help="write per-image rows here (rewritten after each row)")
    parser.add_argument("--resume", action="store_true", help="keep the rows already in --json and skip them")
    parser.add_argument("--report", type=Path, nargs="+", default=None, help="only print the tables of saved rows files")
    args = parser.parse_args()
    if args.report:
        print(report([row for path in args.report for row in json.loads(path.read_text())]))
        return
    torch.set_num_threads(args.threads)
    names = args.photos.split(",") if args.photos else None
    photos = select(split=args.split, names=names)
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(ALL_METHODS)
    if unknown:
        parser.error(f"unknown methods {sorted(unknown)}; known: {', '.join(ALL_METHODS)}")
    rows: list[dict] = []
    if args.resume and args.json and args.json.exists():
        rows = json.loads(args.json.read_text())
    done = {(r["photo"], r["method"], r["strokes"]) for r in rows}
    renderer = AnalyticPen(load_preset("pen"), edge=args.edge, engine=not args.ideal)
    print(f"# {len(photos)} images: {', '.join(p.name for p in photos)}; methods {methods}; "
          f"renderer edge={renderer.edge} segments={renderer.segments} engine={renderer.engine}; {torch.get_num_threads()} threads", file=sys.stderr, flush=True)

    def emit(row: dict) -> None:
        rows.append(row)
        print(f"  {row['photo']} {row['method']} {row['strokes']}: render {row['mse_render']:.4f} "
              f"mypaint {row['mse_mypaint']:.4f} gap {row['gap_mse']:.4f} {row['seconds']:.1f}s",
              file=sys.stderr, flush=True)
        if args.json:
            _write_rows(args.json, rows)

    brush_settings = {k: v for k, v in (("steps", args.steps), ("search", args.search), ("quality", args.quality))
                      if v is not None}
    benchmark(photos, [int(b) for b in args.budgets.split(",")], methods, args.size, args.ref_steps, renderer, done, emit,
              brush_settings, args.label)
    print(report(rows))


if __name__ == "__main__":
    main()
