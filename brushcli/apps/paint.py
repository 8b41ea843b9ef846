"""``paint``: reconstruct an image with a stroke budget, through a neural painter.

The recipe: levels are painted coarse to fine (:mod:`brushcli.apps.planner` splits the budget).
Within a level, stroke groups are added largest first where the error is largest
(:func:`brushcli.canvas.placement.init_strokes`), and every group of the level is optimised jointly
(:func:`brushcli.optimize.optimize`) on the objective (default :func:`~brushcli.objectives.pixel_loss`)
at the level's native resolution, with real-MyPaint feedback (:mod:`brushcli.canvas.feedback`);
finished levels are frozen into the base image of the next one. Last, the strokes are tuned by trial
on their real MyPaint replay, which places edges to the pixel where the painter's gradients cannot:
a one-canvas painting's at up to 128 px (:mod:`brushcli.replay_search`), a tiled painting's all at
the output size (:mod:`brushcli.output_search`).

>>> painting = paint("photo.jpg", create_painter("pen"), PaintSettings(strokes=50))   # doctest: +SKIP
>>> painting.metrics["mse_mypaint"]                                                    # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from brushcli.apps.planner import Recipe, allocate, default_steps, radius_schedule
from brushcli.canvas.candidates import choose_strokes
from brushcli.canvas.grid import Level
from brushcli.canvas.layered import LayeredCanvas, canvas_from_strokes
from brushcli.canvas.placement import bounds, init_strokes, worst_tiles
from brushcli.errors import InvalidArgument
from brushcli.images import fit_long_side, load_image, resize
from brushcli.mypaint.render import MAX_SIDE
from brushcli.objectives import Objective, evaluate, pixel_loss
from brushcli.optimize import optimize
from brushcli.output_search import search_painting, searched
from brushcli.outputs.result import Painting
from brushcli.painters.painter import Painter
from brushcli.replay_search import MAX_SEARCH, MOVES, SearchLog, SearchSettings, search_strokes
from brushcli.runtime import threads_for, use_threads, usable_cores
from brushcli.strokes import StrokeList

if TYPE_CHECKING:
    from brushcli.vision.nets import NetEnsemble

MAX_STROKES = 100_000
#: The pixel objective's description: re-seeding and the replay search need a loss they can split per stroke.
PIXELS = "mse(pixels)"
#: Steps between real-MyPaint alpha refreshes (each stage starts with one): 25 painted as well as 10
#: on the dev images (0.00373 vs 0.00376 at 50 strokes) in 0.3 s less; 4 was worse. Tiled paintings
#: kept 10 while nothing searched their replay (with 25, 500 strokes at 512 px replayed 2% worse);
#: with the output-size search after them, 25 paints as well as 10 (6 dev images, 500 strokes at
#: 512 px: 0.00668 vs 0.00667) in 1.5 s less (docs/benchmarks.md).
REAL_EVERY = 25
#: A resumed painting starts at the full rate only with this many steps or more, below at a share of
#: it: 20 full-rate steps undid a finished 50-stroke painting (mse_mypaint +7..60% on 4 dev images),
#: at a fifth of the rate they changed it by -2..+3% (docs/benchmarks.md, "Broad paint benchmark").
RESUME_FULL_RATE_STEPS = 100
#: Replay search for pixels: small moves (logit units) that shrink over the sweeps, for sub-pixel edges.
SEARCH_SIGMA = 0.15
SEARCH_DECAY = 0.5
#: The kinds of shape change a search trial's candidates take in turn (:data:`brushcli.replay_search.MOVES`):
#: all six against a random step in every parameter, 16 dev images at 64 px: -1.9% at 50 strokes (16
#: of 16 lower), -2.6% at 100, -2.7% at 200; -1.4% at the 512-px output; -0.8% in the output-size
#: search of 500 strokes at 512 px (6 dev images, 5 lower); at the same cost (docs/benchmarks.md,
#: "Search moves").
SEARCH_MOVES = MOVES
#: A one-canvas search of more strokes than this runs ``sqrt(strokes / SEARCH_GROWS_FROM)`` times the
#: quality's sweeps (100 strokes: 6, 200: 8), as the gradient steps grow with the budget too: at 200
#: strokes the painter's render is furthest from MyPaint's, and 8 sweeps painted the 16 dev images
#: 3.8% better than 4 (16 of 16); no time target applies there (docs/benchmarks.md, "Search moves").
SEARCH_GROWS_FROM = 50
#: The search scores MyPaint's render at this multiple of the painter canvas when the output is larger
#: than one canvas: at 64 px it cannot see the edges a 512-px replay shows (50 strokes for 512 px, 8 dev
#: images: 512-px error -0.7% scored at 64 px, -10% at 128 px, -12% at 256 px for 7x the time).
SEARCH_SCALE = 2
#: With the search at :data:`SEARCH_SCALE`, this share of the default gradient steps is run: the 64-px
#: steps it drops bought less than the 128-px search that takes their time (16 dev images, 50 strokes
#: at 512 px: 0.00976 with 345 of 406 steps against 0.00982 with all, 0.01018 with 300; the 50-stroke
#: command then takes 7.45 s, 7.53 s before the 128-px search, quiet).
SCALED_SEARCH_STEPS = 0.85
#: A painting with tiled levels runs this share of the default gradient steps: picking each new stroke
#: among candidates (``Recipe.candidates``) costs ~3.4 s at 500 strokes and 512 px, and the steps it
#: replaces bought less (6 dev images: -13.9% error with all steps, -12.7% with 90%, against none;
#: astronaut, quiet: 61.35 s with all steps, 51.43 s with 90%, 57.94 s without candidates).
TILED_STEPS = 0.9
#: ``--quality``: gradient steps as a multiple of :func:`~brushcli.apps.planner.default_steps`, and
#: replay-search sweeps for a one-canvas painting and for one with tiled levels (docs/benchmarks.md,
#: "Broad paint benchmark": 7.5 s against 17 s for 50 strokes). A tiled painting's sweep tries every
#: stroke at the output size: 500 strokes at 512 px took 57.2 s with 3 sweeps, 61.6 s with 4 (over
#: the 60-s budget, for 1.5% less error) and 67.6 s with 6, quiet.
QUALITIES = {"fast": (1.0, 4, 3), "best": (2.5, 24, 12)}


@dataclass
class PaintSettings:
    """Knobs of :func:`paint` (CLI options map one to one).

    ``real_feedback``: optimise against real MyPaint alphas (refreshed every :data:`REAL_EVERY`
    steps) with the painter's gradients, see :mod:`brushcli.canvas.feedback`. ``search``: sweeps of
    trial and error over the strokes on their real replay after the gradient steps (pixel objective
    only), each trying ``search_candidates`` variations of every stroke.
    ``quality`` (:data:`QUALITIES`) sets the steps and sweeps that are not given. ``lr``: Adam's
    start rate on the raw stroke parameters; 0.06 since strokes start from the best of their
    candidates (16 dev images at 64 px: 50 strokes -5.7% and -4.3% with two seeds against 0.08,
    100 strokes -6.0%, 25 strokes -1.8%; 500 strokes at 512 px +0.8%, 6 images; docs/benchmarks.md).
    """

    strokes: int = 50
    size: int = 512
    steps: int | None = None
    seed: int = 0
    device: str = "cpu"
    lr: float = 0.06
    real_feedback: bool = True
    recipe: Recipe = field(default_factory=Recipe)
    quality: str = "fast"
    search: int | None = None
    search_candidates: int = 16
    #: CPU threads: a number, or None to choose per grid level from its work within ``cores``.
    threads: int | None = None
    #: Cores the command may use (default: this process's, :func:`brushcli.runtime.usable_cores`).
    #: A batch passes its own, so an image gets the same threads, hence bytes, with any ``--jobs``.
    cores: int | None = None

    def validate(self) -> None:
        if not 1 <= self.strokes <= MAX_STROKES:
            raise InvalidArgument(f"--strokes must be 1..{MAX_STROKES}, got {self.strokes}")
        if not 16 <= self.size <= MAX_SIDE:
            raise InvalidArgument(f"--size must be 16..{MAX_SIDE} px, got {self.size}")
        if self.steps is not None and self.steps < 0:
            raise InvalidArgument(f"--steps must be 0 or more, got {self.steps}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InvalidArgument(f"the learning rate must be a positive number, got {self.lr}")
        self.recipe.validate()
        if self.quality not in QUALITIES:
            raise InvalidArgument(f"--quality must be {' or '.join(QUALITIES)}, got {self.quality!r}")
        if not 0 <= self.sweeps <= MAX_SEARCH:
            raise InvalidArgument(f"--search must be 0 (off) to {MAX_SEARCH} sweeps, got {self.sweeps}")
        self.search_settings().validate()
        for name in ("threads", "cores"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise InvalidArgument(f"--{name} must be a positive number, got {value}")

    @property
    def sweeps(self) -> int:
        """Replay-search sweeps of a one-canvas painting: ``search`` if given, else the quality's."""
        return self.sweeps_for(tiled=False)

    def sweeps_for(self, tiled: bool) -> int:
        """Replay-search sweeps: ``search`` if given, else the quality's for a one-canvas or tiled painting,
        for one canvas times ``sqrt(strokes / SEARCH_GROWS_FROM)`` above that many strokes."""
        if self.search is not None:
            return self.search
        sweeps = QUALITIES[self.quality][2 if tiled else 1]
        if tiled:
            return sweeps
        return min(MAX_SEARCH, round(sweeps * math.sqrt(max(1.0, self.strokes / SEARCH_GROWS_FROM))))

    def default_steps(self, strokes: int, levels: int, share: float = 1.0) -> int:
        """Gradient steps when ``steps`` is not given: the planner's, scaled by the quality and ``share``."""
        return int(round(default_steps(strokes, levels) * QUALITIES[self.quality][0] * share))

    def search_settings(self, tiled: bool = False) -> SearchSettings:
        return SearchSettings(sweeps=self.sweeps_for(tiled), candidates=self.search_candidates, sigma=SEARCH_SIGMA,
                              decay=SEARCH_DECAY, ordered=True, moves=SEARCH_MOVES)

    def threads_for(self, work: int) -> int:
        """Threads for a level whose stroke stack holds ``work`` alpha pixels (:func:`brushcli.runtime.threads_for`)."""
        return self.threads or threads_for(work, self.cores or usable_cores())


def given(**options: object) -> dict[str, object]:
    """The options that were given (not None), as ``PaintSettings`` keywords: the rest keep their defaults."""
    return {key: value for key, value in options.items() if value is not None}


def _target_tensor(image: np.ndarray, level: Level, device: torch.device, scale: int = 1) -> torch.Tensor:
    w, h = level.size
    return torch.from_numpy(resize(image, w * scale, h * scale)).permute(2, 0, 1).contiguous().to(device)


def paint(
    image: np.ndarray | str | Path,
    painter: Painter,
    settings: PaintSettings | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    source: str | None = None,
    resume: StrokeList | None = None,
    objective: Objective | None = None,
    nets: "NetEnsemble | None" = None,
) -> Painting:
    """Paint ``image`` (float RGB array or path) with ``settings.strokes`` strokes of ``painter``.

    With ``resume`` (a stroke file written by a previous run), its strokes are rebuilt and optimised
    further instead of starting from scratch (at ``settings.size``, in the file's aspect). ``objective``
    replaces the pixel loss (``nets`` run what it reads); ``progress(step, total, loss)`` follows
    every step. Nothing is written.
    """
    settings = settings or PaintSettings()
    settings.validate()
    objective = objective or pixel_loss()
    if not isinstance(image, np.ndarray):
        source = source or str(image)
        image = load_image(image, max_side=settings.size)
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    device = torch.device(settings.device)
    painter = painter.to(device)
    height, width = image.shape[:2]
    aspect = width / height
    out_w, out_h = fit_long_side(width, height, settings.size) if resume is None else resume.size_for(settings.size)

    if resume is None:
        budgets = allocate(settings.strokes, settings.size, aspect, tile=painter.canvas,
                           share=settings.recipe.tiled_share)
        holders: dict[int, int] = {b.level: b.tiles for b in budgets if b.level > 0}
        median = torch.from_numpy(np.median(image.reshape(-1, 3), axis=0).astype(np.float32))
        canvas = LayeredCanvas(painter, aspect, median)
        plan = {b.level: settings.recipe.group_sizes(b.per_tile, b.level) for b in budgets}
        weights = {b.level: math.sqrt(max(1, b.strokes)) for b in budgets}
    else:
        canvas = canvas_from_strokes(resume, painter)
        holders = {}
        plan = {spec.level: [] for spec in canvas.specs}
        weights = {lvl: math.sqrt(sum(s.per_tile * canvas.level(lvl).count for s in canvas.specs if s.level == lvl))
                   for lvl in plan}
    canvas = canvas.to(device)
    canvas.use_real = settings.real_feedback
    levels = sorted(plan)
    single = levels == [0]  # one canvas over the whole image: searched at up to 128 px, else at the output size
    searching = settings.sweeps_for(tiled=not single) > 0 and objective.description == PIXELS
    search_scale = SEARCH_SCALE if searching and single and max(out_w, out_h) > canvas.tile else 1
    step_share = SCALED_SEARCH_STEPS if search_scale > 1 else (1.0 if single else TILED_STEPS)
    total_steps = settings.steps if settings.steps is not None else settings.default_steps(
        settings.strokes if resume is None else len(resume), len(levels), step_share)
    shares = {lvl: int(total_steps * weights[lvl] / sum(weights.values())) for lvl in levels}
    if resume is not None:  # a short resume polishes what is there instead of shaking it up
        settings = replace(settings, lr=settings.lr * min(1.0, total_steps / RESUME_FULL_RATE_STEPS))
    # what the stages will run (each rounds its share down), so the progress bar ends at its total
    planned = sum(sum(stages) + final for stages, final in
                  (settings.recipe.stage_steps(shares[lvl], len(plan[lvl])) for lvl in levels))
    done = ticks = 0
    losses: list[float] = []
    search_log: dict[str, float] = {}
    # the largest stroke stack of each level (tiles x strokes per tile x canvas pixels) sets its threads
    per_tile = {lvl: per_tile_at(canvas, plan, lvl) for lvl in levels}
    count = {lvl: holders.get(lvl, canvas.level(lvl).count) for lvl in levels}
    threads = {lvl: settings.threads_for(count[lvl] * per_tile[lvl] * painter.canvas**2) for lvl in levels}
    if not searching:
        trials = 0
    elif single:
        trials = settings.sweeps * per_tile[0]
    else:  # the output search tries every stroke of the levels whose windows are small enough
        trials = settings.sweeps_for(tiled=True) * sum(count[lvl] * per_tile[lvl] for lvl in levels
                                       if searched(canvas.level(lvl), out_w, out_h))

    def tick(step: int, loss: float) -> None:
        nonlocal done
        done += 1
        losses.append(loss)
        advance(loss)

    def advance(loss: float) -> None:  # the progress bar counts gradient steps and search trials
        nonlocal ticks
        ticks += 1
        if progress:
            progress(ticks, planned + trials, loss)

    for level_index in levels:
        with use_threads(threads[level_index]):
            _paint_level(canvas, level_index, plan[level_index], shares[level_index], image, settings, objective,
                         nets, generator, tick, holders.get(level_index))
            if searching and single:
                search_log = _search(canvas, image, settings, search_scale, advance)
    if searching and not single:
        with use_threads(1):  # small ops on crops of a few thousand pixels
            search_log = _search_output(canvas, image, settings, out_w, out_h, advance)

    canvas.use_real = False  # neural.png is the painter's own render, drawn at the output size if it can
    with torch.no_grad(), use_threads(max(threads.values())):
        neural = canvas.render(out_w, out_h, sharp=True).clamp(0, 1).permute(1, 2, 0).cpu().numpy()
    finest = painter.canvas * 2 ** max(levels)
    strokes = canvas.to_stroke_list(out_w, out_h, meta={"source": source, "seed": settings.seed, "steps": done})
    seconds = time.perf_counter() - started
    return Painting(
        strokes=strokes, neural=neural, target=resize(image, out_w, out_h), losses=losses, steps=done,
        seconds=seconds, painter=painter.name, device=str(device),
        neural_side=None if painter.scalable or finest >= max(out_w, out_h) else finest,
        info={"command": "paint", "steps": done, "optimise_seconds": seconds, "painter": painter.name,
              "device": str(device), "seed": settings.seed, "source": source, "objective": str(objective),
              "threads": max(threads.values()), **search_log},
    )


def per_tile_at(canvas: LayeredCanvas, plan: dict[int, list[int]], level: int) -> int:
    """Strokes per tile that level ``level`` will hold: its planned groups plus those already on the canvas."""
    return sum(plan.get(level, [])) + sum(s.per_tile for s in canvas.specs if s.level == level)


def _search(canvas: LayeredCanvas, image: np.ndarray, settings: PaintSettings, scale: int,
            advance: Callable[[float], None]) -> dict[str, float]:
    """Tune the single-canvas level's strokes by trial on their real MyPaint replay (pixel loss),
    rendered and scored at ``scale`` times the painter canvas.

    Why: the gradients come from the painter, which blurs MyPaint's edges; a trial scored on
    libmypaint's own render moves an edge by the fraction of a pixel the painter cannot see.
    Returns the search's start and end loss and how many trials improved the painting.
    """
    index = next(i for i, spec in enumerate(canvas.specs) if spec.level == 0)
    target = _target_tensor(image, canvas.level(0), canvas.raw_background.device, scale)
    h, w = target.shape[-2:]

    def score(images: torch.Tensor) -> torch.Tensor:
        return ((images[:, :, :h, :w] - target) ** 2).mean(dim=(1, 2, 3))

    log = search_strokes(canvas.groups[index], canvas.painter.preset, canvas.background.detach(),
                         canvas.tile * scale, score, settings.search_settings(),
                         torch.Generator().manual_seed(settings.seed),
                         progress=lambda _trial, _total, loss: advance(loss), target=target)
    canvas.feedback.forget(lambda key: key == index)  # its strokes moved: the stored corrections no longer fit
    return _search_info(log)


def _search_info(log: SearchLog) -> dict[str, float]:
    """What ``metrics.json`` reports of a search: its start and end loss and how many trials it kept."""
    return {"search_loss_first": log.start, "search_loss_last": log.scores[-1] if log.scores else log.start,
            "search_accepted": log.accepted}


def _search_output(canvas: LayeredCanvas, image: np.ndarray, settings: PaintSettings, width: int, height: int,
                   advance: Callable[[float], None]) -> dict[str, float]:
    """Tune every stroke of a tiled painting by trial on its real MyPaint replay at the output size
    (:mod:`brushcli.output_search`); returns the search's start and end error and its kept trials."""
    target = torch.from_numpy(resize(image, width, height)).permute(2, 0, 1).contiguous()
    log = search_painting(canvas, target, settings.search_settings(tiled=True),
                          torch.Generator().manual_seed(settings.seed),
                          progress=lambda _trial, _total, loss: advance(loss))
    return _search_info(log)


def _paint_level(canvas: LayeredCanvas, level_index: int, sizes: list[int], share: int, image: np.ndarray,
                 settings: PaintSettings, objective: Objective, nets: "NetEnsemble | None",
                 generator: torch.Generator, tick: Callable[[int, float], None],
                 holders: int | None = None) -> None:
    """Optimise one grid level: add its stroke groups largest first, then polish them jointly.

    The level's groups are joined into one after each addition (the same painting in fewer ops per
    step); earlier levels are frozen into the base image. ``holders``: how many of a tiled level's
    tiles get strokes (those where the painting below is most wrong), when not all.
    """
    device = canvas.raw_background.device
    preset = canvas.painter.preset
    level = canvas.level(level_index)
    lw, lh = level.size
    target = _target_tensor(image, level, device)
    earlier = [i for i, spec in enumerate(canvas.specs) if spec.level < level_index]
    mine = [i for i, spec in enumerate(canvas.specs) if spec.level == level_index]
    if len(mine) > 1:
        mine = [canvas.join(mine)]
    with torch.no_grad():
        if settings.real_feedback and earlier:
            canvas.refresh_real(earlier)  # the frozen base is what MyPaint will paint
        base = None if level_index == 0 else canvas.render(lw, lh, groups=earlier)
    if base is not None and holders is not None and holders < level.grid_count:
        canvas.activate(level_index, worst_tiles(target, base, level, holders))
        level = canvas.level(level_index)
    position, size_range = bounds(level)
    recipe = settings.recipe
    per_level = sum(sizes)
    held = per_tile_at(canvas, {level_index: sizes}, level_index)  # with the strokes of a resumed level
    settings = replace(settings, lr=settings.lr * recipe.rate_scale(held, level_index))
    stages, final = recipe.stage_steps(share, len(sizes))
    for g, per_tile in enumerate(sizes):
        radius_px = radius_schedule(g, len(sizes), level, per_level, recipe.radii)
        size_action = float(np.clip(preset.size_action(radius_px, level.tile), *size_range))
        with torch.no_grad():
            current = canvas.render(lw, lh, groups=mine, base=base)
        actions, colors = _propose(canvas, target, current, level, per_tile, radius_px, size_action, generator,
                                   position, size_range, recipe.candidates)
        canvas.add_group(level_index, actions.to(device), colors.to(device), position, size_range)
        mine = [canvas.join(mine + [len(canvas.groups) - 1])]
        _optimise(canvas, mine, level_index, base, target, stages[g], recipe.stage_decay, settings, objective,
                  nets, tick)
    pixels = objective.description == PIXELS
    if recipe.reseed and level_index == 0 and pixels and sizes:
        first = int(final * recipe.reseed / recipe.reseed_rounds)
        for _ in range(recipe.reseed_rounds):
            _optimise(canvas, mine, level_index, base, target, first, recipe.stage_decay, settings, objective, nets, tick)
            final -= first
            _reseed(canvas, mine[0], target, level, radius_px, size_action, generator, position, settings)
    _optimise(canvas, mine, level_index, base, target, final, recipe.final_decay, settings, objective, nets, tick)


def _reseed(canvas: LayeredCanvas, index: int, target: torch.Tensor, level: Level, radius_px: float,
            size_action: float, generator: torch.Generator, position: tuple[float, float],
            settings: PaintSettings) -> int:
    """Move the strokes that barely matter to where the painting is most wrong, on top; returns how many."""
    with torch.no_grad():
        if settings.real_feedback:
            canvas.refresh_real([index])
        values = canvas.stroke_values(index, target)
        n = values.shape[0]
        limit = max(1, int(n * settings.recipe.reseed_max))
        order = torch.argsort(values)[:limit]
        weak = order[values[order] < settings.recipe.reseed_tol * values.mean().clamp(min=0)]
        if len(weak) == 0:
            return 0
        lw, lh = level.size
        current = canvas.render(lw, lh, groups=[index])
    actions, colors = _propose(canvas, target, current, level, len(weak), radius_px, size_action, generator,
                               position, (0.0, 1.0), settings.recipe.candidates)
    canvas.move_to_top(index, weak, actions[0], colors[0])
    return len(weak)


def _propose(canvas: LayeredCanvas, target: torch.Tensor, current: torch.Tensor, level: Level, per_tile: int,
             radius_px: float, size_action: float, generator: torch.Generator, position: tuple[float, float],
             size_range: tuple[float, float], candidates: int) -> tuple[torch.Tensor, torch.Tensor]:
    """New strokes where ``current`` is most wrong (:func:`init_strokes`), each then picked from
    ``candidates`` variations by the error it removes (:func:`choose_strokes`; 0 or 1: as proposed)."""
    target, current = target.cpu(), current.cpu()
    actions, colors = init_strokes(target, current, level, per_tile, radius_px, size_action, generator, position)
    return choose_strokes(canvas.painter, target, current, level, actions, colors, candidates, radius_px, generator,
                          position, size_range)


def _optimise(canvas: LayeredCanvas, mine: list[int], level_index: int, base: torch.Tensor | None,
              target: torch.Tensor, steps: int, decay: float, settings: PaintSettings, objective: Objective,
              nets: "NetEnsemble | None", tick: Callable[[int, float], None]) -> None:
    """``steps`` Adam steps on the strokes of groups ``mine`` (and the background at level 0), real
    MyPaint re-rendered every :data:`REAL_EVERY` steps."""
    if steps <= 0 or not mine:
        return
    lw, lh = canvas.level(level_index).size
    shape = [p for i in mine for p in (canvas.groups[i].raw_actions,)]
    color = [p for i in mine for p in (canvas.groups[i].raw_colors,)]
    if level_index == 0:
        color.append(canvas.raw_background)
    params = [{"params": shape, "lr": 1.0}, {"params": color, "lr": settings.recipe.color_lr}]

    def loss_fn(step: int) -> torch.Tensor:
        if settings.real_feedback and step % REAL_EVERY == 0:
            canvas.refresh_real(list(mine))
        painted = canvas.render(lw, lh, groups=list(mine), base=base)
        return evaluate(objective, painted[None], target[None], nets, resize=False)

    optimize(params, loss_fn, steps, lr=settings.lr, lr_end=settings.lr * decay, callback=tick)


def record(settings: PaintSettings, painter: str, source: str | None) -> dict:
    """What makes two paint runs "the same painting" (recorded in the output folder's marker)."""
    doc = asdict(settings)
    for key in ("device", "threads", "cores"):  # where it ran, not what it paints
        doc.pop(key)
    doc["recipe"] = asdict(settings.recipe)
    return {"command": "paint", "painter": painter, "source": source, **doc}
