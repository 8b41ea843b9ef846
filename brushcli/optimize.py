"""The optimisation loop: the one place that steps an optimiser over stroke parameters.

It takes parameters and a loss closure (the objective applied to a rendering), so painting photos,
dreaming classes and style transfer share it; it never writes files. A per-step callback sees the
step and loss (for progress bars and time-lapses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch


@dataclass
class OptimizeLog:
    """Loss after each step."""

    losses: list[float] = field(default_factory=list)


def optimize(
    params: Iterable[torch.nn.Parameter] | list[dict],
    loss_fn: Callable[[int], torch.Tensor],
    steps: int,
    lr: float = 0.05,
    lr_end: float | None = None,
    callback: Callable[[int, float], None] | None = None,
) -> OptimizeLog:
    """Minimise ``loss_fn(step)`` with Adam for ``steps`` steps, cosine-decaying the rate to ``lr_end``.

    ``params`` may be parameter groups with their own ``lr`` (a multiplier of the schedule).
    """
    groups = list(params)
    if groups and isinstance(groups[0], dict):
        opt = torch.optim.Adam([{**g, "lr": lr * g.get("lr", 1.0)} for g in groups], lr=lr)
        scales = [g.get("lr", 1.0) for g in groups]
    else:
        opt = torch.optim.Adam(groups, lr=lr)
        scales = [1.0]
    end = lr * 0.1 if lr_end is None else lr_end
    log = OptimizeLog()
    for step in range(steps):
        frac = step / max(1, steps - 1)
        rate = end + (lr - end) * 0.5 * (1 + torch.cos(torch.tensor(frac * torch.pi)).item())
        for group, scale in zip(opt.param_groups, scales):
            group["lr"] = rate * scale
        loss = loss_fn(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = float(loss.detach())
        log.losses.append(value)
        if callback:
            callback(step, value)
    return log
