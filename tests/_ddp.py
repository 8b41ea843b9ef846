"""Run a function in real processes joined by torch.distributed (gloo on the CPU), as torchrun does.

The scenarios live here (not in test modules) so spawned processes import them by a stable name.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_processes(fn: Callable[..., Any], world: int, *args: Any, timeout: float = 300) -> list[Any]:
    """``fn(group, *args)`` in ``world`` processes; their results by rank (an error in any fails here)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    port = free_port()
    procs = [context.Process(target=_entry, args=(fn, rank, world, port, results, args)) for rank in range(world)]
    for p in procs:
        p.start()
    out: dict[int, Any] = {}
    try:
        for _ in procs:
            rank, value, error = results.get(timeout=timeout)
            if error:
                raise AssertionError(f"rank {rank} failed:\n{error}")
            out[rank] = value
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return [out[r] for r in range(world)]


def _entry(fn: Callable[..., Any], rank: int, world: int, port: int, results: Any, args: tuple) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world))
    import torch

    from brushcli.distributed import ProcessGroup

    torch.set_num_threads(1)
    group = ProcessGroup.from_env()
    try:
        group.start("cpu")
        results.put((rank, fn(group, *args), None))
    except BaseException:  # noqa: BLE001 - reported to the test
        results.put((rank, None, traceback.format_exc()))
    finally:
        group.close()


# -- scenarios -------------------------------------------------------------------------------------

def collectives(group: Any) -> dict[str, Any]:
    import torch

    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.full((3,), float(group.rank + 1))
    q = torch.nn.Parameter(torch.zeros(2, 2))
    q.grad = torch.full((2, 2), 10.0 * group.rank)
    group.average_gradients([p, q])
    return {"p": p.grad.tolist(), "q": q.grad.flatten().tolist(), "any1": group.any(group.rank == 1),
            "any0": group.any(False)}


def train_painter_part(group: Any, data_file: str, out: str | None, steps: int, stop_at: int | None) -> dict[str, Any]:
    """Train a tiny painter on this rank's half of a saved dataset; rank 1 asks to stop at call ``stop_at``."""
    import torch

    from brushcli.painters.config import PainterConfig
    from brushcli.painters.data import StrokeDataset
    from brushcli.painters.painter import Painter
    from brushcli.painters.train import TrainSettings, train
    from brushcli.presets import load_preset

    saved = np.load(data_file)
    mine = slice(group.rank, None, group.world)
    data = StrokeDataset(saved["actions"][mine], saved["alphas"][mine], saved["radii"][mine])
    torch.manual_seed(0)
    painter = Painter(PainterConfig(name="t", preset=load_preset("pen"), arch="dabs",
                                    arch_args={"dabs": 32, "knots": 8, "hidden": 16}, method="regression"))
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return group.rank == 1 and calls["n"] == stop_at

    log = train(painter, data, TrainSettings(steps=steps, batch=16, checkpoint_every=1000), out=Path(out) if out else None,
                should_stop=stop if stop_at else None, group=group)
    return {"weights": {k: v.numpy().copy() for k, v in painter.net.state_dict().items()}, "stopped": log.stopped,
            "steps": log.steps, "losses": log.losses}


def everything(group: Any, data_file: str, out: str) -> dict[str, Any]:
    """All scenarios in one pair of processes (starting processes is the slow part)."""
    return {"collectives": collectives(group),
            "straight": train_painter_part(group, data_file, None, 16, None),
            "stopped": train_painter_part(group, data_file, out, 16, 6),
            "resumed": train_painter_part(group, data_file, out, 16, None),
            "agent": train_agent_part(group, 6)}


def train_agent_part(group: Any, steps: int) -> dict[str, Any]:
    """A few adversarial steps of a tiny digits agent on every rank."""
    import torch

    from brushcli.agents.config import AgentConfig
    from brushcli.agents.critic import create_critic
    from brushcli.agents.data import load_dataset
    from brushcli.agents.policy import create_agent
    from brushcli.agents.train import AgentTrainSettings, train_agent
    from brushcli.painters.registry import create_painter

    config = AgentConfig(name="t", painter="pen", strokes=3, channels=1, dataset="digits",
                         arch={"width": 4, "features": 16, "hidden": 16, "feedback": False})
    agent = create_agent(config, seed=0)
    critic = create_critic(1, 4, seed=0)
    log = train_agent(agent, critic, create_painter("pen"), load_dataset("digits", limit=64, channels=1),
                      AgentTrainSettings(steps=steps, batch=8, critic_width=4), group=group)
    return {"weights": {k: v.numpy().copy() for k, v in agent.state_dict().items()},
            "loss": log.rows[-1]["loss"] if log.rows else torch.nan}
