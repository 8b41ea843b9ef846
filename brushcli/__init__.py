"""brush: paint pictures with brushstrokes through differentiable neural painters and real MyPaint.

The Python API mirrors the CLI: ``brushcli.paint(...)``. Heavy imports (torch) happen on first use.
Importing brush before torch bounds OpenMP's idle spinning (:func:`brushcli.runtime.bound_spinning`),
so the CLI, the API and torchrun workers behave alike on a busy machine, and (on glibc) keeps freed
memory for the next step's tensors (:func:`brushcli.cpumode.keep_freed_memory`).
"""

from __future__ import annotations

from typing import Any

from brushcli.cpumode import keep_freed_memory
from brushcli.runtime import bound_spinning

__version__ = "0.1.0"
bound_spinning()
keep_freed_memory()


def paint(*args: Any, **kwargs: Any) -> Any:
    """See :func:`brushcli.api.paint`."""
    from brushcli.api import paint as _paint

    return _paint(*args, **kwargs)


def dream(*args: Any, **kwargs: Any) -> Any:
    """See :func:`brushcli.api.dream`."""
    from brushcli.api import dream as _dream

    return _dream(*args, **kwargs)


__all__ = ["__version__", "dream", "paint"]
