"""Compositing strokes, as pure tensor functions.

MyPaint paints a normal brush as ``canvas * (1 - a) + color * a``. A stack of strokes painted in
order is itself one "over" operator: ``out = canvas * M + P`` with the transmittance
``M = prod(1 - a_i)`` and the premultiplied color ``P = sum_i color_i * a_i * prod_{j > i}(1 - a_j)``.
Computing ``(P, M)`` for a whole stack at once (log-space cumulative sums) is much faster than a
Python loop over strokes, and stacks that do not overlap can be applied in any order.
"""

from __future__ import annotations

import torch

from brushcli.painters.models import floor_exp
from brushcli.runtime import full_precision

_EPS = 1e-6


def over_stack(alphas: torch.Tensor, colors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Collapse strokes painted in order into one over operator (``alphas`` must lie in 0..1).

    ``alphas`` is ``(..., N, H, W)`` (stroke 0 painted first), ``colors`` ``(..., N, 3)``. Returns
    ``P`` ``(..., 3, H, W)`` and ``M`` ``(..., 1, H, W)`` with ``painted = canvas * M + P``. Float32
    also under autocast (log-space sums).
    """
    with full_precision(alphas.device):
        return _over_stack(alphas.float(), colors.float())


def _over_stack(alphas: torch.Tensor, colors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    weight, keep = stack_weights(alphas)
    n, h, w = alphas.shape[-3:]
    # (..., 3, n) @ (..., n, h*w): a matmul, where einsum broadcast a (..., 3, n, h, w) product (3.5x
    # slower forward and backward for one stroke per tile)
    premult = (colors.transpose(-1, -2) @ weight.reshape(*weight.shape[:-2], h * w)).reshape(
        *weight.shape[:-3], 3, h, w)
    return premult, keep


def stack_weights(alphas: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """How much of each stroke's color survives in the painting, and of the canvas below.

    ``alphas`` ``(..., N, H, W)`` -> ``W`` ``(..., N, H, W)`` and ``M`` ``(..., 1, H, W)`` with
    ``painted = canvas * M + sum_i color_i * W_i``: the painting is linear in the colors, so the
    contribution of one stroke is exact (:meth:`LayeredCanvas.stroke_values`).
    """
    n, h, w = alphas.shape[-3:]
    log_keep = torch.log1p(-alphas * (1.0 - _EPS)).reshape(*alphas.shape[:-2], h * w)
    total = log_keep.sum(dim=-2, keepdim=True).reshape(*alphas.shape[:-3], 1, h, w)
    # sum over the strokes painted later, as one matmul with a strictly upper-triangular matrix
    # (a cumsum over a non-contiguous dimension is several times slower on CPUs)
    later = torch.ones(n, n, dtype=alphas.dtype, device=alphas.device).triu(diagonal=1)
    after = (later @ log_keep).reshape(alphas.shape)
    return alphas * floor_exp(after), floor_exp(total)  # how much of stroke i survives on top


def apply_over(canvas: torch.Tensor, premult: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Paint an over operator onto ``canvas`` (``(..., 3, H, W)``)."""
    return canvas * keep + premult


def composite_over(background: torch.Tensor, alphas: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """Strokes ``(N, S, S)`` with colors ``(N, 3)`` painted in order over a flat ``background`` ``(3,)``."""
    return apply_over(background[:, None, None], *over_stack(alphas, colors))


def paint_stroke(canvas: torch.Tensor, alpha: torch.Tensor, color: torch.Tensor) -> torch.Tensor:
    """Paint one stroke on each image of a batch: ``canvas (B, C, H, W)``, ``alpha (B, H, W)``, ``color (B, C)``."""
    a = alpha[:, None]
    return canvas * (1 - a) + color[:, :, None, None] * a


def composite_sequential(canvas: torch.Tensor, alphas: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """Reference implementation: paint strokes one at a time (used by tests to check :func:`over_stack`)."""
    for i in range(alphas.shape[-3]):
        a = alphas[..., i : i + 1, :, :]
        canvas = canvas * (1 - a) + colors[..., i, :, None, None] * a
    return canvas
