"""Parsing user-given colors (``white``, ``#ff8800``, ``rgb(255,136,0)``, ``0.2,0.4,1``).

Names and CSS notations are Pillow's (:func:`PIL.ImageColor.getrgb`: the 148 CSS colour names,
``#rgb``, ``#rrggbb``, ``rgb()``, ``hsl()``, ``hsv()``); brush adds only three comma-separated numbers
in 0..1, the unit its stroke files use.
"""

from __future__ import annotations

from PIL import ImageColor

from brushcli.errors import InvalidArgument


def parse_color(text: str) -> tuple[float, float, float]:
    """An RGB color in 0..1 from a CSS name or notation (Pillow's), or three comma-separated 0..1 numbers."""
    value = text.strip()
    parts = value.split(",")
    if len(parts) == 3 and "(" not in value:
        try:
            rgb = tuple(float(p) for p in parts)
        except ValueError:
            rgb = ()
        if len(rgb) == 3 and all(0.0 <= c <= 1.0 for c in rgb):
            return rgb  # type: ignore[return-value]
    else:
        try:
            r, g, b = ImageColor.getrgb(value)[:3]
        except ValueError:
            pass
        else:
            return r / 255.0, g / 255.0, b / 255.0
    raise InvalidArgument(
        f"cannot read color {text!r}; use a CSS name (white, ivory, ...), #rrggbb, rgb(R,G,B), or r,g,b in 0..1"
    )
