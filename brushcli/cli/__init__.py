"""The ``brush`` command-line interface: thin Typer commands over the library.

Each command module registers its commands on :data:`app`. Library errors (:class:`BrushError`) are
turned into one line on stderr and exit code 2 here, at the edge, so commands never catch them.
"""

from __future__ import annotations



import typer  # noqa: E402
from typer.core import TyperGroup  # noqa: E402

from brushcli import __version__  # noqa: E402
from brushcli.cli.console import err_console  # noqa: E402
from brushcli.errors import BrushError  # noqa: E402

EXIT_ERROR = 2


class BrushGroup(TyperGroup):
    """Maps library errors to a single ``error: ...`` line and a non-zero exit."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrushError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
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


from brushcli.cli import agent, dream, listing, paint, painters, render, style, train_painter  # noqa: E402,F401  (register commands)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="brush")
