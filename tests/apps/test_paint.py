"""brush paint: optimisation through the bundled painter, real MyPaint replay, outputs, batch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from _brushtest import DEVICES

import brushcli.apps.paint as paint_app
from brushcli.cli import app
from brushcli.images import load_image
from brushcli.apps.paint import PaintSettings, paint
from brushcli.outputs.folder import MARKER, OUTPUT_FILES
from brushcli.outputs.replay import replay
from brushcli.painters.registry import create_painter

PHOTO = "docs/examples/astronaut.jpg"


@pytest.fixture(scope="module")
def painter():
    return create_painter("pen")


@pytest.fixture(scope="module")
def small_photo():
    return load_image(PHOTO)[::4, ::4].copy()


def test_loss_decreases_and_replay_matches_neural(painter, small_photo):
    result = paint(small_photo, painter, PaintSettings(strokes=12, size=64, steps=120, seed=0))
    first = np.mean(result.losses[:5])
    last = np.mean(result.losses[-5:])
    assert last < 0.7 * first
    real = replay(result.strokes).image
    mse_neural = np.mean((result.neural - result.target) ** 2)
    mse_real = np.mean((real - result.target) ** 2)
    gap = np.mean((real - result.neural) ** 2)
    flat = np.mean((result.target - result.target.mean(axis=(0, 1))) ** 2)
    assert mse_neural < 0.6 * flat  # the strokes explain a good part of the image
    assert gap < 0.5 * mse_real and mse_real < 0.8 * flat  # MyPaint paints what the optimiser saw


def test_cpu_determinism_with_seed(painter, small_photo):
    settings = PaintSettings(strokes=6, size=64, steps=20, seed=3)
    a = paint(small_photo, painter, settings)
    b = paint(small_photo, painter, settings)
    np.testing.assert_array_equal(a.strokes.params, b.strokes.params)
    c = paint(small_photo, painter, PaintSettings(strokes=6, size=64, steps=20, seed=4))
    assert not np.array_equal(a.strokes.params, c.strokes.params)


def test_tiled_levels_and_non_square(painter):
    image = load_image("docs/examples/chelsea.jpg")  # 300x225
    result = paint(image, painter, PaintSettings(strokes=60, size=128, steps=30, seed=0))
    assert result.neural.shape == (96, 128, 3)
    assert len(result.strokes) == 60
    levels = {entry["level"] for entry in result.strokes.meta["plan"]}
    assert levels == {0, 1}


def test_cli_outputs_and_resume(runner, tmp_path):
    out = tmp_path / "out"
    args = ["paint", PHOTO, "--strokes", "8", "--size", "96", "--steps", "20", "-o", str(out), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    folder = out / "astronaut"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*OUTPUT_FILES, MARKER])
    metrics = json.loads((folder / "metrics.json").read_text())
    for key in ("mse_neural", "mse_mypaint", "gap_mse", "strokes", "steps", "seconds", "painter", "device"):
        assert key in metrics
    assert metrics["strokes"] == 8 and metrics["painter"] == "pen"
    assert Image.open(folder / "mypaint.png").size == (96, 96)
    assert Image.open(folder / "timelapse.gif").n_frames == 8  # one frame per stroke
    # strokes.json loads in `brush render`
    png = tmp_path / "big.png"
    assert runner.invoke(app, ["render", str(folder / "strokes.json"), "-o", str(png), "--size", "200"]).exit_code == 0
    assert Image.open(png).size == (200, 200)
    # resume continues from the saved strokes
    again = runner.invoke(app, ["paint", "--resume", str(folder / "strokes.json"), "--steps", "10", "-o",
                                str(tmp_path / "resumed"), "-q"])
    assert again.exit_code == 0, again.output
    resumed = json.loads((tmp_path / "resumed" / "astronaut" / "metrics.json").read_text())
    assert resumed["strokes"] == 8


def test_a_short_resume_polishes_instead_of_undoing_the_painting(painter):
    image = load_image(PHOTO, max_side=64)
    first = paint(image, painter, PaintSettings(strokes=30, size=64))
    again = paint(image, painter, PaintSettings(strokes=30, size=64, steps=20), resume=first.strokes)
    # at the full rate 20 steps made it 10-60% worse; started gently they keep it (or improve it)
    assert again.metrics["mse_mypaint"] <= first.metrics["mse_mypaint"] * 1.03


def test_batch_keeps_going_past_a_corrupt_image(runner, tmp_path):
    photos = tmp_path / "photos"
    (photos / "nested").mkdir(parents=True)
    img = Image.open(PHOTO).resize((48, 48))
    img.save(photos / "one.png")
    img.save(photos / "nested" / "two.jpg")
    img.save(photos / "three_no_extension", format="PNG")  # found by content
    (photos / "notes.txt").write_text("not an image")  # ignored in a folder
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    out = tmp_path / "out"
    args = ["paint", str(photos), str(bad), "--strokes", "4", "--size", "64", "--steps", "5", "-o", str(out), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["one", "three_no_extension", "two"]
    assert "broken" in result.stdout and "1 of 4 images failed" in result.stderr
    # a second run skips what is done
    again = runner.invoke(app, args[:-1] + ["-q"])
    assert "skipped" in again.stdout


def test_bad_paint_arguments(runner, tmp_path):
    for args, needle in [
        (["paint", PHOTO, "--strokes", "0"], "--strokes"),
        (["paint", PHOTO, "--size", "100000"], "--size"),
        (["paint", str(tmp_path / "nope.jpg")], "no such file"),
        (["paint", PHOTO, "--painter", "nonexistent"], "unknown painter"),
        (["paint", PHOTO, "--device", "tpu"], "--device"),
        (["paint", PHOTO, "--search", "-1"], "--search"),
        (["paint", PHOTO, "--quality", "slow"], "--quality"),
    ]:
        result = runner.invoke(app, args + ["-o", str(tmp_path / "o")])
        assert result.exit_code != 0
        assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_real_feedback_render_equals_the_mypaint_replay(painter, small_photo):
    """With real alphas refreshed, the optimiser's forward pass is what MyPaint paints."""
    import torch

    from brushcli.canvas.layered import canvas_from_strokes

    result = paint(small_photo, painter, PaintSettings(strokes=10, size=64, steps=30, seed=1))
    canvas = canvas_from_strokes(result.strokes, painter)
    canvas.refresh_real(list(range(len(canvas.groups))))
    canvas.use_real = True
    with torch.no_grad():
        forward = canvas.render(64, 64).permute(1, 2, 0).numpy()
    real = replay(result.strokes).image
    assert np.abs(forward - real).mean() < 2e-3
    canvas.use_real = False
    with torch.no_grad():
        neural = canvas.render(64, 64).permute(1, 2, 0).numpy()
    assert np.abs(neural - real).mean() > np.abs(forward - real).mean()


def test_overwrite_means_the_same_for_done_and_for_other_settings(runner, tmp_path):
    out = tmp_path / "out"
    base = ["paint", PHOTO, "--size", "64", "--steps", "3", "-o", str(out), "-q"]
    assert runner.invoke(app, base + ["--strokes", "3"]).exit_code == 0
    again = runner.invoke(app, base + ["--strokes", "3"])
    assert again.exit_code == 0 and "skipped" in again.stdout
    other = runner.invoke(app, base + ["--strokes", "4"])
    assert other.exit_code == 2 and "other settings" in other.stderr
    assert json.loads((out / "astronaut" / "metrics.json").read_text())["strokes"] == 3
    redo = runner.invoke(app, base + ["--strokes", "4", "--overwrite"])
    assert redo.exit_code == 0 and json.loads((out / "astronaut" / "metrics.json").read_text())["strokes"] == 4


@pytest.mark.parametrize("device", DEVICES)
def test_paint_runs_on_every_device(small_photo, device):
    result = paint(small_photo, create_painter("pen", device=device),
                   PaintSettings(strokes=6, size=64, steps=12, seed=0, device=device))
    assert result.device == device and result.info["device"] == device
    assert result.neural.shape == (64, 64, 3) and np.isfinite(result.neural).all()
    assert result.losses[-1] < result.losses[0]


def test_the_thread_count_is_recorded_and_chosen_from_the_work(painter, small_photo):
    one = paint(small_photo, painter, PaintSettings(strokes=6, size=64, steps=12, seed=0, cores=4))
    assert one.info["threads"] == 1  # 6 strokes on one 64-px canvas: small work
    again = paint(small_photo, painter, PaintSettings(strokes=6, size=64, steps=12, seed=0, cores=1))
    np.testing.assert_array_equal(one.strokes.params, again.strokes.params)  # no other cores, same bytes
    big = PaintSettings(strokes=2000, size=512, cores=4)
    assert big.threads_for(2000 * 64 * 64) == 4 and PaintSettings(threads=3).threads_for(10) == 3


def test_reseeding_runs_every_round_and_moves_weak_strokes(painter, small_photo, monkeypatch):
    from brushcli.apps.planner import Recipe
    from brushcli.errors import InvalidArgument

    moved: list[int] = []
    real = paint_app._reseed

    def counting(*args, **kwargs):  # the real reseed, counted
        moved.append(real(*args, **kwargs))
        return moved[-1]

    monkeypatch.setattr(paint_app, "_reseed", counting)
    paint(small_photo, painter, PaintSettings(strokes=20, size=64, steps=100, recipe=Recipe(reseed_rounds=3)))
    assert len(moved) == 3 and sum(moved) > 0
    with pytest.raises(InvalidArgument, match="reseed_rounds"):
        PaintSettings(recipe=Recipe(reseed_rounds=0)).validate()


def test_the_replay_search_only_improves_what_mypaint_paints(painter, small_photo):
    plain = paint(small_photo, painter, PaintSettings(strokes=15, size=64, steps=80, search=0))
    searched = paint(small_photo, painter, PaintSettings(strokes=15, size=64, steps=80, search=2))
    info = searched.info
    assert "search_loss_first" not in plain.info
    # the same gradient steps, then trials scored on libmypaint's render: the replay error only falls
    assert info["search_loss_first"] == pytest.approx(plain.metrics["mse_mypaint"], rel=1e-3)
    assert info["search_accepted"] > 0 and info["search_loss_last"] < info["search_loss_first"]
    assert searched.metrics["mse_mypaint"] == pytest.approx(info["search_loss_last"], rel=1e-3)
    assert searched.metrics["mse_mypaint"] < plain.metrics["mse_mypaint"]
    assert searched.steps == plain.steps and len(searched.strokes) == 15
    # with tiled levels every stroke is tried on the replay at the output size, after the same steps
    ticks = []
    tiled_plain = paint(small_photo, painter, PaintSettings(strokes=60, size=128, steps=20, search=0))
    tiled = paint(small_photo, painter, PaintSettings(strokes=60, size=128, steps=20, search=2),
                  progress=lambda *a: ticks.append(a))
    assert tiled.info["search_loss_first"] == pytest.approx(tiled_plain.metrics["mse_mypaint"], rel=1e-3)
    assert tiled.metrics["mse_mypaint"] == pytest.approx(tiled.info["search_loss_last"], rel=1e-3)
    assert tiled.metrics["mse_mypaint"] < tiled_plain.metrics["mse_mypaint"] and tiled.steps == tiled_plain.steps
    assert ticks[-1][0] == ticks[-1][1] == tiled.steps + 2 * 60  # the progress bar ends at its total


def test_a_larger_output_is_searched_at_twice_the_painter_canvas_for_some_of_the_steps(painter, small_photo,
                                                                                      monkeypatch):
    plain = paint(small_photo, painter, PaintSettings(strokes=15, size=128, steps=60, search=0))
    searched = paint(small_photo, painter, PaintSettings(strokes=15, size=128, steps=60, search=1))
    # scored on a 128-px MyPaint render, which is what the 128-px output's metrics compare
    assert searched.info["search_loss_first"] == pytest.approx(plain.metrics["mse_mypaint"], rel=1e-3)
    assert searched.metrics["mse_mypaint"] == pytest.approx(searched.info["search_loss_last"], rel=1e-3)
    assert searched.metrics["mse_mypaint"] < plain.metrics["mse_mypaint"]
    # default steps: the scaled search takes the time of some of them; given steps are kept as given
    monkeypatch.setattr(paint_app, "default_steps", lambda strokes, levels: 40)
    runs = [paint(small_photo, painter, PaintSettings(strokes=15, size=size, search=sweeps))
            for size, sweeps in ((128, 1), (128, 0), (64, 1))]
    assert runs[0].steps < runs[1].steps == runs[2].steps  # 34 and 40 planned (each stage rounds down)


def test_best_quality_spends_more_steps_and_sweeps_unless_they_are_given():
    from brushcli.apps.planner import default_steps

    fast, best = PaintSettings(), PaintSettings(quality="best")
    assert (fast.sweeps, best.sweeps) == (4, 24)
    assert (fast.sweeps_for(tiled=True), best.sweeps_for(tiled=True)) == (3, 12)  # each tries every stroke
    assert PaintSettings(search=2).sweeps_for(tiled=True) == 2
    assert fast.default_steps(50, 1) == default_steps(50, 1)
    assert best.default_steps(50, 1) == round(2.5 * default_steps(50, 1))
    assert PaintSettings(quality="best", search=0).sweeps == 0


def test_a_larger_one_canvas_budget_gets_more_sweeps_growing_as_the_square_root_of_its_strokes():
    assert [PaintSettings(strokes=n).sweeps for n in (10, 50, 100, 200)] == [4, 4, 6, 8]
    assert PaintSettings(strokes=200, quality="best").sweeps == 48
    assert PaintSettings(strokes=200).sweeps_for(tiled=True) == 3  # a tiled search tries every stroke already
    assert PaintSettings(strokes=200, search=2).sweeps == 2  # given: as given
    huge = PaintSettings(strokes=100_000, quality="best")
    huge.validate()  # the grown default never exceeds what --search accepts
    assert huge.sweeps == 100


def test_a_share_of_tiles_gets_the_strokes_where_the_painting_is_most_wrong(painter, small_photo):
    from brushcli.apps.planner import Recipe
    from brushcli.canvas.grid import Level
    from brushcli.canvas.layered import canvas_from_strokes
    from brushcli.errors import StrokeFileError
    from brushcli.outputs.ora import _plan_levels

    settings = PaintSettings(strokes=60, size=128, steps=30, recipe=Recipe(tiled_share=0.5))
    result = paint(small_photo, painter, settings)
    plan = result.strokes.meta["plan"]
    tiled = [entry for entry in plan if entry["level"] == 1]
    tiles = tiled[0]["tiles"]
    assert all(entry["tiles"] == tiles for entry in tiled) and len(result.strokes) == 60
    assert len(tiles) * sum(entry["per_tile"] for entry in tiled) == 32 and len(tiles) < Level(1, 1.0).grid_count
    assert _plan_levels(result.strokes) == [(0, 28), (1, 32)]
    # the file (written and read back) rebuilds the same canvas, and a resume paints on from it
    assert type(result.strokes).from_dict(json.loads(result.strokes.to_json())).meta["plan"] == plan
    canvas = canvas_from_strokes(result.strokes, painter)
    np.testing.assert_allclose(canvas.export(), result.strokes.params, atol=1e-5)
    resumed = paint(small_photo, painter, PaintSettings(steps=5, search=0), resume=result.strokes)
    assert resumed.strokes.meta["plan"] == plan
    # the strokes sit in their tiles' cells: what MyPaint paints is what the painter drew
    assert result.metrics["gap_mse"] < 0.005
    bad = replace_plan(result.strokes, [{**plan[0]}, {**tiled[0], "tiles": [5, 2]}] + tiled[1:])
    with pytest.raises(StrokeFileError, match="bad tiles"):
        canvas_from_strokes(bad, painter)


def replace_plan(strokes, plan):
    import dataclasses

    return dataclasses.replace(strokes, meta={**strokes.meta, "plan": plan})
