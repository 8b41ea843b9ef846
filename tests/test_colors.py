"""Colours are read by Pillow (CSS names and notations) plus brush's r,g,b in 0..1."""

from __future__ import annotations

import pytest

from brushcli.colors import parse_color
from brushcli.errors import InvalidArgument


@pytest.mark.parametrize("text, rgb", [
    ("white", (1.0, 1.0, 1.0)), (" Black ", (0.0, 0.0, 0.0)), ("#ff0000", (1.0, 0.0, 0.0)), ("#00f", (0.0, 0.0, 1.0)),
    ("rgb(0,255,0)", (0.0, 1.0, 0.0)), ("0.2,0.4,1", (0.2, 0.4, 1.0)), ("ivory", (1.0, 1.0, 240 / 255)),
])
def test_colors(text, rgb):
    assert parse_color(text) == pytest.approx(rgb)


@pytest.mark.parametrize("text", ["nope", "1,2,3", "#12345", "", "0.5,0.5"])
def test_bad_colors_are_one_error(text):
    with pytest.raises(InvalidArgument, match="cannot read color"):
        parse_color(text)
