"""Choices made per exported file: transparent background, OpenRaster layering, time-lapse frames.

They are not properties of a painting (the same painting may go to a transparent PNG and to an
opaque MP4), so writers take them beside the :class:`~brushcli.outputs.result.Painting`. One frame
choice, :class:`FrameOptions`, serves the GIF and the videos alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from brushcli.errors import InvalidArgument

#: Frames per second of a time-lapse at most, when ``--fps`` is not given.
MAX_AUTO_FPS = 30
#: A default time-lapse lasts at least this long (fewer strokes: fewer frames per second) ...
MIN_SECONDS = 5.0
#: ... and at most this long: past ``fps * MAX_SECONDS`` strokes, frames show several strokes each.
MAX_SECONDS = 20.0
#: Seconds the finished painting stays on screen at the end.
HOLD_SECONDS = 2.0
MAX_FPS = 120


def parse_frames(text: str | int) -> str | int:
    """``--frames``: ``auto`` (one stroke per frame up to the duration cap), ``all`` or a frame count."""
    value = str(text).strip().lower()
    if value in ("auto", "all"):
        return value
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidArgument(f"--frames must be auto, all or a number of frames (1 or more), got {text!r}")
    return count


@dataclass(frozen=True)
class FrameOptions:
    """Which strokes a time-lapse shows a frame after, and how fast it plays.

    ``frames``: ``"auto"`` is one frame per stroke up to ``fps * MAX_SECONDS`` frames, then evenly
    spaced frames; ``"all"`` one frame per stroke whatever the length; a number that many evenly
    spaced frames. ``fps`` ``None`` picks a rate that makes short paintings last :data:`MIN_SECONDS`
    (at most :data:`MAX_AUTO_FPS`). ``hold`` seconds show the finished painting at the end.
    """

    frames: str | int = "auto"
    fps: float | None = None
    hold: float = HOLD_SECONDS

    def validate(self) -> None:
        parse_frames(self.frames)
        if self.fps is not None and not (math.isfinite(self.fps) and 0 < self.fps <= MAX_FPS):
            raise InvalidArgument(f"--fps must be a number in (0, {MAX_FPS}], got {self.fps}")
        if not (math.isfinite(self.hold) and 0 <= self.hold <= 60):
            raise InvalidArgument(f"the hold on the last frame must be 0..60 s, got {self.hold}")

    def schedule(self, n_strokes: int) -> list[int]:
        """Stroke counts to show a frame after (the last is always ``n_strokes``; 0 strokes: one frame)."""
        if n_strokes <= 0:
            return [0]
        frames = parse_frames(self.frames)
        if frames == "auto":
            frames = int((self.fps or MAX_AUTO_FPS) * MAX_SECONDS)
        if frames == "all" or frames >= n_strokes:
            return list(range(1, n_strokes + 1))
        # a step of at least one stroke rounds to distinct, increasing counts
        return np.linspace(0, n_strokes, frames + 1)[1:].round().astype(int).tolist()

    def rate(self, n_frames: int) -> float:
        """Frames per second for ``n_frames`` frames: ``fps``, or one that lasts at least MIN_SECONDS."""
        if self.fps is not None:
            return float(self.fps)
        return float(min(MAX_AUTO_FPS, max(1, math.ceil(n_frames / MIN_SECONDS))))


@dataclass(frozen=True)
class ExportOptions:
    """Per-file export choices (the CLI's ``--background transparent``/``--transparent``, ``--strokes-per-layer``,
    ``--frames``, ``--fps``).

    ``transparent`` leaves the paper out (PNG, WebP, SVG, and the OpenRaster background layer is
    hidden; time-lapses keep it, and JPEG, which has no alpha, is refused); ``layers`` puts that many strokes in each OpenRaster layer (``None``: one layer per grid
    level of the painting's plan).
    """

    transparent: bool = False
    layers: int | None = None
    timelapse: FrameOptions = field(default_factory=FrameOptions)

    def validate(self) -> None:
        if self.layers is not None and self.layers < 1:
            raise InvalidArgument(f"--strokes-per-layer must be 1 or more, got {self.layers}")
        self.timelapse.validate()
