"""Every command and every option explains itself in ``--help``."""

from __future__ import annotations

import typer

from brushcli.cli import app


def _commands() -> list[tuple[list[str], object]]:
    """Every command reachable from ``brush``, with the words that invoke it."""
    out: list[tuple[list[str], object]] = []

    def walk(command: object, path: list[str]) -> None:
        out.append((path, command))
        if hasattr(command, "commands"):  # a group
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("brush ")


def test_every_command_has_help_text_and_shows_it(runner):
    commands = _commands()
    assert len(commands) > 10  # the walk really found the commands and groups
    for path, command in commands:
        summary = (command.help or "").strip()
        assert summary, f"brush {' '.join(path)} has no help text"
        first = summary.splitlines()[0].strip()
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, (path, result.output)
        assert " ".join(first.split()[:6]) in " ".join(result.stdout.split()), (path, first)


def test_every_option_and_argument_has_help_text():
    missing = []
    for path, command in _commands():
        for param in command.params:
            if param.name in ("help",):
                continue
            text = getattr(param, "help", None)
            if not (text or "").strip():
                missing.append(f"brush {' '.join(path)}: {param.name}")
    assert not missing, "\n".join(missing)


def test_help_does_not_load_torch():
    """``brush --help`` answers at once: torch (seconds to import) loads only when work starts."""
    import subprocess
    import sys

    code = "import sys, brushcli.cli; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
