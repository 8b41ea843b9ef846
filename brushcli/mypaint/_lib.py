"""ctypes binding to the system libmypaint (ABI mode, no compile step).

This is the only module that loads the shared library. It declares the few public symbols brush
uses and nothing else; see docs/mypaint.md for the call sequence and its pitfalls.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Iterator

from brushcli.errors import MyPaintUnavailable

INSTALL_HINT = "install it with: sudo apt-get install -y libmypaint-1.5-1 mypaint-brushes"

#: One 15-bit fixed-point unit: libmypaint stores 1.0 as 1 << 15 in uint16 channels.
FIX15_ONE = 1 << 15
TILE_SIZE = 64
#: Index of MYPAINT_BRUSH_STATE_PARTIAL_DABS (the fraction of a dab already travelled).
STATE_PARTIAL_DABS = 3
#: Index of MYPAINT_BRUSH_STATE_ACTUAL_RADIUS (the radius of the last dab, in pixels).
STATE_ACTUAL_RADIUS = 4
#: Indices of MYPAINT_BRUSH_STATE_ACTUAL_X/Y (where the last dab landed, after tracking and offsets).
STATE_ACTUAL_X = 14
STATE_ACTUAL_Y = 15

_CANDIDATES = ("libmypaint-1.5.so.1", "libmypaint.so.1", "libmypaint-1.6.so.1", "libmypaint.so")


class MyPaintRectangle(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
    ]


class MyPaintTileRequest(ctypes.Structure):
    _fields_ = [
        ("tx", ctypes.c_int),
        ("ty", ctypes.c_int),
        ("readonly", ctypes.c_int),
        ("buffer", ctypes.POINTER(ctypes.c_uint16)),
        ("context", ctypes.c_void_p),
        ("thread_id", ctypes.c_int),
        ("mipmap_level", ctypes.c_int),
    ]


class MyPaintBrushSettingInfo(ctypes.Structure):
    _fields_ = [
        ("cname", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("constant", ctypes.c_int),
        ("min", ctypes.c_float),
        ("default", ctypes.c_float),
        ("max", ctypes.c_float),
        ("tooltip", ctypes.c_char_p),
    ]


class MyPaintBrushInputInfo(ctypes.Structure):
    _fields_ = [
        ("cname", ctypes.c_char_p),
        ("hard_min", ctypes.c_float),
        ("soft_min", ctypes.c_float),
        ("normal", ctypes.c_float),
        ("soft_max", ctypes.c_float),
        ("hard_max", ctypes.c_float),
        ("name", ctypes.c_char_p),
        ("tooltip", ctypes.c_char_p),
    ]


_P = ctypes.c_void_p
#: Symbols brush can do without (with reduced fidelity, or only for checks) if a libmypaint build lacks them.
OPTIONAL_SYMBOLS = frozenset({"mypaint_brush_stroke_to_internal", "mypaint_brush_setting_info",
                              "mypaint_brush_input_info", "mypaint_brush_input_from_cname"})
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "mypaint_brush_new": (_P, []),
    "mypaint_brush_unref": (None, [_P]),
    "mypaint_brush_from_defaults": (None, [_P]),
    "mypaint_brush_from_string": (ctypes.c_int, [_P, ctypes.c_char_p]),
    "mypaint_brush_reset": (None, [_P]),
    "mypaint_brush_new_stroke": (None, [_P]),
    "mypaint_brush_set_base_value": (None, [_P, ctypes.c_int, ctypes.c_float]),
    "mypaint_brush_get_base_value": (ctypes.c_float, [_P, ctypes.c_int]),
    "mypaint_brush_setting_from_cname": (ctypes.c_int, [ctypes.c_char_p]),
    "mypaint_brush_input_from_cname": (ctypes.c_int, [ctypes.c_char_p]),
    "mypaint_brush_setting_info": (ctypes.POINTER(MyPaintBrushSettingInfo), [ctypes.c_int]),
    "mypaint_brush_input_info": (ctypes.POINTER(MyPaintBrushInputInfo), [ctypes.c_int]),
    "mypaint_brush_stroke_to": (
        ctypes.c_int,
        [_P, _P, ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_float,
         ctypes.c_double],
    ),
    # Exported but not in the public header: stroke_to with the view zoom that divides pointer speed.
    # Signature checked against the disassembly of mypaint_brush_stroke_to in libmypaint 1.6.
    "mypaint_brush_stroke_to_internal": (
        ctypes.c_int,
        [_P, _P, ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_float,
         ctypes.c_double, ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_int, ctypes.c_int],
    ),
    "mypaint_brush_get_state": (ctypes.c_float, [_P, ctypes.c_int]),
    "mypaint_brush_set_state": (None, [_P, ctypes.c_int, ctypes.c_float]),
    "mypaint_fixed_tiled_surface_new": (_P, [ctypes.c_int, ctypes.c_int]),
    "mypaint_fixed_tiled_surface_interface": (_P, [_P]),
    "mypaint_surface_unref": (None, [_P]),
    "mypaint_surface_begin_atomic": (None, [_P]),
    "mypaint_surface_end_atomic": (None, [_P, ctypes.POINTER(MyPaintRectangle)]),
    "mypaint_tile_request_init": (
        None,
        [ctypes.POINTER(MyPaintTileRequest), ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int],
    ),
    "mypaint_tiled_surface_tile_request_start": (None, [_P, ctypes.POINTER(MyPaintTileRequest)]),
    "mypaint_tiled_surface_tile_request_end": (None, [_P, ctypes.POINTER(MyPaintTileRequest)]),
}


@functools.lru_cache(maxsize=1)
def lib() -> ctypes.CDLL:
    """Load libmypaint once per process, or raise :class:`MyPaintUnavailable` with the fix."""
    if os.environ.get("BRUSH_LIBMYPAINT"):  # an explicit library path is the only one tried
        names = [os.environ["BRUSH_LIBMYPAINT"]]
    else:
        found = ctypes.util.find_library("mypaint-1.5") or ctypes.util.find_library("mypaint")
        names = list(_CANDIDATES) + ([found] if found else [])
    handle, failure = None, None
    for name in names:
        try:
            handle = ctypes.CDLL(name)
            break
        except OSError as exc:
            failure = exc
            continue
    if handle is None and os.environ.get("BRUSH_LIBMYPAINT"):  # the user's path, not a missing install
        raise MyPaintUnavailable(f"BRUSH_LIBMYPAINT={os.environ['BRUSH_LIBMYPAINT']} cannot be loaded ({failure}); "
                                 "point it at libmypaint-1.5.so.1, or unset it to use the installed libmypaint")
    if handle is None:
        raise MyPaintUnavailable(f"libmypaint was not found; {INSTALL_HINT}")
    for symbol, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(handle, symbol)
        except AttributeError as exc:
            if symbol in OPTIONAL_SYMBOLS:
                continue
            raise MyPaintUnavailable(
                f"the libmypaint found lacks {symbol} (brush needs libmypaint 1.5/1.6); {INSTALL_HINT}"
            ) from exc
        fn.restype = restype
        fn.argtypes = argtypes
    return handle


@functools.lru_cache(maxsize=1)
def has_view_zoom() -> bool:
    """Whether strokes can be painted with a view zoom (speed inputs independent of resolution)."""
    return hasattr(lib(), "mypaint_brush_stroke_to_internal")


@functools.lru_cache(maxsize=None)
def setting_id(cname: str) -> int:
    """Numeric id of a brush setting by its canonical name (ids differ between versions)."""
    value = lib().mypaint_brush_setting_from_cname(cname.encode())
    if value < 0:
        raise MyPaintUnavailable(f"this libmypaint has no brush setting named {cname!r}")
    return int(value)


def setting_range(cname: str) -> tuple[float, float] | None:
    """The (min, max) libmypaint declares for a brush setting, or None if it has no such setting."""
    index = lib().mypaint_brush_setting_from_cname(cname.encode())
    if index < 0:
        return None
    info = lib().mypaint_brush_setting_info(index).contents
    return float(info.min), float(info.max)


def input_range(cname: str) -> tuple[float, float] | None:
    """The (hard_min, hard_max) libmypaint declares for a brush input, or None if it has no such input."""
    index = lib().mypaint_brush_input_from_cname(cname.encode())
    if index < 0:
        return None
    info = lib().mypaint_brush_input_info(index).contents
    return float(info.hard_min), float(info.hard_max)


@contextlib.contextmanager
def native_stdout_silenced() -> Iterator[None]:
    """Send C-level stdout to /dev/null while painting.

    libmypaint printf()s diagnostics such as "Time is running backwards!" for some brushes; they
    would corrupt the CLI's output. Python's own stdout is flushed first and restored afterwards.
    """
    libc = _libc()
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None)
    libc.fflush.argtypes = [ctypes.c_void_p]
    libc.fflush.restype = ctypes.c_int
    return libc
