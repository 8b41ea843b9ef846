"""Pick each new stroke from a batch of candidates by what it would do to the painting.

:func:`~brushcli.canvas.placement.init_strokes` proposes one stroke per slot: at the largest error,
along the local edge, in the target's blurred color. That is a guess; the painter can tell which of
several nearby guesses (other angles, lengths, radii, a shifted centre) paints the most error away.
A stroke composited over the painting is linear in its color given its alpha, so each candidate's
best color and the error it leaves are exact in closed form; one forward pass of the painter over
all candidates is a fraction of a gradient step. The gradient steps then start from better strokes.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from brushcli.canvas.grid import Level
from brushcli.painters.painter import Painter

#: Candidate (tile, stroke) pairs rendered per painter call: bounds the memory of one batch.
CHUNK = 2048
#: Variations: the widths of the (uniform) ranges of the log of the length's and the radius' factors,
#: centred on 1 (length 0.5x-2x, radius 0.64x-1.57x); turns of up to +-90 degrees, shifts of up to
#: half a radius.
STRETCH = 1.4
GROW = 0.9


@torch.no_grad()
def choose_strokes(
    painter: Painter,
    target: torch.Tensor,
    current: torch.Tensor,
    level: Level,
    actions: torch.Tensor,
    colors: torch.Tensor,
    candidates: int,
    radius_px: float,
    generator: torch.Generator,
    position: tuple[float, float] = (0.0, 1.0),
    size_range: tuple[float, float] = (0.0, 1.0),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Better ``(actions, colors)`` (``(tiles, n, 9)``, ``(tiles, n, 3)``) for the new strokes.

    ``target``/``current`` are ``(3, h, w)`` at the level's native size. Stroke ``i`` of every tile
    picks, among the proposed stroke and ``candidates - 1`` variations of it, the one that lowers the
    squared error of its tile's window most with its closed-form color, and is painted onto that
    window before stroke ``i + 1`` chooses. Windows are scored on their own (strokes of neighbouring
    tiles are not seen), which is what the gradient steps that follow are for.
    """
    tiles, n = actions.shape[:2]
    if candidates <= 1 or n == 0:
        return actions, colors
    size = painter.canvas
    windows_t, windows_c, mask = _windows(target, current, level, size)
    actions, colors = actions.clone(), colors.clone()
    device = next(painter.parameters()).device
    for i in range(n):
        options = _variations(actions[:, i], candidates, radius_px / size, painter, generator, position, size_range)
        best = torch.zeros(tiles, dtype=torch.long)
        best_color = colors[:, i].clone()
        per_call = max(1, CHUNK // candidates)
        for start in range(0, tiles, per_call):
            part = slice(start, min(tiles, start + per_call))
            m = part.stop - part.start
            alpha = painter(options[part].reshape(-1, 9).to(device)).float().cpu().view(m, candidates, size, size)
            gain, color = _gain(alpha, windows_t[part], windows_c[part], mask[part])
            top = gain.argmax(dim=1)
            best[part] = top
            best_color[part] = color[torch.arange(m), top]
        rows = torch.arange(tiles)
        actions[:, i] = options[rows, best]
        colors[:, i] = best_color
        # drawn again, not taken from the batch: a batch of another shape sums in another order, and the
        # last-bit difference would change every painting measured in docs/benchmarks.md
        chosen = painter(actions[:, i].to(device)).float().cpu().view(tiles, 1, size, size)
        windows_c = windows_c * (1 - chosen) + best_color[:, :, None, None] * chosen
    return actions, colors


def _gain(alpha: torch.Tensor, target: torch.Tensor, current: torch.Tensor, mask: torch.Tensor
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Error removed by each candidate ``(T, K)`` of alphas ``(T, K, s, s)`` over windows ``(T, 3, s, s)``
    (``mask`` ``(T, 1, s, s)``: pixels that count), and each candidate's best color ``(T, K, 3)``.

    Painting color ``c`` with alpha ``a`` over ``current`` leaves ``e + a (current - c)``, ``e`` the
    error before. Its sum of squares expands into sums of ``a`` and ``a^2`` against a few maps of the
    window, so the whole batch is two matrix products instead of a pass over every candidate's pixels:
    removed = ``2 c S[a e] - 2 S[a e cur] - S[a^2 cur^2] + 2 c S[a^2 cur] - c^2 S[a^2]`` (``S`` sums
    over masked pixels), least error at ``c = (S[a e] + S[a^2 cur]) / S[a^2]`` (clipped to the colors
    a stroke can have).
    """
    t, k = alpha.shape[:2]
    e = mask * (target - current)
    first = torch.cat([e, e * current], dim=1).flatten(2)  # (T, 6, P)
    second = torch.cat([mask * current * current, mask * current, mask], dim=1).flatten(2)  # (T, 7, P)
    a = alpha.reshape(t, k, -1)
    s1 = torch.bmm(a, first.transpose(1, 2))  # (T, K, 6): S[a e], S[a e cur]
    s2 = torch.bmm(a * a, second.transpose(1, 2))  # (T, K, 7): S[a^2 cur^2], S[a^2 cur], S[a^2]
    ae, aec = s1[..., :3], s1[..., 3:]
    aacc, aac, aa = s2[..., :3], s2[..., 3:6], s2[..., 6:7]
    color = ((ae + aac) / aa.clamp(min=1e-6)).clamp(0.02, 0.98)
    removed = 2 * color * ae - 2 * aec - aacc + 2 * color * aac - color * color * aa
    return removed.sum(-1), color


def _windows(target: torch.Tensor, current: torch.Tensor, level: Level, size: int
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every stroke-holding tile's ``size``-px window of ``target`` and ``current`` ``(T, 3, s, s)``
    and a mask ``(T, 1, s, s)`` of the pixels inside the image."""
    h, w = target.shape[-2:]
    pad = size
    padded_t = F.pad(target, (pad, pad, pad, pad))
    padded_c = F.pad(current, (pad, pad, pad, pad))
    inside = F.pad(torch.ones(1, h, w), (pad, pad, pad, pad))
    crops_t, crops_c, crops_m = [], [], []
    for ox, oy in level.tile_offsets():
        ys, xs = slice(int(oy) + pad, int(oy) + pad + size), slice(int(ox) + pad, int(ox) + pad + size)
        crops_t.append(padded_t[:, ys, xs])
        crops_c.append(padded_c[:, ys, xs])
        crops_m.append(inside[:, ys, xs])
    return torch.stack(crops_t), torch.stack(crops_c), torch.stack(crops_m)


def _variations(base: torch.Tensor, count: int, radius: float, painter: Painter, generator: torch.Generator,
                position: tuple[float, float], size_range: tuple[float, float]) -> torch.Tensor:
    """``(T, count, 9)`` strokes: ``base`` (``(T, 9)``) first, then turned, stretched, resized and shifted.

    ``radius`` is the stroke's radius as a share of the painter canvas; shifts are up to half of it.
    """
    tiles = base.shape[0]
    p0, p1, p2 = base[:, 0:2], base[:, 2:4], base[:, 4:6]
    centre = (p0 + p2) / 2
    half = (p2 - p0) / 2
    bend = p1 - centre
    shape = (tiles, count - 1)
    turn = (torch.rand(shape, generator=generator) - 0.5) * math.pi
    stretch = torch.exp((torch.rand(shape, generator=generator) - 0.5) * STRETCH)
    grow = torch.exp((torch.rand(shape, generator=generator) - 0.5) * GROW)
    shift = (torch.rand(*shape, 2, generator=generator) - 0.5) * radius
    cos, sin = torch.cos(turn), torch.sin(turn)
    hx, hy = half[:, None, 0] * stretch, half[:, None, 1] * stretch
    new_half = torch.stack([hx * cos - hy * sin, hx * sin + hy * cos], dim=-1)
    new_bend = torch.stack([bend[:, None, 0] * cos - bend[:, None, 1] * sin,
                            bend[:, None, 0] * sin + bend[:, None, 1] * cos], dim=-1) * stretch[..., None]
    c = centre[:, None] + shift
    lo, hi = position[0] + 1e-3, position[1] - 1e-3
    points = torch.cat([c - new_half, c + new_bend, c + new_half], dim=-1).clamp(lo, hi)
    preset = painter.preset
    radius_now = preset.size[0] + base[:, None, 8] * (preset.size[1] - preset.size[0])
    sizes = ((radius_now * grow - preset.size[0]) / (preset.size[1] - preset.size[0])).clamp(*size_range)
    varied = torch.cat([points, base[:, None, 6:8].expand(tiles, count - 1, 2), sizes[..., None]], dim=-1)
    return torch.cat([base[:, None], varied], dim=1)
