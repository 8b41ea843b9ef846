"""The painting agent: a recurrent policy that looks at the target and emits one stroke per step.

Each step a small CNN encodes the target next to the canvas painted so far (plus two coordinate
channels, which make positions easy to read off), an LSTM cell carries the plan, and a linear head
emits the stroke: 9 painter actions and the ink color, all through sigmoids so every stroke stays in
the range the painter was trained on. The stroke is composited through the frozen neural painter
(``canvas * (1 - a) + color * a``), so the whole rollout is differentiable end to end: no
reinforcement learning, the loss's gradient flows through every stroke into the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from brushcli.canvas.composite import paint_stroke
from brushcli.agents.config import AgentConfig
from brushcli.painters.models import ACTION_DIM
from brushcli.painters.painter import Painter

SIDE = 64


def coordinate_grid(batch: int, side: int = SIDE, device: torch.device | None = None) -> torch.Tensor:
    """Two channels ``(batch, 2, side, side)``: x and y in -1..1 (CoordConv)."""
    ax = torch.linspace(-1.0, 1.0, side, device=device)
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    return torch.stack([xx, yy])[None].expand(batch, -1, -1, -1)


class Encoder(nn.Module):
    """``(B, C, 64, 64)`` images -> ``(B, features)``: four stride-2 convolutions and a linear layer."""

    def __init__(self, channels: int, width: int, features: int) -> None:
        super().__init__()
        w = width
        self.conv = nn.Sequential(
            nn.Conv2d(channels + 2, w, 4, 2, 1), nn.LeakyReLU(0.2),  # 32
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 16
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 8
            nn.Conv2d(4 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 4
        )
        self.out = nn.Sequential(nn.Linear(4 * w * 16, features), nn.LeakyReLU(0.2))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = torch.cat([images - 0.5, coordinate_grid(images.shape[0], images.shape[-1], images.device)], dim=1)
        return self.out(self.conv(x).flatten(1))


@dataclass
class Rollout:
    """One painting: actions ``(B, T, 9)``, ink ``(B, T, C)`` and the final canvas ``(B, C, 64, 64)``."""

    actions: torch.Tensor
    colors: torch.Tensor
    canvas: torch.Tensor


class PaintingAgent(nn.Module):
    """Target ``(B, C, 64, 64)`` -> ``config.strokes`` strokes, painted through a :class:`Painter`."""

    def __init__(self, config: AgentConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        c, arch = config.channels, config.arch
        self.feedback = bool(arch.get("feedback", False))
        self.encoder = Encoder(2 * c if self.feedback else c, arch["width"], arch["features"])
        self.cell = nn.LSTMCell(arch["features"] + ACTION_DIM + c, arch["hidden"])
        self.head = nn.Linear(arch["hidden"], ACTION_DIM + c)

    @property
    def strokes(self) -> int:
        return self.config.strokes

    @property
    def channels(self) -> int:
        return self.config.channels

    def blank(self, target: torch.Tensor) -> torch.Tensor:
        """The empty canvas: white paper."""
        return torch.ones_like(target)

    def _split(self, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = torch.sigmoid(out)
        return out[:, :ACTION_DIM], out[:, ACTION_DIM:]

    def _state(self, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b = target.shape[0]
        hidden = self.config.arch["hidden"]
        h = target.new_zeros(b, hidden)
        prev = target.new_zeros(b, ACTION_DIM + self.channels)
        return h, h.clone(), prev

    def forward(self, target: torch.Tensor, painter: Painter) -> Rollout:
        """Paint ``target`` from scratch: each stroke sees the canvas the previous ones left."""
        h, c, prev = self._state(target)
        canvas = self.blank(target)
        fixed = None if self.feedback else self.encoder(target)
        actions, colors = [], []
        for _ in range(self.strokes):
            feats = self.encoder(torch.cat([target, canvas], dim=1)) if self.feedback else fixed
            h, c = self.cell(torch.cat([feats, prev], dim=1), (h, c))
            out = self.head(h)
            action, color = self._split(out)
            canvas = paint_stroke(canvas, painter(action), color)
            prev = torch.cat([action, color], dim=1)
            actions.append(action)
            colors.append(color)
        return Rollout(torch.stack(actions, 1), torch.stack(colors, 1), canvas)

    def teacher_forced(self, target: torch.Tensor, actions: torch.Tensor, colors: torch.Tensor,
                       painter: Painter) -> tuple[torch.Tensor, torch.Tensor]:
        """Predict every stroke of a known sequence given the true earlier ones (preconditioning).

        ``actions (B, T, 9)`` and ``colors (B, T, C)`` are the example strokes; step ``t`` sees the canvas
        painted by example strokes ``< t`` and example stroke ``t - 1`` as its previous action. Returns
        the predicted ``(B, T, 9)`` actions and ``(B, T, C)`` colors.
        """
        b, t = actions.shape[:2]
        with torch.no_grad():
            alphas = painter(actions.reshape(-1, ACTION_DIM)).view(b, t, SIDE, SIDE)
            canvases = [self.blank(target)]
            for i in range(t - 1):
                canvases.append(paint_stroke(canvases[-1], alphas[:, i], colors[:, i]))
            before = torch.stack(canvases, 1)  # (B, T, C, H, W)
        if self.feedback:
            pairs = torch.cat([target[:, None].expand_as(before), before], dim=2)
            feats = self.encoder(pairs.reshape(b * t, -1, SIDE, SIDE)).view(b, t, -1)
        else:
            feats = self.encoder(target)[:, None].expand(-1, t, -1)
        h, c, prev = self._state(target)
        previous = torch.cat([prev[:, None], torch.cat([actions, colors], dim=2)[:, :-1]], dim=1)
        outs = []
        for i in range(t):
            h, c = self.cell(torch.cat([feats[:, i], previous[:, i]], dim=1), (h, c))
            outs.append(self.head(h))
        out = torch.sigmoid(torch.stack(outs, 1))
        return out[..., :ACTION_DIM], out[..., ACTION_DIM:]


def create_agent(config: AgentConfig, seed: int = 0) -> PaintingAgent:
    """A freshly initialised agent; the same seed gives the same weights (the global RNG is untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return PaintingAgent(config)
