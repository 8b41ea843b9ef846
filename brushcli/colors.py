"""Parsing user-given colors (``white``, ``#ff8800``, ``0.2,0.4,1``)."""

from __future__ import annotations

from brushcli.errors import InvalidArgument

NAMED = {
    "white": (1.0, 1.0, 1.0),
    "black": (0.0, 0.0, 0.0),
    "gray": (0.5, 0.5, 0.5),
    "grey": (0.5, 0.5, 0.5),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 0.5, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "cream": (0.96, 0.93, 0.85),
}


def parse_color(text: str) -> tuple[float, float, float]:
    """An RGB color in 0..1 from a name, ``#rrggbb``/``#rgb`` or three comma-separated 0..1 numbers."""
    value = text.strip().lower()
    if value in NAMED:
        return NAMED[value]
    if value.startswith("#"):
        hexpart = value[1:]
        if len(hexpart) == 3:
            hexpart = "".join(c * 2 for c in hexpart)
        if len(hexpart) == 6:
            try:
                return tuple(int(hexpart[i : i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]
            except ValueError:
                pass
    parts = value.split(",")
    if len(parts) == 3:
        try:
            rgb = tuple(float(p) for p in parts)
        except ValueError:
            rgb = ()
        if len(rgb) == 3 and all(0.0 <= c <= 1.0 for c in rgb):
            return rgb  # type: ignore[return-value]
    raise InvalidArgument(
        f"cannot read color {text!r}; use a name ({', '.join(NAMED)}), #rrggbb, or r,g,b in 0..1"
    )
