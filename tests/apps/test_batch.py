"""Batches: --jobs paints in worker processes with the same bytes, guarantees and summary; --shard splits a batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from brushcli.batch import BatchItem, PaintJob, paint_batch, plan_batch
from brushcli.cli import app
from brushcli.distributed import Shard

PHOTO = "docs/examples/astronaut.jpg"
TINY = ["--strokes", "4", "--size", "48", "--steps", "6", "-q"]
#: metrics.json fields that are wall-clock times (everything else must be identical).
TIMES = {"seconds", "optimise_seconds"}


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    (folder / "b").mkdir(parents=True)
    img = Image.open(PHOTO)
    for i, name in enumerate(["one.png", "b/one.png", "two.jpg", "three.png"]):
        img.rotate(90 * i).resize((40, 40)).save(folder / name)
    return folder


def _files(out: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "metrics.json":
                data = json.dumps({k: v for k, v in json.loads(data).items() if k not in TIMES}).encode()
            found[str(path.relative_to(out))] = data
    return found


def test_jobs_paint_the_same_bytes_as_one_process(runner, photos, tmp_path):
    one = runner.invoke(app, ["paint", str(photos), "-o", str(tmp_path / "j1"), *TINY])
    two = runner.invoke(app, ["paint", str(photos), "-o", str(tmp_path / "j2"), "--jobs", "2", *TINY])
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    a, b = _files(tmp_path / "j1"), _files(tmp_path / "j2")
    assert len(a) == 4 * 7 and a.keys() == b.keys()  # one-2 for the second one.png, names as in --jobs 1
    assert [k for k in a if a[k] != b[k]] == []
    assert "one-2" in two.stdout  # the same summary table
    again = runner.invoke(app, ["paint", str(photos), "-o", str(tmp_path / "j2"), "--jobs", "2", *TINY])
    assert again.exit_code == 0 and again.stdout.count("skipped") == 4


def test_a_failing_image_fails_alone_in_a_worker(runner, photos, tmp_path):
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    result = runner.invoke(app, ["paint", str(photos / "two.jpg"), str(photos / "broken.jpg"), str(photos / "three.png"),
                                 "-o", str(tmp_path / "out"), "--jobs", "2", *TINY])
    assert result.exit_code == 1
    assert "1 of 3 images failed" in result.stderr and "broken" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["three", "two"]


def test_shards_paint_every_image_exactly_once(runner, photos, tmp_path, monkeypatch):
    out = tmp_path / "out"
    for index in range(2):
        result = runner.invoke(app, ["paint", str(photos), "-o", str(out), "--shard", f"{index}/2", *TINY])
        assert result.exit_code == 0, result.output
        assert f"shard {index}/2" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["one", "one-2", "three", "two"]
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")  # a Slurm array task picks its shard itself
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "0")
    result = runner.invoke(app, ["paint", str(photos), "-o", str(out), *TINY])
    assert "shard 1/2 (SLURM_ARRAY_TASK_ID): 2 of 4 images" in result.stderr and result.stdout.count("skipped") == 2


def test_plan_names_over_the_whole_list_before_sharding(tmp_path):
    files = [Path("a/x.png"), Path("b/x.png"), Path("c/y.png")]
    whole = plan_batch(files, tmp_path)
    assert [i.name for i in whole] == ["x", "x-2", "y"]
    assert [i.name for i in plan_batch(files, tmp_path, Shard(1, 2))] == ["x-2"]


def test_bad_jobs_are_refused(runner, tmp_path):
    result = runner.invoke(app, ["paint", PHOTO, "--jobs", "0", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--jobs" in result.stderr
    result = runner.invoke(app, ["paint", PHOTO, "--shard", "2/2", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--shard" in result.stderr
    result = runner.invoke(app, ["paint", PHOTO, "--threads", "zero", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--threads" in result.stderr


def test_an_image_is_painted_with_the_threads_of_its_command(tmp_path):
    """The same image, alone or in a batch, with any --jobs: same threads (recorded), same strokes."""
    item = BatchItem(Path(PHOTO), "astronaut", tmp_path / "a" / "astronaut")
    job = PaintJob(strokes=4, size=48, steps=6, cores=2)
    row = paint_batch([item], job)[0]
    assert row.metrics["threads"] == 1  # small work: one thread, which no busy core can stall
    fixed = paint_batch([BatchItem(item.path, item.name, tmp_path / "b" / "astronaut")], PaintJob(
        strokes=4, size=48, steps=6, threads=2))[0]
    assert fixed.metrics["threads"] == 2


def _workers_of(pid: int) -> list[int]:
    """Worker processes below ``pid`` (children of its forkserver), from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    children = [p for p, parent in parents.items() if parent == pid]
    return [p for c in children for p, parent in parents.items() if parent == c]


def test_a_worker_that_dies_fails_only_what_it_was_painting_twice(photos, tmp_path):
    """A worker killed (as the out-of-memory killer would) breaks the pool: the images are tried again."""
    import os
    import signal

    from brushcli.batch import BatchEvents

    items = plan_batch(sorted(photos.rglob("*.png")), tmp_path / "out")
    killed: list[int] = []

    def started(name: str) -> None:
        if not killed:
            workers = _workers_of(os.getpid())
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])

    rows = paint_batch(items, PaintJob(strokes=4, size=48, steps=6), jobs=2, events=BatchEvents(started=started))
    assert killed and len(rows) == 3
    assert all(row.metrics for row in rows), [row.error for row in rows]  # the second try succeeded
