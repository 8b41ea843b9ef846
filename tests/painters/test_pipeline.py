"""train-painter publishes a painter only when training finished and the painter is finite."""

from __future__ import annotations

import pytest

from brushcli.errors import InvalidArgument, PainterError
from brushcli.painters.pipeline import train_painter
from brushcli.painters.train import TrainSettings


def test_an_interrupted_run_keeps_its_checkpoint_and_publishes_nothing(tmp_path):
    out = tmp_path / "p"
    calls = []
    report = train_painter(brush="classic/pen", preset="pen", out=out, samples=64, eval_samples=8,
                           settings=TrainSettings(steps=50, batch=8, checkpoint_every=1000),
                           should_stop=lambda: calls.append(1) or len(calls) >= 3)
    assert report.stopped and report.fidelity is None
    assert (out / "checkpoint" / "state.json").is_file()
    assert not (out / "config.json").exists() and not (out / "model.safetensors").exists()


def test_a_diverged_run_publishes_nothing(tmp_path):
    out = tmp_path / "p"
    with pytest.raises(PainterError, match="diverged"):
        train_painter(brush="classic/pen", preset="pen", out=out, samples=64, eval_samples=8,
                      settings=TrainSettings(steps=30, batch=8, lr=1e30))
    assert not (out / "config.json").exists() and not (out / "model.safetensors").exists()


def test_divergence_stops_the_run_when_it_happens(tmp_path):
    with pytest.raises(PainterError, match=r"diverged at step \d+") as caught:
        train_painter(brush="classic/pen", preset="pen", out=tmp_path / "p", samples=64, eval_samples=8,
                      settings=TrainSettings(steps=2000, batch=8, lr=1e30, checkpoint_every=5000))
    assert int(str(caught.value).split("at step ")[1].split()[0]) <= 100  # not after 2,000 wasted steps


@pytest.mark.parametrize("lr", [float("inf"), float("nan"), 0.0, -1.0])
def test_learning_rates_that_are_not_positive_numbers_are_refused(lr):
    with pytest.raises(InvalidArgument, match="learning rate"):
        TrainSettings(lr=lr).validate()
