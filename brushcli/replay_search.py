"""Search on the real replay: improve strokes by trial, scored on what libmypaint actually paints.

Why: gradient descent moves strokes through the neural painter, which imitates MyPaint but not
exactly; for objectives that are very sensitive to pixels (a classifier's class score) the painter's
gradient stops pointing where the real replay needs to go (docs/benchmarks.md, dream). This is a
gradient-free hill climb on the replay itself: one stroke at a time, a batch of random
perturbations of its parameters (in the bounded raw space of :class:`~brushcli.canvas.param.StrokeGroup`,
so every candidate stays drawable) is rendered by libmypaint, scored, and the best is kept if it
beats the current painting.

It is affordable because compositing is analytic: every stroke's real alpha is rendered once at the
output size; for stroke ``i`` the strokes below collapse into one image and those above into one
over operator (:func:`~brushcli.canvas.composite.over_stack`), so a candidate costs one MyPaint
stroke and one blend, whatever the number of strokes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from brushcli.canvas.composite import apply_over, composite_over, over_stack, paint_stroke
from brushcli.canvas.feedback import real_alphas
from brushcli.canvas.param import CLAMP, StrokeGroup, logit
from brushcli.errors import InvalidArgument
from brushcli.presets import Preset

#: Most values the ordered search keeps for the operators above every stroke (2**26 floats: 256 MiB).
ORDERED_ELEMENTS = 1 << 26
#: Kinds of shape change :func:`perturb` can make (:attr:`SearchSettings.moves`): every raw shape
#: parameter at once (``"all"``), the whole stroke moved (``"shift"``), one of its three points moved
#: (``"point"``), its pressures and size (``"pressure"``), the stroke turned or scaled about its
#: center (``"turn"``, ``"scale"``).
MOVES = ("all", "shift", "point", "pressure", "turn", "scale")
#: Most sweeps a command's ``--search`` may ask for (``brush paint``'s, and ``brush dream``'s of either start).
MAX_SEARCH = 100
#: ``score(images)`` maps ``(K, 3, S, S)`` candidate paintings in 0..1 to ``(K,)`` losses (lower is better).
Score = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class SearchSettings:
    """Knobs of :func:`search_strokes`.

    ``sigma`` is the noise (in logit units of each bounded parameter) of the first sweep; it shrinks
    geometrically to ``sigma * decay`` by the last, so early sweeps move strokes and late ones tune them.
    ``color_only`` is the share of candidates that keep the stroke's shape and change only its color
    (no MyPaint render needed). ``rescore``: the score is random (new random views on every call,
    shared by the images of one call), so the current painting is scored again beside each trial's
    candidates and a candidate must beat it on the same views. ``ordered``: visit the strokes bottom
    to top instead of in a random order, so what lies below and above each stroke is kept from one
    trial to the next instead of recomputed (4 sweeps of 50 strokes at 64 px: 0.65 s instead of 0.86 s;
    it needs one over operator per stroke in memory, so long stacks fall back to the random order).
    ``moves``: the kinds of shape change (:data:`MOVES`) the candidates of a trial take in turn.
    """

    sweeps: int = 3
    candidates: int = 16
    sigma: float = 0.6
    decay: float = 0.3
    color_only: float = 0.25
    rescore: bool = False
    ordered: bool = False
    moves: tuple[str, ...] = ("all",)

    def validate(self) -> None:
        if self.sweeps < 0:
            raise InvalidArgument(f"search sweeps must be 0 or more, got {self.sweeps}")
        if not 2 <= self.candidates <= 256:
            raise InvalidArgument(f"search candidates must be 2..256, got {self.candidates}")
        if not 0 < self.sigma <= 4 or not 0 < self.decay <= 1 or not 0 <= self.color_only <= 1:
            raise InvalidArgument("search sigma must be in (0, 4], decay in (0, 1], color_only in [0, 1]")
        unknown = [move for move in self.moves if move not in MOVES]
        if not self.moves or unknown:
            got = ", ".join(unknown) or "none"
            raise InvalidArgument(f"search moves must be some of {', '.join(MOVES)}, got {got}")


@dataclass
class SearchLog:
    """Score after each trial (one per stroke visited) and how many trials improved the painting."""

    scores: list[float] = field(default_factory=list)
    accepted: int = 0
    start: float = float("nan")


@torch.no_grad()
def search_strokes(
    group: StrokeGroup,
    preset: Preset,
    background: torch.Tensor,
    size: int,
    score: Score,
    settings: SearchSettings | None = None,
    generator: torch.Generator | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    target: torch.Tensor | None = None,
) -> SearchLog:
    """Hill-climb the strokes of a one-tile ``group`` (``(1, N)``) in place on their real replay.

    The painting is ``size`` px square, painted over ``background``. ``progress(trial, total, score)``
    follows every trial. The group's parameters end at the best painting found (never worse than
    the start, since only improvements are kept). With ``target`` (``(3, h, w)``, ``score`` being the
    squared error against it on the top-left ``h x w`` pixels), every candidate shape gets its
    closed-form best color (:func:`best_colors`) instead of a random one (free RGB strokes only).
    """
    settings = settings or SearchSettings()
    settings.validate()
    generator = generator or torch.Generator().manual_seed(0)
    if group.shape[0] != 1:
        raise InvalidArgument("replay search works on one canvas (a group with a single tile)")
    n = group.shape[1]
    raw_a = group.raw_actions.detach()[0].clone()
    raw_c = group.raw_colors.detach()[0].clone()
    lo, span = group.lo, group.span

    def to_actions(raw: torch.Tensor) -> torch.Tensor:
        return lo + span * torch.sigmoid(raw)

    def to_colors(raw: torch.Tensor) -> torch.Tensor:
        return group.colors_from(raw).detach().clone()

    background = background.to(raw_a)
    alphas = real_alphas(preset, to_actions(raw_a), size)
    colors = to_colors(raw_c)
    current = float(score(composite_over(background, alphas, colors)[None])[0])
    log = SearchLog(start=current)
    total = settings.sweeps * n
    solve = target is not None and group.free_colors
    k, k_color = trial_sizes(settings, solve)
    trial = 0
    ordered = settings.ordered and n * 4 * alphas.shape[-1] * alphas.shape[-2] <= ORDERED_ELEMENTS
    for sweep in range(settings.sweeps):
        sigma = settings.sigma * settings.decay ** (sweep / max(1, settings.sweeps - 1))
        if ordered:  # every stroke's "above" operator once per sweep; "below" grows as the sweep climbs
            above_ps, above_keeps = _suffix_operators(alphas, colors)
            below = background[:, None, None].expand(3, *alphas.shape[-2:]).clone()
        for i in range(n) if ordered else torch.randperm(n, generator=generator).tolist():
            if ordered:
                above_p, above_keep = above_ps[i], above_keeps[i]
            else:
                below = composite_over(background, alphas[:i], colors[:i])
                above_p, above_keep = over_stack(alphas[i + 1 :], colors[i + 1 :])
            cand_a, cand_c = perturb(raw_a[i], raw_c[i], k, k_color, sigma, generator, settings.moves)
            shape_rows = slice(k_color, k)
            cand_alpha = alphas[i].expand(k, -1, -1).clone()
            cand_alpha[shape_rows] = real_alphas(preset, to_actions(cand_a[shape_rows]), size)
            if solve:
                cand_color = best_colors(below, cand_alpha, above_p, above_keep, target)
                cand_c = logit(cand_color)
            else:
                cand_color = to_colors(cand_c)
            painted = paint_stroke(below.expand(k, -1, -1, -1), cand_alpha, cand_color)
            images = apply_over(painted, above_p, above_keep)
            if settings.rescore:  # this call's random views: the current painting is scored on them too
                now = apply_over(paint_stroke(below[None], alphas[i, None], colors[i, None])[0],
                                 above_p, above_keep)
                scores = score(torch.cat([now[None], images]))
                current, scores = float(scores[0]), scores[1:]
            else:
                scores = score(images)
            best = int(torch.argmin(scores))
            if float(scores[best]) < current:
                current = float(scores[best])
                raw_a[i], raw_c[i] = cand_a[best], cand_c[best]
                alphas[i], colors[i] = cand_alpha[best], cand_color[best]
                log.accepted += 1
            if ordered:  # the stroke as kept is part of what lies below the next one
                below = paint_stroke(below[None], alphas[i, None], colors[i, None])[0]
            trial += 1
            log.scores.append(current)
            if progress:
                progress(trial, total, current)
    group.raw_actions.data[0] = raw_a
    group.raw_colors.data[0] = raw_c
    return log


def trial_sizes(settings: SearchSettings, solve: bool) -> tuple[int, int]:
    """Candidates per trial and how many of them only change the color (``settings.color_only`` of them).

    With ``solve`` (colors in closed form) a single color-only candidate is the best any of them could
    be, so the trial holds as many shapes as without (as many MyPaint renders, so the same time) and one
    color-only candidate.
    """
    k = settings.candidates
    k_color = min(k - 1, round(k * settings.color_only))
    return (k - k_color + 1, 1) if solve else (k, k_color)


def best_colors(below: torch.Tensor, alphas: torch.Tensor, above_p: torch.Tensor, above_keep: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
    """The color ``(K, 3)`` that brings each of ``K`` strokes (``alphas`` ``(K, S, S)``), painted on ``below``
    ``(3, S, S)`` under the over operator ``(above_p, above_keep)``, closest to ``target`` (``(3, h, w)``,
    compared on the top-left ``h x w`` pixels) in squared error, within 0..1.

    Why exact: the painting is ``above_p + above_keep * (below * (1 - a) + c * a)``, linear in ``c``,
    and each channel's error is a parabola of that channel alone, so its clamped vertex is the optimum.
    """
    h, w = target.shape[-2:]
    a = alphas[:, None, :h, :w]
    keep = above_keep[None, :, :h, :w]
    weight = keep * a  # how much of the color shows in each pixel
    rest = above_p[None, :, :h, :w] + keep * below[None, :, :h, :w] * (1 - a)
    num = (weight * (target[None] - rest)).sum(dim=(2, 3))
    den = (weight * weight).sum(dim=(2, 3)).clamp(min=1e-12)
    return (num / den).clamp(CLAMP, 1 - CLAMP)


def perturb(raw_a: torch.Tensor, raw_c: torch.Tensor, k: int, k_color: int, sigma: float,
            generator: torch.Generator, moves: tuple[str, ...] = ("all",),
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` random variations of one stroke's raw shape ``(9,)`` and color ``(C,)``: the first ``k_color``
    change only the color (no MyPaint render needed), the rest the shape, each by the next kind of
    ``moves`` (:data:`MOVES`) in turn, and, a little, the color.

    Why kinds: a random step in all nine parameters at once rarely keeps what is right about a
    stroke; moving it whole, or one end, or turning it, does (docs/benchmarks.md, "Search moves").
    The noise drawn is the same whatever the kinds, so ``("all",)`` draws the same candidates as before.
    """
    cand_a = raw_a.expand(k, -1).clone()
    cand_c = raw_c.expand(k, -1).clone()
    noise = sigma * torch.randn(k - k_color, raw_a.shape[-1], generator=generator)
    cand_a[k_color:] = _moved(raw_a, noise, [moves[row % len(moves)] for row in range(k - k_color)])
    cand_c[:k_color] += sigma * torch.randn(k_color, raw_c.shape[-1], generator=generator)
    cand_c[k_color:] += 0.3 * sigma * torch.randn(k - k_color, raw_c.shape[-1], generator=generator)
    return cand_a, cand_c


def _moved(raw: torch.Tensor, steps: torch.Tensor, kinds: list[str]) -> torch.Tensor:
    """``(m, 9)`` changes of ``raw`` (a stroke's raw shape ``x0 y0 x1 y1 x2 y2 p0 p1 size``), row ``j`` by
    the move ``kinds[j]`` sized by ``steps[j]`` (normal noise times sigma; a turn is ``steps[j, 0]``
    radians, a scale ``exp(steps[j, 0])``). One batch per kind: this runs for every stroke of every sweep."""
    out = raw.expand(len(kinds), -1).clone()
    points = torch.sigmoid(raw[0:6]).view(3, 2)  # turn and scale work in the points' 0..1 range, the same
    center = points.mean(dim=0)                  # for x and y, so a turn is a true one
    for move in dict.fromkeys(kinds):
        rows = torch.tensor([j for j, kind in enumerate(kinds) if kind == move])
        step = steps[rows]
        if move == "all":
            out[rows] += step
        elif move == "shift":
            out[rows, 0:6] += step[:, 0:2].repeat(1, 3)
        elif move == "point":  # one of the three points, uniform, chosen by the same noise
            which = torch.nn.functional.one_hot(step[:, 2:5].argmax(dim=1), 3).to(raw)
            out[rows, 0:6] += which.repeat_interleave(2, dim=1) * step[:, 0:2].repeat(1, 3)
        elif move == "pressure":
            out[rows, 6:9] += step[:, 6:9]
        elif move == "turn":
            cos, sin = torch.cos(step[:, 0]), torch.sin(step[:, 0])
            rotation_t = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # R^T
            out[rows, 0:6] = logit((center + (points - center) @ rotation_t).reshape(-1, 6))
        else:  # scale
            scaled = center + (points - center) * torch.exp(step[:, 0])[:, None, None]
            out[rows, 0:6] = logit(scaled.reshape(-1, 6))
    return out


def _suffix_operators(alphas: torch.Tensor, colors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Over operators ``(P, M)`` of the strokes above each stroke: ``(N, 3, H, W)`` and ``(N, 1, H, W)``.

    Built top down: the operator above stroke ``i - 1`` is stroke ``i`` followed by the one above ``i``.
    """
    n, h, w = alphas.shape
    premult = alphas.new_zeros(n, 3, h, w)
    keep = alphas.new_ones(n, 1, h, w)
    for i in range(n - 1, 0, -1):
        keep[i - 1] = (1 - alphas[i]) * keep[i]
        premult[i - 1] = colors[i][:, None, None] * alphas[i] * keep[i] + premult[i]
    return premult, keep
