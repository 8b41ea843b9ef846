"""Pictures of what agents do: sample grids during training, stroke order per class."""

from __future__ import annotations

import numpy as np
import torch

from brushcli.agents.policy import PaintingAgent
from brushcli.canvas.composite import paint_stroke
from brushcli.painters.painter import Painter

#: Anchor colors of the stroke-order colormap (first stroke dark blue ... last stroke yellow, like viridis).
ORDER_COLORS = np.array([[0.27, 0.00, 0.33], [0.23, 0.32, 0.55], [0.13, 0.57, 0.55], [0.37, 0.79, 0.38],
                         [0.99, 0.91, 0.14]], np.float32)


def to_rgb(images: torch.Tensor) -> np.ndarray:
    """``(N, C, H, W)`` floats -> ``(N, H, W, 3)`` numpy."""
    images = images.detach().clamp(0, 1).cpu()
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return images.permute(0, 2, 3, 1).numpy()


def tile(rows: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Rows of ``(N, H, W, 3)`` images -> one image with white gaps."""
    n = max(len(r) for r in rows)
    h, w = rows[0].shape[1:3]
    out = np.ones((len(rows) * (h + gap) - gap, n * (w + gap) - gap, 3), np.float32)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            out[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = img
    return out


def sample_grid(agent: PaintingAgent, painter: Painter, targets: torch.Tensor) -> np.ndarray:
    """Two rows: targets, and the agent's neural paintings of them."""
    was_training = agent.training
    agent.eval()
    targets = targets.to(next(agent.parameters()).device)
    with torch.no_grad():
        painting = agent(targets, painter).canvas
    agent.train(was_training)
    return tile([to_rgb(targets), to_rgb(painting)])


def order_colors(count: int) -> np.ndarray:
    """``count`` colors from the stroke-order colormap."""
    pos = np.linspace(0, len(ORDER_COLORS) - 1, count)
    lo = np.floor(pos).astype(int).clip(max=len(ORDER_COLORS) - 2)
    frac = (pos - lo)[:, None]
    return ORDER_COLORS[lo] * (1 - frac) + ORDER_COLORS[lo + 1] * frac


def stroke_order(painter: Painter, actions: torch.Tensor, scale: int = 2) -> np.ndarray:
    """Paint ``(T, 9)`` strokes on white, stroke ``t`` in the ``t``-th order color, then upscale."""
    t = actions.shape[0]
    colors = torch.from_numpy(order_colors(t))
    with torch.no_grad():
        alphas = painter(actions)
    canvas = torch.ones(1, 3, *alphas.shape[-2:])
    for i in range(t):
        canvas = paint_stroke(canvas, alphas[i:i + 1], colors[i:i + 1])
    img = to_rgb(canvas)[0]
    return np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)


def colorbar(width: int, height: int = 8, count: int = 15) -> np.ndarray:
    """A horizontal bar of the stroke-order colors (first stroke on the left)."""
    colors = order_colors(count)
    idx = np.minimum((np.arange(width) * count) // max(1, width), count - 1)
    return np.repeat(colors[idx][None], height, axis=0)
