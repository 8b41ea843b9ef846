"""More than one process: data-parallel training under torchrun, and batch shards for job arrays.

brush schedules nothing itself: existing engines start the processes (``torchrun`` for training,
Slurm job arrays, Kubernetes indexed jobs or ``torchrun --nnodes`` for batches) and tell each
process who it is through the environment. This module reads that and does the two things a
process then needs: :class:`ProcessGroup` averages gradients across training processes
(``torch.distributed``; gloo on CPUs, NCCL on GPUs) and agrees on when to stop, and :class:`Shard`
picks a process's part of a sorted batch. See docs/scaling.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from brushcli.errors import InvalidArgument

if TYPE_CHECKING:
    import torch

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """Part ``index`` of ``count`` of a batch, and where that came from (for messages)."""

    index: int
    count: int
    source: str = "--shard"

    def pick(self, items: Sequence[T]) -> list[T]:
        """Every ``count``-th item starting at ``index``: the shards of a list are disjoint and cover it."""
        return list(items[self.index :: self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str, source: str = "--shard") -> Shard:
    """``I/N`` with ``0 <= I < N``."""
    index, sep, count = str(text).strip().partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise InvalidArgument(f"{source} must be I/N (part I of N, counted from 0), got {text!r}")
    shard = Shard(int(index), int(count), source)
    if shard.count < 1 or not 0 <= shard.index < shard.count:
        raise InvalidArgument(f"{source} {text}: need 0 <= I < N")
    return shard


def shard_from_env(env: Mapping[str, str] | None = None) -> Shard | None:
    """The shard the launcher gave this process: torchrun's ``RANK``/``WORLD_SIZE``, or a Slurm job
    array's task (``SLURM_ARRAY_TASK_ID`` within ``SLURM_ARRAY_TASK_MIN``/``_STEP``/``_COUNT``).

    Kubernetes indexed jobs pass ``--shard $(JOB_COMPLETION_INDEX)/N`` (docs/scaling.md).
    """
    env = os.environ if env is None else env
    if env.get("WORLD_SIZE", "").isdigit() and int(env["WORLD_SIZE"]) > 1:
        return parse_shard(f"{env.get('RANK', '0')}/{env['WORLD_SIZE']}", "RANK/WORLD_SIZE")
    task, count = env.get("SLURM_ARRAY_TASK_ID", ""), env.get("SLURM_ARRAY_TASK_COUNT", "")
    if task.isdigit() and count.isdigit() and int(count) > 1:
        first = int(env.get("SLURM_ARRAY_TASK_MIN", "0") or 0)
        step = max(1, int(env.get("SLURM_ARRAY_TASK_STEP", "1") or 1))
        return parse_shard(f"{(int(task) - first) // step}/{count}", "SLURM_ARRAY_TASK_ID")
    return None


def resolve_shard(option: str | None, env: Mapping[str, str] | None = None) -> Shard | None:
    """``--shard``: ``I/N``; ``auto`` (default) reads the launcher's environment; ``none`` is the whole batch."""
    text = (option or "auto").strip().lower()
    if text == "auto":
        return shard_from_env(env)
    if text in ("none", "off", "0/1"):
        return None
    return parse_shard(text)


@dataclass
class ProcessGroup:
    """This process's place among ``world`` training processes (one process: a group of one).

    Built from torchrun's environment (:meth:`from_env`); :meth:`start` joins the others. Every
    process computes gradients on its own part of the batch, :meth:`average_gradients` makes them
    the gradient of the whole batch on every process, so all of them take the same step; rank 0
    alone writes files.
    """

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1
    started: bool = False
    #: Where collective tensors live: the CUDA device with NCCL, the CPU with gloo.
    comm_device: str = "cpu"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ProcessGroup":
        env = os.environ if env is None else env

        def number(name: str, default: int) -> int:
            value = env.get(name, "")
            return int(value) if value.isdigit() else default

        world = number("WORLD_SIZE", 1)
        return cls(rank=number("RANK", 0), world=world, local_rank=number("LOCAL_RANK", 0),
                   local_world=number("LOCAL_WORLD_SIZE", world))

    @property
    def main(self) -> bool:
        """Whether this process writes (checkpoints, folders, messages)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def device(self, device: str) -> str:
        """The device of this process: ``cuda`` becomes ``cuda:LOCAL_RANK`` when several processes share a machine."""
        if self.distributed and device == "cuda":
            return f"cuda:{self.local_rank}"
        return device

    def start(self, device: str) -> str:
        """Join the other processes (NCCL on CUDA, gloo otherwise); returns this process's device."""
        if not self.distributed or self.started:
            return self.device(device)
        import torch
        import torch.distributed as dist

        device = self.device(device)
        if device.startswith("cuda"):
            torch.cuda.set_device(torch.device(device))
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
        self.started = True
        self.comm_device = device if device.startswith("cuda") else "cpu"
        return device

    def close(self) -> None:
        if self.started:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
            self.started = False

    def average_gradients(self, params: Iterable["torch.Tensor"]) -> None:
        """Replace each gradient by its mean over the processes (one all-reduce of one flat buffer)."""
        if not self.distributed:
            return
        import torch
        import torch.distributed as dist

        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()

    def broadcast(self, tensors: Iterable["torch.Tensor"]) -> None:
        """Copy rank 0's values into every process (parameters after init or resume)."""
        if not self.distributed:
            return
        import torch.distributed as dist

        for t in tensors:
            dist.broadcast(t.data, src=0)

    def any(self, flag: bool) -> bool:
        """Whether any process says yes (all stop at the same step when one is interrupted)."""
        if not self.distributed:
            return flag
        import torch
        import torch.distributed as dist

        value = torch.tensor([1.0 if flag else 0.0], device=self.comm_device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0)

    def barrier(self) -> None:
        if self.distributed:
            import torch.distributed as dist

            dist.barrier()

    def split_batch(self, batch: int) -> int:
        """This process's share of a global ``batch`` (which must divide evenly)."""
        if batch % self.world:
            raise InvalidArgument(f"--batch {batch} does not split evenly over {self.world} processes; "
                                  f"use a multiple of {self.world}")
        return batch // self.world

    def owns(self, index: int) -> bool:
        """Whether item ``index`` of a round-robin split (data shards) belongs to this process."""
        return index % self.world == self.rank
