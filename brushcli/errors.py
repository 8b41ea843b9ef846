"""Typed exceptions raised by the library; the CLI turns each into one line on stderr.

Library code never prints or exits: it raises a subclass of :class:`BrushError` whose message is a
complete sentence a user can act on.
"""

from __future__ import annotations


class BrushError(Exception):
    """Base class of every error brush reports to users."""


class MyPaintUnavailable(BrushError):
    """libmypaint (or its brushes) is not installed on this machine."""


class BrushNotFound(BrushError):
    """A brush name or .myb path could not be resolved or parsed."""


class InvalidBrushFile(BrushNotFound):
    """A .myb file holds something libmypaint cannot take safely (a value out of range, too many points)."""


class DabBudgetExceeded(BrushError):
    """A stroke would make libmypaint lay more dabs, or lay them farther away, than brush allows."""


class StrokeFileError(BrushError):
    """A stroke-list JSON file is missing, malformed or out of range."""


class InvalidArgument(BrushError):
    """A command-line or API argument is outside what brush accepts."""


class OutputError(BrushError):
    """An output file or directory could not be written."""


class PainterError(BrushError):
    """A neural painter could not be found, loaded or trained."""


class ImageError(BrushError):
    """An input image is missing, unreadable or too large."""
