"""Replay a stroke list in real MyPaint at any size, with an optional time-lapse.

This is what ``brush render`` runs and what every painting command uses for its ``mypaint.png`` and
``timelapse.gif``: the strokes the optimiser planned, painted by libmypaint itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from brushcli.mypaint.render import check_size, render_canvas
from brushcli.outputs.timelapse import FRAME_SIDE, Timelapse, TimelapseRecorder
from brushcli.strokes import COLOR, SHAPE, StrokeList


@dataclass
class Replay:
    """A real MyPaint rendering of a stroke list, and its time-lapse if one was recorded."""

    image: np.ndarray
    width: int
    height: int
    timelapse: Timelapse | None = None


def replay(
    strokes: StrokeList,
    long_side: int | None = None,
    brush: str | None = None,
    background: Sequence[float] | np.ndarray | None = None,
    timelapse: bool = False,
    frame_side: int = FRAME_SIDE,
) -> Replay:
    """Paint ``strokes`` with libmypaint; ``long_side`` defaults to the plan's own size.

    ``brush`` overrides the stroke file's brush; ``background`` its background color (or an image).
    With ``timelapse``, what every stroke changed is kept at ``frame_side`` px (see
    :mod:`~brushcli.outputs.timelapse`), enough for a frame after any stroke.
    """
    width, height = strokes.size_for(long_side) if long_side else (strokes.width, strokes.height)
    check_size(width, height)
    recorder = TimelapseRecorder(width, height, frame_side) if timelapse else None
    result = render_canvas(
        strokes.params[:, SHAPE],
        strokes.params[:, COLOR],
        brush or strokes.brush,
        width,
        height,
        sampling=strokes.sampling,
        background=strokes.background if background is None else background,
        on_paint=recorder,
    )
    return Replay(image=result.image, width=width, height=height,
                  timelapse=recorder.result if recorder is not None else None)
