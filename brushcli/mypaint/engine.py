"""Paint strokes with real libmypaint onto a fixed-size tiled surface.

:class:`Surface` owns one libmypaint surface and a numpy view of its pixel buffer. Every stroke gets a
fresh brush object, which makes the pixels a pure function of the stroke (libmypaint seeds each new
brush's private RNG with a constant; reusing a brush changes the output of many brushes).

Every stroke runs within a dab budget (:mod:`brushcli.mypaint.budget`): strokes whose bound proves
them within it are painted directly; the others are painted with libmypaint's ``draw_dab`` routed
through :class:`_DabCounter`, which stops the stroke the moment it goes past the budget.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

from brushcli.errors import BrushNotFound, DabBudgetExceeded, MyPaintUnavailable
from brushcli.mypaint import _lib
from brushcli.mypaint.brushes import BrushSpec
from brushcli.mypaint.budget import MAX_COORD, MAX_STAMPS, max_speed, stroke_bounds, within_budget
from brushcli.mypaint.convert import Sampling, radius_logarithmic, rgb_to_hsv, stroke_events

TILE = _lib.TILE_SIZE
#: Canvas long side at which brush speed is taken as is (painters work on 64-px canvases).
SPEED_REFERENCE_PX = 64
#: Partial-dab state after placing the brush (below 1.0: libmypaint divides by the step otherwise).
FIRST_DAB = 0.999


class Surface:
    """A ``width`` x ``height`` libmypaint surface, its buffer viewed as ``(ty, tx, 64, 64, 4)`` uint16.

    ``speed_side``: the long side whose brush speeds strokes get (default: this surface's). A window
    of a larger canvas passes the canvas's, so its strokes are drawn exactly as on the whole canvas.
    """

    def __init__(self, width: int, height: int, speed_side: int | None = None) -> None:
        lib = _lib.lib()
        self.width, self.height = int(width), int(height)
        self.speed_side = int(speed_side or max(self.width, self.height))
        self._fixed = lib.mypaint_fixed_tiled_surface_new(self.width, self.height)
        if not self._fixed:
            raise MyPaintUnavailable(f"libmypaint could not allocate a {width}x{height} surface")
        self._surface = lib.mypaint_fixed_tiled_surface_interface(self._fixed)
        self.tiles_x = -(-self.width // TILE)
        self.tiles_y = -(-self.height // TILE)
        request = _lib.MyPaintTileRequest()
        lib.mypaint_tile_request_init(ctypes.byref(request), 0, 0, 0, 0)
        lib.mypaint_tiled_surface_tile_request_start(self._surface, ctypes.byref(request))
        lib.mypaint_tiled_surface_tile_request_end(self._surface, ctypes.byref(request))
        count = self.tiles_y * self.tiles_x * TILE * TILE * 4
        flat = np.ctypeslib.as_array(request.buffer, shape=(count,))
        self.tiles = flat.reshape(self.tiles_y, self.tiles_x, TILE, TILE, 4)
        #: (tile stamps, farthest dab extent in px) of the last stroke painted with ``guarded=True``.
        self.last_count: tuple[int, float] = (0, 0.0)
        self.clear()

    def close(self) -> None:
        """Release the libmypaint surface; the numpy view must not be used afterwards."""
        if self._fixed:
            _lib.lib().mypaint_surface_unref(self._surface)
            self._fixed = None
            self.tiles = None  # type: ignore[assignment]

    def __enter__(self) -> "Surface":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - safety net
        try:
            self.close()
        except Exception:
            pass

    def clear(self, rgba: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)) -> None:
        """Fill with a premultiplied color (new surfaces are 0xFF everywhere, so always clear)."""
        if not any(rgba):
            self.tiles.fill(0)
            return
        r, g, b, a = rgba
        fixed = np.round(np.array([r * a, g * a, b * a, a]) * _lib.FIX15_ONE).astype(np.uint16)
        self.tiles[...] = fixed

    def set_rgb(self, rgb: np.ndarray) -> None:
        """Load an opaque float RGB image (H, W, 3) in 0..1 as the surface content."""
        full = np.zeros((self.tiles_y * TILE, self.tiles_x * TILE, 4), dtype=np.uint16)
        full[: self.height, : self.width, :3] = np.round(np.clip(rgb, 0, 1) * _lib.FIX15_ONE)
        full[..., 3] = _lib.FIX15_ONE
        self.tiles[...] = full.reshape(self.tiles_y, TILE, self.tiles_x, TILE, 4).transpose(0, 2, 1, 3, 4)

    def rgba(self) -> np.ndarray:
        """Premultiplied RGBA as float32 (H, W, 4) in 0..1."""
        img = self.tiles.transpose(0, 2, 1, 3, 4).reshape(self.tiles_y * TILE, self.tiles_x * TILE, 4)
        return img[: self.height, : self.width].astype(np.float32) / _lib.FIX15_ONE

    def region_fixed(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """Premultiplied RGBA of ``[y0:y1, x0:x1]`` as a uint16 copy (1.0 = 32768); reads only its tiles."""
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(self.width, x1), min(self.height, y1)
        if x1 <= x0 or y1 <= y0:
            return np.zeros((0, 0, 4), np.uint16)
        tx0, ty0, tx1, ty1 = x0 // TILE, y0 // TILE, -(-x1 // TILE), -(-y1 // TILE)
        block = self.tiles[ty0:ty1, tx0:tx1].transpose(0, 2, 1, 3, 4)
        block = block.reshape((ty1 - ty0) * TILE, (tx1 - tx0) * TILE, 4)
        return block[y0 - ty0 * TILE : y1 - ty0 * TILE, x0 - tx0 * TILE : x1 - tx0 * TILE].copy()

    def alpha_fixed(self) -> np.ndarray:
        """The alpha channel as a uint16 (H, W) copy in libmypaint's fixed point (1.0 = 32768)."""
        img = self.tiles[..., 3].transpose(0, 2, 1, 3).reshape(self.tiles_y * TILE, self.tiles_x * TILE)
        return img[: self.height, : self.width].copy()

    def alpha(self) -> np.ndarray:
        """The alpha channel as float32 (H, W) in 0..1."""
        return self.alpha_fixed().astype(np.float32) / _lib.FIX15_ONE

    @property
    def zoom(self) -> float:
        """The view zoom strokes are painted with (see :meth:`paint_events`)."""
        return SPEED_REFERENCE_PX / self.speed_side if _lib.has_view_zoom() else 1.0

    def within_budget(self, brush: BrushSpec, radii: np.ndarray, events: np.ndarray) -> np.ndarray:
        """Which strokes (radii ``(N,)``, events ``(N, S, 4)``) are proven to stay within the dab
        budget on this surface; the others must be painted with ``guarded=True``."""
        geometry = brush.geometry(max_speed(brush, radii, events, self.zoom))
        return within_budget(*stroke_bounds(geometry, radii, events))

    def paint(
        self,
        brush: BrushSpec,
        params: np.ndarray,
        sampling: Sampling,
        color: tuple[float, float, float] | np.ndarray = (0.0, 0.0, 0.0),
    ) -> None:
        """Paint one stroke (``x0 y0 x1 y1 x2 y2 p0 p1 size``) with a fresh brush object."""
        radii, events = stroke_events(params, self.width, self.height, sampling)
        safe = bool(self.within_budget(brush, radii, events)[0])
        self.paint_events(brush, float(radii[0]), events[0].tolist(), color, guarded=not safe)

    def paint_events(
        self,
        brush: BrushSpec,
        radius_px: float,
        events: list[list[float]],
        color: tuple[float, float, float] | np.ndarray = (0.0, 0.0, 0.0),
        radii_out: np.ndarray | None = None,
        track_out: np.ndarray | None = None,
        guarded: bool = True,
    ) -> tuple[int, int, int, int]:
        """Paint one stroke given as engine events (see :func:`~brushcli.mypaint.convert.stroke_events`).

        ``radii_out`` (one slot per drawn event) receives the engine's actual dab radius in pixels
        after each event: painters learn from it where MyPaint lays its dabs. ``track_out`` (one row
        per drawn event) receives the last dab's ``x, y, radius`` in pixels (vector exports draw the
        stroke where the engine really put it). ``guarded`` counts every dab and raises
        :class:`~brushcli.errors.DabBudgetExceeded` past the budget; pass False only for strokes
        :meth:`within_budget` has proven safe. Returns the rectangle ``(x, y, width, height)``
        libmypaint reports as changed (it may reach past the canvas), so a time-lapse can copy just
        that part.
        """
        lib = _lib.lib()
        handle = _new_brush(brush)
        counter = _DabCounter(self._surface, handle, brush) if guarded else None
        try:
            set_base = lib.mypaint_brush_set_base_value
            set_base(handle, _lib.setting_id("radius_logarithmic"), radius_logarithmic(radius_px))
            for cname, value in zip(("color_h", "color_s", "color_v"), rgb_to_hsv(color)):
                set_base(handle, _lib.setting_id(cname), value)
            lib.mypaint_brush_reset(handle)
            lib.mypaint_brush_new_stroke(handle)
            surface = self._surface
            lib.mypaint_surface_begin_atomic(surface)
            if _lib.has_view_zoom():
                # Speed inputs are pixels per second times the view zoom: scaling the zoom with the
                # canvas keeps speed-dependent brushes (pen, ...) drawing the same shape at any size.
                zoom = self.zoom
                internal = lib.mypaint_brush_stroke_to_internal

                def stroke_to(x: float, y: float, pressure: float, dtime: float) -> None:
                    internal(handle, surface, x, y, pressure, 0.0, 0.0, dtime, zoom, 0.0, 0.0, 1, 0)
            else:
                plain = lib.mypaint_brush_stroke_to

                def stroke_to(x: float, y: float, pressure: float, dtime: float) -> None:
                    plain(handle, surface, x, y, pressure, 0.0, 0.0, dtime)

            if counter is not None:
                counter.install()
            stroke_to(*events[0])  # places the brush; draws nothing
            # The engine lays a dab each time the travelled distance reaches one dab spacing, starting
            # from zero, so a stroke shorter than that spacing (short and wide) would paint nothing
            # at all: a cliff no painter can imitate and optimisers exploit. Starting just below one
            # dab makes the first dab land where the stroke starts.
            lib.mypaint_brush_set_state(handle, _lib.STATE_PARTIAL_DABS, FIRST_DAB)
            for i, (x, y, pressure, dtime) in enumerate(events[1:]):
                stroke_to(x, y, pressure, dtime)
                if counter is not None and counter.overflow:
                    break
                if radii_out is not None:
                    radii_out[i] = lib.mypaint_brush_get_state(handle, _lib.STATE_ACTUAL_RADIUS)
                if track_out is not None:
                    track_out[i] = [lib.mypaint_brush_get_state(handle, state) for state in
                                    (_lib.STATE_ACTUAL_X, _lib.STATE_ACTUAL_Y, _lib.STATE_ACTUAL_RADIUS)]
            changed = _lib.MyPaintRectangle()
            lib.mypaint_surface_end_atomic(surface, ctypes.byref(changed))
        finally:
            if counter is not None:
                counter.remove()
                self.last_count = (counter.stamps, counter.extent)
            lib.mypaint_brush_unref(handle)
        if counter is not None and counter.overflow:
            raise DabBudgetExceeded(counter.overflow)
        return changed.x, changed.y, changed.width, changed.height


_DRAW_DAB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, *[ctypes.c_float] * 13)
_RATES = ("dabs_per_actual_radius", "dabs_per_basic_radius", "dabs_per_second")


class _DabCounter:
    """Routes a surface's ``draw_dab`` through Python to count each dab's tile stamps.

    ``MyPaintSurface`` starts with its ``draw_dab`` function pointer (libmypaint 1.5/1.6 v1 surface
    interface, 13 floats after the surface). Past the budget the dab is dropped and the brush's dab
    rates are set to zero, which ends libmypaint's dab loop at once; :attr:`overflow` then says why.
    A ctypes callback must not raise, so every check here is plain arithmetic.
    """

    def __init__(self, surface: int, handle: int, brush: BrushSpec) -> None:
        self.slot = ctypes.cast(surface, ctypes.POINTER(ctypes.c_void_p))
        self.original_address = self.slot[0]
        self.original = _DRAW_DAB(self.original_address)
        self.callback = _DRAW_DAB(self._draw)
        self.handle, self.brush = handle, brush
        self.stamps = 0
        self.extent = 0.0
        self.overflow = ""

    def install(self) -> None:
        self.slot[0] = ctypes.cast(self.callback, ctypes.c_void_p).value

    def remove(self) -> None:
        self.slot[0] = self.original_address

    def _draw(self, surface: int, x: float, y: float, radius: float, *rest: float) -> int:
        if self.overflow:
            return 0
        extent = max(abs(x), abs(y)) + radius + 1.0
        self.extent = max(self.extent, extent)
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(radius)) or extent > MAX_COORD:
            return self._stop(f"brush {self.brush.name} throws a dab more than {MAX_COORD:.0f} px from the "
                              "canvas, which libmypaint cannot track; use a smaller --size or another brush")
        fringe = radius + 1.0
        across = math.floor(math.floor(x + fringe) / 64) - math.floor(math.floor(x - fringe) / 64) + 1
        down = math.floor(math.floor(y + fringe) / 64) - math.floor(math.floor(y - fringe) / 64) + 1
        self.stamps += across * down
        if self.stamps > MAX_STAMPS:
            return self._stop(f"a stroke of brush {self.brush.name} lays more than {MAX_STAMPS:,} dab tiles, the "
                              "budget of one stroke; use a smaller --size, shorter strokes or another brush")
        return self.original(surface, x, y, radius, *rest)

    def _stop(self, reason: str) -> int:
        self.overflow = reason
        lib = _lib.lib()
        for name in _RATES:  # the engine's count of pending dabs drops to zero: its loop ends
            lib.mypaint_brush_set_base_value(self.handle, _lib.setting_id(name), 0.0)
        return 0


def _new_brush(brush: BrushSpec) -> int:
    lib = _lib.lib()
    handle = lib.mypaint_brush_new()
    if not lib.mypaint_brush_from_string(handle, brush.engine_bytes):
        lib.mypaint_brush_unref(handle)
        raise BrushNotFound(f"libmypaint could not load brush {brush.name} ({brush.path})")
    return handle


def check_brush(brush: BrushSpec) -> None:
    """Raise :class:`BrushNotFound` now if libmypaint cannot load ``brush``."""
    _lib.lib().mypaint_brush_unref(_new_brush(brush))
