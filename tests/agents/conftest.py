"""Tiny agents and the bundled pen painter, shared by the agent tests."""

from __future__ import annotations

import pytest
import torch

from brushcli.agents.config import AgentConfig
from brushcli.agents.policy import create_agent
from brushcli.painters.registry import create_painter


def tiny_config(strokes: int = 4, feedback: bool = True) -> AgentConfig:
    return AgentConfig(name="tiny", strokes=strokes, channels=1,
                       arch={"width": 4, "features": 32, "hidden": 32, "feedback": feedback})


@pytest.fixture(name="tiny_config")
def _tiny_config_fixture():
    return tiny_config


@pytest.fixture(scope="session")
def painter():
    return create_painter("pen")


@pytest.fixture
def tiny_agent():
    return create_agent(tiny_config(), seed=0)


@pytest.fixture(scope="session")
def digits():
    from brushcli.agents.data import load_digits_set

    return load_digits_set()


@pytest.fixture(autouse=True)
def _threads():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; tiny models do not need more
    yield
    torch.set_num_threads(before)
