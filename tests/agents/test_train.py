"""Training: losses go down in both phases; a resumed run is identical to an uninterrupted one."""

from __future__ import annotations

import pytest
import torch

from _brushtest import DEVICES
from brushcli.agents.critic import ConditionalCritic, create_critic
from brushcli.agents.data import ImageSet
from brushcli.agents.examples import load_examples
from brushcli.agents.policy import create_agent
from brushcli.agents.train import AgentTrainer, AgentTrainSettings, step_generator, train_agent


def _examples(painter, strokes=4):
    return load_examples("digits").actions(painter.preset, strokes, 1)


def test_preconditioning_lowers_the_action_loss(painter, tiny_config):
    agent = create_agent(tiny_config(), seed=0)
    settings = AgentTrainSettings(steps=40, batch=8, lr=3e-3, precondition_steps=40)
    trainer = AgentTrainer(agent, ConditionalCritic(1, 4), painter, settings, _examples(painter))
    losses = [trainer.precondition_step(step_generator(0, i))["loss"] for i in range(40)]
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5


def test_adversarial_phase_lowers_the_pixel_loss(painter, digits, tiny_config):
    agent = create_agent(tiny_config(), seed=0)
    settings = AgentTrainSettings(steps=30, batch=8, lr=3e-3, pixel=50.0, adversarial=1.0)
    trainer = AgentTrainer(agent, ConditionalCritic(1, 4), painter, settings)
    targets = digits.floats(torch.arange(8))  # one fixed batch: the agent must fit it
    losses = [trainer.adversarial_step(targets, step_generator(0, i)) for i in range(30)]
    assert {"critic", "gp", "adversarial", "pixel", "loss"} <= set(losses[0])
    pixel = [row["pixel"] for row in losses]
    assert sum(pixel[-5:]) / 5 < 0.8 * sum(pixel[:5]) / 5


def _run(painter, data, out, steps, tiny_config, stop_at=None, seed_init=0):
    agent = create_agent(tiny_config(), seed=seed_init)
    critic = create_critic(1, 4, seed=seed_init)
    settings = AgentTrainSettings(steps=steps, batch=4, lr=1e-3, precondition_steps=2, order=1.0, checkpoint_every=100,
                                  sample_every=3, log_every=1)
    calls = {"n": 0}

    def should_stop():
        calls["n"] += 1
        return stop_at is not None and calls["n"] >= stop_at

    log = train_agent(agent, critic, painter, data, settings, out=out, examples=_examples(painter),
                      holdout=data.floats()[:3], should_stop=should_stop)
    return agent, critic, log


def test_checkpoint_resume_gives_identical_state(painter, digits, tmp_path, tiny_config):
    from brushcli.agents.inference import read_safetensors

    data = ImageSet(digits.images[:32], None, "digits")
    straight, _, log_a = _run(painter, data, tmp_path / "a", 5, tiny_config)
    _run(painter, data, tmp_path / "b", 5, tiny_config, stop_at=3)  # stopped (and checkpointed) after step 3
    assert read_safetensors(tmp_path / "b/checkpoint/state.safetensors") is not None
    resumed, _, log_b = _run(painter, data, tmp_path / "b", 5, tiny_config, seed_init=7)  # other init: must be overwritten
    a = read_safetensors(tmp_path / "a/checkpoint/state.safetensors")
    b = read_safetensors(tmp_path / "b/checkpoint/state.safetensors")
    assert a.keys() == b.keys() and any(k.startswith("opt.critic.") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    for (key, x), y in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(x, y), key
    csv_a = (tmp_path / "a/log.csv").read_text().splitlines()
    csv_b = (tmp_path / "b/log.csv").read_text().splitlines()
    assert [r.split(",")[:9] for r in csv_a] == [r.split(",")[:9] for r in csv_b]  # same losses, not times
    assert [r["step"] for r in log_b.rows] == [1, 2, 3, 4, 5]
    assert (tmp_path / "a/samples/step_000003.png").is_file()


@pytest.mark.parametrize("device", DEVICES)
def test_training_runs_on_every_device(digits, tiny_config, device):
    from brushcli.painters.registry import create_painter

    painter = create_painter("pen", device=device)
    agent = create_agent(tiny_config(), seed=0).to(device)
    critic = create_critic(1, 4).to(device)
    settings = AgentTrainSettings(steps=4, batch=4, critic_width=4, precondition_steps=2, sample_every=4)
    log = train_agent(agent, critic, painter, ImageSet(digits.images[:16], None, "digits"), settings,
                      examples=_examples(painter), holdout=digits.floats(torch.arange(4)))
    assert [row["phase"] for row in log.rows][-1] == "adversarial" and torch.isfinite(torch.tensor(log.last("val_mse")))
    assert next(agent.parameters()).device.type == device
