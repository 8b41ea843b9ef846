"""``dream``: paint an ImageNet class with brushstrokes, through one or several pretrained classifiers.

"If you gave a pre-trained network a brush and asked it to paint the optimal panda, what would it
paint?" (Neural Painters, section 5.1). Strokes on one 64-px painter canvas (grid level 0) over a
fixed background are rendered by the neural painter, upsampled to the classifiers' input size, shown
to every net of the ensemble as several randomly cropped/jittered/scaled/rotated views per step
(:mod:`brushcli.vision.transforms`), and moved by gradient descent on the class objective
(:mod:`brushcli.objectives`) through :func:`brushcli.optimize.optimize`. The strokes are then
replayed in real MyPaint, and the replay is scored by the same nets (and optionally by held-out
"judge" nets that were not optimised against), which is the number that matters.

>>> from brushcli.dream import dream, DreamSettings                      # doctest: +SKIP
>>> result = dream(find_class("giant panda"), NetEnsemble.create(["efficientnet-lite0"]),
...                create_painter("pen"), DreamSettings(strokes=30))
>>> result.strokes, result.neural                                       # StrokeList, (H, W, 3) array
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.canvas.composite import over_stack
from brushcli.canvas.layered import LayeredCanvas, real_alphas, resize_image
from brushcli.errors import InvalidArgument
from brushcli.mypaint.render import MAX_SIDE
from brushcli.objectives import CLASS_MODES, Objective, class_objective
from brushcli.optimize import optimize
from brushcli.painters.painter import Painter
from brushcli.presets import Preset
from brushcli.replay_search import Score, SearchSettings, search_strokes
from brushcli.strokes import StrokeList
from brushcli.vision import transforms as T
from brushcli.vision.classes import ImageNetClass, find_class
from brushcli.vision.nets import Activations, Classifier, NetEnsemble

MAX_STROKES = 1000
#: The painter canvas: level 0 is one 64-px canvas over the whole (square) image.
CANVAS = 64
DEFAULT_NETS = ("efficientnet-lite0",)


@dataclass
class DreamSettings:
    """Knobs of :func:`dream` (CLI options map one to one)."""

    strokes: int = 30
    steps: int | None = None
    size: int = 512
    seed: int = 0
    views: int = 4
    lr: float = 0.06
    mode: str = "log_softmax"
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    crop: tuple[float, float] = (0.65, 1.0)
    real_every: int = 5
    search: int = 3
    search_candidates: int = 16
    search_views: int = 1
    device: str = "cpu"

    def validate(self) -> None:
        if not 1 <= self.strokes <= MAX_STROKES:
            raise InvalidArgument(f"--strokes must be 1..{MAX_STROKES}, got {self.strokes}")
        if not 32 <= self.size <= MAX_SIDE:
            raise InvalidArgument(f"--size must be 32..{MAX_SIDE} px, got {self.size}")
        if self.steps is not None and self.steps < 0:
            raise InvalidArgument(f"--steps must be 0 or more, got {self.steps}")
        if not 1 <= self.views <= 64:
            raise InvalidArgument(f"--views must be 1..64, got {self.views}")
        if self.mode not in CLASS_MODES:
            raise InvalidArgument(f"unknown objective mode {self.mode!r}; use {' or '.join(CLASS_MODES)}")
        if self.search < 0:
            raise InvalidArgument(f"--search must be 0 (off) or more sweeps, got {self.search}")
        if not 1 <= self.search_views <= 16:
            raise InvalidArgument(f"search views must be 1..16, got {self.search_views}")
        self.search_settings().validate()
        if self.real_every < 0:
            raise InvalidArgument(f"real_every must be 0 (off) or more, got {self.real_every}")
        if not 0.1 <= self.crop[0] <= self.crop[1] <= 1.0:
            raise InvalidArgument(f"crop sides must satisfy 0.1 <= min <= max <= 1, got {self.crop}")

    @property
    def total_steps(self) -> int:
        return self.steps if self.steps is not None else default_steps(self.strokes)

    def search_settings(self) -> SearchSettings:
        return SearchSettings(sweeps=self.search, candidates=self.search_candidates)

    @property
    def search_trials(self) -> int:
        return self.search * self.strokes


def default_steps(strokes: int) -> int:
    """Gradient steps when none are given: 125 for 30 strokes, growing slowly with the count.

    With real-MyPaint feedback the replay's loss bottoms out after ~100-150 steps at this rate
    (the best state is kept); after that the replay search (:mod:`brushcli.replay_search`) does
    better per second than more gradient steps.
    """
    return int(min(300, 60 + 12 * math.sqrt(strokes)))


@dataclass
class DreamResult:
    """What :func:`dream` returns: the class, strokes, neural render and the optimisation record."""

    target: ImageNetClass
    strokes: StrokeList
    neural: np.ndarray
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    search_scores: list[float] = field(default_factory=list)
    search_accepted: int = 0
    seconds: float = 0.0
    nets: list[str] = field(default_factory=list)
    objective: str = ""
    painter: str = ""
    device: str = "cpu"
    settings: DreamSettings | None = None


def _halton(index: int, base: int) -> float:
    out, f = 0.0, 1.0
    while index > 0:
        f /= base
        out += f * (index % base)
        index //= base
    return out


def init_strokes(count: int, preset: Preset, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Initial ``(1, count, 9)`` actions and ``(1, count, 3)`` colors for a blank canvas.

    Strokes are spread evenly (a randomly shifted Halton sequence, so any prefix is spread too), the
    first ones largest (radius ~14 px of 64 down to ~3 px: big shapes first, detail painted on top),
    each a gentle curve about three radii long in a random direction, in a random mid-range color.
    """
    lo, hi = preset.size
    shift = torch.rand(2, generator=generator).tolist()
    actions = torch.zeros(1, count, 9)
    colors = 0.15 + 0.7 * torch.rand(1, count, 3, generator=generator)
    r_big, r_small = 14.0, 3.0
    for i in range(count):
        t = i / max(1, count - 1)
        radius = r_big * (r_small / r_big) ** t
        cx = 0.12 + 0.76 * ((_halton(i + 1, 2) + shift[0]) % 1.0)
        cy = 0.12 + 0.76 * ((_halton(i + 1, 3) + shift[1]) % 1.0)
        theta = float(torch.rand((), generator=generator)) * math.pi
        half = 1.5 * radius / CANVAS
        dx, dy = math.cos(theta) * half, math.sin(theta) * half
        bend = (float(torch.rand((), generator=generator)) - 0.5) * half
        points = [cx - dx, cy - dy, cx - dy * bend / half * 0.5, cy + dx * bend / half * 0.5, cx + dx, cy + dy]
        size = min(1.0, max(0.0, (radius / CANVAS - lo) / (hi - lo)))
        actions[0, i] = torch.tensor([min(max(v, 0.01), 0.99) for v in points] + [0.85, 0.85, size])
    return actions, colors


def dream(
    target: ImageNetClass | str | int,
    ensemble: NetEnsemble,
    painter: Painter,
    settings: DreamSettings | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    objective: Objective | None = None,
) -> DreamResult:
    """Optimise ``settings.strokes`` strokes so every net of ``ensemble`` sees class ``target``.

    ``objective`` replaces the default class objective (the mean over nets of the class's
    log-probability); ``progress(step, total, loss)`` follows every step. Nothing is written.
    """
    settings = settings or DreamSettings()
    settings.validate()
    if len(ensemble) == 0:
        raise InvalidArgument("no nets to dream with")
    cls = target if isinstance(target, ImageNetClass) else find_class(target)
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    device = torch.device(settings.device)
    painter = painter.to(device)
    objective = objective or class_objective(ensemble.names, cls.index, settings.mode)

    background = torch.tensor(settings.background, dtype=torch.float32)
    canvas = LayeredCanvas(painter, 1.0, background)
    actions, colors = init_strokes(settings.strokes, painter.preset, generator)
    group = canvas.add_group(0, actions, colors, position=(0.0, 1.0), size=(0.0, 1.0))
    group_index = len(canvas.groups) - 1
    canvas = canvas.to(device)
    work = max(c.input_size for c in ensemble)
    views = T.standard(settings.views, work, fill=settings.background, crop=settings.crop)
    total = settings.total_steps

    sharp = SharpRender(canvas, group_index, work, settings.real_every, total) if settings.real_every else None

    params = list(group.parameters())
    best = BestState(params, warmup=min(20, total // 4))

    def loss_fn(step: int) -> torch.Tensor:
        best.see(params)
        # with real feedback the nets see what MyPaint paints at their resolution; else the neural render
        image = sharp.render(step) if sharp else canvas.render(work, work)[None]
        batch = views(image, generator)
        return objective(ensemble.run(batch, objective.needs))

    def tick(step: int, loss: float) -> None:
        best.report(step, loss)
        if progress:
            progress(step + 1, total + settings.search_trials, loss)

    log = optimize(params, loss_fn, total, lr=settings.lr, callback=tick)
    if sharp is not None:
        best.restore(params)  # the loss was the replay's own: keep the strokes it liked best
    search_log = None
    if settings.search:
        # gradient-free finish on the replay itself: the painter's gradients stop helping it (see replay_search)
        score = replay_score(ensemble, objective, settings.search_views, settings.background)
        trials = settings.search_trials
        search_log = search_strokes(  # at the replay's own size: what is scored is what metrics.json scores
            group, painter.preset, canvas.background.detach(), settings.size, score, settings.search_settings(),
            generator,
            progress=(lambda t, _n, s: progress(total + t, total + trials, s)) if progress else None)
    with torch.no_grad():
        neural = canvas.render(settings.size, settings.size).clamp(0, 1).permute(1, 2, 0).cpu().numpy()
    strokes = canvas.to_stroke_list(settings.size, settings.size, meta={
        "command": "dream", "class": cls.name, "class_index": cls.index, "nets": ensemble.names,
        "objective": str(objective), "seed": settings.seed, "steps": total, "views": settings.views,
        "real_every": settings.real_every, "search": settings.search,
    })
    return DreamResult(
        target=cls, strokes=strokes, neural=neural, losses=log.losses, steps=total,
        search_scores=[search_log.start, *search_log.scores] if search_log else [],
        search_accepted=search_log.accepted if search_log else 0,
        seconds=time.perf_counter() - started, nets=ensemble.names, objective=str(objective),
        painter=painter.name, device=str(device), settings=settings,
    )


def replay_score(ensemble: NetEnsemble, objective: Objective, views: int, fill: Sequence[float]) -> Score:
    """Per-painting loss for :func:`~brushcli.replay_search.search_strokes`: ``objective`` on ``views``
    fixed views at the nets' input size; the first is the whole painting, resized exactly as a net
    resizes it in :func:`class_scores` (exactly for the net with the largest input)."""
    fixed = T.fixed_views(views, fill=torch.tensor(fill, dtype=torch.float32))
    size = max(c.input_size for c in ensemble)

    def score(images: torch.Tensor) -> torch.Tensor:
        k = images.shape[0]
        small = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False,
                              antialias=images.shape[-1] > size)
        batch = fixed(small)
        acts = ensemble.run(batch, objective.needs)
        out = []
        for j in range(k):
            rows = torch.arange(j, len(batch), k)
            out.append(objective(Activations(batch[rows], {key: v[rows] for key, v in acts.values.items()})))
        return torch.stack(out).detach()

    return score


class BestState:
    """Remember the parameters with the lowest smoothed loss (losses are noisy: random views).

    Why: with real-MyPaint feedback the loss is measured on the replay itself, but the gradients
    come from the painter, and late in a run they can lead the replay astray; the best replay seen
    is then a better answer than the last.
    """

    def __init__(self, params: list[torch.Tensor], warmup: int = 20, smoothing: float = 0.1) -> None:
        self.warmup, self.smoothing = warmup, smoothing
        self.pending = [p.detach().clone() for p in params]
        self.best = [p.detach().clone() for p in params]
        self.ema: float | None = None
        self.best_ema = math.inf
        self.best_step = -1

    def see(self, params: list[torch.Tensor]) -> None:
        """The parameters the next reported loss is computed on."""
        for keep, p in zip(self.pending, params):
            keep.copy_(p.detach())

    def report(self, step: int, loss: float) -> None:
        self.ema = loss if self.ema is None else self.ema + self.smoothing * (loss - self.ema)
        if step >= self.warmup and self.ema < self.best_ema:
            self.best_ema, self.best_step = self.ema, step
            for keep, p in zip(self.best, self.pending):
                keep.copy_(p)

    @torch.no_grad()
    def restore(self, params: list[torch.Tensor]) -> None:
        if self.best_step >= 0:
            for p, keep in zip(params, self.best):
                p.copy_(keep)


class SharpRender:
    """Render one level-0 stroke group at ``size`` px: real-MyPaint alphas forward, painter gradients back.

    Why: classifiers are fooled by what only the painter draws. The painter imitates MyPaint at 64 px,
    and a 64-px render upsampled for a 224-px net is blurrier than the replay; optimising it made
    paintings the nets recognised as neural renders but not as MyPaint replays. Every ``every``
    steps each stroke's alpha is rendered by libmypaint at ``size`` px and the difference to the
    (upsampled) painter alpha is kept, so the forward pass is the replay itself (exact compositing,
    exact colors) while gradients flow through the painter.
    """

    def __init__(self, canvas: LayeredCanvas, group: int, size: int, every: int, total: int) -> None:
        self.canvas, self.group, self.size, self.every, self.total = canvas, group, size, every, total
        self.correction: torch.Tensor | None = None

    def render(self, step: int) -> torch.Tensor:
        group = self.canvas.groups[self.group]
        actions, colors = group.actions(), group.colors()
        flat = actions.reshape(-1, 9)
        neural = resize_image(self.canvas.painter(flat), self.size, self.size)  # strokes as channels
        if self.correction is None or step % self.every == 0 or step == self.total - 1:
            self.correction = real_alphas(self.canvas.painter.preset, flat, self.size) - neural.detach()
        alphas = (neural + self.correction).clamp(0.0, 1.0)
        premult, keep = over_stack(alphas[None], colors.reshape(1, -1, 3))
        background = self.canvas.background[:, None, None]
        return background * keep + premult


# -- scoring ----------------------------------------------------------------------------------

def _as_batch(image: np.ndarray | torch.Tensor, device: torch.device | str) -> torch.Tensor:
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)
    if image.ndim == 3:
        image = image[None]
    return image.to(device)


@torch.no_grad()
def class_scores(image: np.ndarray | torch.Tensor, classifier: Classifier, index: int) -> dict[str, Any]:
    """How ``classifier`` sees ``image`` (``(H, W, 3)`` in 0..1): the class's probability and rank (1 = top),
    and the top-1 class with its probability."""
    from brushcli.vision.classes import get_class

    device = next(iter(classifier.buffers())).device
    probs = torch.softmax(classifier(_as_batch(image, device)).float(), dim=-1)[0]
    p = float(probs[index])
    rank = int((probs > probs[index]).sum()) + 1
    top = int(torch.argmax(probs))
    return {"prob": round(p, 6), "rank": rank, "top1": get_class(top).name, "top1_prob": round(float(probs[top]), 6)}


def score_image(image: np.ndarray | torch.Tensor, nets: Sequence[Classifier], index: int) -> dict[str, dict[str, Any]]:
    """:func:`class_scores` for every net."""
    return {c.name: class_scores(image, c, index) for c in nets}


# -- outputs ------------------------------------------------------------------------------------

@dataclass
class Dreamed:
    """One class painted and written: the result, its folder and the metrics written."""

    result: DreamResult
    folder: Path
    metrics: dict[str, Any]


def dream_metrics(result: DreamResult, replay_image: np.ndarray, ensemble: NetEnsemble,
                  judges: NetEnsemble | None = None) -> dict[str, Any]:
    """metrics.json content: per net, the class probability/rank for the neural render and the replay."""
    index = result.target.index
    nets: dict[str, Any] = {}
    for group, in_ensemble in ((ensemble, True), (judges, False)):
        for clf in group or ():
            if clf.name in nets:
                continue
            nets[clf.name] = {
                "in_ensemble": in_ensemble,
                "neural": class_scores(result.neural, clf, index),
                "mypaint": class_scores(replay_image, clf, index),
            }
    settings = result.settings or DreamSettings()
    return {
        "command": "dream",
        "class": result.target.name,
        "class_index": index,
        "wordnet_id": result.target.wordnet_id,
        "nets": result.nets,
        "judges": [c.name for c in judges or () if c.name not in result.nets],
        "objective": result.objective,
        "mypaint_top1": all(nets[n]["mypaint"]["rank"] == 1 for n in result.nets),
        "classifiers": nets,
        "steps": result.steps,
        "search_trials": max(0, len(result.search_scores) - 1),
        "search_accepted": result.search_accepted,
        "search_score_first": result.search_scores[0] if result.search_scores else None,
        "search_score_last": result.search_scores[-1] if result.search_scores else None,
        "views": settings.views,
        "optimise_seconds": result.seconds,
        "loss_first": result.losses[0] if result.losses else None,
        "loss_last": result.losses[-1] if result.losses else None,
        "painter": result.painter,
        "device": result.device,
        "seed": settings.seed,
    }


def write_dream(result: DreamResult, folder: Path, ensemble: NetEnsemble, judges: NetEnsemble | None = None,
                started: float | None = None) -> Dreamed:
    """Replay in MyPaint, score both renders, and write the output folder (see :mod:`brushcli.paint.results`)."""
    from brushcli.paint.results import write_outputs
    from brushcli.replay import replay

    real = replay(result.strokes).image
    metrics = dream_metrics(result, real, ensemble, judges)
    written = write_outputs(Path(folder), result.strokes, result.neural, None, metrics, started=started)
    return Dreamed(result=result, folder=written.folder, metrics=written.metrics)


def dream_classes(
    classes: Sequence[str | int],
    nets: str | Sequence[str] = DEFAULT_NETS,
    out: str | Path = "out",
    painter: str = "pen",
    settings: DreamSettings | None = None,
    weights: dict[str, Path] | Sequence[str] | None = None,
    judges: str | Sequence[str] = (),
    progress: Callable[[ImageNetClass, int, int, float], None] | None = None,
    on_done: Callable[[Dreamed], None] | None = None,
) -> list[Dreamed]:
    """Paint each class in ``classes`` into ``out/<class slug>/`` (the ``brush dream`` command).

    Everything the user typed is checked (classes, nets, weights, output folder) before any net or
    painter is loaded, so a typo fails in a second, not after minutes of work.
    """
    from brushcli.outputs import ensure_dir
    from brushcli.painters.registry import create_painter, resolve_painter_folder
    from brushcli.vision.nets import parse_net_list, parse_weights_options

    settings = settings or DreamSettings()
    settings.validate()
    if not classes:
        raise InvalidArgument("give at least one ImageNet class, e.g. brush dream \"giant panda\" violin 388")
    targets = list(dict.fromkeys(find_class(c) for c in classes))
    net_names = parse_net_list(nets)
    judge_names = [n for n in (parse_net_list(judges) if judges else []) if n not in net_names]
    weight_files = weights if isinstance(weights, dict) else parse_weights_options(weights or ())
    resolve_painter_folder(painter)
    out = ensure_dir(Path(out))
    ensemble = NetEnsemble.create(net_names, settings.device, weight_files)
    judge_nets = NetEnsemble.create(judge_names, settings.device, weight_files) if judge_names else None
    brush = create_painter(painter, device=settings.device)
    done = []
    for cls in targets:
        started = time.perf_counter()
        result = dream(cls, ensemble, brush, settings,
                       progress=(lambda s, t, loss, cls=cls: progress(cls, s, t, loss)) if progress else None)
        dreamed = write_dream(result, out / cls.slug, ensemble, judge_nets, started=started)
        done.append(dreamed)
        if on_done:
            on_done(dreamed)
    return done
