"""The optimisation loop: its Adam is torch's Adam, the schedule decays, the best state is kept."""

from __future__ import annotations

import math

import torch

from brushcli.optimize import Adam, BestState, optimize


def test_own_adam_matches_torch_adam_step_for_step():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, 3, generator=g)
    b = torch.randn(7, generator=g)
    mine = [a.clone().requires_grad_(), b.clone().requires_grad_()]
    ref = [a.clone().requires_grad_(), b.clone().requires_grad_()]
    own = Adam([([mine[0]], 1.0), ([mine[1]], 0.5)])
    torch_adam = torch.optim.Adam([{"params": [ref[0]], "lr": 0.05}, {"params": [ref[1]], "lr": 0.025}])
    targets = [torch.randn(5, 3, generator=g), torch.randn(7, generator=g)]
    for step in range(25):
        lr = 0.05 * (1 + math.cos(step / 25 * math.pi)) / 2 + 0.001  # a changing rate, as the loop uses
        for group, scale in zip(torch_adam.param_groups, (1.0, 0.5)):
            group["lr"] = lr * scale
        for params, opt in ((mine, own), (ref, torch_adam)):
            loss = sum(((p - t) ** 4).sum() for p, t in zip(params, targets))
            opt.zero_grad()
            loss.backward()
        own.step(lr)
        torch_adam.step()
        for p, q in zip(mine, ref):
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(mine[0], a)  # the parameters really moved


def test_optimize_lowers_a_loss_and_reports_every_step():
    x = torch.nn.Parameter(torch.tensor([3.0, -2.0]))
    seen = []
    log = optimize([x], lambda step: (x**2).sum(), steps=60, lr=0.2, callback=lambda s, v: seen.append(s))
    assert seen == list(range(60)) and len(log.losses) == 60
    assert log.losses[-1] < 0.05 * log.losses[0]


def test_parameter_groups_scale_the_rate():
    x = torch.nn.Parameter(torch.tensor([1.0]))
    y = torch.nn.Parameter(torch.tensor([1.0]))
    optimize([{"params": [x], "lr": 1.0}, {"params": [y], "lr": 0.0}], lambda s: (x + y).sum(), steps=5, lr=0.1)
    assert x.item() < 0.9 and y.item() == 1.0


def test_best_state_restores_the_lowest_smoothed_loss():
    p = torch.nn.Parameter(torch.zeros(1))
    best = BestState([p], warmup=0, smoothing=1.0)
    for step, (value, loss) in enumerate([(1.0, 5.0), (2.0, 1.0), (3.0, 4.0)]):
        with torch.no_grad():
            p.fill_(value)
        best.see([p])
        best.report(step, loss)
    best.restore([p])
    assert p.item() == 2.0
