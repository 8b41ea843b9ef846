"""The optimisation loop: the one place that steps an optimiser over stroke parameters.

It takes parameters and a loss closure (the objective applied to a rendering), so painting photos,
dreaming classes and style transfer share it; it never writes files. A per-step callback sees the
step and loss (for progress bars and time-lapses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import math
from dataclasses import dataclass, field

import torch

from brushcli.cpumode import flushed_denormals


@dataclass
class OptimizeLog:
    """Loss after each step."""

    losses: list[float] = field(default_factory=list)


class Adam:
    """Adam (Kingma & Ba) over a few parameter groups, each with a learning-rate multiplier.

    Written out instead of ``torch.optim.Adam``: constructing the first torch optimizer imports
    torch._dynamo, which costs about 5 s of a command that should finish in 10.
    """

    def __init__(self, groups: list[tuple[list[torch.Tensor], float]], betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.groups = groups
        self.betas, self.eps, self.t = betas, eps, 0
        self.state = {id(p): (torch.zeros_like(p), torch.zeros_like(p)) for ps, _ in groups for p in ps}

    def zero_grad(self) -> None:
        for params, _ in self.groups:
            for p in params:
                p.grad = None

    @torch.no_grad()
    def step(self, lr: float) -> None:
        """One update of every parameter that has a gradient, a handful of multi-tensor ops per group
        (not eight small ops per tensor: each op is a dispatch, and on several threads a barrier)."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for params, scale in self.groups:
            live = [p for p in params if p.grad is not None]
            if not live:
                continue
            grads = [p.grad for p in live]
            ms = [self.state[id(p)][0] for p in live]
            vs = [self.state[id(p)][1] for p in live]
            torch._foreach_mul_(ms, b1)
            torch._foreach_add_(ms, grads, alpha=1 - b1)
            torch._foreach_mul_(vs, b2)
            torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
            denom = torch._foreach_div(vs, c2)
            torch._foreach_sqrt_(denom)
            torch._foreach_add_(denom, self.eps)
            torch._foreach_addcdiv_(live, ms, denom, value=-lr * scale / c1)


def optimize(
    params: Iterable[torch.nn.Parameter] | list[dict],
    loss_fn: Callable[[int], torch.Tensor],
    steps: int,
    lr: float = 0.05,
    lr_end: float | None = None,
    callback: Callable[[int, float], None] | None = None,
) -> OptimizeLog:
    """Minimise ``loss_fn(step)`` with Adam for ``steps`` steps, cosine-decaying the rate to ``lr_end``.

    The rate is one line here rather than a ``torch.optim.lr_scheduler``: schedulers drive only
    ``torch.optim`` optimizers, and this loop keeps its own :class:`Adam` (see there). Training
    (painters, agents) uses torch's optimizers and schedulers (:class:`brushcli.checkpoint.WarmupCosine`).

    ``params`` may be parameter groups with their own ``lr`` (a multiplier of the schedule).
    """
    groups = list(params)
    if groups and isinstance(groups[0], dict):
        opt = Adam([(list(g["params"]), g.get("lr", 1.0)) for g in groups])
    else:
        opt = Adam([(groups, 1.0)])
    end = lr * 0.1 if lr_end is None else lr_end
    log = OptimizeLog()
    with flushed_denormals():  # the painter's backward pass is 4x slower with denormals
        for step in range(steps):
            frac = step / max(1, steps - 1)
            rate = end + (lr - end) * 0.5 * (1 + math.cos(frac * math.pi))
            loss = loss_fn(step)
            opt.zero_grad()
            loss.backward()
            opt.step(rate)
            value = float(loss.detach())
            log.losses.append(value)
            if callback:
                callback(step, value)
    return log


class BestState:
    """Remember the parameters with the lowest smoothed loss (losses are noisy: random views).

    Why: with real-MyPaint feedback the loss is measured on the replay itself, but the gradients
    come from the painter, and late in a run they can lead the replay astray; the best replay seen
    is then a better answer than the last (``dream`` keeps it). Call :meth:`see` before computing a
    loss and :meth:`report` with it; :meth:`restore` puts the best parameters back.
    """

    def __init__(self, params: list[torch.Tensor], warmup: int = 20, smoothing: float = 0.1) -> None:
        self.warmup, self.smoothing = warmup, smoothing
        self.pending = [p.detach().clone() for p in params]
        self.best = [p.detach().clone() for p in params]
        self.ema: float | None = None
        self.best_ema = math.inf
        self.best_step = -1

    def see(self, params: list[torch.Tensor]) -> None:
        """The parameters the next reported loss is computed on."""
        for keep, p in zip(self.pending, params):
            keep.copy_(p.detach())

    def report(self, step: int, loss: float) -> None:
        self.ema = loss if self.ema is None else self.ema + self.smoothing * (loss - self.ema)
        if step >= self.warmup and self.ema < self.best_ema:
            self.best_ema, self.best_step = self.ema, step
            for keep, p in zip(self.best, self.pending):
                keep.copy_(p)

    @torch.no_grad()
    def restore(self, params: list[torch.Tensor]) -> None:
        if self.best_step >= 0:
            for p, keep in zip(params, self.best):
                p.copy_(keep)
