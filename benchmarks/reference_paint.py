"""A reference optimiser for brush's pen strokes: an exact analytic renderer and a simple recipe.

Not part of the product. It is the yardstick for ``brush paint`` (issue 14): the same 9-number
action space as the pen painter, drawn by geometry instead of a learned network, so a run through
brush's own schedule measures what the painter's gradients cost, and a run through the progressive
recipe of ``../shared/notes/quality-reference.md`` measures what brush's schedule costs.

- :class:`AnalyticPen` quacks like ``brushcli.painters.painter.Painter`` (``(N, 9)`` actions in 0..1
  -> ``(N, 64, 64)`` alpha, ``.preset``, ``.name``, ``.canvas``) and drops into
  ``brushcli.paint.painting.paint``.
- :func:`paint_progressive` is the recipe: groups added one at a time where the error is largest,
  radii coarse to fine, half the steps while adding, half in a joint cosine-decayed polish.

Where it departs from quality-reference.md, measured in docs/benchmarks.md: a sharper edge
(:data:`EDGE`), the engine's radius and stroke end (:class:`PenEngine`), and the pen's own action
ranges (base radius 0.96..16 px at 64 px, scaled x1.16..x1.65 by pressure and about x0.8..x1.1 by
speed) instead of 0.5 px..a quarter canvas scaled up to 10x by pressure.

Run as a script, it measures the renderer against real MyPaint like ``brush eval-painter`` does:
    python benchmarks/reference_paint.py --samples 2000 [--ideal] [--edge 0.5]
    python benchmarks/reference_paint.py --samples 2000 --painter pen     # the neural painter, same measure
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# brushcli internals (the package layout is being reorganised; keep these imports together)
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.engine import FIRST_DAB, SPEED_REFERENCE_PX
from brushcli.mypaint.render import render_alphas
from brushcli.presets import Preset, load_preset

#: Most straight pieces per Bezier. A chord strays at most |P0 - 2 P1 + P2| / (8 K^2) from a quadratic
#: Bezier, so each call uses the fewest pieces (at least 4) that keep that under BEND_TOLERANCE px.
SEGMENTS = 16
BEND_TOLERANCE = 0.1
#: Edge softness in pixels: alpha = sigmoid(signed distance / EDGE) goes from 12 % to 88 % within half a
#: pixel either side of the edge, as the pen's anti-aliased edge does. quality-reference.md's 0.5 px
#: blurs two pixels: its optimised strokes replayed in MyPaint twice as far from their render
#: (docs/benchmarks.md, "Broad paint benchmark").
EDGE = 0.25
#: Square windows a stroke is rendered in (smallest that holds it), so small strokes cost little.
WINDOWS = (8, 16, 32)


@dataclass(frozen=True)
class PenEngine:
    """What libmypaint does with a pen stroke's radius and dabs, read from the brush file.

    ``log(radius / base) = pressure_slope * pressure + speed_slope * speed1`` (the brush's
    ``radius_logarithmic`` inputs), where ``speed1 = m log(gamma + v) + q`` is libmypaint's fixed
    speed mapping (45 px/s maps to 0.5 with slope 0.015 there) of the pointer speed ``v`` in px/s of
    a 64-px canvas. A dab is laid at every whole count of ``distance * (per_actual / radius +
    per_basic / base)``, and each dab moves only ``1 - exp(-1 / slow_tracking_per_dab)`` of the way
    to the pointer, so dabs trail it by ``lag`` spacings. Measured on 2,000 random pen strokes:
    this radius is within 1 % (mean) of the radius the engine reports (5 % without the speed term).
    """

    pressure_slope: float = 0.0
    speed_slope: float = 0.0
    speed_gamma: float = 0.0
    per_actual: float = 2.0
    per_basic: float = 0.0
    lag: float = 0.0

    @classmethod
    def from_brush(cls, preset: Preset) -> "PenEngine":
        settings = resolve_brush(preset.brush).settings

        def base(key: str) -> float:
            return float(settings.get(key, {}).get("base_value", 0.0))

        def slope(setting: str, input_name: str) -> float:
            points = settings.get(setting, {}).get("inputs", {}).get(input_name)
            if not points:
                return 0.0
            if len(points) != 2:
                raise ValueError(f"{preset.brush}: only straight {input_name} -> {setting} mappings are supported")
            (x0, y0), (x1, y1) = points
            return (y1 - y0) / (x1 - x0)

        tracking = base("slow_tracking_per_dab")
        follow = 1.0 - math.exp(-1.0 / tracking) if tracking > 1e-3 else 1.0
        return cls(pressure_slope=slope("radius_logarithmic", "pressure"),
                   speed_slope=slope("radius_logarithmic", "speed1"), speed_gamma=math.exp(base("speed1_gamma")),
                   per_actual=base("dabs_per_actual_radius"), per_basic=base("dabs_per_basic_radius"),
                   lag=(1.0 - follow) / follow)

    def speed1(self, speed: torch.Tensor) -> torch.Tensor:
        """libmypaint's speed1 input for a pointer speed in px/s."""
        m = 0.015 * (45.0 + self.speed_gamma)
        q = 0.5 - m * math.log(45.0 + self.speed_gamma)
        return m * torch.log(self.speed_gamma + speed) + q


def _segment_sdf(ax: torch.Tensor, ay: torch.Tensor, ra: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor,
                 dr: torch.Tensor, gx: torch.Tensor, gy: torch.Tensor) -> torch.Tensor:
    """Radius minus distance from pixel (gx, gy) to a straight piece whose radius varies linearly.

    Arguments broadcast against each other (segment start, delta, radius and delta; pixel centres).
    """
    qx, qy = gx - ax, gy - ay
    u = ((qx * dx + qy * dy) / (dx * dx + dy * dy + 1e-6)).clamp(0.0, 1.0)
    ex, ey = qx - u * dx, qy - u * dy
    return ra + u * dr - torch.sqrt(ex * ex + ey * ey + 1e-6)


def nearest_piece(parts: tuple[torch.Tensor, ...], gx: torch.Tensor, gy: torch.Tensor) -> torch.Tensor:
    """Index ``(n, w, w)`` of the piece whose disc sweep reaches furthest over each pixel.

    ``parts`` are ``(n, K)`` piece tensors, ``gx`` ``(n, 1, w)``, ``gy`` ``(n, w, 1)``; pieces go
    last so the argmax reduces over contiguous memory.
    """
    return _segment_sdf(*(v[:, None, None, :] for v in parts), gx[..., None], gy[..., None]).argmax(-1)


class AnalyticPen(nn.Module):
    """Round opaque strokes drawn exactly: the pen painter's actions, no learning.

    A stroke is the union of discs swept along the quadratic Bezier (straight pieces, radius
    interpolated along each); alpha is a sigmoid of the signed distance to that shape over ``edge``
    px. The radius is the preset's base radius (as ``DabNet.base_radius``: the size action in the
    preset's range, times the canvas) scaled by pressure as the brush file maps it.

    With ``engine`` (default) the stroke also follows what libmypaint does (:class:`PenEngine`): the
    radius has the brush's speed term, and the stroke ends at the engine's last whole dab, less the
    distance dabs trail the pointer (counted without gradient, a step function of the action as in
    the engine and the learned painter). ``engine=False`` is the idealised stroke of
    ``quality-reference.md``: pressure-scaled radius, ending at the end point.

    Speed: the nearest piece of every pixel is found without gradient, then only that piece is
    evaluated with gradient (the same gradient a max over pieces gives), and each stroke is
    evaluated in the smallest of :data:`WINDOWS` that holds it.
    """

    def __init__(self, preset: Preset, canvas: int = 64, segments: int = SEGMENTS, edge: float = EDGE,
                 engine: bool = True, name: str = "analytic-pen") -> None:
        super().__init__()
        self._preset, self._canvas, self._name = preset, int(canvas), name
        self.edge = float(edge)
        self.segments = int(segments)
        self.engine = engine
        self.brush = PenEngine.from_brush(preset)
        self.margin = int(math.ceil(6 * self.edge)) + 1  # alpha < 4e-4 outside the window

    @property
    def preset(self) -> Preset:
        return self._preset

    @property
    def canvas(self) -> int:
        return self._canvas

    #: Drawn at its own canvas size only (``LayeredCanvas`` then renders the neural image at that size).
    scalable = False

    @property
    def name(self) -> str:
        return self._name

    def base_radius(self, actions: torch.Tensor) -> torch.Tensor:
        """Base radius in pixels ``(N, 1)``: the size action in the preset's range, times the canvas."""
        lo, hi = self.preset.size
        return (lo + actions[:, 8:9] * (hi - lo)) * self.canvas

    def radius(self, actions: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Radius in pixels ``(N, K)`` at curve parameters ``t`` (``(K,)``, or ``(N, K)`` per stroke)."""
        t = t.expand(len(actions), -1)
        p_lo, p_hi = self.preset.pressure
        log_scale = self.brush.pressure_slope * (
            p_lo + (actions[:, 6:7] * (1 - t) + actions[:, 7:8] * t) * (p_hi - p_lo))
        if self.engine and self.brush.speed_slope:
            d = torch.stack([-2 * (1 - t), 2 - 4 * t, 2 * t], -1)  # Bezier derivative weights (N, K, 3)
            vx = torch.einsum("nkj,nj->nk", d, actions[:, [0, 2, 4]])
            vy = torch.einsum("nkj,nj->nk", d, actions[:, [1, 3, 5]])
            sampling = self.preset.sampling
            speed = torch.sqrt(vx * vx + vy * vy + 1e-12) * SPEED_REFERENCE_PX / (sampling.steps * sampling.dtime)
            log_scale = log_scale + self.brush.speed_slope * self.brush.speed1(speed)
        return self.base_radius(actions) * torch.exp(log_scale)

    def geometry(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pixel x, y and radius ``(N, K + 1)`` at the samples of the drawn part of the curve."""
        s = self.canvas
        with torch.no_grad():
            bend = (actions[:, 0:2] - 2 * actions[:, 2:4] + actions[:, 4:6]).norm(dim=1).max() * s if len(actions) else 0
            k = int(min(self.segments, max(4, math.ceil(math.sqrt(float(bend) / (8 * BEND_TOLERANCE))))))
        t = torch.linspace(0.0, 1.0, k + 1, device=actions.device).expand(len(actions), -1)
        if self.engine:
            t = t * self.last_dab(actions)  # samples of the drawn part [0, t_end]
        bern = torch.stack([(1 - t) ** 2, 2 * (1 - t) * t, t**2], -1)  # (N, K+1, 3)
        px = torch.einsum("nkj,nj->nk", bern, actions[:, [0, 2, 4]]) * s
        py = torch.einsum("nkj,nj->nk", bern, actions[:, [1, 3, 5]]) * s
        return px, py, self.radius(actions, t)

    @torch.no_grad()
    def last_dab(self, actions: torch.Tensor, samples: int = 256) -> torch.Tensor:
        """Curve parameter ``(N, 1)`` where MyPaint's stroke ends: its last whole dab, less the lag.

        Counting starts just below one dab (brush's engine sets it so), so the first dab lands on
        the start point; a stroke too short to reach the second count ends there.
        """
        t = torch.linspace(0.0, 1.0, samples + 1, device=actions.device)
        bern = torch.stack([(1 - t) ** 2, 2 * (1 - t) * t, t**2], 1)
        s = self.canvas
        x, y = actions[:, [0, 2, 4]] @ bern.T * s, actions[:, [1, 3, 5]] @ bern.T * s
        radius = self.radius(actions, t)
        base = self.base_radius(actions)
        step = torch.sqrt(torch.diff(x, dim=1) ** 2 + torch.diff(y, dim=1) ** 2)
        per_step = self.brush.per_actual / radius[:, :-1] + self.brush.per_basic / base
        count = FIRST_DAB + torch.cumsum(step * per_step, dim=1)
        last = torch.floor(count[:, -1:]).clamp(min=1.0)
        before = count - step * per_step  # count at each step's start
        # arc length where the count reaches ``last`` (linear within the step), less the lag
        frac = ((last - before) / (step * per_step + 1e-9)).clamp(0.0, 1.0)
        reached = (frac * step).sum(1, keepdim=True)
        spacing = 1.0 / per_step.gather(1, (count < last).sum(1, keepdim=True).clamp(max=samples - 1))
        target = (reached - self.brush.lag * spacing).clamp(min=0.0)
        length = torch.cumsum(step, dim=1)
        index = (length < target).sum(1, keepdim=True).clamp(max=samples - 1)
        seg_start = length.gather(1, index) - step.gather(1, index)
        within = ((target - seg_start) / (step.gather(1, index) + 1e-9)).clamp(0.0, 1.0)
        return (index.float() + within) / samples

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        if actions.ndim != 2 or actions.shape[1] != 9:
            raise ValueError(f"actions must be (N, 9), got {tuple(actions.shape)}")
        n, s = actions.shape[0], self.canvas
        px, py, r = self.geometry(actions)
        with torch.no_grad():
            reach = r.amax(1) + self.margin
            x0, x1 = (px.amin(1) - reach).floor(), (px.amax(1) + reach).ceil()
            y0, y1 = (py.amin(1) - reach).floor(), (py.amax(1) + reach).ceil()
            need = torch.maximum(x1 - x0, y1 - y0)
            window = torch.full_like(need, float(s))
            for w in reversed([w for w in WINDOWS if w < s]):
                window = torch.where(need <= w, torch.full_like(need, float(w)), window)
        out = actions.new_zeros(n, s * s)
        for w in sorted(set(int(v) for v in window.tolist())):
            idx = torch.nonzero(window == w).flatten()
            ox = x0[idx].clamp(0, s - w).long() if w < s else torch.zeros_like(idx)
            oy = y0[idx].clamp(0, s - w).long() if w < s else torch.zeros_like(idx)
            local = self._window(px[idx], py[idx], r[idx], ox, oy, w)
            cols = (oy[:, None, None] + torch.arange(w, device=actions.device)[None, :, None]) * s \
                + ox[:, None, None] + torch.arange(w, device=actions.device)[None, None, :]
            dense = actions.new_zeros(len(idx), s * s).scatter(1, cols.view(len(idx), -1), local.view(len(idx), -1))
            out = out.index_add(0, idx, dense)
        return out.view(n, s, s)

    def _window(self, px: torch.Tensor, py: torch.Tensor, r: torch.Tensor, ox: torch.Tensor, oy: torch.Tensor,
                w: int) -> torch.Tensor:
        """Alpha ``(n, w, w)`` of strokes in windows whose top-left pixels are (ox, oy)."""
        ar = torch.arange(w, device=px.device, dtype=px.dtype) + 0.5
        gx = (ox[:, None].to(px.dtype) + ar)[:, None, :]  # (n, 1, w)
        gy = (oy[:, None].to(px.dtype) + ar)[:, :, None]  # (n, w, 1)
        parts = (px[:, :-1], py[:, :-1], r[:, :-1], torch.diff(px, dim=1), torch.diff(py, dim=1), torch.diff(r, dim=1))
        with torch.no_grad():
            nearest = nearest_piece(tuple(v.detach() for v in parts), gx, gy)
        flat = nearest.view(len(px), -1)
        picked = [v.gather(1, flat).view(-1, w, w) for v in parts]
        sdf = _segment_sdf(*picked, gx, gy)
        return torch.sigmoid(sdf / self.edge)


def composite(alphas: torch.Tensor, colors: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """Paint strokes in order over a background: ``canvas * (1 - a) + color * a`` for each.

    ``alphas`` ``(N, H, W)``, ``colors`` ``(N, 3)``, ``background`` ``(3,)``; returns ``(3, H, W)``.
    Written as one sum with log-space suffix products (stroke i survives the strokes after it); the
    suffix sums are one matmul with a triangular matrix (a cumsum over strokes is slower on CPUs).
    """
    n, h, w = alphas.shape
    log_keep = torch.log1p(-alphas.clamp(max=1 - 1e-6)).reshape(n, h * w)
    later = torch.ones(n, n, dtype=alphas.dtype, device=alphas.device).triu(diagonal=1) @ log_keep
    weight = alphas.reshape(n, h * w) * torch.exp(later)
    painted = (colors.T @ weight).view(3, h, w)
    return background[:, None, None] * torch.exp(log_keep.sum(0)).view(1, h, w) + painted


@dataclass
class ProgressiveSettings:
    """The recipe's knobs (defaults are the ones quality-reference.md found best)."""

    steps: int = 1000
    lr: float = 0.1
    groups: int = 10
    first_radius: float = 0.2  # x canvas
    last_radius: float = 0.3  # x canvas / sqrt(strokes)
    final_lr: float = 0.05  # of lr, at the end of the cosine polish
    init_pressure: float = 0.5  # action value of new strokes (the pen's mid pressure)
    seed: int = 0
    #: Refresh real-MyPaint alphas every this many steps (0: off). As in brush's paint, the forward
    #: pass then shows MyPaint's strokes while gradients come from the analytic renderer.
    real_every: int = 0


@dataclass
class ProgressiveResult:
    """Optimised strokes (canvas actions in 0..1 and RGB), the render over white, and the losses."""

    actions: np.ndarray
    colors: np.ndarray
    render: np.ndarray  # (h, w, 3)
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _box_blur(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window of ``(C, H, W)``, edges replicated."""
    if radius <= 0:
        return x
    return F.avg_pool2d(F.pad(x[None], (radius,) * 4, mode="replicate"), 2 * radius + 1, stride=1)[0]


def _logit(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(1e-3, 1 - 1e-3)
    return torch.log(x) - torch.log1p(-x)


def group_sizes(strokes: int, groups: int) -> list[int]:
    """Strokes per group, as equal as possible, never an empty group."""
    count = max(1, min(groups, strokes))
    base, extra = divmod(strokes, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def radius_schedule(strokes: int, groups: int, canvas: int, settings: ProgressiveSettings) -> list[float]:
    """Pixel radius of each group: geometric from ``first_radius`` x canvas to ``last_radius`` x canvas / sqrt(N)."""
    first = settings.first_radius * canvas
    last = min(first, settings.last_radius * canvas / math.sqrt(strokes))
    if groups <= 1:
        return [first]
    return [first * (last / first) ** (g / (groups - 1)) for g in range(groups)]


def place_group(target: torch.Tensor, current: torch.Tensor, count: int, radius: float, renderer: AnalyticPen,
                settings: ProgressiveSettings, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Actions ``(count, 9)`` and colours ``(count, 3)`` of new strokes at the largest blurred errors.

    Non-maximum suppression keeps new strokes 1.5 radii apart; each gets a random direction, a
    half-length of 1-3 radii, a small bend, and the blurred target colour at its centre.
    """
    _, h, w = target.shape
    s = renderer.canvas
    r = max(1, int(round(radius)))
    error = _box_blur(((target - current) ** 2).sum(0, keepdim=True), r)[0]
    smooth = _box_blur(target, r)
    yy = torch.arange(h, dtype=torch.float32)[:, None]
    xx = torch.arange(w, dtype=torch.float32)[None, :]
    error = error + 1e-7 * torch.rand(error.shape, generator=generator)
    actions, colors = torch.zeros(count, 9), torch.zeros(count, 3)
    for i in range(count):
        y, x = divmod(int(torch.argmax(error)), w)
        error = torch.where((yy - y) ** 2 + (xx - x) ** 2 <= (1.5 * radius) ** 2, error.new_tensor(-1.0), error)
        theta = float(torch.rand((), generator=generator)) * math.pi
        half = radius * (1.0 + 2.0 * float(torch.rand((), generator=generator)))
        bend = (float(torch.rand((), generator=generator)) - 0.5) * 0.5 * half
        cx, cy = x + 0.5, y + 0.5
        ux, uy = math.cos(theta), math.sin(theta)
        pts = [(cx - half * ux, cy - half * uy), (cx - bend * uy, cy + bend * ux), (cx + half * ux, cy + half * uy)]
        actions[i] = torch.tensor([v / s for p in pts for v in p] + [settings.init_pressure] * 2 + [0.5])
        colors[i] = smooth[:, y, x]
    return size_for_radius(actions.clamp(0.0, 1.0), radius, renderer), colors.clamp(0.0, 1.0)


def size_for_radius(actions: torch.Tensor, radius: float, renderer: AnalyticPen) -> torch.Tensor:
    """``actions`` with the size action set so the radius mid-stroke is ``radius`` px (where the range allows).

    The radius is proportional to the base radius, which is affine in the size action.
    """
    lo, hi = renderer.preset.size
    mid = torch.tensor([0.5])
    base = renderer.base_radius(actions)[:, 0]
    wanted = base * radius / renderer.radius(actions, mid)[:, 0]
    out = actions.clone()
    out[:, 8] = ((wanted / renderer.canvas - lo) / (hi - lo)).clamp(0.0, 1.0)
    return out


def paint_progressive(target: np.ndarray, renderer: AnalyticPen, strokes: int,
                      settings: ProgressiveSettings | None = None) -> ProgressiveResult:
    """Fit ``strokes`` strokes to ``target`` (float RGB (h, w, 3), h, w <= canvas) over white.

    Stage g adds group g and optimises every stroke placed so far (half the steps, shared by
    stages in proportion to their stroke count); a final joint phase takes the other half with the
    learning rate decaying by a cosine to ``final_lr`` of its start. Parameters are logits, Adam.
    """
    settings = settings or ProgressiveSettings()
    started = time.perf_counter()
    generator = torch.Generator().manual_seed(settings.seed)
    tgt = torch.from_numpy(np.ascontiguousarray(target, dtype=np.float32)).permute(2, 0, 1)
    _, h, w = tgt.shape
    white = torch.ones(3)
    sizes = group_sizes(strokes, settings.groups)
    radii = radius_schedule(strokes, len(sizes), renderer.canvas, settings)
    active = np.cumsum(sizes)
    stage_steps = [int(settings.steps / 2 * n / active.sum()) for n in active]
    final_steps = settings.steps - sum(stage_steps)
    raw_actions: list[torch.Tensor] = []
    raw_colors: list[torch.Tensor] = []
    losses: list[float] = []

    correction: list[torch.Tensor] = []  # real - analytic alphas, detached; empty: feedback off

    def render(real: bool = False) -> torch.Tensor:
        actions = torch.sigmoid(torch.cat(raw_actions))
        alphas = renderer(actions)
        if real and correction and len(correction[0]) == len(alphas):
            alphas = (alphas + correction[0]).clamp(0.0, 1.0)
        return composite(alphas[:, :h, :w], torch.sigmoid(torch.cat(raw_colors)), white)

    def run(steps: int, decay: bool) -> None:
        optimiser = torch.optim.Adam(raw_actions + raw_colors, lr=settings.lr)
        for step in range(steps):
            if decay:
                frac = step / max(1, steps - 1)
                scale = settings.final_lr + (1 - settings.final_lr) * 0.5 * (1 + math.cos(math.pi * frac))
                for group in optimiser.param_groups:
                    group["lr"] = settings.lr * scale
            if settings.real_every and step % settings.real_every == 0:
                with torch.no_grad():
                    actions = torch.sigmoid(torch.cat(raw_actions))
                    correction[:] = [real_alphas(renderer, actions) - renderer(actions)]
            optimiser.zero_grad(set_to_none=True)
            loss = ((render(real=True) - tgt) ** 2).mean()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())

    for count, radius, steps in zip(sizes, radii, stage_steps):
        with torch.no_grad():
            current = render(real=True) if raw_actions else white[:, None, None].expand(3, h, w)
        actions, colors = place_group(tgt, current, count, radius, renderer, settings, generator)
        raw_actions.append(nn.Parameter(_logit(actions)))
        raw_colors.append(nn.Parameter(_logit(colors)))
        run(steps, decay=False)
    run(final_steps, decay=True)
    with torch.no_grad():
        image = render().clamp(0, 1).permute(1, 2, 0).numpy()
        actions = torch.sigmoid(torch.cat(raw_actions)).numpy().astype(np.float64)
        colors = torch.sigmoid(torch.cat(raw_colors)).numpy().astype(np.float64)
    return ProgressiveResult(actions=actions, colors=colors, render=image, losses=losses,
                             seconds=time.perf_counter() - started)


def real_alphas(renderer: AnalyticPen, actions: torch.Tensor) -> torch.Tensor:
    """libmypaint's alpha ``(N, S, S)`` of each canvas action, painted alone on the renderer's canvas."""
    preset = renderer.preset
    shapes = preset.actions_to_shapes(actions.detach().cpu().double().numpy())
    real = render_alphas(preset.brush, shapes, renderer.canvas, preset.sampling, workers=1)
    return torch.from_numpy(real.astype(np.float32) / 32768.0).to(actions.device)


def canvas_shapes(actions: np.ndarray, preset: Preset, width: int, height: int, canvas: int = 64) -> np.ndarray:
    """Canvas actions -> stroke-file shape columns for a ``width`` x ``height`` image on the canvas.

    The image sits in the canvas's top-left corner (as brush's level 0 does), so points are
    rescaled from canvas to image fractions; the radius stays relative to the long side (= canvas).
    """
    shapes = preset.actions_to_shapes(actions)
    shapes[:, [0, 2, 4]] *= canvas / width
    shapes[:, [1, 3, 5]] *= canvas / height
    shapes[:, 8] *= canvas / max(width, height)
    return shapes


def fidelity(renderer: nn.Module, samples: int, seed: int = 0) -> dict[str, float]:
    """Alpha MAE and footprint IoU (alpha > 0.1) against real MyPaint on random actions.

    The same measure as ``brush eval-painter`` (random actions inside the preset's ranges).
    """
    preset = renderer.preset
    actions = preset.random_actions(samples, np.random.default_rng(seed))
    real = render_alphas(preset.brush, preset.actions_to_shapes(actions), renderer.canvas, preset.sampling)
    real_t = torch.from_numpy(real.astype(np.float32) / 32768.0)
    with torch.no_grad():
        pred = torch.cat([renderer(torch.tensor(actions[i:i + 256], dtype=torch.float32))
                          for i in range(0, samples, 256)])
    mae = (pred - real_t).abs().mean(dim=(1, 2))
    a, b = pred > 0.1, real_t > 0.1
    iou = (a & b).sum((1, 2)).float() / (a | b).sum((1, 2)).clamp(min=1).float()
    # how far the drawn edge lies outside MyPaint's, in px: extra area per pixel of MyPaint's outline
    inside = real_t > 0.5
    outline = (inside[:, 1:] != inside[:, :-1]).sum((1, 2)) + (inside[:, :, 1:] != inside[:, :, :-1]).sum((1, 2))
    spread = (pred.sum((1, 2)) - real_t.sum((1, 2))) / outline.clamp(min=1).float()
    return {"alpha_mae": float(mae.mean()), "alpha_mae_median": float(mae.median()),
            "alpha_mse": float(((pred - real_t) ** 2).mean()),
            "iou": float(iou.mean()), "iou_median": float(iou.median()),
            "edge_offset_px_median": float(spread.median())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="pen")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--edge", type=float, default=EDGE)
    parser.add_argument("--segments", type=int, default=SEGMENTS)
    parser.add_argument("--ideal", action="store_true", help="idealised strokes (no speed term, no dab end)")
    parser.add_argument("--painter", default=None, help="measure this neural painter instead, the same way")
    args = parser.parse_args()
    if args.painter:
        from brushcli.painters.registry import create_painter

        painter = create_painter(args.painter)
        print({"renderer": painter.name, **fidelity(painter, args.samples)})
        return
    renderer = AnalyticPen(load_preset(args.preset), segments=args.segments, edge=args.edge, engine=not args.ideal)
    print({"renderer": renderer.name, "edge": renderer.edge, "segments": renderer.segments, "engine": renderer.engine,
           **fidelity(renderer, args.samples)})


if __name__ == "__main__":
    main()
