"""The policy: shapes, bounds, end-to-end gradients through the painter, teacher forcing, seeding."""

from __future__ import annotations

import torch

from brushcli.agents.critic import ConditionalCritic, gradient_penalty
from brushcli.agents.policy import create_agent


def test_rollout_shapes_and_bounds(tiny_agent, painter, digits):
    targets = digits.floats(torch.arange(3))
    out = tiny_agent(targets, painter)
    assert out.actions.shape == (3, 4, 9) and out.colors.shape == (3, 4, 1)
    assert out.canvas.shape == (3, 1, 64, 64)
    assert out.actions.min() >= 0 and out.actions.max() <= 1
    assert out.canvas.min() >= 0 and out.canvas.max() <= 1


def test_gradients_reach_every_parameter_through_the_painter(painter, digits, tiny_config):
    for feedback in (True, False):
        agent = create_agent(tiny_config(feedback=feedback), seed=0)
        targets = digits.floats(torch.arange(2))
        loss = ((agent(targets, painter).canvas - targets) ** 2).mean()
        loss.backward()
        for name, p in agent.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
            assert p.grad.abs().sum() > 0, name
        assert all(p.grad is None for p in painter.parameters())  # the painter stays frozen


def test_teacher_forcing_shapes(tiny_agent, painter, digits):
    actions, colors = torch.rand(2, 4, 9), torch.rand(2, 4, 1)
    pred_a, pred_c = tiny_agent.teacher_forced(digits.floats(torch.arange(2)), actions, colors, painter)
    assert pred_a.shape == (2, 4, 9) and pred_c.shape == (2, 4, 1)


def test_same_seed_same_agent(tiny_config):
    a, b, c = (create_agent(tiny_config(), seed=s) for s in (0, 0, 1))
    for (k, x), y, z in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(x, y), k
    assert not all(torch.equal(x, z) for x, z in zip(a.state_dict().values(), c.state_dict().values()))


def test_critic_and_gradient_penalty(digits):
    critic = ConditionalCritic(1, width=4)
    t = digits.floats(torch.arange(3))
    assert critic(t, t).shape == (3,)
    gp = gradient_penalty(critic, t, t, torch.ones_like(t), torch.Generator().manual_seed(0))
    gp.backward()
    assert torch.isfinite(gp) and all(p.grad is not None for p in critic.parameters() if p.ndim > 1)
