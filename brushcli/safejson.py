"""Reading JSON that brush did not write: a byte limit, a depth limit and finite numbers only.

Every loader of user-supplied JSON (stroke files, brush files, presets, painter configs) reads
through :func:`read_json`, so none of them can be made to read ``/dev/zero`` until memory runs out,
to recurse past Python's stack on ``[[[[...]]]]`` or to carry NaN into a computation. Each problem
is raised as the caller's own :class:`~brushcli.errors.BrushError` subclass, as one sentence that
names the file.

>>> doc = read_json(Path("strokes.json"), max_bytes=1 << 20, error=StrokeFileError)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path
from typing import Any

from brushcli.errors import BrushError

#: Deepest nesting any brush file format needs is 5 (a stroke file's meta.plan entries); 32 leaves room
#: for free-form ``meta`` and ``training`` objects while keeping every consumer far from recursion limits.
MAX_DEPTH = 32
_CHUNK = 1 << 20


def read_bytes(path: str | Path, max_bytes: int, error: type[BrushError] = BrushError,
               what: str = "file") -> bytes:
    """The content of ``path``, refusing more than ``max_bytes`` before reading it all.

    Regular files and pipes are read (``<(cmd)`` works); devices such as ``/dev/zero`` are refused,
    and a pipe is read only up to the limit.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a directory, not a {what}")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise error(f"{path}: is not a regular file, so it cannot be a {what}")
    if info.st_size > max_bytes:
        raise error(f"{path}: {info.st_size} bytes is more than a {what} may be ({_size(max_bytes)})")
    parts: list[bytes] = []
    total = 0
    try:
        with open(path, "rb") as fh:
            while total <= max_bytes:
                block = fh.read(min(_CHUNK, max_bytes + 1 - total))
                if not block:
                    break
                parts.append(block)
                total += len(block)
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if total > max_bytes:
        raise error(f"{path}: more than {_size(max_bytes)}, larger than a {what} may be")
    return b"".join(parts)


def parse_json(data: bytes | str, source: str, error: type[BrushError] = BrushError,
               max_depth: int = MAX_DEPTH, allow_nan: bool = False) -> Any:
    """Parse UTF-8 JSON text, refusing nesting deeper than ``max_depth``.

    ``NaN``/``Infinity`` tokens are refused unless ``allow_nan`` (then the caller's typed validation
    must refuse them, which lets it name the field).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise error(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    try:
        doc = json.loads(text, parse_constant=None if allow_nan else _refuse_constant)
    except RecursionError:
        raise error(f"{source}: JSON nested deeper than {max_depth} levels") from None
    except _NonFinite as exc:
        raise error(f"{source}: {exc.args[0]} is not allowed, numbers must be finite") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise error(f"{source}: not valid JSON ({_first_line(str(exc))})") from exc
    where = deepest(doc, max_depth)
    if where is not None:
        raise error(f"{source}: JSON nested deeper than {max_depth} levels (at {where})")
    return doc


def read_json(path: str | Path, max_bytes: int, error: type[BrushError] = BrushError, what: str = "JSON file",
              max_depth: int = MAX_DEPTH, allow_nan: bool = False) -> Any:
    """:func:`read_bytes` then :func:`parse_json`: the one way brush reads JSON it did not write."""
    return parse_json(read_bytes(path, max_bytes, error, what), str(path), error, max_depth, allow_nan)


def deepest(doc: Any, max_depth: int) -> str | None:
    """Where ``doc`` nests deeper than ``max_depth`` (a path such as ``meta.a[0]``), or None.

    Iterative, so it cannot itself run out of stack.
    """
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > max_depth:
            return where or "top level"
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1, f"{where}.{key}" if where else str(key)))
        else:
            for index, value in enumerate(node) if isinstance(node, list) else ():
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1, f"{where}[{index}]"))
    return None


def finite_numbers(doc: Any) -> str | None:
    """Where ``doc`` holds a NaN or infinite number (a path), or None: for free-form sub-trees."""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return where or "top level"
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(node))
    return None


class _NonFinite(ValueError):
    pass


def _refuse_constant(token: str) -> float:
    raise _NonFinite(token)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "empty"


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"

