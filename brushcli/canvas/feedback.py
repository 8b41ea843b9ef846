"""Real-MyPaint feedback: the forward pass shows what libmypaint paints, gradients come from the painter.

A neural painter imitates MyPaint closely but not exactly, and an optimiser finds and exploits
every difference (strokes the painter draws and MyPaint does not). So every few steps the current
strokes are rendered by libmypaint and the difference to the painter's output is kept, detached:
``alpha = painter(actions) + (real - painter(actions)).detach()``. The forward value is the real
alpha (exact compositing, exact colors); the gradient is the painter's. ``paint`` uses it per
stroke group on the painter's canvas, ``dream`` at the classifiers' resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.painters.painter import Painter
from brushcli.presets import Preset


def resize_image(image: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Resize ``(C, H, W)`` bilinearly, antialiased when shrinking."""
    if image.shape[-1] == width and image.shape[-2] == height:
        return image
    shrink = width < image.shape[-1] or height < image.shape[-2]
    return F.interpolate(image[None], size=(height, width), mode="bilinear", align_corners=False,
                         antialias=shrink)[0]


@torch.no_grad()
def real_alphas(preset: Preset, actions: torch.Tensor, size: int) -> torch.Tensor:
    """libmypaint's alpha for each of ``(N, 9)`` canvas actions on a ``size``-px canvas, ``(N, size, size)`` in 0..1."""
    from brushcli.mypaint.render import render_alphas

    shapes = preset.actions_to_shapes(actions.detach().cpu().double().numpy())
    real = render_alphas(preset.brush, shapes, size, preset.sampling, workers=1)
    return torch.from_numpy(real.astype(np.float32) / 32768.0).to(actions.device)


class RealFeedback:
    """Per-key corrections ``real - neural`` for strokes rendered at some size.

    ``refresh(key, actions, size)`` renders ``actions`` with libmypaint and stores the correction;
    ``apply(key, neural)`` adds it to a painter render of the same strokes at the same size (or
    returns ``neural`` unchanged if ``key`` was never refreshed).
    """

    def __init__(self, painter: Painter) -> None:
        self.painter = painter
        self.corrections: dict[Hashable, torch.Tensor] = {}

    def neural(self, actions: torch.Tensor, size: int) -> torch.Tensor:
        """The painter's alphas of ``(N, 9)`` actions at ``size`` px, ``(N, size, size)``."""
        alphas = self.painter(actions)
        return resize_image(alphas, size, size) if alphas.shape[-1] != size else alphas

    @torch.no_grad()
    def refresh(self, key: Hashable, actions: torch.Tensor, size: int, neural: torch.Tensor | None = None) -> None:
        """Render ``actions`` in MyPaint at ``size`` px and keep ``real - neural`` under ``key``.

        ``neural`` (the painter's alphas at ``size``) is computed if not given.
        """
        if neural is None:
            neural = self.neural(actions, size)
        self.corrections[key] = real_alphas(self.painter.preset, actions, size) - neural.detach()

    def forget(self, which: Callable[[Hashable], bool]) -> None:
        """Drop the corrections whose key ``which`` selects."""
        self.corrections = {k: v for k, v in self.corrections.items() if not which(k)}

    def has(self, key: Hashable) -> bool:
        return key in self.corrections

    def stacked(self, keys: list[Hashable], tiles: int) -> torch.Tensor | None:
        """Corrections of ``keys`` as ``(tiles, n, S, S)`` stacks concatenated per tile (None if any is missing).

        For stroke groups of one grid level rendered in one painter call: group ``k`` holds
        ``(tiles * n_k)`` strokes, tile-major.
        """
        if not all(k in self.corrections for k in keys):
            return None
        parts = [self.corrections[k] for k in keys]
        if len(parts) == 1:
            return parts[0].view(tiles, -1, *parts[0].shape[-2:])
        return torch.cat([c.view(tiles, -1, *c.shape[-2:]) for c in parts], dim=1)

    def apply(self, key: Hashable, neural: torch.Tensor) -> torch.Tensor:
        """``neural`` with the stored correction added (clamped to 0..1): real forward, painter gradient."""
        correction = self.corrections.get(key)
        if correction is None:
            return neural
        return (neural + correction.view_as(neural)).clamp(0.0, 1.0)
