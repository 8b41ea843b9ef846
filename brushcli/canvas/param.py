"""Bounded stroke parameters: raw tensors behind sigmoids.

Every value the optimiser touches is squashed into the range the painter was trained on, so no
amount of optimisation can produce a stroke MyPaint cannot draw (the original Neural Painters agent
exploited exactly such out-of-range strokes, which vanish in the real replay).
"""

from __future__ import annotations

import torch
from torch import nn

#: How close to 0 and 1 a bounded value may get (its logit stays finite).
CLAMP = 1e-4


def logit(x: torch.Tensor) -> torch.Tensor:
    """The raw parameter behind a value in 0..1 (the inverse of the sigmoid, clamped to :data:`CLAMP`)."""
    x = x.clamp(CLAMP, 1 - CLAMP)
    return torch.log(x) - torch.log1p(-x)


class StrokeGroup(nn.Module):
    """``(tiles, n)`` strokes: actions in painter space and RGB colors, each bounded.

    ``position`` bounds the six point coordinates (tile-relative), ``size`` the size action. Init
    values are given in those same units and stored as logits of their position in the range.

    Colors are free RGB by default. With ``gray=True`` each stroke has one gray level. With a
    ``palette`` (``(K, 3)``), each stroke holds logits over the palette: a softmax mixture while
    optimising, exactly one palette color once :attr:`hard` is set (straight-through gradients).
    """

    def __init__(
        self,
        actions: torch.Tensor,
        colors: torch.Tensor,
        position: tuple[float, float] = (0.0, 1.0),
        size: tuple[float, float] = (0.0, 1.0),
        palette: torch.Tensor | None = None,
        gray: bool = False,
    ) -> None:
        super().__init__()
        self.position = position
        self.size = size
        self.gray = gray
        self.hard = False
        self.temperature = 1.0
        lo = actions.new_tensor([position[0]] * 6 + [0.0, 0.0, size[0]])
        hi = actions.new_tensor([position[1]] * 6 + [1.0, 1.0, size[1]])
        self.register_buffer("lo", lo, persistent=False)
        self.register_buffer("span", hi - lo, persistent=False)
        self.raw_actions = nn.Parameter(logit((actions - lo) / (hi - lo)))
        if palette is not None:
            self.register_buffer("palette", palette.to(colors), persistent=False)
            nearest = torch.cdist(colors.reshape(-1, 3), self.palette).argmin(dim=1).view(colors.shape[:-1])
            logits = torch.full((*colors.shape[:-1], len(palette)), -2.0, dtype=colors.dtype, device=colors.device)
            logits.scatter_(-1, nearest[..., None], 2.0)
            self.raw_colors = nn.Parameter(logits)
        else:
            self.palette = None
            start = colors.mean(dim=-1, keepdim=True) if gray else colors
            self.raw_colors = nn.Parameter(logit(start))

    @classmethod
    def joined(cls, groups: "list[StrokeGroup]") -> "StrokeGroup":
        """One group holding ``groups``' strokes, tile by tile in their order (same bounds and colors kind).

        Why: a paint level adds its strokes in several groups; optimising them as one group is the
        same painting in fewer, larger ops per step.
        """
        first = groups[0]
        for g in groups[1:]:
            same_palette = (g.palette is None and first.palette is None) or (
                g.palette is not None and first.palette is not None and torch.equal(g.palette, first.palette))
            if (g.position, g.size, g.gray, g.hard) != (first.position, first.size, first.gray, first.hard) or not same_palette:
                raise ValueError("only groups with the same bounds and colors can be joined")
        with torch.no_grad():
            out = cls(first.actions(), first.colors(), first.position, first.size, first.palette, first.gray)
            out.raw_actions = nn.Parameter(torch.cat([g.raw_actions.detach() for g in groups], dim=1))
            out.raw_colors = nn.Parameter(torch.cat([g.raw_colors.detach() for g in groups], dim=1))
        out.hard, out.temperature = first.hard, first.temperature
        return out

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.raw_actions.shape[:2])  # type: ignore[return-value]

    @property
    def free_colors(self) -> bool:
        """Whether each stroke's color is any RGB (no palette, not gray): then a color can be solved for."""
        return self.palette is None and not self.gray

    def actions(self) -> torch.Tensor:
        """Painter actions ``(tiles, n, 9)`` in 0..1."""
        return self.lo + self.span * torch.sigmoid(self.raw_actions)

    def colors(self) -> torch.Tensor:
        """RGB ``(tiles, n, 3)`` in 0..1."""
        return self.colors_from(self.raw_colors)

    def colors_from(self, raw: torch.Tensor) -> torch.Tensor:
        """RGB in 0..1 of any raw color parameters shaped like :attr:`raw_colors` (``(..., C)``)."""
        if self.palette is not None:
            soft = torch.softmax(raw / self.temperature, dim=-1)
            if self.hard:
                one_hot = torch.nn.functional.one_hot(soft.argmax(dim=-1), soft.shape[-1]).to(soft)
                soft = one_hot + soft - soft.detach()
            return soft @ self.palette
        value = torch.sigmoid(raw)
        return value.expand(*value.shape[:-1], 3) if self.gray else value
