"""brush: paint pictures with brushstrokes through differentiable neural painters and real MyPaint.

The Python API mirrors the CLI: ``brushcli.paint(...)``. Heavy imports (torch) happen on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def paint(*args: Any, **kwargs: Any) -> Any:
    """See :func:`brushcli.api.paint`."""
    from brushcli.api import paint as _paint

    return _paint(*args, **kwargs)


__all__ = ["__version__", "paint"]
