"""Typed validation of the documents brush reads (pydantic v2), reported as one sentence.

Loaders declare what a document must look like with the field types below and call
:func:`validate`; the first problem becomes the loader's own :class:`~brushcli.errors.BrushError`
naming the field by its path (``strokes[3].size: 0.9 is above the maximum 0.5``).

Numbers are strict: ``true`` or ``"0.5"`` are not numbers, NaN and infinities are refused.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, TypeVar

from pydantic import Field, Strict, StringConstraints, TypeAdapter, ValidationError

from brushcli.errors import BrushError

T = TypeVar("T")

#: A finite JSON number (an integer is accepted where a float is expected).
Finite = Annotated[float, Strict(), Field(allow_inf_nan=False)]
#: A JSON integer (not a bool, not a float).
Int = Annotated[int, Strict()]
#: A string without NUL bytes (they make every path operation raise) and of sane length.
Text = Annotated[str, Strict(), StringConstraints(max_length=4096, pattern=r"^[^\x00]*$")]
NonEmptyText = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=4096, pattern=r"^[^\x00]+$")]


def bounded(low: float, high: float) -> Any:
    """A finite number in ``[low, high]``."""
    return Annotated[float, Strict(), Field(allow_inf_nan=False, ge=low, le=high)]


def int_in(low: int, high: int) -> Any:
    """An integer in ``[low, high]``."""
    return Annotated[int, Strict(), Field(ge=low, le=high)]


@functools.lru_cache(maxsize=None)
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


def validate(kind: type[T] | Any, doc: Any, source: str, error: type[BrushError], at: str = "") -> T:
    """``doc`` checked and converted to ``kind`` (a model, TypedDict or type), or ``error``.

    ``at`` is where ``doc`` sits in its file (``arch_args``), prefixed to the field path.
    """
    try:
        return _adapter(kind).validate_python(doc)
    except ValidationError as exc:
        raise error(f"{source}: {describe(exc, at)}") from None


def describe(exc: ValidationError, at: str = "") -> str:
    """The first problem of a validation error as ``where: what``."""
    first = exc.errors(include_url=False)[0]
    where = location(((at,) if at else ()) + tuple(first["loc"]))
    kind, value, ctx = first["type"], first.get("input"), first.get("ctx") or {}
    if kind == "missing":
        what = "missing"
    elif kind == "finite_number":
        what = f"{value!r} is not a finite number"
    elif kind in ("less_than_equal", "less_than"):
        what = f"{_short(value)} is above the maximum {_number(ctx.get('le', ctx.get('lt')))}"
    elif kind in ("greater_than_equal", "greater_than"):
        what = f"{_short(value)} is below the minimum {_number(ctx.get('ge', ctx.get('gt')))}"
    elif kind in ("float_type", "int_type", "float_parsing", "int_from_float"):
        what = f"expected {'an integer' if kind.startswith('int') else 'a number'}, got {_short(value)}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        what = f"expected a JSON object, got {_short(value)}"
    elif kind in ("list_type", "tuple_type"):
        what = f"expected a list, got {_short(value)}"
    elif kind in ("string_type", "str_type"):
        what = f"expected a string, got {_short(value)}"
    elif kind == "string_pattern_mismatch":
        what = "contains a NUL character"
    else:
        message = str(first["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        what = f"{message[:1].lower()}{message[1:]}"
        if kind not in ("value_error", "assertion_error", "literal_error"):
            what += f" (got {_short(value)})"
    return f"{where}: {what}" if where else what


def location(loc: tuple[int | str, ...]) -> str:
    """``('strokes', 3, 'size')`` as ``strokes[3].size``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
