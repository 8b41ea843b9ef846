"""Where to score the replay search (issue 14, a lead): 50 strokes painted for a 512-px output without the
search, then 4 sweeps scored on MyPaint's render at 64 px (what ``paint`` does today), 128 px or 256 px;
printed: mse of each result's 512-px MyPaint replay against the 512-px target, and the search's seconds.

    python benchmarks/search_scale.py astronaut,chelsea,coffee
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np, torch
from photos import load
from brushcli.apps.paint import PaintSettings, paint, SEARCH_SIGMA, SEARCH_DECAY
from brushcli.canvas.layered import canvas_from_strokes
from brushcli.outputs.replay import replay
from brushcli.painters.registry import create_painter
from brushcli.replay_search import SearchSettings, search_strokes
from brushcli.images import resize
p = create_painter("pen")
for name in sys.argv[1].split(","):
    img = load(name)
    res = paint(img, p, PaintSettings(strokes=50, size=512, search=0))
    target512 = res.target
    base = float(np.mean((replay(res.strokes).image - target512) ** 2))
    out = {"photo": name, "nosearch": base}
    for scale in (1, 2, 4):
        c = canvas_from_strokes(res.strokes, p)
        lw, lh = c.level(0).size
        S = 64 * scale
        t = torch.from_numpy(resize(img, lw * scale, lh * scale)).permute(2, 0, 1).float()
        h, w = t.shape[-2:]
        sc = lambda im: ((im[:, :, :h, :w] - t) ** 2).mean((1, 2, 3))
        t0 = time.perf_counter()
        search_strokes(c.groups[0], p.preset, c.background.detach(), S, sc,
                       SearchSettings(sweeps=4, candidates=16, sigma=SEARCH_SIGMA, decay=SEARCH_DECAY, ordered=True))
        secs = time.perf_counter() - t0
        s = c.to_stroke_list(res.strokes.width, res.strokes.height, meta=dict(res.strokes.meta))
        out[f"s{S}"] = float(np.mean((replay(s).image - target512) ** 2)); out[f"t{S}"] = round(secs, 2)
    print(json.dumps(out), flush=True)
