"""The :class:`Painter` module every other part of brush renders through."""

from __future__ import annotations

import torch
from torch import nn

from brushcli.errors import PainterError
from brushcli.painters.config import PainterConfig
from brushcli.painters.models import ACTION_DIM, DabNet, build_net
from brushcli.presets import Preset


class Painter(nn.Module):
    """A differentiable imitation of one MyPaint brush.

    ``painter(actions)`` maps ``(N, 9)`` actions in 0..1 (start, control, end point, start/end
    pressure, size; see :class:`~brushcli.presets.Preset`) to the strokes' alpha ``(N, S, S)``.
    Color is not the painter's business: callers composite ``canvas * (1 - a) + color * a``.
    """

    def __init__(self, config: PainterConfig) -> None:
        super().__init__()
        self.config = config
        self.net = build_net(config.arch, config.preset.size, config.canvas, config.arch_args)

    @property
    def preset(self) -> Preset:
        return self.config.preset

    @property
    def canvas(self) -> int:
        return self.config.canvas

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def scalable(self) -> bool:
        """Whether :meth:`render_at` can draw at other canvas sizes (the dab painter computes its geometry)."""
        return isinstance(self.net, DabNet)

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        if actions.ndim != 2 or actions.shape[1] != ACTION_DIM:
            raise ValueError(f"actions must be (N, {ACTION_DIM}), got {tuple(actions.shape)}")
        return self.net(actions)  # every architecture ends in a sigmoid: already in 0..1

    def render_at(self, actions: torch.Tensor, size: int) -> torch.Tensor:
        """Alpha ``(N, size, size)`` of the same strokes on a ``size``-px canvas (sharper than upscaling).

        Only :attr:`scalable` painters can; the others raise :class:`PainterError`.
        """
        if size == self.canvas:
            return self(actions)
        if not self.scalable:
            raise PainterError(f"painter {self.name!r} ({self.config.arch}) draws {self.canvas}-px strokes only")
        if actions.ndim != 2 or actions.shape[1] != ACTION_DIM:
            raise ValueError(f"actions must be (N, {ACTION_DIM}), got {tuple(actions.shape)}")
        return self.net(actions, size)
