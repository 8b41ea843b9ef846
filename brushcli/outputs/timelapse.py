"""Time-lapse frames of a MyPaint replay, kept as the parts each stroke changed.

A frame after every stroke of a 600-stroke painting would be 600 full images (half a gigabyte at
512 px); most strokes change a small part of the canvas. So while the replay paints, the recorder
reads, after each stroke, only the rectangle libmypaint reports changed, shrunk to the frame size
(:data:`FRAME_SIDE` on the long side), and keeps the runs of :data:`BLOCK`-px blocks in it that
really differ from the frame so far (a long diagonal stroke's rectangle is mostly untouched). Any
frame is then rebuilt by pasting patches in order, and writers stream frames one at a time
(:meth:`Timelapse.frames`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from brushcli.images import fit_long_side
from brushcli.mypaint.engine import Surface

#: Long side of time-lapse frames (GIF and video); larger frames are slow to encode and to view.
FRAME_SIDE = 512
#: Rows read from the surface at a time (bounds the memory a full-canvas stroke of a huge replay needs).
BAND = 256
#: Side of the blocks a patch is cut into; only blocks that changed are kept.
BLOCK = 16


@dataclass
class Patch:
    """The part of a frame one stroke changed: its top-left corner and uint8 RGB pixels."""

    x: int
    y: int
    pixels: np.ndarray


@dataclass
class Timelapse:
    """The empty canvas at frame size plus, for every stroke, the patches it changed (maybe none)."""

    first: np.ndarray
    patches: list[list[Patch]] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        """Frame (width, height)."""
        return self.first.shape[1], self.first.shape[0]

    @property
    def strokes(self) -> int:
        return len(self.patches)

    def frames(self, after: Sequence[int]) -> Iterator[np.ndarray]:
        """uint8 RGB frames showing the painting after each stroke count in ``after`` (increasing)."""
        frame = self.first.copy()
        painted = 0
        for count in after:
            count = min(max(0, int(count)), len(self.patches))
            while painted < count:
                for patch in self.patches[painted]:
                    h, w = patch.pixels.shape[:2]
                    frame[patch.y : patch.y + h, patch.x : patch.x + w] = patch.pixels
                painted += 1
            yield frame.copy()


class TimelapseRecorder:
    """The ``on_paint`` hook of :func:`~brushcli.mypaint.render.render_canvas` that builds a :class:`Timelapse`.

    Frames are shrunk with PIL's antialiasing bilinear filter. Each patch is resized from a source
    region with a margin wider than the filter, with the same sampling grid as a whole-frame resize,
    so pasting patches gives the frame a whole-canvas resize would.
    """

    def __init__(self, width: int, height: int, side: int = FRAME_SIDE) -> None:
        self.width, self.height = width, height
        self.frame_size = fit_long_side(width, height, side) if max(width, height) > side else (width, height)
        self.scale_x = self.frame_size[0] / width
        self.scale_y = self.frame_size[1] / height
        self.result: Timelapse | None = None
        self._frame = np.zeros((self.frame_size[1], self.frame_size[0], 3), np.uint8)  # the frame so far

    def __call__(self, count: int, surface: Surface, changed: tuple[int, int, int, int]) -> None:
        x, y, w, h = changed
        patch = self._patch(surface, x, y, x + w, y + h)
        if count == 0:
            if patch is not None:
                self._frame[patch.y : patch.y + patch.pixels.shape[0], patch.x : patch.x + patch.pixels.shape[1]] = \
                    patch.pixels
            self.result = Timelapse(first=self._frame.copy())
        elif self.result is not None:
            self.result.patches.append(self._changed_runs(patch) if patch is not None else [])

    def _changed_runs(self, patch: Patch) -> list[Patch]:
        """The runs of blocks of ``patch`` that differ from the frame so far (which they then update)."""
        h, w = patch.pixels.shape[:2]
        current = self._frame[patch.y : patch.y + h, patch.x : patch.x + w]
        differs = (patch.pixels != current).any(axis=2)
        rows, cols = -(-h // BLOCK), -(-w // BLOCK)
        padded = np.zeros((rows * BLOCK, cols * BLOCK), bool)
        padded[:h, :w] = differs
        blocks = padded.reshape(rows, BLOCK, cols, BLOCK).any(axis=(1, 3))
        runs = []
        for r in np.flatnonzero(blocks.any(axis=1)):
            row = np.concatenate([[False], blocks[r], [False]])
            edges = np.flatnonzero(row[1:] != row[:-1])  # starts and ends of runs of changed blocks
            for c0, c1 in zip(edges[::2], edges[1::2]):
                y0, x0 = r * BLOCK, c0 * BLOCK
                pixels = patch.pixels[y0 : y0 + BLOCK, x0 : c1 * BLOCK].copy()
                runs.append(Patch(patch.x + x0, patch.y + y0, pixels))
        current[...] = patch.pixels
        return runs

    def _patch(self, surface: Surface, x0: int, y0: int, x1: int, y1: int) -> Patch | None:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(self.width, x1), min(self.height, y1)
        if x1 <= x0 or y1 <= y0:
            return None
        fw, fh = self.frame_size
        if (fw, fh) == (self.width, self.height):
            return Patch(x0, y0, _read_rgb8(surface, x0, y0, x1, y1))
        from PIL import Image

        sx, sy = self.scale_x, self.scale_y
        # frame pixels whose filter reaches the changed rectangle (bilinear reaches one frame px around)
        fx0, fy0 = max(0, math.floor(x0 * sx) - 2), max(0, math.floor(y0 * sy) - 2)
        fx1, fy1 = min(fw, math.ceil(x1 * sx) + 2), min(fh, math.ceil(y1 * sy) + 2)
        # the source pixels those frame pixels read, with a margin so the filter is never cut short
        mx, my = math.ceil(2 / sx) + 2, math.ceil(2 / sy) + 2
        rx0, ry0 = max(0, math.floor(fx0 / sx) - mx), max(0, math.floor(fy0 / sy) - my)
        rx1, ry1 = min(self.width, math.ceil(fx1 / sx) + mx), min(self.height, math.ceil(fy1 / sy) + my)
        source = Image.fromarray(_read_rgb8(surface, rx0, ry0, rx1, ry1))
        box = (fx0 / sx - rx0, fy0 / sy - ry0, fx1 / sx - rx0, fy1 / sy - ry0)
        small = source.resize((fx1 - fx0, fy1 - fy0), Image.Resampling.BILINEAR, box=box)
        return Patch(fx0, fy0, np.asarray(small))


def _read_rgb8(surface: Surface, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """uint8 RGB of an opaque surface's ``[y0:y1, x0:x1]``, read a band of rows at a time."""
    out = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
    for top in range(y0, y1, BAND):
        bottom = min(y1, top + BAND)
        fixed = surface.region_fixed(x0, top, x1, bottom)[..., :3].astype(np.uint32)
        out[top - y0 : bottom - y0] = (fixed * 255 + (1 << 14)) >> 15  # 1.0 = 1 << 15, rounded
    return out
