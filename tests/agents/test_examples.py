"""Hand-made stroke examples: loading, cutting into pieces, actions, augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushcli.agents.config import AgentError
from brushcli.agents.examples import (augment, cut_strokes, load_examples, parse_examples, render_examples,
                                      split_quadratic)


def test_bundled_digits_have_ten_classes_in_range(painter):
    ex = load_examples("digits")
    assert ex.classes == [str(i) for i in range(10)]
    assert all(2 <= len(s) <= 6 for s in ex.strokes if len(s) > 2) and all(len(s) >= 2 for s in ex.strokes)
    actions, inks = ex.actions(painter.preset, 15)
    assert actions.shape == (10, 15, 9) and inks.shape == (10, 15, 1)
    assert actions.min() >= 0 and actions.max() <= 1


def test_split_quadratic_traces_the_same_curve():
    p0, p1, p2 = np.array([0.0, 0.0]), np.array([10.0, 20.0]), np.array([30.0, 5.0])

    def curve(a, b, c, t):
        return (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c

    s, c, e = split_quadratic(p0, p1, p2, 0.25, 0.6)
    for u in np.linspace(0, 1, 7):
        np.testing.assert_allclose(curve(s, c, e, u), curve(p0, p1, p2, 0.25 + u * 0.35), atol=1e-9)


def test_cut_strokes_keeps_order_and_continuity():
    rows = np.array([[0, 0, 10, 0, 20, 0, 0.5, 1.0, 3, 0, 0, 0],
                     [20, 0, 20, 30, 20, 60, 1.0, 1.0, 3, 0, 0, 0]], float)
    pieces = cut_strokes(rows, 9)
    assert len(pieces) == 9
    np.testing.assert_allclose(pieces[0, :2], [0, 0])
    np.testing.assert_allclose(pieces[-1, 4:6], [20, 60])
    for a, b in zip(pieces[:-1], pieces[1:]):
        np.testing.assert_allclose(a[4:6], b[0:2], atol=1e-9)  # each piece starts where the last ended
    assert (pieces[:, 0:2] == [20, 0]).all(axis=1).sum() == 1  # the long stroke got more pieces, in order
    assert len(cut_strokes(rows, 1)) == 1


def test_bad_example_files_are_refused():
    with pytest.raises(AgentError, match="format"):
        parse_examples({"format": "nope"})
    with pytest.raises(AgentError, match="canvas"):
        parse_examples({"format": "brush-agent-examples", "classes": {"a": [
            {"start": [0, 0], "control": [1, 1], "end": [99, 2]}]}})
    with pytest.raises(AgentError, match="unknown example set"):
        load_examples("no-such-set")


def test_augment_is_seeded_and_renders(painter):
    actions, inks = load_examples("digits").actions(painter.preset, 6)
    a1, c1 = augment(actions, inks, torch.Generator().manual_seed(1))
    a2, c2 = augment(actions, inks, torch.Generator().manual_seed(1))
    assert torch.equal(a1, a2) and torch.equal(c1, c2)
    assert not torch.equal(a1, actions) and a1.min() >= 0 and a1.max() <= 1
    with torch.no_grad():
        images = render_examples(a1[:3], c1[:3], painter)
    assert images.shape == (3, 1, 64, 64)
    assert images.min() < 0.3 and images.max() > 0.9  # ink on paper
