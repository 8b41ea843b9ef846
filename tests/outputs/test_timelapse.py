"""Time-lapse patches rebuild exactly the frames a whole-canvas copy would give, in little memory."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from _brushtest import random_strokes
from brushcli.files import to_uint8
from brushcli.outputs.replay import replay


@pytest.mark.parametrize("size, side", [(96, 512), (300, 128)])  # frames at full size, and shrunk
def test_patches_rebuild_the_replay(size, side):
    strokes = random_strokes(10, preset="pen", seed=3, width=3, height=2)
    real = replay(strokes, long_side=size, timelapse=True, frame_side=side)
    timelapse = real.timelapse
    assert timelapse.strokes == 10
    last = list(timelapse.frames([10]))[0]
    expected = to_uint8(real.image)
    if max(real.width, real.height) > side:
        expected = np.asarray(Image.fromarray(expected).resize(timelapse.size, Image.Resampling.BILINEAR))
    assert last.shape == expected.shape
    assert np.abs(last.astype(int) - expected.astype(int)).max() <= 1  # 8-bit rounding at most


def test_frames_follow_the_strokes():
    strokes = random_strokes(6, preset="pen", seed=1)
    timelapse = replay(strokes, timelapse=True).timelapse
    frames = list(timelapse.frames([0, 1, 2, 6]))
    assert len(frames) == 4
    assert (frames[0] == 255).all()  # the empty white canvas
    for before, after in zip(frames, frames[1:]):
        assert not np.array_equal(before, after)
    head = replay(strokes.head(2)).image
    assert np.abs(frames[2].astype(int) - to_uint8(head).astype(int)).max() <= 1


def test_patches_are_much_smaller_than_frames():
    strokes = random_strokes(40, preset="pen", seed=2)
    strokes.params[:, 8] = 0.02  # small strokes
    timelapse = replay(strokes, long_side=512, timelapse=True).timelapse
    stored = sum(p.pixels.nbytes for patches in timelapse.patches for p in patches)
    assert stored < 0.25 * 40 * timelapse.first.nbytes
