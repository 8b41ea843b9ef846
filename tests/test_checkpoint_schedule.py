"""The training schedule (torch's LinearLR then CosineAnnealingLR) gives the warm-up/cosine rates
the painter and agent recipes are written in, and a resumed schedule the same floats."""

from __future__ import annotations

import math

import pytest
import torch

from brushcli.checkpoint import WarmupCosine


def closed_form(step: int, steps: int, warm: int, floor: float) -> float:
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, steps - warm)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def _optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=123.0)


@pytest.mark.parametrize("steps, warm, floor", [(1, 1, 0.01), (5, 1, 0.1), (40, 2, 0.01), (3000, 100, 0.1)])
def test_rates_follow_warmup_then_cosine(steps, warm, floor):
    opt = _optimizer()
    schedule = WarmupCosine([(opt, 2e-3)], steps, warm, floor)
    for step in range(steps):
        assert schedule.lr == pytest.approx(2e-3 * closed_form(step, steps, warm, floor), rel=1e-9)
        opt.step()
        schedule.step()


def test_resumed_schedule_gives_the_same_floats():
    opt = _optimizer()
    schedule = WarmupCosine([(opt, 1e-3)], 300, 15, 0.01)
    rates = []
    for _ in range(300):
        rates.append(schedule.lr)
        opt.step()
        schedule.step()
    resumed = WarmupCosine([(_optimizer(), 1e-3)], 300, 15, 0.01, start=123)
    again = []
    for _ in range(123, 300):
        again.append(resumed.lr)
        resumed.step()
    assert again == rates[123:]
