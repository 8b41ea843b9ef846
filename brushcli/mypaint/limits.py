"""What libmypaint accepts safely: brush files are checked against it before the engine sees them.

libmypaint trusts its brush files. More than 64 or unsorted mapping points trip an assertion (the
process aborts), a setting like ``dabs_per_actual_radius = 1e9`` makes one stroke lay a billion dabs
(tens of GB, minutes), unknown names are reported on stderr for every stroke. :func:`check_brush_doc`
refuses all of that, using the ranges libmypaint itself declares for each setting and input
(``mypaint_brush_setting_info``, ``mypaint_brush_input_info`` of libmypaint 1.6; a test compares
these tables with the installed library). Every one of the 196 brushes of ``mypaint-brushes`` passes.

:class:`DabGeometry` summarises what decides how many dabs a stroke lays and how far from the pointer
they can land; :mod:`brushcli.mypaint.budget` turns it into a per-stroke dab budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from brushcli.errors import InvalidBrushFile
from brushcli.schema import Finite, validate

INF = math.inf
#: Base-value range of every brush setting of libmypaint 1.6 (``min``/``max`` of its setting info).
SETTINGS: dict[str, tuple[float, float]] = {
    "opaque": (0.0, 2.0), "opaque_multiply": (0.0, 2.0), "opaque_linearize": (0.0, 2.0),
    "radius_logarithmic": (-2.0, 6.0), "hardness": (0.0, 1.0), "anti_aliasing": (0.0, 5.0),
    "dabs_per_basic_radius": (0.0, 200.0), "dabs_per_actual_radius": (0.0, 200.0),
    "dabs_per_second": (0.0, 200.0), "radius_by_random": (0.0, 1.5), "speed1_slowness": (0.0, 0.2),
    "speed2_slowness": (0.0, 3.0), "speed1_gamma": (-8.0, 8.0), "speed2_gamma": (-8.0, 8.0),
    "offset_by_random": (0.0, 25.0), "offset_by_speed": (-3.0, 3.0), "offset_by_speed_slowness": (0.0, 15.0),
    "slow_tracking": (0.0, 10.0), "slow_tracking_per_dab": (0.0, 10.0), "tracking_noise": (0.0, 12.0),
    "color_h": (0.0, 1.0), "color_s": (-0.5, 1.5), "color_v": (-0.5, 1.5), "restore_color": (0.0, 1.0),
    "change_color_h": (-2.0, 2.0), "change_color_l": (-2.0, 2.0), "change_color_hsl_s": (-2.0, 2.0),
    "change_color_v": (-2.0, 2.0), "change_color_hsv_s": (-2.0, 2.0), "smudge": (0.0, 1.0),
    "smudge_length": (0.0, 1.0), "smudge_radius_log": (-1.6, 1.6), "eraser": (0.0, 1.0),
    "stroke_threshold": (0.0, 0.5), "stroke_duration_logarithmic": (-1.0, 14.0), "stroke_holdtime": (0.0, 10.0),
    "custom_input": (-5.0, 5.0), "custom_input_slowness": (0.0, 10.0), "elliptical_dab_ratio": (1.0, 10.0),
    "elliptical_dab_angle": (0.0, 180.0), "direction_filter": (0.0, 10.0), "lock_alpha": (0.0, 1.0),
    "colorize": (0.0, 1.0), "snap_to_pixel": (0.0, 1.0), "pressure_gain_log": (-1.8, 1.8),
    "gridmap_scale": (-10.0, 10.0), "gridmap_scale_x": (0.0, 10.0), "gridmap_scale_y": (0.0, 10.0),
    "smudge_length_log": (0.0, 20.0), "smudge_bucket": (0.0, 255.0), "smudge_transparency": (-1.0, 1.0),
    "offset_y": (-40.0, 40.0), "offset_x": (-40.0, 40.0), "offset_angle": (-40.0, 40.0),
    "offset_angle_asc": (-40.0, 40.0), "offset_angle_view": (-40.0, 40.0), "offset_angle_2": (0.0, 40.0),
    "offset_angle_2_asc": (0.0, 40.0), "offset_angle_2_view": (0.0, 40.0), "offset_angle_adj": (-180.0, 180.0),
    "offset_multiplier": (-2.0, 3.0), "posterize": (0.0, 1.0), "posterize_num": (0.01, 1.28),
    "paint_mode": (0.0, 1.0),
}
#: Hard range of every brush input of libmypaint 1.6 (``hard_min``/``hard_max`` of its input info).
INPUTS: dict[str, tuple[float, float]] = {
    "pressure": (0.0, INF), "speed1": (-INF, INF), "speed2": (-INF, INF), "random": (0.0, 1.0),
    "stroke": (0.0, 1.0), "direction": (0.0, 180.0), "tilt_declination": (0.0, 90.0),
    "tilt_ascension": (-180.0, 180.0), "custom": (-INF, INF), "direction_angle": (0.0, 360.0),
    "attack_angle": (-180.0, 180.0), "tilt_declinationx": (-90.0, 90.0), "tilt_declinationy": (-90.0, 90.0),
    "gridmap_x": (0.0, 256.0), "gridmap_y": (0.0, 256.0), "viewzoom": (-2.77, 4.15),
    "barrel_rotation": (-180.0, 180.0), "brush_radius": (-2.0, 6.0),
}
#: libmypaint keeps at most this many points per input mapping (``ControlPoints`` arrays).
MAX_POINTS = 64
BRUSH_VERSION = 3
#: Largest |x| of a mapping point for inputs libmypaint leaves unbounded (kept far inside float32).
MAX_X = 1e6
#: The engine's own clamp of the actual dab radius in pixels (ACTUAL_RADIUS_MIN/MAX).
RADIUS_MIN, RADIUS_MAX = 0.2, 1000.0
#: |rand_gauss()| in libmypaint: a sum of four uniform numbers, scaled.
GAUSS_MAX = 3.4641017
_Point = tuple[Finite, Finite]


class _SettingModel(BaseModel):
    """One setting as a .myb file spells it (libmypaint needs both keys; ``inputs`` may be empty)."""

    model_config = ConfigDict(extra="ignore")
    base_value: Finite
    inputs: dict[str, Annotated[list[_Point], Field(max_length=MAX_POINTS)]] = {}


class _BrushFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    settings: dict[str, _SettingModel]


def check_brush_doc(doc: Any, source: str) -> dict[str, dict[str, Any]]:
    """The brush's settings, checked against libmypaint's limits; the only form the engine gets.

    Returns ``{setting: {"base_value": float, "inputs": {input: [[x, y], ...]}}}`` with unknown
    inputs dropped (libmypaint ignores them too, after a warning on stderr) and empty mappings
    removed. Raises :class:`~brushcli.errors.InvalidBrushFile` naming the first problem.
    """
    if not isinstance(doc, dict):
        raise InvalidBrushFile(f"{source}: not a MyPaint brush (the top level must be a JSON object)")
    version = doc.get("version")
    if version != BRUSH_VERSION or isinstance(version, bool):
        raise InvalidBrushFile(f"{source}: brush file version {version!r} is not supported "
                               f"(libmypaint reads version {BRUSH_VERSION})")
    raw = validate(_BrushFile, doc, source, InvalidBrushFile).settings
    settings: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        if name not in SETTINGS:
            raise InvalidBrushFile(f"{source}: unknown setting {name!r} (libmypaint 1.6 has no such setting)")
        low, high = SETTINGS[name]
        if not _within(entry.base_value, low, high):
            raise InvalidBrushFile(f"{source}: setting {name} = {entry.base_value:g} is outside "
                                   f"libmypaint's range {low:g}..{high:g}")
        inputs = {}
        for input_name, points in entry.inputs.items():
            if input_name not in INPUTS or not points:
                continue
            _check_points(points, name, input_name, high - low, source)
            inputs[input_name] = [[float(x), float(y)] for x, y in points]
        settings[name] = {"base_value": float(entry.base_value), "inputs": inputs}
    return settings


def _check_points(points: list[tuple[float, float]], setting: str, input_name: str, span: float,
                  source: str) -> None:
    where = f"{source}: setting {setting}, input {input_name}"
    if len(points) < 2:
        raise InvalidBrushFile(f"{where}: a mapping needs at least 2 points, got {len(points)}")
    low, high = (max(v, -MAX_X) if v < 0 else min(v, MAX_X) for v in INPUTS[input_name])
    previous = -INF
    for x, y in points:
        if x < previous:
            raise InvalidBrushFile(f"{where}: mapping points must be sorted by x ({x:g} after {previous:g})")
        previous = x
        if not _within(x, low, high):
            raise InvalidBrushFile(f"{where}: x = {x:g} is outside the input's range {low:g}..{high:g}")
        if not _within(y, -span, span):
            raise InvalidBrushFile(f"{where}: y = {y:g} is outside -{span:g}..{span:g} (the setting's span)")


def _within(value: float, low: float, high: float) -> bool:
    """``low <= value <= high`` up to float32 rounding (libmypaint stores its limits as floats)."""
    slack = 1e-5 * max(1.0, abs(low) if math.isfinite(low) else 1.0, abs(high) if math.isfinite(high) else 1.0)
    return low - slack <= value <= high + slack


# -- what a brush can do to a stroke --------------------------------------------------------------

#: Settings that move dabs away from the pointer, in base radii.
_OFFSETS = ("offset_x", "offset_y", "offset_angle", "offset_angle_asc", "offset_angle_view", "offset_angle_2",
            "offset_angle_2_asc", "offset_angle_2_view")


@dataclass(frozen=True)
class DabGeometry:
    """What decides how many dabs a stroke lays and how far from the pointer they land.

    ``per_actual``, ``per_basic``, ``per_second``: the dab rates libmypaint counts with (base values;
    the engine's count ignores their mappings). ``radius_low``/``radius_high``: the factors by which
    input mappings can shrink or grow the actual radius. ``reach``: how far a dab can land from the
    tracked pointer and ``tracking_noise`` how far the pointer itself is jittered, both in base radii;
    ``speed_reach``: offset per unit of pointer speed (px per px/s). ``bounded`` is False when some
    mapping is unbounded (a feedback loop through the custom input): such brushes are painted with
    every dab counted. Mappings extrapolate linearly past their end points, exactly as the engine
    does, over the range each input can take when brush drives the engine (:func:`input_ranges`).
    """

    per_actual: float
    per_basic: float
    per_second: float
    radius_low: float
    radius_high: float
    radius_by_random: float
    aspect_ratio: float
    anti_aliasing: float
    reach: float
    tracking_noise: float
    speed_reach: float
    bounded: bool

    @classmethod
    def of(cls, settings: dict[str, dict[str, Any]], max_speed: float) -> "DabGeometry":
        """The geometry of checked ``settings`` when the pointer moves at most ``max_speed`` px/s
        (as libmypaint sees it: scaled by the view zoom)."""
        ranges = input_ranges(settings, max_speed)

        def base(name: str) -> float:  # a setting the file leaves out is 0 (mypaint_brush_new)
            return float(settings.get(name, {}).get("base_value", 0.0))

        def value(name: str) -> tuple[float, float]:
            low, high = mapped_range(settings.get(name, {}).get("inputs", {}), ranges)
            return base(name) + low, base(name) + high

        def magnitude(name: str) -> float:
            return max(abs(v) for v in value(name))

        radius = mapped_range(settings.get("radius_logarithmic", {}).get("inputs", {}), ranges)
        reach = sum(magnitude(k) for k in _OFFSETS) * math.exp(min(value("offset_multiplier")[1], 700.0)) \
            + GAUSS_MAX * max(0.0, value("offset_by_random")[1])
        geometry = cls(
            per_actual=base("dabs_per_actual_radius"), per_basic=base("dabs_per_basic_radius"),
            per_second=base("dabs_per_second"),
            radius_low=math.exp(max(radius[0], -700.0)), radius_high=math.exp(min(radius[1], 700.0)),
            radius_by_random=magnitude("radius_by_random"),
            aspect_ratio=max(1.0, value("elliptical_dab_ratio")[1]),
            anti_aliasing=max(0.0, value("anti_aliasing")[1]),
            reach=reach, tracking_noise=max(0.0, base("tracking_noise")),
            speed_reach=0.1 * magnitude("offset_by_speed"), bounded=True,
        )
        finite = all(math.isfinite(v) for v in (geometry.radius_by_random, geometry.aspect_ratio,
                                                geometry.anti_aliasing, geometry.reach, geometry.speed_reach))
        return geometry if finite else replace(geometry, bounded=False)


def input_ranges(settings: dict[str, dict[str, Any]], max_speed: float) -> dict[str, tuple[float, float]]:
    """The values each libmypaint input can take while brush paints (pressure 0..1, no tilt, the
    view zoom of 64 px / long side, pointer speed up to ``max_speed``)."""

    def base(name: str) -> float:
        return float(settings.get(name, {}).get("base_value", 0.0))

    ranges = dict(INPUTS)
    ranges["pressure"] = (0.0, math.exp(base("pressure_gain_log")))
    ranges["viewzoom"] = (-5.6, 4.2)  # log(64 / long side) for 1..16384 px
    ranges["brush_radius"] = (-7.0, 9.1)  # log of a base radius of 1e-3..8192 px
    for speed in ("speed1", "speed2"):
        # libmypaint: log(gamma + v) * m + q with m, q fixed by two points at v = 45
        gamma = math.exp(base(f"{speed}_gamma"))
        m = 0.015 * (45.0 + gamma)
        q = 0.5 - m * math.log(45.0 + gamma)
        ranges[speed] = (math.log(gamma) * m + q, math.log(gamma + max_speed) * m + q)
    custom = settings.get("custom_input", {}).get("inputs", {})
    if "custom" in custom:
        ranges["custom"] = (-INF, INF)  # feeds back on itself
    else:
        low, high = mapped_range(custom, ranges | {"custom": (0.0, 0.0)})
        # the custom input eases from 0 towards the setting's value
        ranges["custom"] = (min(0.0, base("custom_input") + low), max(0.0, base("custom_input") + high))
    return ranges


def mapped_range(inputs: dict[str, list[list[float]]], ranges: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Smallest and largest sum of a setting's input mappings over the inputs' ``ranges``."""
    low = high = 0.0
    for name, points in inputs.items():
        lo, hi = _mapping_range(points, *ranges[name])
        low, high = low + lo, high + hi
    return low, high


def _mapping_range(points: list[list[float]], a: float, b: float) -> tuple[float, float]:
    """Range of one libmypaint mapping (piecewise linear, extrapolated along its first and last
    segment) for inputs in ``[a, b]``: its extremes lie at ``a``, ``b`` or a point in between."""
    values = [_mapping_at(points, a), _mapping_at(points, b)]
    values += [y for x, y in points if a <= x <= b]
    return min(values), max(values)


def _mapping_at(points: list[list[float]], x: float) -> float:
    """``mypaint_mapping_calculate`` for one input (with infinities for unbounded inputs)."""
    (x0, y0), (x1, y1) = points[0], points[1]
    i = 2
    while i < len(points) and x > x1:
        (x0, y0), (x1, y1) = (x1, y1), points[i]
        i += 1
    if x0 == x1 or y0 == y1:
        return y0
    if math.isinf(x):
        slope = (y1 - y0) / (x1 - x0)
        return math.copysign(INF, slope * x)
    return (y1 * (x - x0) + y0 * (x1 - x)) / (x1 - x0)
