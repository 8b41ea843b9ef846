import numpy as np
import pytest

from brushcli.errors import OutputError
from brushcli.files import atomic_path, write_png
from brushcli.outputs.replay import frame_schedule
from brushcli.outputs.writers import write_gif


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


def test_frame_schedule():
    assert frame_schedule(3) == [0, 1, 2, 3]
    many = frame_schedule(1000, max_frames=10)
    assert many[0] == 0 and many[-1] == 1000 and len(many) == 11


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
