"""Threads, cores and devices: brush's choices depend on the work and the command's cores, never on the load."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from _brushtest import DEVICES
from brushcli import cpumode, runtime
from brushcli.errors import InvalidArgument


def test_threads_follow_the_work_within_the_budget():
    assert runtime.threads_for(1, 8) == 1
    assert runtime.threads_for(runtime.WORK_PER_THREAD, 8) == 1
    assert runtime.threads_for(runtime.WORK_PER_THREAD + 1, 8) == 2
    assert runtime.threads_for(100 * runtime.WORK_PER_THREAD, 8) == 8
    assert runtime.threads_for(100 * runtime.WORK_PER_THREAD, 1) == 1


def test_threads_option_parsing(monkeypatch):
    assert runtime.parse_threads("auto") is None and runtime.parse_threads(None) is None
    assert runtime.parse_threads("3") == 3 and runtime.parse_threads(2) == 2
    for bad in ("-1", "two", "1.5"):
        with pytest.raises(InvalidArgument, match="--threads"):
            runtime.parse_threads(bad)
    monkeypatch.setenv(runtime.THREADS_ENV, "3")
    assert runtime.thread_budget() == 3 and runtime.thread_budget("1") == 1


def test_usable_cores_follow_affinity_and_omp_num_threads(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert runtime.usable_cores() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert runtime.usable_cores() == 1
    assert runtime.usable_cores(threads_env=False) == len(os.sched_getaffinity(0))


def test_a_single_core_affinity_is_seen(tmp_path):
    """``taskset``/Slurm/cpusets: a process pinned to one core gets one core's worth of threads."""
    code = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); " \
           "from brushcli.runtime import usable_cores; print(usable_cores())"
    env = {**os.environ}
    env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "1"


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "max 100000"}, None),
    ({"cpu.max": "150000 100000"}, 1.5),
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
    ({"cpu/cpu.cfs_quota_us": "400000", "cpu/cpu.cfs_period_us": "100000"}, 4.0),
    ({}, None),
])
def test_cgroup_cpu_quota(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text + "\n")
    assert runtime.cpu_quota(tmp_path) == expected


def test_spinning_is_bounded_unless_the_user_chose():
    env: dict[str, str] = {}
    assert "torch" in sys.modules  # too late in this process: nothing is changed
    assert not runtime.bound_spinning(env) and env == {}
    code = "import os, brushcli, torch; print(os.environ.get('GOMP_SPINCOUNT'), os.environ.get('OMP_WAIT_POLICY'))"
    clean = {k: v for k, v in os.environ.items() if k not in runtime.USER_WAIT_SETTINGS}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, check=True)
    assert out.stdout.split() == [str(runtime.SPIN_COUNT), "None"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**clean, "OMP_WAIT_POLICY": "ACTIVE"}, check=True)
    assert out.stdout.split() == ["None", "ACTIVE"]  # the user's choice wins


def test_use_threads_restores_the_count():
    before = torch.get_num_threads()
    with runtime.use_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_devices_are_checked():
    assert runtime.resolve_device("cpu") == "cpu"
    assert runtime.resolve_device("auto") in ("cpu", "cuda", "mps")
    with pytest.raises(InvalidArgument, match="unknown --device"):
        runtime.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InvalidArgument, match="no CUDA GPU"):
            runtime.resolve_device("cuda:0")
    if not runtime.mps_available():
        with pytest.raises(InvalidArgument, match="no Apple GPU"):
            runtime.resolve_device("mps")


@pytest.mark.parametrize("device", DEVICES)
def test_mixed_precision_keeps_float32_where_it_must(device):
    """Autocast (on devices that have it) leaves the dab painter and the compositing in float32."""
    from brushcli.canvas.composite import over_stack
    from brushcli.painters.registry import create_painter

    painter = create_painter("pen", device=device)
    actions = torch.rand(4, 9, device=device)
    with runtime.autocast(device):
        alphas = painter(actions)
        premult, keep = over_stack(alphas[None], torch.rand(1, 4, 3, device=device))
    assert alphas.dtype == premult.dtype == keep.dtype == torch.float32


def _denormal_survives() -> bool:
    tiny = torch.tensor([1e-39], dtype=torch.float32)  # below float32's smallest normal (1.2e-38)
    return bool((tiny * 1.0).item() != 0.0)


def test_denormals_are_flushed_inside_compute_blocks_only():
    assert _denormal_survives()
    with cpumode.flushed_denormals():
        assert not _denormal_survives()
        with runtime.use_threads(1):  # nested: still flushed, and still after the inner block ends
            assert not _denormal_survives()
        assert not _denormal_survives()
    assert _denormal_survives()  # numpy and Python floats of the caller are not changed for good


def test_the_optimiser_runs_with_denormals_flushed():
    from brushcli.optimize import optimize

    seen = []
    x = torch.nn.Parameter(torch.ones(1))

    def loss(step: int) -> torch.Tensor:
        seen.append(_denormal_survives())
        return (x**2).sum()

    optimize([x], loss, steps=2)
    assert seen == [False, False] and _denormal_survives()


_A_SIZE = 64 * 32 * 32  # elements of the script's tensor
_WORKERS = """
import sys, torch
torch.set_num_threads(2)
a = torch.full((64, 32, 32), 1e-20)
torch.bmm(a, a)  # torch's worker threads exist before brush runs anything
from brushcli import cpumode
block = cpumode.flushed_denormals() if sys.argv[1] == "brush" else torch.no_grad()
with block:  # each product 1e-40 and each sum 3.2e-39: denormal, split between the two threads
    counts = [int((t != 0).sum()) for t in (torch.bmm(a, a), a * 1e-20)]
print(*counts, int((a * 1e-20 != 0).sum()))
"""


@pytest.mark.parametrize("mode", ["brush", "default"])
def test_denormals_are_flushed_on_every_worker_thread(mode):
    out = subprocess.run([sys.executable, "-c", _WORKERS, mode], capture_output=True, text=True, check=True)
    bmm, mul, after = (int(v) for v in out.stdout.split())
    if mode == "brush":
        assert bmm == mul == 0  # on both threads: the worker's half too
        assert after == _A_SIZE  # and IEEE behaviour back after the block, on every thread
    else:  # the control: without brush's block every thread keeps denormals
        assert bmm == mul == after == _A_SIZE


def test_freed_memory_is_kept_unless_the_user_tuned_the_allocator():
    assert cpumode.keep_freed_memory({}) is (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    assert cpumode.keep_freed_memory({"MALLOC_TRIM_THRESHOLD_": "0"}) is False
