"""Schedule variants of ``brush paint`` on the benchmark photos (issue 14): one JSON row per image.

    python benchmarks/recipe_sweep.py --variant 'reseed={"reseed": 0.4}' --budgets 25,50 --out rows.jsonl
    python benchmarks/recipe_sweep.py --variant 'old={"sqrt_groups": true, "final": 0.2, "growing": false, \
        "stage_decay": 0.1, "final_decay": 0.1, "radii": "brush", "reseed": 0}' --out rows.jsonl

``--variant NAME=JSON`` gives the fields of ``brushcli.apps.planner.Recipe`` that differ from the
default; ``--split dev`` (default) keeps the held-out images out of every sweep. ``--search N`` and
``--quality Q`` set ``PaintSettings``'s; ``--real-every N`` changes how often real MyPaint is re-rendered
during the optimisation (``brushcli.apps.paint.REAL_EVERY``, a module constant, patched here).
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photos import load, select
import brushcli.apps.paint as paint_app
from brushcli.apps.paint import PaintSettings, given, paint
from brushcli.apps.planner import Recipe
from brushcli.painters.registry import create_painter

ap = argparse.ArgumentParser()
ap.add_argument("--variant", required=True)          # name=json
ap.add_argument("--photos", default=None)
ap.add_argument("--split", default="dev")
ap.add_argument("--budgets", default="25,50,100")
ap.add_argument("--steps", default=None)             # json dict budget->steps or int
ap.add_argument("--lr", type=float, default=0.08)
ap.add_argument("--size", type=int, default=64)
ap.add_argument("--out", required=True)
ap.add_argument("--search", type=int, default=None)
ap.add_argument("--quality", default=None)
ap.add_argument("--real-every", type=int, default=None)
a = ap.parse_args()
if a.real_every:
    paint_app.REAL_EVERY = a.real_every
name, _, spec = a.variant.partition("=")
recipe = Recipe(**json.loads(spec or "{}"))
painter = create_painter("pen")
photos = [p.name for p in select(split=a.split)] if not a.photos else a.photos.split(",")
steps = json.loads(a.steps) if a.steps else None
with open(a.out, "a") as fh:
    for budget in [int(b) for b in a.budgets.split(",")]:
        for photo in photos:
            img = load(photo)
            st = steps if isinstance(steps, int) or steps is None else steps.get(str(budget))
            t = time.perf_counter()
            res = paint(img, painter, PaintSettings(strokes=budget, size=a.size, steps=st, lr=a.lr, recipe=recipe,
                                                    **given(search=a.search, quality=a.quality)))
            m = res.metrics
            row = {"variant": name, "photo": photo, "strokes": budget, "mse_mypaint": m["mse_mypaint"],
                   "mse_neural": m["mse_neural"], "gap": m["gap_mse"], "steps": res.steps,
                   "seconds": time.perf_counter() - t}
            fh.write(json.dumps(row) + "\n"); fh.flush()
            print(json.dumps(row), flush=True)
