"""The conditional WGAN-GP critic: scores (target, painting) pairs.

Real pairs are ``(target, target)``, fake ones ``(target, painting)``, as in SPIRAL's conditional
generation: the critic learns how a faithful painting of *this* target differs from the agent's,
which is a learned, adaptive distance rather than a pixel one. No normalisation layers, so the
gradient penalty (Gulrajani et al. 2017) acts on each sample alone.
"""

from __future__ import annotations

import torch
from torch import nn


class ConditionalCritic(nn.Module):
    """``critic(target, painting)`` -> ``(B,)`` scores; higher means "looks like the target itself"."""

    def __init__(self, channels: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(2 * channels, w, 4, 2, 1), nn.LeakyReLU(0.2),  # 32
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 16
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 8
            nn.Conv2d(4 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # 4
            nn.Flatten(), nn.Linear(4 * w * 16, 1),
        )

    def forward(self, target: torch.Tensor, painting: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([target, painting], dim=1) - 0.5)[:, 0]


def gradient_penalty(critic: ConditionalCritic, target: torch.Tensor, real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator) -> torch.Tensor:
    """``E[(|grad_x critic(target, x)| - 1)^2]`` at random points ``x`` between real and fake paintings."""
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator).to(real)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    score = critic(target, mixed)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def create_critic(channels: int, width: int = 32, seed: int = 0) -> ConditionalCritic:
    """A freshly initialised critic; the same seed gives the same weights (the global RNG is untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        return ConditionalCritic(channels, width)
