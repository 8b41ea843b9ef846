"""How much of the machine a brush process uses: CPU threads, devices and mixed precision.

Why threads are decided here, from the work and not from the load. torch's CPU kernels give
last-bit-different results at different thread counts (a parallel sum is split per thread, some
elementwise kernels switch between vector and scalar code at the chunk borders, measured on
``log1p``, ``silu`` and full sums), and a few hundred optimisation steps grow that into another,
equally good painting. So the number of threads an image is painted with depends only on the work
(:func:`threads_for`) and on the cores the *command* may use (:func:`usable_cores`: CPU affinity and
a cgroup CPU quota), never on ``--jobs`` or on what else happens to run: the same command paints the
same bytes on a quiet and on a busy machine, alone or in a batch.

What makes a busy machine cheap instead: small work (most paint steps) runs on one thread, which
no busy core can stall; larger work runs on more threads whose idle waiting is bounded
(:func:`bound_spinning`), so a worker waiting at a barrier sleeps instead of taking a core another
process needs. Devices: :func:`resolve_device` and :func:`autocast` are the one place that knows
about CUDA and MPS; every caller passes the device down as an argument.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING

from brushcli.errors import InvalidArgument

if TYPE_CHECKING:
    import torch

#: Spin iterations of an idle OpenMP worker before it sleeps (libgomp's default is 300,000, ~ms).
#: Long spinning makes back-to-back small ops fast on a quiet machine, but a spinning worker holds
#: a core that the thread it waits for (or another process) needs; see docs/benchmarks.md.
SPIN_COUNT = 10_000
#: Environment variables through which a user chooses the OpenMP wait policy themselves.
USER_WAIT_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
#: Elements in a step's largest tensors per extra thread. A second thread is 1.3-1.6x faster on a
#: quiet machine at every size, but a busy core makes a small paint on two threads 2.6x slower than
#: alone (its many small operations each wait for the descheduled thread), on one 1.01x; docs/scaling.md.
WORK_PER_THREAD = 500_000
#: Environment variable read for ``--threads`` (``auto`` or a number).
THREADS_ENV = "BRUSH_THREADS"
DEVICES = ("auto", "cpu", "cuda", "mps")


def bound_spinning(env: MutableMapping[str, str] | None = None) -> bool:
    """Bound OpenMP's idle spinning (``GOMP_SPINCOUNT``) unless the user chose a wait policy.

    Must run before torch is imported (libgomp reads its environment once, when loaded): importing
    ``brushcli`` calls it, so the CLI, the API, torchrun and batch workers all get it (children
    inherit the environment). Returns whether the bound was set.
    """
    env = os.environ if env is None else env
    if "torch" in sys.modules or any(name in env for name in USER_WAIT_SETTINGS):
        return False
    env["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    return True


def cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by a cgroup CPU quota (Kubernetes limits, ``docker --cpus``), or None if unlimited."""
    candidates = [(root / "cpu.max", None), (root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"),
                  (root / "cpu,cpuacct" / "cpu.cfs_quota_us", root / "cpu,cpuacct" / "cpu.cfs_period_us")]
    for quota_file, period_file in candidates:
        try:
            text = quota_file.read_text().split()
            if period_file is None:  # cgroup v2: "max 100000" or "200000 100000"
                quota, period = text[0], text[1]
            else:
                quota, period = text[0], period_file.read_text().split()[0]
        except (OSError, IndexError):
            continue
        if quota in ("max", "-1"):
            return None
        try:
            return max(0.01, int(quota) / int(period))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def usable_cores(threads_env: bool = True) -> int:
    """Cores this process may use: its CPU affinity (``taskset``, Slurm, cpusets) capped by a cgroup
    quota and (``threads_env``, for thread counts) by ``OMP_NUM_THREADS`` if set. At least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.floor(quota + 1e-9)))
    omp = os.environ.get("OMP_NUM_THREADS", "") if threads_env else ""
    if omp.isdigit() and int(omp) > 0:
        cores = min(cores, int(omp))
    return max(1, cores)


def parse_threads(value: int | str | None) -> int | None:
    """``--threads``: a positive number, or None/``auto``/``0`` for brush's choice."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "auto", "0"):
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidArgument(f"--threads must be a positive number or auto, got {value!r}")
    return int(text)


def thread_budget(requested: int | str | None = None) -> int:
    """The threads a command may use: ``requested`` (``--threads``, else ``$BRUSH_THREADS``), else its usable cores."""
    chosen = parse_threads(requested if requested is not None else os.environ.get(THREADS_ENV))
    return chosen if chosen is not None else usable_cores()


def threads_for(work: int, budget: int) -> int:
    """Threads for a loop whose largest tensors hold ``work`` elements, out of ``budget``.

    One thread per :data:`WORK_PER_THREAD` elements, at least 1 and at most ``budget``: a function
    of the work and the command's cores only, so the same command computes the same bytes.
    """
    return max(1, min(int(budget), math.ceil(max(1, work) / WORK_PER_THREAD)))


@contextlib.contextmanager
def use_threads(threads: int) -> Iterator[int]:
    """Run the block with ``threads`` torch CPU threads, restoring the previous count after.

    Every command's work runs in such a block, so it is also where denormals are flushed
    (:func:`brushcli.cpumode.flushed_denormals`).
    """
    import torch

    from brushcli.cpumode import flushed_denormals

    previous = torch.get_num_threads()
    if threads != previous:
        torch.set_num_threads(threads)
    try:
        with flushed_denormals():
            yield threads
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` if a CUDA GPU is usable, else ``mps`` (Apple GPU), else ``cpu``.

    ``cuda``, ``cuda:N`` and ``mps`` are checked, so asking for a missing device is one clear error.
    """
    import torch

    name = str(device).strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if mps_available() else "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise InvalidArgument(f"--device {device} was asked for but no CUDA GPU is available; use --device cpu")
        index = name.partition(":")[2]
        if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
            raise InvalidArgument(f"--device {device}: there are {torch.cuda.device_count()} CUDA devices")
        return name
    if name == "mps":
        if not mps_available():
            raise InvalidArgument("--device mps was asked for but no Apple GPU (MPS) is available; use --device cpu")
        return "mps"
    raise InvalidArgument(f"unknown --device {device!r}; use {', '.join(DEVICES)} or cuda:N")


def autocast_dtype(device: "str | torch.device") -> "torch.dtype | None":
    """The reduced precision worth using on ``device``: bfloat16 on GPUs that support it, else None.

    Not float16: the dab painter's density field spans e^-40..1, below float16's range. Not on CPUs:
    bfloat16 autocast measured ~30x slower on this project's AVX2 CPU (docs/benchmarks.md).
    """
    import torch

    kind = torch.device(device).type
    if kind == "cuda" and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if kind == "mps" and mps_available() and _macos_at_least(14):
        return torch.bfloat16  # MPS has bfloat16 from macOS 14
    return None


def _macos_at_least(major: int) -> bool:
    import torch

    check = getattr(torch.backends.mps, "is_macos_or_newer", None)
    return bool(check is not None and check(major, 0))


def autocast(device: "str | torch.device", enabled: bool = True) -> contextlib.AbstractContextManager:
    """Mixed precision on ``device`` where it supports it (:func:`autocast_dtype`), else nothing."""
    import torch

    dtype = autocast_dtype(device) if enabled else None
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def full_precision(device: "str | torch.device") -> contextlib.AbstractContextManager:
    """Turn autocast off inside a block that needs float32 (log-space sums, e^-40 dab densities)."""
    import torch

    kind = torch.device(device).type
    try:
        active = torch.is_autocast_enabled(kind)
    except TypeError:  # torch < 2.4 asks about CUDA only
        active = torch.is_autocast_enabled()
    return torch.autocast(device_type=kind, enabled=False) if active else contextlib.nullcontext()
