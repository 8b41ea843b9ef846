"""brush dream --sketch: each sketch is the exact start of the run its seed paints, laid out for a person.

Tiny random-init classifiers stand in for the offline nets (fast, offline); what is checked is that a
sketch is the same optimisation as the full run, stopped early, and what the command writes.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from safetensors.torch import save_file
from typer.testing import CliRunner

from _brushtest import register_tiny_classifier
from brushcli.apps.dream import DreamSettings, prototype_image
from brushcli.apps.dream_sketch import sheet, sketch_classes, sketch_steps, sketches
from brushcli.cli import app
from brushcli.errors import InvalidArgument
from brushcli.objectives import class_objective
from brushcli.vision.classes import find_class
from brushcli.vision.nets import NetEnsemble, create_classifier
from brushcli.vision.visualise import class_image

register_tiny_classifier("tiny-sketch", input_size=32, width=6)


@pytest.fixture(scope="module")
def nets() -> NetEnsemble:
    return NetEnsemble.create(["tiny-sketch"], pretrained=False)


def _losses(nets: NetEnsemble, **options) -> list[float]:
    seen: list[float] = []
    class_image(class_objective(nets.names, 9), nets, size=32, seed=1, opacity=0.1,
                progress=lambda step, loss: seen.append(loss), **options)
    return seen


def test_a_stopped_run_is_the_full_run_up_to_its_stop(nets):
    full, stopped = _losses(nets, steps=12), _losses(nets, steps=12, stop=5)
    assert stopped == full[:5]  # the same steps, loss for loss, then it ends
    # a run of 5 steps has another schedule (its opaque start ends sooner), so it is not a sketch of 12
    assert _losses(nets, steps=5) != stopped
    objective = class_objective(nets.names, 9)
    assert np.array_equal(class_image(objective, nets, size=32, steps=6, seed=1, opacity=0.1, stop=6),
                          class_image(objective, nets, size=32, steps=6, seed=1, opacity=0.1))


def test_a_sketch_inside_the_opaque_start_shows_no_paper(nets):
    objective = class_objective(nets.names, 9)

    def image(stop: int, paper: tuple[float, float, float]) -> np.ndarray:
        return class_image(objective, nets, size=32, steps=8, seed=1, opacity=0.1, background=paper, stop=stop)

    # two of eight steps are opaque: stopped there the image is all colour, whatever the paper
    assert np.array_equal(image(2, (0.0, 0.0, 0.0)), image(2, (1.0, 1.0, 1.0)))
    assert not np.array_equal(image(8, (0.0, 0.0, 0.0)), image(8, (1.0, 1.0, 1.0)))


@pytest.mark.parametrize("stop", [0, 9])
def test_a_stop_outside_the_steps_is_refused(nets, stop):
    with pytest.raises(InvalidArgument, match="stop must be 1..8"):
        class_image(class_objective(nets.names, 9), nets, size=32, steps=8, stop=stop)


def test_sketches_are_consecutive_seeds_each_its_own_run(nets):
    settings = DreamSettings(steps=8, seed=5, opacity=0.1)
    cls = find_class("violin")
    ticks: list[tuple[int, int]] = []
    images = sketches(cls, nets, settings, 3, progress=lambda done, total: ticks.append((done, total)))
    assert sketch_steps(settings) == 3 and sketch_steps(DreamSettings()) == 96
    assert len(images) == 3 and ticks[-1] == (9, 9)
    objective = class_objective(nets.names, cls.index)
    assert np.array_equal(images[1], prototype_image(objective, nets, replace(settings, seed=6), stop=3))
    assert not np.array_equal(images[0], images[1])


def test_the_sheet_puts_four_seeds_a_row():
    tiles = [np.full((20, 30, 3), v, np.float32) for v in (0.0, 0.2, 0.4, 0.6, 0.8)]
    page = sheet(tiles, [3, 4, 5, 6, 7])
    assert page.shape[1] >= 4 * 30 and page.shape[1] < 5 * 30  # four across
    assert page.shape[0] > 2 * 20  # two rows, each under its label
    assert page.dtype == np.float32 and 0 <= page.min() and page.max() <= 1


def _weights(tmp_path):
    path = tmp_path / "tiny.safetensors"
    state = create_classifier("tiny-sketch", pretrained=False).net.state_dict()
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return path


def test_cli_writes_a_sheet_per_class_and_skips_done_ones(tmp_path):
    out = tmp_path / "out"
    args = ["dream", "violin", "pizza", "--sketch", "3", "--nets", "tiny-sketch", "--weights",
            f"tiny-sketch={_weights(tmp_path)}", "--steps", "8", "--seed", "4", "-o", str(out), "-q", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["class"] for s in doc["sketches"]] == ["violin", "pizza"] and doc["skipped"] == 0
    assert all(s["seeds"] == [4, 5, 6] for s in doc["sketches"])
    assert sorted(p.name for p in out.iterdir()) == ["pizza-sketches.png", "violin-sketches.png"]
    with Image.open(out / "violin-sketches.png") as page:
        assert page.width >= 3 * 32 and page.height > 32
    before = (out / "violin-sketches.png").stat().st_mtime_ns
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and json.loads(again.stdout) == {"sketches": [], "skipped": 2}
    assert (out / "violin-sketches.png").stat().st_mtime_ns == before
    assert CliRunner().invoke(app, [*args, "--overwrite"]).exit_code == 0
    assert (out / "violin-sketches.png").stat().st_mtime_ns != before


@pytest.mark.parametrize("args,message", [
    (["--sketch", "17"], "--sketch must be 1..16 seeds"),
    (["--sketch", "2", "--start", "strokes"], "--sketch shows the class image of --start prototype"),
    (["--sketch", "2", "--export", "x.png"], "--export needs a painting; --sketch paints none"),
    (["--sketch", "-1"], "--sketch must be 1..16 seeds"),
])
def test_bad_sketch_options_are_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["dream", "violin", "--nets", "tiny-sketch", *args, "-o", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_folder_in_the_sheets_place_is_refused_not_skipped(tmp_path):
    (tmp_path / "violin-sketches.png").mkdir()
    result = CliRunner().invoke(app, ["dream", "violin", "--nets", "tiny-sketch", "--sketch", "2", "-o",
                                      str(tmp_path), "-q"])
    assert result.exit_code != 0 and "is a directory" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_api_refuses_before_loading_a_net(tmp_path):
    with pytest.raises(InvalidArgument, match="unknown ImageNet class"):
        sketch_classes(["no such thing"], 2, nets="tiny-sketch", out=tmp_path / "o")
    assert not (tmp_path / "o").exists()
