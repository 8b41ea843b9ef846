"""CLI conventions kept true for every command: one meaning per short option, usage errors as one
line, ``--json`` results on stdout, ``--overwrite`` wherever a command writes output folders."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
import typer

from brushcli.cli import app

#: Long options that are one meaning under two names: where the outputs go (a folder, or files).
SAME_MEANING = {"--output": "--out"}


def _commands() -> dict[str, object]:
    found: dict[str, object] = {}

    def walk(command: object, path: list[str]) -> None:
        found[" ".join(path)] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_each_short_option_has_one_meaning_in_every_command():
    meanings: dict[str, set[str]] = defaultdict(set)
    for path, command in _commands().items():
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in [*param.opts, *param.secondary_opts] if len(o) == 2 and o[0] == "-"):
                meanings[short].update(SAME_MEANING.get(o, o) for o in longs)
    shared = {short: longs for short, longs in meanings.items() if len(longs) > 1}
    assert not shared, shared
    assert meanings["-n"] == {"--strokes"}


def test_shell_completion_is_offered(runner):
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


@pytest.mark.parametrize("args", [
    ["paint", "--bogus"], ["pain"], ["--bogus"], ["render"], ["paint", "x.jpg", "--strokes", "many"],
    ["painters", "info"],
])
def test_usage_errors_are_one_line_with_exit_code_2(runner, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help" in lines[0], result.stderr
    assert result.stdout == ""


def test_no_arguments_still_shows_help(runner):
    result = runner.invoke(app, ["painters"])
    assert "Usage" in result.output and "list" in result.output


@pytest.mark.parametrize("command", ["paint", "dream", "style", "render", "eval-painter", "painters list",
                                     "painters info"])
def test_commands_with_results_offer_json(command):
    assert any("--json" in p.opts for p in _commands()[command].params)


@pytest.mark.parametrize("command", ["paint", "dream", "style", "train-painter", "train-agent"])
def test_commands_writing_folders_take_overwrite(command):
    assert any("--overwrite" in p.opts for p in _commands()[command].params)


def test_painters_json_is_the_only_stdout(runner):
    listing = runner.invoke(app, ["painters", "list", "--json"])
    assert listing.exit_code == 0, listing.output
    names = [p["name"] for p in json.loads(listing.stdout)["painters"]]
    assert "pen" in names
    info = runner.invoke(app, ["painters", "info", "pen", "--json"])
    assert json.loads(info.stdout)["config"]["preset"]["brush"] == "classic/pen"


def test_render_json_and_notes_on_stderr(runner, strokes_file, tmp_path):
    target = tmp_path / "a.png"
    result = runner.invoke(app, ["render", str(strokes_file), "-o", str(target), "--size", "32", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["outputs"] == [str(target)] and doc["width"] == 32 and "wrote" in result.stderr


def test_train_painter_overwrite_means_what_it_means_for_paintings(runner, tmp_path):
    out = tmp_path / "p"
    args = ["train-painter", "--preset", "pen", "--samples", "32", "--steps", "2", "--batch", "8",
            "--eval-samples", "4", "--out", str(out), "-q"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    weights = (out / "model.safetensors").stat().st_mtime_ns
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "--overwrite to retrain" in again.stdout
    assert (out / "model.safetensors").stat().st_mtime_ns == weights  # done: left as it is
    redo = runner.invoke(app, [*args, "--overwrite"])
    assert redo.exit_code == 0 and "wrote painter" in redo.stdout
    (out / "checkpoint" / "state.json").unlink()  # a finished painter with other settings, nothing to resume
    other = runner.invoke(app, [*args, "--steps", "3"])
    assert other.exit_code == 2 and "--overwrite" in other.stderr
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    refused = runner.invoke(app, ["train-painter", "--preset", "pen", "--out", str(foreign), "-q"])
    assert refused.exit_code == 2 and "not written by brush" in refused.stderr


def test_train_painter_without_out_trains_into_your_painters_folder(runner):
    """The design's `brush train-painter --brush classic/charcoal`: no --out, and --painter NAME finds it."""
    from brushcli import userdirs
    from brushcli.painters.registry import resolve_painter_folder

    args = ["train-painter", "--brush", "classic/charcoal", "--samples", "32", "--steps", "2", "--batch", "8",
            "--eval-samples", "4", "-q"]
    bad = runner.invoke(app, [*args, "--name", "../charcoal"])
    assert bad.exit_code == 2 and "cannot be a folder name" in bad.stderr
    assert not userdirs.painters_dir().exists()  # refused before anything was made
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    folder = userdirs.painters_dir() / "my-charcoal"  # not charcoal: the bundled charcoal would win
    assert (folder / "model.safetensors").is_file() and "--painter my-charcoal\n" in done.stdout
    assert resolve_painter_folder("my-charcoal")[0].resolve() == folder.resolve()
    own = runner.invoke(app, [*args, "--name", "soft"])
    assert own.exit_code == 0 and "--painter soft\n" in own.stdout
    assert (userdirs.painters_dir() / "soft" / "model.safetensors").is_file()


@pytest.mark.parametrize("args", [
    ["paint", "{tmp}/bad.jpg", "-o", "{tmp}/out"],
    ["paint", "{tmp}", "-o", "{tmp}/out"],
    ["train-painter", "--brush", "nosuch/brush", "--out", "{tmp}/out", "--samples", "10", "--steps", "1"],
    ["dream", "notaclass", "-o", "{tmp}/out"],
    ["paint", "--resume", "{tmp}/bad.jpg", "-o", "{tmp}/out"],
])
def test_a_refused_input_is_its_error_line_alone_without_a_progress_bar(runner, tmp_path, args):
    (tmp_path / "bad.jpg").write_text("not an image")
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code != 0
    assert not re.search(r"━|\b0/(\?|\d)", result.stderr), result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, repr(result.stderr)
    assert not (tmp_path / "out" / "bad" / "strokes.json").exists()


@pytest.mark.parametrize("command", [["paint", "x.jpg"], ["dream", "violin"], ["style", "x.jpg"], ["train-painter"],
                                     ["train-agent"], ["eval-painter", "pen"]])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_no_generator_takes_is_a_usage_error(runner, tmp_path, monkeypatch, command, seed):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "--seed", seed])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--seed" in lines[0], result.stderr
    assert not any(tmp_path.iterdir())
