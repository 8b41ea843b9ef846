"""Bounded stroke parameters: raw tensors behind sigmoids.

Every value the optimiser touches is squashed into the range the painter was trained on, so no
amount of optimisation can produce a stroke MyPaint cannot draw (the original Neural Painters agent
exploited exactly such out-of-range strokes, which vanish in the real replay).
"""

from __future__ import annotations

import torch
from torch import nn

_CLAMP = 1e-4


def _logit(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(_CLAMP, 1 - _CLAMP)
    return torch.log(x) - torch.log1p(-x)


class StrokeGroup(nn.Module):
    """``(tiles, n)`` strokes: actions in painter space and RGB colors, each bounded.

    ``position`` bounds the six point coordinates (tile-relative), ``size`` the size action. Init
    values are given in those same units and stored as logits of their position in the range.
    """

    def __init__(
        self,
        actions: torch.Tensor,
        colors: torch.Tensor,
        position: tuple[float, float] = (0.0, 1.0),
        size: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        super().__init__()
        self.position = position
        self.size = size
        lo = actions.new_tensor([position[0]] * 6 + [0.0, 0.0, size[0]])
        hi = actions.new_tensor([position[1]] * 6 + [1.0, 1.0, size[1]])
        self.register_buffer("lo", lo, persistent=False)
        self.register_buffer("span", hi - lo, persistent=False)
        self.raw_actions = nn.Parameter(_logit((actions - lo) / (hi - lo)))
        self.raw_colors = nn.Parameter(_logit(colors))

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.raw_actions.shape[:2])  # type: ignore[return-value]

    def actions(self) -> torch.Tensor:
        """Painter actions ``(tiles, n, 9)`` in 0..1."""
        return self.lo + self.span * torch.sigmoid(self.raw_actions)

    def colors(self) -> torch.Tensor:
        """RGB ``(tiles, n, 3)`` in 0..1."""
        return torch.sigmoid(self.raw_colors)
