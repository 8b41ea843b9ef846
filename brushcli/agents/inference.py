"""Loading agent folders and painting with them in one forward pass.

``paint_with_agent(image, "weights/agents/digits")`` returns the same
:class:`~brushcli.outputs.result.Painting` the optimiser produces (strokes, neural render, target),
so ``brush paint IMAGE --agent DIR`` writes the very same outputs, MyPaint replay included.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from brushcli import checkpoint
from brushcli.agents.config import MAX_WEIGHTS_BYTES, AgentConfig, AgentError
from brushcli.checkpoint import CONFIG_FILE, WEIGHTS_FILE
from brushcli.agents.policy import SIDE, PaintingAgent, Rollout
from brushcli.outputs.result import Painting
from brushcli.painters.painter import Painter
from brushcli.strokes import StrokeList


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Read agent tensors (safetensors only, never a pickle); every failure becomes :class:`AgentError`."""
    return checkpoint.read_safetensors(path, MAX_WEIGHTS_BYTES, AgentError)


def bundled_agents_dir() -> Path:
    from brushcli.resources import data_dir

    return data_dir("weights") / "agents"


def resolve_agent_folder(spec: str | Path) -> Path:
    """An agent folder path, or the name of a bundled agent (``digits`` -> ``weights/agents/digits``)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    bundled = bundled_agents_dir() / str(spec)
    if "/" not in str(spec) and bundled.is_dir():
        return bundled
    known = sorted(p.name for p in bundled_agents_dir().glob("*") if (p / CONFIG_FILE).is_file())
    raise AgentError(f"agent {str(spec)!r} not found: give an agent folder (config.json + model.safetensors) "
                     f"or a bundled agent ({', '.join(known) or 'none installed'})")


def load_agent(spec: str | Path, device: str | torch.device = "cpu") -> PaintingAgent:
    """Build an agent from its folder, in eval mode with gradients off."""
    folder = resolve_agent_folder(spec)
    config = AgentConfig.load(folder / CONFIG_FILE)
    agent = PaintingAgent(config)
    state = read_safetensors(folder / WEIGHTS_FILE)
    try:
        agent.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise AgentError(f"{folder / WEIGHTS_FILE}: weights do not fit the agent in config.json ({first})") from exc
    agent.requires_grad_(False)
    return agent.eval().to(device)


def save_agent_folder(agent: PaintingAgent, folder: Path, card: str | None = None) -> Path:
    """Write ``config.json`` + ``model.safetensors`` (+ ``README.md``); files replaced atomically."""
    return checkpoint.write_model_folder(folder, agent.state_dict(), agent.config.to_dict(), card, "brush-agent")


@lru_cache(maxsize=4)
def _cached(folder: str, mtime: float, device: str) -> tuple[PaintingAgent, Painter]:
    from brushcli.painters.registry import create_painter

    agent = load_agent(folder, device)
    return agent, create_painter(agent.config.painter, device=device)


def agent_and_painter(spec: str | Path, device: str = "cpu") -> tuple[PaintingAgent, Painter]:
    """The agent and the painter it was trained with (cached, so batches load them once)."""
    folder = resolve_agent_folder(spec).resolve()
    weights = folder / WEIGHTS_FILE
    return _cached(str(folder), weights.stat().st_mtime if weights.is_file() else 0.0, str(device))


def prepare_target(image: np.ndarray, channels: int, size: int) -> tuple[torch.Tensor, np.ndarray]:
    """Float RGB ``(H, W, 3)`` -> the agent's input ``(1, C, 64, 64)`` and the target at ``size`` px.

    Non-square images are centred on a square of white paper (the agent paints one square canvas);
    gray agents see (and are measured against) the image's luminance.
    """
    from brushcli.images import resize

    h, w = image.shape[:2]
    side = max(h, w)
    square = np.ones((side, side, 3), np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = image
    if channels == 1:
        gray = square @ np.array([0.299, 0.587, 0.114], np.float32)
        square = np.repeat(gray[..., None], 3, axis=2)
    small = resize(square, SIDE, SIDE)
    x = torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1)[None].float()
    x = x[:, :1] if channels == 1 else x
    return x, resize(square, size, size)


def rollout_to_strokes(agent: PaintingAgent, painter: Painter, actions: np.ndarray, colors: np.ndarray,
                       size: int, meta: dict | None = None) -> StrokeList:
    """One painting's actions ``(T, 9)`` and inks ``(T, C)`` as a stroke file at ``size`` x ``size``.

    ``meta.plan`` marks the strokes as one level-0 group, so ``brush paint --resume`` can refine an
    agent's painting by optimisation.
    """
    from brushcli.canvas.grid import Level

    preset = painter.preset
    shapes = Level(0, 1.0).to_image_coords(np.asarray(actions)[None], preset)[0]
    rgb = np.repeat(colors, 3, axis=1) if colors.shape[1] == 1 else colors
    return StrokeList(
        np.concatenate([shapes, rgb], axis=1), size, size, preset.brush, sampling=preset.sampling,
        background=(1.0, 1.0, 1.0), painter=painter.name, preset=preset.name,
        meta={"agent": agent.config.name, **(meta or {}), "plan": [{"level": 0, "per_tile": len(actions)}]},
    )


def run_agent(agent: PaintingAgent, painter: Painter, targets: torch.Tensor, batch: int = 64) -> Rollout:
    """Paint float targets ``(N, C, 64, 64)`` in batches, without gradients."""
    parts = []
    with torch.no_grad():
        for chunk in targets.split(batch):
            parts.append(agent(chunk, painter))
    return Rollout(*(torch.cat([getattr(p, k) for p in parts]) for k in ("actions", "colors", "canvas")))


def paint_with_agent(
    image: np.ndarray | str | Path,
    agent: str | Path = "digits",
    size: int = 512,
    device: str = "cpu",
) -> Painting:
    """Paint ``image`` in one forward pass of ``agent``: strokes, neural render and target (RGB floats)."""
    from brushcli.canvas.feedback import resize_image
    from brushcli.images import load_image

    source = None
    if not isinstance(image, np.ndarray):
        source = str(image)
        image = load_image(image, max_side=size)
    model, painter = agent_and_painter(agent, device)
    started = time.perf_counter()
    x, target = prepare_target(image, model.channels, size)
    rollout = run_agent(model, painter, x.to(device))
    canvas = rollout.canvas[0].clamp(0, 1).cpu()
    neural = resize_image(canvas.expand(3, -1, -1) if model.channels == 1 else canvas, size, size)
    seconds = time.perf_counter() - started
    strokes = rollout_to_strokes(model, painter, rollout.actions[0].cpu().numpy(), rollout.colors[0].cpu().numpy(),
                                 size, meta={"source": source, "agent_seconds": seconds})
    native = int(canvas.shape[-1])  # the agent draws on its painter's canvas; neural.png says so
    return Painting(strokes=strokes, neural=neural.permute(1, 2, 0).numpy(), target=target, seconds=seconds,
                    painter=painter.name, device=str(device), neural_side=native if native < size else None,
                    info={"command": "paint", "agent": model.config.name, "painter": painter.name, "source": source})
