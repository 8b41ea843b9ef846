"""The one result type every application returns, and the real MyPaint replay made once for it.

``paint``, ``dream``, ``style`` and the agents all end with the same things: a stroke list, the
neural painter's render of it, maybe a target image, and a record of the optimisation. The MyPaint
replay of those strokes is what every output (``mypaint.png``, the time-lapse, metrics, a
classifier's score) is made from, and it is the slow part, so it is made here once, on first use,
and shared by every consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.files import to_uint8
from brushcli.mypaint.render import CanvasRender, render_canvas
from brushcli.outputs.replay import Replay, replay
from brushcli.outputs.timelapse import Timelapse
from brushcli.strokes import COLOR, SHAPE, StrokeList


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error of two float images (pixels in 0..1), computed in float64."""
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def straight_rgba(premultiplied: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 RGBA with straight color (what PNG stores) from premultiplied float RGB and its alpha."""
    a = np.clip(np.asarray(alpha, np.float32), 0.0, 1.0)[..., None]
    rgb = np.divide(premultiplied, a, out=np.zeros(premultiplied.shape, np.float32), where=a > 0)
    return np.concatenate([to_uint8(rgb), to_uint8(a)], axis=-1)


@dataclass
class Painting:
    """Strokes with their renders: what every application returns and every writer consumes.

    ``neural`` is the painter's render at the output size (``None`` for a bare stroke file),
    ``target`` the image painted towards (``None`` for dream). ``neural_side``, if set, is the long
    side the painter really drew at when that is less than the output (painters that cannot render
    at other sizes, agents): ``neural`` is then an upscaled image, and ``neural.png`` is written at
    that size and labelled so. ``info`` holds what is particular to the application (its settings,
    class scores, seam ratio, ...) and is written into ``metrics.json`` beside the measured errors.
    ``folder`` is set once the painting is written. ``record_timelapse`` off saves the time-lapse
    recording when no time-lapse will be written (it is then recorded on demand).
    """

    strokes: StrokeList
    neural: np.ndarray | None = None
    target: np.ndarray | None = None
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    painter: str = ""
    device: str = "cpu"
    info: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    neural_side: int | None = None
    record_timelapse: bool = True
    _replay: Replay | None = field(default=None, repr=False)
    _transparent: CanvasRender | None = field(default=None, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        """Output (width, height): the neural render's, else the stroke list's own."""
        if self.neural is not None:
            return self.neural.shape[1], self.neural.shape[0]
        return self.strokes.width, self.strokes.height

    def mypaint(self) -> Replay:
        """The real MyPaint replay at the output size, with time-lapse frames (rendered once)."""
        if self._replay is None:
            width, height = self.size
            self._replay = replay(self.strokes, long_side=max(width, height), timelapse=self.record_timelapse)
        return self._replay

    def timelapse(self) -> Timelapse:
        """The replay's time-lapse (recorded again, once, if the replay was adopted without one)."""
        real = self.mypaint()
        if real.timelapse is None:
            self._replay = replay(self.strokes, long_side=max(real.width, real.height), timelapse=True)
            return self.timelapse()
        return real.timelapse

    def transparent(self) -> CanvasRender:
        """The MyPaint replay on a transparent canvas at the output size (rendered once, when first asked for).

        ``image`` is premultiplied: the painting over a background ``b`` is ``image + (1 - alpha) * b``.
        """
        if self._transparent is None:
            width, height = self.size
            self._transparent = render_canvas(self.strokes.params[:, SHAPE], self.strokes.params[:, COLOR],
                                              self.strokes.brush, width, height, self.strokes.sampling,
                                              background=None)
        return self._transparent

    def use_replay(self, real: Replay) -> "Painting":
        """Adopt a replay made elsewhere (another size, brush or background: ``brush render``)."""
        self._replay = real
        return self

    @property
    def metrics(self) -> dict[str, Any]:
        """``info`` plus the measured errors: ``mse_neural``, ``mse_mypaint`` (vs the target), ``gap_mse``."""
        real = self.mypaint().image
        out: dict[str, Any] = dict(self.info)
        if self.target is not None and self.neural is not None:
            out["mse_neural"] = mse(self.neural, self.target)
        if self.target is not None:
            out["mse_mypaint"] = mse(real, self.target)
        if self.neural is not None:
            out["gap_mse"] = mse(self.neural, real)
        if self.neural_side is not None:
            out["neural_side"] = self.neural_side
        out["strokes"] = len(self.strokes)
        out["width"], out["height"] = self.size
        return out
