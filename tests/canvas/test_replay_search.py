"""Replay search: a hill climb scored on real libmypaint renders (no painter involved)."""

from __future__ import annotations

import pytest
import torch

from brushcli.canvas.param import StrokeGroup
from brushcli.errors import InvalidArgument
from brushcli.presets import load_preset
from brushcli.canvas.composite import composite_over as composite
from brushcli.canvas.composite import over_stack, paint_stroke
from brushcli.replay_search import SearchSettings, best_colors, search_strokes
from brushcli.canvas.feedback import real_alphas
from brushcli.vision.transforms import fixed_views

SIZE = 48


def _group(actions: torch.Tensor, colors: torch.Tensor) -> StrokeGroup:
    return StrokeGroup(actions[None], colors[None])


def _strokes(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    actions = 0.2 + 0.6 * torch.rand(n, 9, generator=g)
    actions[:, 8] = 0.3 + 0.4 * torch.rand(n, generator=g)
    return actions, torch.rand(n, 3, generator=g)


def _goal(seed: int, n: int):
    """The pen preset, a white background, ``n`` goal strokes, real MyPaint's painting of them, and the
    squared error against it (the score every search here climbs)."""
    preset = load_preset("pen")
    background = torch.ones(3)
    goal_a, goal_c = _strokes(seed, n)
    target = composite(background, real_alphas(preset, goal_a, SIZE), goal_c)

    def score(images: torch.Tensor) -> torch.Tensor:
        return ((images - target) ** 2).mean(dim=(1, 2, 3))

    return preset, background, goal_a, goal_c, target, score


@pytest.mark.parametrize("ordered", [False, True])
def test_search_moves_real_strokes_towards_a_target_and_never_worsens(ordered):
    preset, background, goal_a, goal_c, target, score = _goal(1, 3)  # the target: what real MyPaint paints

    start_a, start_c = _strokes(2, 3)
    group = _group(start_a, start_c)
    log = search_strokes(group, preset, background, SIZE, score, SearchSettings(sweeps=3, candidates=8, ordered=ordered),
                         torch.Generator().manual_seed(0))
    assert len(log.scores) == 9 and log.accepted > 0
    assert all(b <= a for a, b in zip([log.start, *log.scores], log.scores))  # only improvements are kept
    assert log.scores[-1] < 0.8 * log.start
    # the group now holds the strokes that scored best, re-rendered from scratch by MyPaint (ordered: the
    # layers kept below and above each stroke were right)
    actions, colors = group.actions()[0].detach(), group.colors()[0].detach()
    assert float(score(composite(background, real_alphas(preset, actions, SIZE), colors)[None])[0]) == pytest.approx(
        log.scores[-1], rel=1e-4, abs=1e-6)
    assert actions.min() >= 0 and actions.max() <= 1  # bounded raw space: every candidate is drawable


def test_search_refuses_tiled_groups_and_bad_settings():
    actions, colors = _strokes(0, 2)
    tiled = StrokeGroup(actions.view(2, 1, 9), colors.view(2, 1, 3))
    with pytest.raises(InvalidArgument, match="one canvas"):
        search_strokes(tiled, load_preset("pen"), torch.ones(3), SIZE, lambda x: x.mean(dim=(1, 2, 3)))
    with pytest.raises(InvalidArgument):
        SearchSettings(candidates=1).validate()


def test_fixed_views_are_the_same_for_every_image_and_call():
    images = torch.rand(3, 3, 32, 32)
    views = fixed_views(4, seed=5, fill=1.0)
    out = views(images)
    assert out.shape == (12, 3, 32, 32)
    assert torch.equal(out[:3], images)  # the first view is the painting itself
    assert torch.equal(views(images[1:2])[1], out[4])  # view 1 of image 1, alone or in a batch
    assert not torch.allclose(out[3:6], images)


def test_rescored_search_compares_candidates_with_the_current_painting_on_the_same_random_views():
    preset = load_preset("pen")
    background = torch.ones(3)
    goal_a, goal_c = _strokes(1, 3)
    target = composite(background, real_alphas(preset, goal_a, SIZE), goal_c)
    noise = torch.Generator().manual_seed(9)
    sizes = []

    def score(images: torch.Tensor) -> torch.Tensor:  # a random offset per call, shared by its images
        sizes.append(len(images))
        return ((images - target) ** 2).mean(dim=(1, 2, 3)) + 5 * torch.rand((), generator=noise)

    def true_error(group: StrokeGroup) -> float:
        a, c = group.actions()[0].detach(), group.colors()[0].detach()
        return float(((composite(background, real_alphas(preset, a, SIZE), c) - target) ** 2).mean())

    group = _group(*_strokes(2, 3))
    start = true_error(group)
    log = search_strokes(group, preset, background, SIZE, score, SearchSettings(sweeps=3, candidates=8, rescore=True),
                         torch.Generator().manual_seed(0))
    assert set(sizes[1:]) == {9}  # each trial: the current painting and 8 candidates, one call
    assert log.accepted > 0 and true_error(group) < 0.8 * start


def test_best_colors_are_the_exact_least_squares_color_of_each_stroke_between_the_layers():
    preset = load_preset("pen")
    actions, colors = _strokes(8, 3)
    alphas = real_alphas(preset, actions, SIZE)
    below = composite(torch.full((3,), 0.9), alphas[:1], colors[:1])
    above_p, above_keep = over_stack(alphas[2:], colors[2:])
    hidden = float(((1 - above_keep[0]) * alphas[1]).sum())
    assert 0.2 * float(alphas[1].sum()) < hidden < 0.8 * float(alphas[1].sum())  # partly covered from above
    goal = torch.tensor([0.2, 0.7, 0.4])
    painted = above_p + above_keep * paint_stroke(below[None], alphas[1:2], goal[None])[0]
    crop = painted[:, :40, :36]  # a target smaller than the canvas is compared on its top-left pixels
    found = best_colors(below, alphas[1:2], above_p, above_keep, crop)
    assert torch.allclose(found[0], goal, atol=1e-4)  # recovers the color that painted the target
    noisy = crop + 0.05 * torch.randn(crop.shape, generator=torch.Generator().manual_seed(1))
    best = best_colors(below, alphas[1:2], above_p, above_keep, noisy)[0]

    def error(color: torch.Tensor) -> float:
        image = above_p + above_keep * paint_stroke(below[None], alphas[1:2], color[None])[0]
        return float(((image[:, :40, :36] - noisy) ** 2).sum())

    for step in ([0.02, 0, 0], [0, -0.02, 0], [0, 0, 0.02]):  # any other color leaves more error
        assert error(best) < error(best + torch.tensor(step))
    white = best_colors(below, alphas[1:2], above_p, above_keep, torch.full_like(crop, 3.0))
    assert float(white.max()) <= 1.0  # clipped to the colors a stroke can have


def test_a_search_with_the_target_solves_colors_and_beats_random_colors():
    preset, background, goal_a, goal_c, target, score = _goal(1, 4)

    start = float(score(composite(background, real_alphas(preset, goal_a, SIZE), _strokes(2, 4)[1])[None])[0])
    ends = {}
    for solve in (False, True):
        group = _group(goal_a, _strokes(2, 4)[1])  # the goal's shapes in wrong colors
        log = search_strokes(group, preset, background, SIZE, score,
                             SearchSettings(sweeps=2, candidates=4, sigma=0.05, ordered=True),
                             torch.Generator().manual_seed(0), target=target if solve else None)
        a, c = group.actions()[0].detach(), group.colors()[0].detach()
        ends[solve] = float(score(composite(background, real_alphas(preset, a, SIZE), c)[None])[0])
        assert ends[solve] == pytest.approx(log.scores[-1], rel=1e-3, abs=1e-7)
    assert ends[True] < 0.02 * start and ends[True] < 0.1 * ends[False]


def test_solved_trials_render_as_many_shapes_as_random_ones():
    from brushcli.replay_search import trial_sizes

    settings = SearchSettings(candidates=16)  # a quarter of them color-only
    assert trial_sizes(settings, solve=False) == (16, 4)
    assert trial_sizes(settings, solve=True) == (13, 1)  # the same 12 shapes, one solved color-only trial


def test_each_kind_of_move_changes_only_what_it_names():
    from brushcli.replay_search import _moved as moved_rows

    raw = torch.logit(torch.tensor([0.3, 0.4, 0.5, 0.5, 0.7, 0.45, 0.6, 0.5, 0.4], dtype=torch.float64))
    step = torch.tensor([0.2, -0.1, 0.3, -0.5, 0.1, 0.05, -0.2, 0.15, 0.25], dtype=torch.float64)

    def _moved(raw: torch.Tensor, step: torch.Tensor, move: str) -> torch.Tensor:  # one row of one kind
        return moved_rows(raw, step[None], [move])[0]
    shift = _moved(raw, step, "shift") - raw
    assert torch.allclose(shift[0:6], torch.tensor([0.2, -0.1] * 3, dtype=torch.float64)) and not shift[6:].any()
    point = _moved(raw, step, "point") - raw
    assert torch.allclose(point[0:2], step[0:2]) and not point[2:].any()  # argmax(step[2:5]) = 0: the first point
    pressure = _moved(raw, step, "pressure") - raw
    assert not pressure[:6].any() and torch.allclose(pressure[6:], step[6:])
    assert torch.allclose(_moved(raw, step, "all"), raw + step)

    def points(r: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(r[0:6]).view(3, 2)

    before = points(raw)
    for move, factor in (("turn", 1.0), ("scale", float(torch.exp(step[0])))):
        after = points(_moved(raw, step, move))
        assert torch.allclose(after.mean(dim=0), before.mean(dim=0), atol=1e-9)  # about the stroke's center
        assert torch.allclose(torch.cdist(after, after), factor * torch.cdist(before, before), atol=1e-9)
        assert torch.equal(_moved(raw, step, move)[6:], raw[6:])
    turned = points(_moved(raw, step, "turn")) - before.mean(dim=0)
    start = before - before.mean(dim=0)
    angle = torch.atan2(turned[0, 1], turned[0, 0]) - torch.atan2(start[0, 1], start[0, 0])
    assert float(angle) == pytest.approx(0.2)


def test_all_moves_draw_the_candidates_of_a_random_step_and_unknown_moves_are_refused():
    from brushcli.replay_search import MOVES, perturb

    raw_a, raw_c = torch.zeros(9), torch.zeros(3)
    a, c = perturb(raw_a, raw_c, 8, 2, 0.5, torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    assert torch.equal(a[2:], 0.5 * torch.randn(6, 9, generator=g)) and not a[:2].any()
    assert torch.equal(c[:2], 0.5 * torch.randn(2, 3, generator=g))
    mixed, mixed_c = perturb(raw_a, raw_c, 8, 2, 0.5, torch.Generator().manual_seed(3), MOVES)
    assert torch.equal(mixed_c, c)  # the same colors: the kinds change only how the shape noise is used
    assert not mixed[3, 6:].any() and mixed[3, 0:6].unique().numel() == 2  # the second shape candidate: a shift
    with pytest.raises(InvalidArgument, match="moves"):
        SearchSettings(moves=("all", "jump")).validate()
    with pytest.raises(InvalidArgument, match="moves"):
        SearchSettings(moves=()).validate()


def test_a_search_that_only_shifts_moves_a_misplaced_stroke_back_and_keeps_its_shape():
    preset, background, goal_a, goal_c, target, score = _goal(4, 1)

    group = _group(goal_a, goal_c)
    group.raw_actions.data[0, 0, 0:6] += torch.tensor([0.3, -0.2] * 3)  # the same stroke, moved
    raw = group.raw_actions.detach().clone()
    log = search_strokes(group, preset, background, SIZE, score,
                         SearchSettings(sweeps=12, candidates=8, sigma=0.2, decay=0.5, moves=("shift",)),
                         torch.Generator().manual_seed(0))
    moved = group.raw_actions.detach() - raw
    assert log.scores[-1] < 0.3 * log.start
    assert torch.allclose(moved[0, 0, 0:6:2], moved[0, 0, 0].expand(3)) and not moved[0, 0, 6:].any()
