"""Replay a stroke list in real MyPaint at any size, with an optional time-lapse.

This is what ``brush render`` runs and what every painting command uses for its ``mypaint.png`` and
``timelapse.gif``: the strokes the optimiser planned, painted by libmypaint itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from brushcli.mypaint.render import check_size, render_canvas
from brushcli.strokes import COLOR, SHAPE, StrokeList

#: Long side of time-lapse frames; a GIF larger than this is slow to write and to view.
GIF_SIDE = 512


@dataclass
class Replay:
    """A real MyPaint rendering of a stroke list."""

    image: np.ndarray
    width: int
    height: int
    frames: list[np.ndarray] = field(default_factory=list)


def replay(
    strokes: StrokeList,
    long_side: int | None = None,
    brush: str | None = None,
    background: Sequence[float] | np.ndarray | None = None,
    timelapse: bool = False,
    max_frames: int = 60,
) -> Replay:
    """Paint ``strokes`` with libmypaint; ``long_side`` defaults to the plan's own size.

    ``brush`` overrides the stroke file's brush; ``background`` its background color (or an image).
    """
    width, height = strokes.size_for(long_side) if long_side else (strokes.width, strokes.height)
    check_size(width, height)
    frames_at = frame_schedule(len(strokes), max_frames) if timelapse else []
    result = render_canvas(
        strokes.params[:, SHAPE],
        strokes.params[:, COLOR],
        brush or strokes.brush,
        width,
        height,
        sampling=strokes.sampling,
        background=strokes.background if background is None else background,
        frame_after=frames_at,
        frame_side=GIF_SIDE,
    )
    return Replay(image=result.image, width=width, height=height, frames=result.frames)


def frame_schedule(n_strokes: int, max_frames: int = 60) -> list[int]:
    """Stroke counts at which to keep time-lapse frames: every stroke up to ``max_frames``, then evenly."""
    if n_strokes <= max_frames:
        return list(range(n_strokes + 1))
    return sorted(set(np.linspace(0, n_strokes, max_frames + 1).round().astype(int).tolist()))
