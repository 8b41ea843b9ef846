"""Two process settings that decide how fast brush's loop runs on a CPU: the floating-point mode of
torch's threads, and how the C allocator keeps freed memory.

Denormals. The dab painter's densities reach e^-40 and their products in the backward pass fall
below float32's smallest normal number (~1e-38), which x86 CPUs handle in microcode: a 46-stroke
step of ``paint`` took 52 ms instead of 13 ms (the backward matrix products 25x slower). Values that
small change nothing a painting can show (alpha reads ``log(density + 1e-20)``), so brush's compute
blocks treat them as zero (:func:`flushed_denormals`). The mode belongs to each thread, and torch's
OpenMP worker threads never copy it from the thread that starts them, so it is set on every thread
of the team by running one OpenMP parallel region through torch's own libgomp (:func:`set_team_flush`);
without that, the worker's half of every operation stayed slow. Restored after the block: numpy and
Python floats elsewhere in the process keep IEEE behaviour.

Allocator. A step allocates and frees dozens of 0.1-4 MB tensors. glibc serves blocks above its
(adaptive) mmap threshold with fresh pages and trims freed heap memory back to the system, so the
same tensor is page-faulted in again at every step: ``exp(clamp(x))`` on a 1 MB tensor took 0.6 ms
against 0.13 ms with the memory kept. :func:`keep_freed_memory` keeps blocks up to 32 MiB on the heap
and freed memory up to 512 MiB in the process (50 strokes: 7.45 s -> 7.2 s; the resident peak can
grow, as freed memory is not returned: dream 1.9 -> 2.4 GB).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from typing import Any

#: glibc's mallopt parameters.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Environment variables through which a user tunes glibc's allocator themselves.
USER_MALLOC_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES")

_flushing = 0
_flushed_threads = 0
_gomp: Any = None


def keep_freed_memory(env: dict[str, str] | None = None) -> bool:
    """On glibc, serve blocks up to 32 MiB from the heap and keep up to 512 MiB of freed memory,
    unless the user tuned the allocator; returns whether it was set."""
    env = dict(os.environ) if env is None else env
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        glibc = ""
    if not glibc.startswith("glibc") or any(name in env for name in USER_MALLOC_SETTINGS):
        return False
    libc = ctypes.CDLL(None)
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 512 << 20))


def _libgomp() -> Any:
    """The libgomp this process loaded (torch's OpenMP runtime), or None (another runtime, or none)."""
    global _gomp
    if _gomp is None:
        _gomp = False
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "libgomp" in line and "/" in line}
        except OSError:
            paths = set()
        for path in sorted(paths):
            try:
                lib = ctypes.CDLL(path)
                lib.GOMP_parallel.argtypes = [ctypes.CFUNCTYPE(None, ctypes.c_void_p), ctypes.c_void_p,
                                              ctypes.c_uint, ctypes.c_uint]
                lib.GOMP_parallel.restype = None
                _gomp = lib
                break
            except (OSError, AttributeError):
                continue
    return _gomp or None


def set_team_flush(on: bool) -> int:
    """Flush denormals (``on``) or not, on the calling thread and on every thread of torch's OpenMP
    team (``torch.get_num_threads()`` of them); returns on how many threads it was set."""
    import torch

    torch.set_flush_denormal(on)
    threads = torch.get_num_threads()
    lib = _libgomp()
    if threads <= 1 or lib is None:
        return 1
    done: list[int] = []

    def body(_: Any) -> None:  # runs once on each thread of the team (the caller is thread 0)
        torch.set_flush_denormal(on)
        done.append(1)

    callback = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(body)
    lib.GOMP_parallel(callback, None, threads, 0)
    return len(done)


@contextlib.contextmanager
def flushed_denormals() -> Iterator[None]:
    """Run the block with denormal floats treated as zero on torch's threads (nested blocks allowed;
    a block that raises torch's thread count flushes the new threads too)."""
    global _flushing, _flushed_threads
    import torch

    threads = torch.get_num_threads()
    if _flushing == 0 or threads > _flushed_threads:
        set_team_flush(True)
        _flushed_threads = max(_flushed_threads, threads)
    _flushing += 1
    try:
        yield
    finally:
        _flushing -= 1
        if _flushing == 0:
            previous = torch.get_num_threads()
            torch.set_num_threads(max(previous, _flushed_threads))  # every thread that was flushed
            set_team_flush(False)
            torch.set_num_threads(previous)
            _flushed_threads = 0
