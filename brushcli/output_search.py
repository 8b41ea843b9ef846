"""Search on the real replay at the output size, for paintings with tiled grid levels.

Why: a tiled painting is optimised level by level at each level's native resolution, every stroke
through its tile's 64-px alphas; the replay at the output size draws the coarse strokes far sharper
than the upscaled alphas the finer levels were fitted over, and edges land where 64 px cannot place
them (the replay gap, 0.0010 at 500 strokes for 512 px). So, as a last stage, each stroke in painting
order tries random variations of itself (:func:`brushcli.replay_search.perturb`, in the bounded raw
space of its group, so it stays in its tile), each rendered by libmypaint in a window of the output
canvas around its tile, and keeps the one that lowers the pixel error of the whole replay.

Cheap because only what changes is computed: every stroke's alpha is kept as a crop of its nonzero
pixels; a trial composites, inside the bounding box of the old and the new alphas only, the painting
below (kept up to date as the sweep climbs) and the over operator of the later strokes that reach
into that box.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from brushcli.canvas.grid import Level
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.param import logit
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.render import render_alpha_batch
from brushcli.replay_search import SearchLog, SearchSettings, best_colors, perturb, trial_sizes

#: Strokes whose render window is longer than this many output pixels (a coarse level at a large output)
#: are composited but not tried: a trial holds ``candidates + 1`` RGB images of the box it changes, up
#: to the window (17 x 3 x 640^2 floats: 80 MiB).
MAX_WINDOW = 640
#: A stroke is first drawn in a square reaching this many base radii past its control points (the
#: engine's dabs can be wider than the base radius); touching that square's edge redraws it larger.
REACH = 3.0
_MARGIN = 2


@dataclass
class _Stroke:
    """One stroke of the painting: where its parameters live and where it paints at the output size."""

    group: int
    tile: int
    slot: int
    level: Level
    window: tuple[int, int, int]  # x0, y0, side of its render window, output px (may reach past the image)


class _Crops:
    """Real alphas at the output size, one crop per stroke (its nonzero pixels), with colors.

    ``boxes`` (``(N, 4)``: x0, y0, x1, y1 in the image; x1 == x0 for an empty crop) is a table, so the
    strokes reaching into a box are found in one vectorised test.
    """

    def __init__(self, width: int, height: int, count: int = 0) -> None:
        self.width, self.height = width, height
        self.boxes = np.zeros((count, 4), dtype=np.int64)  # room for ``count`` strokes, filled by :meth:`add`
        self.alphas: list[torch.Tensor] = []
        self.colors: list[torch.Tensor] = []

    def box(self, i: int) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = self.boxes[i].tolist()
        return x0, y0, x1, y1

    def add(self, box: tuple[int, int, int, int], alpha: torch.Tensor, color: torch.Tensor) -> None:
        self.boxes[len(self.alphas)] = box
        self.alphas.append(alpha)
        self.colors.append(color)

    def replace(self, i: int, box: tuple[int, int, int, int], alpha: torch.Tensor) -> None:
        self.boxes[i] = box
        self.alphas[i] = alpha

    def crop(self, window: tuple[int, int, int], alpha: torch.Tensor) -> tuple[tuple[int, int, int, int], torch.Tensor]:
        """A window render ``(side, side)`` -> (box, alpha) of its nonzero pixels inside the image."""
        x0, y0, side = window
        ix0, iy0 = max(0, x0), max(0, y0)
        ix1, iy1 = min(self.width, x0 + side), min(self.height, y0 + side)
        if ix1 <= ix0 or iy1 <= iy0:  # a window wholly past the image (a tile cell beyond its edge)
            return (ix0, iy0, ix0, iy0), alpha[:0, :0]
        inside = alpha[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]
        rows = torch.nonzero(inside.amax(dim=1) > 0)
        cols = torch.nonzero(inside.amax(dim=0) > 0)
        if len(rows) == 0:
            return (ix0, iy0, ix0, iy0), inside[:0, :0]
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        return (ix0 + c0, iy0 + r0, ix0 + c1, iy0 + r1), inside[r0:r1, c0:c1].clone()


def search_painting(
    canvas: LayeredCanvas,
    target: torch.Tensor,
    settings: SearchSettings,
    generator: torch.Generator,
    progress: Callable[[int, int, float], None] | None = None,
) -> SearchLog:
    """Hill-climb every stroke of ``canvas`` in place on its real replay at ``target``'s size (``(3, H, W)``).

    Scores are the mean squared error of the whole replay; only improvements are kept, so the replay
    never gets worse. ``progress(trial, total, mse)`` follows every trial.
    """
    settings.validate()
    height, width = target.shape[-2:]
    target = target.float().cpu()
    strokes = _strokes(canvas, width, height)
    tried = [searched(s.level, width, height) for s in strokes]
    # the untried strokes under the first tried one never change: painted once into the base, no crops kept
    first = tried.index(True) if any(tried) else len(strokes)
    base = canvas.background.detach().float().cpu()[:, None, None].expand(3, height, width).clone()
    crops = _render_all(canvas, strokes, width, height, base, first)
    painted = base.clone()
    for i in range(first, len(strokes)):
        _paint_into(painted, crops, i)
    sse = float(((painted - target) ** 2).sum())
    pixels = 3 * width * height
    log = SearchLog(start=sse / pixels)
    total = settings.sweeps * sum(tried)
    raws = {g: (canvas.groups[g].raw_actions.detach().cpu().clone(), canvas.groups[g].raw_colors.detach().cpu().clone())
            for g in {s.group for s in strokes}}  # searched on the CPU, whatever the canvas's device
    solve = all(canvas.groups[g].free_colors for g in raws)
    k, k_color = trial_sizes(settings, solve)
    trial = 0
    for sweep in range(settings.sweeps):
        sigma = settings.sigma * settings.decay ** (sweep / max(1, settings.sweeps - 1))
        below = base.clone()
        for i in range(first, len(strokes)):
            if tried[i]:
                change = _trial(canvas, strokes, crops, i, below, target, raws, k, k_color, sigma, generator,
                                solve, settings.moves)
                if change < 0:
                    sse += change
                    log.accepted += 1
                trial += 1
                log.scores.append(sse / pixels)
                if progress:
                    progress(trial, total, sse / pixels)
            _paint_into(below, crops, i)
    for g, (raw_a, raw_c) in raws.items():
        canvas.groups[g].raw_actions.data.copy_(raw_a)
        canvas.groups[g].raw_colors.data.copy_(raw_c)
    canvas.feedback.forget(lambda key: key in raws)  # their strokes moved: stored corrections no longer fit
    return log


def searched(level: Level, width: int, height: int) -> bool:
    """Whether the strokes of ``level`` are tried at a ``width`` x ``height`` output (their windows are
    at most :data:`MAX_WINDOW` px); the others are only composited."""
    lw, lh = level.size
    return level.tile * max(width / lw, height / lh) + 2 * _MARGIN + 2 <= MAX_WINDOW


def _strokes(canvas: LayeredCanvas, width: int, height: int) -> list[_Stroke]:
    """Every stroke in painting order (the export's: levels' runs, tiles in layer order, stacks bottom up)."""
    out: list[_Stroke] = []
    for level_index, indices in canvas.runs():
        level = canvas.level(level_index)
        windows = _windows(level, width, height)
        for tile in level.order:
            for g in indices:
                for slot in range(canvas.groups[g].shape[1]):
                    out.append(_Stroke(g, int(tile), slot, level, windows[int(tile)]))
    return out


def _windows(level: Level, width: int, height: int) -> list[tuple[int, int, int]]:
    """Each stroke-holding tile's square render window in output pixels (its tile, scaled, plus a margin)."""
    lw, lh = level.size
    sx, sy = width / lw, height / lh
    out = []
    for ox, oy in level.tile_offsets().tolist():
        x0, y0 = math.floor(ox * sx) - _MARGIN, math.floor(oy * sy) - _MARGIN
        x1, y1 = math.ceil((ox + level.tile) * sx) + _MARGIN, math.ceil((oy + level.tile) * sy) + _MARGIN
        out.append((x0, y0, max(x1 - x0, y1 - y0)))
    return out


def _pixel_shapes(canvas: LayeredCanvas, stroke: _Stroke, actions: torch.Tensor, width: int,
                  height: int) -> np.ndarray:
    """Tile-local actions ``(K, 9)`` of ``stroke`` -> shape columns with points and radius in output pixels."""
    shapes = stroke.level.to_image_coords(actions.detach().cpu().double().numpy()[None], canvas.painter.preset,
                                          tiles=[stroke.tile])[0]
    shapes[:, [0, 2, 4]] *= width
    shapes[:, [1, 3, 5]] *= height
    shapes[:, 8] *= max(width, height)
    return shapes


def _draw(canvas: LayeredCanvas, shapes: np.ndarray, window: tuple[int, int, int], width: int,
          height: int) -> torch.Tensor:
    """libmypaint's alphas ``(K, side, side)`` of pixel ``shapes`` in ``window``, drawn with the whole
    canvas's brush speeds (so exactly as the replay draws them)."""
    x0, y0, side = window
    local = shapes.copy()
    local[:, [0, 2, 4]] = (shapes[:, [0, 2, 4]] - x0) / side
    local[:, [1, 3, 5]] = (shapes[:, [1, 3, 5]] - y0) / side
    local[:, 8] = shapes[:, 8] / side
    preset = canvas.painter.preset
    real = render_alpha_batch(resolve_brush(preset.brush), local, side, preset.sampling, speed_side=max(width, height))
    return torch.from_numpy(real.astype(np.float32) / 32768.0)


def _render(canvas: LayeredCanvas, crops: "_Crops", stroke: _Stroke,
            actions: torch.Tensor) -> list[tuple[tuple[int, int, int, int], torch.Tensor]]:
    """(box, alpha crop) of ``stroke`` drawn with each of the actions ``(K, 9)``.

    Drawn in the smallest square around the strokes' control points (plus :data:`REACH` radii) inside
    the tile's window: a coarse level's small stroke then costs a small canvas, not the whole image.
    If a stroke touches that square's edge where the tile's window goes on, the batch is drawn again
    in the tile's window, so nothing is ever cut off that the replay paints.
    """
    width, height = crops.width, crops.height
    shapes = _pixel_shapes(canvas, stroke, actions, width, height)
    wx0, wy0, wside = stroke.window
    reach = REACH * float(shapes[:, 8].max()) + _MARGIN
    xs, ys = shapes[:, [0, 2, 4]], shapes[:, [1, 3, 5]]
    x0 = max(wx0, math.floor(float(xs.min()) - reach))
    y0 = max(wy0, math.floor(float(ys.min()) - reach))
    side = max(math.ceil(float(xs.max()) + reach) - x0, math.ceil(float(ys.max()) + reach) - y0)
    side = max(1, min(side, wx0 + wside - x0, wy0 + wside - y0))
    alphas = _draw(canvas, shapes, (x0, y0, side), width, height)
    cut = [(x0 > wx0, alphas[:, :, 0]), (y0 > wy0, alphas[:, 0, :]),
           (x0 + side < wx0 + wside, alphas[:, :, -1]), (y0 + side < wy0 + wside, alphas[:, -1, :])]
    if any(inner and bool((edge > 0).any()) for inner, edge in cut):
        x0, y0, side = stroke.window
        alphas = _draw(canvas, shapes, stroke.window, width, height)
    return [crops.crop((x0, y0, side), alpha) for alpha in alphas]


def _render_all(canvas: LayeredCanvas, strokes: list[_Stroke], width: int, height: int, base: torch.Tensor,
                first: int) -> _Crops:
    """Every stroke's crop; the first ``first`` strokes are painted into ``base`` instead (empty crops)."""
    crops = _Crops(width, height, len(strokes))
    with torch.no_grad():
        actions = {g: canvas.groups[g].actions().detach().cpu() for g in {s.group for s in strokes}}
        colors = {g: canvas.groups[g].colors().detach().cpu().float() for g in actions}
    for i, stroke in enumerate(strokes):
        box, crop = _render(canvas, crops, stroke, actions[stroke.group][stroke.tile, stroke.slot][None])[0]
        crops.add(box, crop, colors[stroke.group][stroke.tile, stroke.slot].clone())
        if i < first:
            _paint_into(base, crops, i)
            crops.replace(i, (0, 0, 0, 0), crop[:0, :0])
    return crops


def _paint_into(image: torch.Tensor, crops: _Crops, i: int) -> None:
    """Paint stroke ``i`` onto ``image`` (``(3, H, W)``) in place."""
    x0, y0, x1, y1 = crops.box(i)
    if x1 > x0:
        a = crops.alphas[i]
        region = image[:, y0:y1, x0:x1]
        region.mul_(1 - a).add_(crops.colors[i][:, None, None] * a)


def _placed(alpha: torch.Tensor, box: tuple[int, int, int, int], region: tuple[int, int, int, int]) -> torch.Tensor:
    """``alpha`` (covering ``box``) on the grid of ``region`` (which contains it), zero elsewhere."""
    rx0, ry0, rx1, ry1 = region
    out = alpha.new_zeros(ry1 - ry0, rx1 - rx0)
    x0, y0, x1, y1 = box
    if x1 > x0:
        out[y0 - ry0 : y1 - ry0, x0 - rx0 : x1 - rx0] = alpha
    return out


def _above(crops: _Crops, i: int, region: tuple[int, int, int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Over operator ``(P, M)`` of the strokes after ``i`` inside ``region``: ``painted = image * M + P``."""
    rx0, ry0, rx1, ry1 = region
    premult = torch.zeros(3, ry1 - ry0, rx1 - rx0)
    keep = torch.ones(1, ry1 - ry0, rx1 - rx0)
    later = crops.boxes[i + 1 :]
    hits = np.nonzero((later[:, 0] < rx1) & (later[:, 2] > rx0) & (later[:, 1] < ry1) & (later[:, 3] > ry0)
                      & (later[:, 2] > later[:, 0]))[0] + i + 1
    for j in hits.tolist():
        x0, y0, x1, y1 = crops.box(j)
        ix0, iy0, ix1, iy1 = max(x0, rx0), max(y0, ry0), min(x1, rx1), min(y1, ry1)
        a = crops.alphas[j][iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]
        p = premult[:, iy0 - ry0 : iy1 - ry0, ix0 - rx0 : ix1 - rx0]
        m = keep[:, iy0 - ry0 : iy1 - ry0, ix0 - rx0 : ix1 - rx0]
        p.mul_(1 - a).add_(crops.colors[j][:, None, None] * a)
        m.mul_(1 - a)
    return premult, keep


def _trial(canvas: LayeredCanvas, strokes: list[_Stroke], crops: _Crops, i: int,
           below: torch.Tensor, target: torch.Tensor, raws: dict[int, tuple[torch.Tensor, torch.Tensor]], k: int,
           k_color: int, sigma: float, generator: torch.Generator, solve: bool = False,
           moves: tuple[str, ...] = ("all",)) -> float:
    """Try ``k`` variations of stroke ``i`` (of the kinds ``moves``); keep the best if it lowers the error.
    Returns the change in summed squared error (0 if nothing was kept). ``solve``: each variation is
    painted in its closed-form best color (:func:`~brushcli.replay_search.best_colors`), not a random one."""
    stroke = strokes[i]
    group = canvas.groups[stroke.group]
    raw_a, raw_c = raws[stroke.group]
    cand_a, cand_c = perturb(raw_a[stroke.tile, stroke.slot], raw_c[stroke.tile, stroke.slot], k, k_color, sigma,
                             generator, moves)
    with torch.no_grad():
        shape_crops = _render(canvas, crops, stroke, group.lo.cpu() + group.span.cpu() * torch.sigmoid(cand_a[k_color:]))
    own = crops.box(i)
    nonempty = [b for b in [own] + [b for b, _ in shape_crops] if b[2] > b[0]]
    if not nonempty:
        return 0.0
    region = (min(b[0] for b in nonempty), min(b[1] for b in nonempty),
              max(b[2] for b in nonempty), max(b[3] for b in nonempty))
    rx0, ry0, rx1, ry1 = region
    current = _placed(crops.alphas[i], own, region)  # row 0: the stroke as it is; then the k candidates
    alphas = torch.stack([current] * (1 + k_color) + [_placed(a, b, region) for b, a in shape_crops])[:, None]
    premult, keep = _above(crops, i, region)
    base = below[:, ry0:ry1, rx0:rx1]
    if solve:
        cand_color = best_colors(base, alphas[1:, 0], premult, keep, target[:, ry0:ry1, rx0:rx1])
        cand_c = logit(cand_color)
    else:
        with torch.no_grad():
            cand_color = group.colors_from(cand_c.to(group.raw_colors.device)).detach().cpu().float()
    colors = torch.cat([crops.colors[i][None], cand_color])
    images = (base * (1 - alphas) + colors[:, :, None, None] * alphas) * keep + premult
    errors = ((images - target[:, ry0:ry1, rx0:rx1]) ** 2).sum(dim=(1, 2, 3))
    best = int(torch.argmin(errors[1:])) + 1
    change = float(errors[best] - errors[0])
    if change >= 0:
        return 0.0
    c = best - 1
    raw_a[stroke.tile, stroke.slot] = cand_a[c]
    raw_c[stroke.tile, stroke.slot] = cand_c[c]
    crops.colors[i] = cand_color[c]
    if c >= k_color:
        crops.replace(i, *shape_crops[c - k_color])
    return change
