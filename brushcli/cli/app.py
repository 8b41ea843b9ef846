"""The Typer application every command module registers on, and the edge where errors become one line.

Library errors (:class:`BrushError`) are turned into one line on stderr and exit code 2 here, so
commands never catch them.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from typer.core import TyperGroup

from brushcli import __version__
from brushcli.cli.console import err_console
from brushcli.errors import BrushError

EXIT_ERROR = 2


class BrushGroup(TyperGroup):
    """Maps library errors to a single ``error: ...`` line and a non-zero exit."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrushError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            ctx.exit(EXIT_ERROR)


app = typer.Typer(
    cls=BrushGroup,
    name="brush",
    help="Paint pictures with brushstrokes: neural painters for optimisation, real MyPaint for replay.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"brush {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Paint pictures with brushstrokes: neural painters for optimisation, real MyPaint for replay."""
