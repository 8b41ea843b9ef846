import numpy as np
import pytest

from brushcli.errors import OutputError
from brushcli.files import atomic_path, write_png
from brushcli.outputs.options import FrameOptions
from brushcli.outputs.video import write_gif


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.png"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_png_gif_written(tmp_path):
    img = np.random.default_rng(0).uniform(0, 1, (20, 30, 3))
    write_png(tmp_path / "a.png", img)
    write_gif(tmp_path / "a.gif", [img * 0, img * 0.5, img])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "a.png"]
    with pytest.raises(OutputError):
        write_gif(tmp_path / "b.gif", [])


def test_frame_schedule_one_stroke_per_frame_up_to_the_duration_cap():
    assert FrameOptions().schedule(3) == [1, 2, 3]
    assert FrameOptions().schedule(0) == [0]
    assert FrameOptions().schedule(600) == list(range(1, 601))  # 20 s at 30 fps
    capped = FrameOptions().schedule(1000)
    assert len(capped) == 600 and capped[-1] == 1000 and len(set(capped)) == 600
    assert len(FrameOptions(fps=10).schedule(1000)) == 200  # the cap is a duration
    assert FrameOptions(frames="all").schedule(1000) == list(range(1, 1001))
    assert FrameOptions(frames=7).schedule(1000)[-1] == 1000 and len(FrameOptions(frames=7).schedule(1000)) == 7
    assert FrameOptions(frames=50).schedule(8) == list(range(1, 9))


def test_frame_rate_makes_short_paintings_last_and_long_ones_fit():
    assert FrameOptions().rate(12) == 3  # 4 s
    assert FrameOptions().rate(50) == 10
    assert FrameOptions().rate(600) == 30
    assert FrameOptions(fps=12.5).rate(3) == 12.5


@pytest.mark.parametrize("options", [FrameOptions(frames="some"), FrameOptions(fps=0), FrameOptions(fps=1000),
                                     FrameOptions(hold=-1), FrameOptions(fps=float("nan"))])
def test_bad_frame_options_are_one_clear_error(options):
    from brushcli.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        options.validate()


def test_outputs_get_the_usual_permissions_even_from_writers_that_recreate_the_file(tmp_path):
    import os

    import torch
    from safetensors.torch import save_file

    mask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "model.safetensors") as tmp:
            save_file({"w": torch.zeros(2)}, str(tmp))  # safetensors writes a fresh 0600 file
        with atomic_path(tmp_path / "notes.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(mask)
    for name in ("model.safetensors", "notes.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
