"""Painting agents: a recurrent policy that paints a target in one forward pass of strokes.

Trained entirely inside a frozen neural painter (the Neural Painters paper's SPIRAL-style experiment,
with a conditional WGAN-GP critic instead of reinforcement learning), optionally preconditioned on
hand-made stroke examples so it keeps a human stroke order. Agents live in folders
(``config.json`` + ``model.safetensors`` + ``README.md``) and paint with
:func:`~brushcli.agents.inference.paint_with_agent`.
"""

from brushcli.agents.config import AgentConfig, AgentError
from brushcli.agents.inference import load_agent, paint_with_agent, resolve_agent_folder, save_agent_folder
from brushcli.agents.policy import PaintingAgent, create_agent

__all__ = [
    "AgentConfig", "AgentError", "PaintingAgent", "create_agent", "load_agent", "paint_with_agent",
    "resolve_agent_folder", "save_agent_folder",
]
