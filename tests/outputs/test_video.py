"""Time-lapse videos (imageio-ffmpeg) and GIFs: one frame per stroke up to the duration cap, then a hold."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from _brushtest import random_strokes
from brushcli.outputs.options import ExportOptions, FrameOptions
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import export

iio = pytest.importorskip("imageio.v2")
pytest.importorskip("imageio_ffmpeg")


def _small_strokes(n: int):
    strokes = random_strokes(n, preset="pen", seed=5, width=48, height=32)
    strokes.params[:, 8] = 0.03
    return strokes


def _frames(path):
    reader = iio.get_reader(path)
    try:
        return reader.count_frames(), reader.get_meta_data()
    finally:
        reader.close()


@pytest.mark.parametrize("n", [1, 37, 600])
def test_mp4_has_one_frame_per_stroke(tmp_path, n):
    painting = Painting(strokes=_small_strokes(n))
    export(painting, tmp_path / "t.mp4", ExportOptions(timelapse=FrameOptions(hold=0)))
    count, meta = _frames(tmp_path / "t.mp4")
    assert count == n
    assert meta["size"] == (48, 32)


def test_long_paintings_are_capped_and_end_with_a_hold(tmp_path):
    painting = Painting(strokes=_small_strokes(700))
    export(painting, tmp_path / "t.mp4")  # auto: 600 frames at 30 fps, then 2 s of the finished painting
    count, meta = _frames(tmp_path / "t.mp4")
    assert count == 600 + 60 and meta["fps"] == 30
    export(painting, tmp_path / "all.webm", ExportOptions(timelapse=FrameOptions(frames="all", fps=50, hold=1)))
    assert _frames(tmp_path / "all.webm")[0] == 700 + 50
    export(painting, tmp_path / "ten.gif", ExportOptions(timelapse=FrameOptions(frames=10)))
    gif = Image.open(tmp_path / "ten.gif")
    assert gif.n_frames == 10
    gif.seek(9)
    assert gif.info["duration"] == 2000 + 500  # 10 frames take 5 s at the auto rate (2 fps), then the hold


def test_last_video_frame_is_the_mypaint_replay(tmp_path):
    strokes = _small_strokes(12)
    strokes.width, strokes.height = 96, 64
    painting = Painting(strokes=strokes)
    export(painting, tmp_path / "t.mp4")
    reader = iio.get_reader(tmp_path / "t.mp4")
    *_, last = reader.iter_data()
    last = np.asarray(last, np.float64) / 255
    reader.close()
    assert np.abs(last - painting.mypaint().image).mean() < 0.02  # H.264 at crf 18: nearly lossless
