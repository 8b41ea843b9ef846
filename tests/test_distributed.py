"""Several processes: shards of a batch, and data-parallel training on real torch.distributed (gloo) processes."""

from __future__ import annotations

import numpy as np
import pytest

from _ddp import everything, run_processes, train_painter_part
from brushcli.distributed import ProcessGroup, Shard, parse_shard, resolve_shard, shard_from_env
from brushcli.errors import InvalidArgument


def test_shards_split_a_list_exactly_once():
    items = list(range(23))
    for count in (1, 2, 3, 7, 30):
        parts = [Shard(i, count).pick(items) for i in range(count)]
        assert sorted(x for part in parts for x in part) == items


def test_shard_parsing():
    assert parse_shard("1/4") == Shard(1, 4)
    for bad in ("4/4", "1", "a/b", "-1/3", "0/0"):
        with pytest.raises(InvalidArgument, match="--shard"):
            parse_shard(bad)
    assert resolve_shard("none", {"RANK": "1", "WORLD_SIZE": "2"}) is None
    assert resolve_shard("0/3", {"RANK": "1", "WORLD_SIZE": "2"}) == Shard(0, 3)


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"RANK": "1", "WORLD_SIZE": "2"}, (1, 2)),
    ({"RANK": "0", "WORLD_SIZE": "1"}, None),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"}, (3, 4)),
    ({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
      "SLURM_ARRAY_TASK_STEP": "2"}, (3, 4)),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_JOB_ID": "9"}, None),
])
def test_shards_from_launchers(env, expected):
    shard = shard_from_env(env)
    assert (None if shard is None else (shard.index, shard.count)) == expected
    assert resolve_shard("auto", env) == shard


def test_one_process_is_a_group_of_one():
    group = ProcessGroup.from_env({})
    assert group.main and not group.distributed and group.world == 1
    assert group.any(True) and not group.any(False)
    assert group.split_batch(7) == 7 and group.owns(3)
    with pytest.raises(InvalidArgument, match="--batch"):
        ProcessGroup(rank=0, world=2).split_batch(7)
    assert ProcessGroup(rank=1, world=2, local_rank=1, local_world=2).device("cuda") == "cuda:1"


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Real gloo processes, as torchrun starts them: collectives, painter training (straight, stopped by
    one process, resumed) and agent training, on a small set of real MyPaint strokes."""
    from brushcli.painters.data import build_dataset
    from brushcli.presets import load_preset

    folder = tmp_path_factory.mktemp("ddp")
    data = build_dataset(load_preset("pen"), samples=256, seed=0, workers=1, cache_dir=folder / "cache")
    path = folder / "data.npz"
    np.savez(path, actions=data.actions, alphas=data.alphas, radii=data.radii)
    ranks = run_processes(everything, 2, str(path), str(folder / "painter"))
    return ranks, str(path), folder / "painter"


def test_gradients_are_averaged_and_flags_agreed_across_processes(two_processes):
    a, b = (r["collectives"] for r in two_processes[0])
    assert a == b
    assert a["p"] == [1.5] * 3 and a["q"] == [5.0] * 4 and a["any1"] and not a["any0"]


def test_two_process_painter_training_stops_together_and_resumes_exactly(two_processes):
    ranks = two_processes[0]
    straight = [r["straight"] for r in ranks]
    for key, value in straight[0]["weights"].items():  # every process holds the same painter
        np.testing.assert_array_equal(value, straight[1]["weights"][key])
    assert all(r["stopped"]["stopped"] for r in ranks)  # rank 1 was interrupted, rank 0 stopped with it
    for r in ranks:
        for key, value in straight[0]["weights"].items():
            np.testing.assert_array_equal(value, r["resumed"]["weights"][key])
    assert straight[0]["losses"] == ranks[0]["resumed"]["losses"]


def test_a_checkpoint_of_two_processes_is_not_resumed_by_one(two_processes):
    from brushcli.errors import PainterError

    _, data_file, out = two_processes
    with pytest.raises(PainterError, match="made by 2 training process"):
        train_painter_part(ProcessGroup(), data_file, str(out), 16, None)


def test_two_process_agent_training_keeps_one_agent(two_processes):
    a, b = (r["agent"] for r in two_processes[0])
    for key, value in a["weights"].items():
        np.testing.assert_array_equal(value, b["weights"][key])
    assert np.isfinite(a["loss"])
