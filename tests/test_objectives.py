"""The objective algebra: values, descriptions and what each objective reads combine correctly."""

from __future__ import annotations

import pytest
import torch

from _brushtest import register_tiny_classifier
from brushcli.errors import InvalidArgument
from brushcli.objectives import (Objective, Seen, class_logit, class_objective, content_loss, content_objective,
                                 evaluate, observe, pixel_loss)
from brushcli.vision.nets import NetEnsemble

register_tiny_classifier("tiny-objective", input_size=16)


@pytest.fixture(scope="module")
def nets():
    return NetEnsemble.create(["tiny-objective"], pretrained=False)


def _constant(value: float, name: str, needs=()) -> Objective:
    return Objective(lambda s: torch.tensor(value), name, needs)


def test_arithmetic_values_descriptions_and_needs():
    a = _constant(2.0, "a", {("n1", "logits")})
    b = _constant(5.0, "b", {("n2", "conv")})
    seen = Seen(torch.zeros(1, 3, 4, 4))
    cases = [(a + b, 7.0, "a + b"), (a - b, -3.0, "a - (b)"), (3 * a, 6.0, "3 * a"), (a / 4, 0.5, "a / 4"),
             (-a, -2.0, "-(a)"), (a + 1, 3.0, "a + 1"), (1 - a, -1.0, "-(a) + 1"), (sum([a, b]), 7.0, "a + b"),
             (Objective.mean([a, b]), 3.5, "mean(a, b)")]
    for obj, value, text in cases:
        assert float(obj(seen)) == value and str(obj) == text
    assert (a + b).needs == {("n1", "logits"), ("n2", "conv")} and (2 * a).needs == a.needs
    with pytest.raises(InvalidArgument):
        Objective.mean([])


def test_pixel_loss_is_the_mean_squared_error():
    g = torch.Generator().manual_seed(0)
    images, target = torch.rand(1, 3, 8, 8, generator=g), torch.rand(1, 3, 8, 8, generator=g)
    loss = evaluate(pixel_loss(), images, target)
    torch.testing.assert_close(loss, ((images - target) ** 2).mean())
    assert float(evaluate(pixel_loss(), target, target)) == 0.0
    with pytest.raises(InvalidArgument, match="needs a target"):
        evaluate(pixel_loss(), images)


def test_content_loss_is_zero_on_the_target_and_positive_elsewhere(nets):
    g = torch.Generator().manual_seed(1)
    target = torch.rand(1, 3, 16, 16, generator=g)
    obj = content_objective("tiny-objective", ["0", "1"])
    assert obj.needs == obj.target_needs == {("tiny-objective", "0"), ("tiny-objective", "1")}
    assert float(evaluate(obj, target, target, nets, resize=False)) == 0.0
    assert float(evaluate(obj, torch.rand(1, 3, 16, 16, generator=g), target, nets, resize=False)) > 0.01
    with pytest.raises(InvalidArgument, match="give the nets"):
        evaluate(obj, target, target)


def test_target_activations_are_cached_per_key(nets):
    calls = []
    real_run = nets.run
    nets.run = lambda images, needs, resize=True: calls.append(images.shape) or real_run(images, needs, resize)
    try:
        cache: dict = {}
        target = torch.rand(1, 3, 16, 16)
        for _ in range(3):
            evaluate(content_loss("tiny-objective", "0"), torch.rand(1, 3, 16, 16), target, nets,
                     target_cache=cache, target_key="w")
    finally:
        nets.run = real_run
    assert len(calls) == 4  # three paintings, the target once


def test_class_objectives_raise_the_class_and_mix_with_pixels(nets):
    images = torch.full((2, 3, 16, 16), 0.5, requires_grad=True)
    obj = class_objective(["tiny-objective"], 7) + 0.5 * pixel_loss()
    loss = evaluate(obj, images, torch.zeros(1, 3, 16, 16), nets)
    loss.backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    seen = observe(class_logit("tiny-objective", 7), images.detach(), nets=nets)
    logits = seen("tiny-objective")
    expected = -torch.log_softmax(logits, -1)[:, 7].mean()
    torch.testing.assert_close(class_logit("tiny-objective", 7)(seen), expected)
    assert float(class_logit("tiny-objective", 7, "logit")(seen)) == pytest.approx(-float(logits[:, 7].mean()))
    with pytest.raises(InvalidArgument, match="unknown class objective mode"):
        class_logit("tiny-objective", 7, "softmax")
    with pytest.raises(InvalidArgument, match="no activations recorded"):
        seen("tiny-objective", "0")


def test_rows_select_one_candidates_views(nets):
    images = torch.rand(4, 3, 16, 16)
    seen = observe(class_logit("tiny-objective", 1), images, nets=nets)
    part = seen.rows(torch.tensor([1, 3]))
    assert part.images.shape[0] == 2 and part("tiny-objective").shape == (2, 1000)
    torch.testing.assert_close(part("tiny-objective"), seen("tiny-objective")[[1, 3]])


def test_margin_mode_stops_pulling_once_a_view_is_won(nets):
    images = torch.rand(3, 3, 16, 16)
    seen = observe(class_logit("tiny-objective", 7), images, nets=nets)
    logits = seen("tiny-objective")
    others = torch.cat([logits[:, :7], logits[:, 8:]], dim=1)
    expected = -(logits[:, 7] - torch.logsumexp(others, dim=1)).clamp(max=2.2).mean()
    torch.testing.assert_close(class_logit("tiny-objective", 7, "margin")(seen), expected)
    won = torch.zeros(2, 1000, requires_grad=True)
    with torch.no_grad():
        won[0, 7] = 20.0  # view 0: p ~ 1, past the margin; view 1: undecided
    loss = class_logit("tiny-objective", 7, "margin")(Seen(torch.zeros(2, 3, 4, 4), {("tiny-objective", "logits"): won}))
    loss.backward()
    assert won.grad[0].abs().sum() == 0 and won.grad[1].abs().sum() > 0
