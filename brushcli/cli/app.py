"""The Typer application every command module registers on, and the edge where errors become one line.

Library errors (:class:`BrushError`) and usage errors (a mistyped option, a missing argument) are
turned into one line on stderr and exit code 2 here, so commands never catch them and scripts can
read the reason from the last line.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from typer.core import TyperGroup

from brushcli import __version__
from brushcli.cli.console import err_console
from brushcli.errors import BrushError

try:  # Typer vendors click as typer._click (0.2x); older Typer used click itself
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as _click_errors

EXIT_ERROR = 2


def print_error(message: str) -> None:
    """The one ``error: ...`` line on stderr every failure ends with."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _usage_error(exc: _click_errors.UsageError) -> typer.Exit:
    """A usage error as one line naming the command's help (instead of click's usage box)."""
    where = exc.ctx.command_path if exc.ctx is not None else "brush"
    print_error(f"{exc.format_message()} (see: {where} --help)")
    return typer.Exit(EXIT_ERROR)


class BrushGroup(TyperGroup):
    """Maps library and usage errors to a single ``error: ...`` line and exit code 2."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def, override]
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _click_errors.NoArgsIsHelpError:
            raise
        except _click_errors.UsageError as exc:  # an option of `brush` itself
            raise _usage_error(exc) from None

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BrushError as exc:
            print_error(str(exc))
            ctx.exit(EXIT_ERROR)
        except _click_errors.NoArgsIsHelpError:
            raise
        except _click_errors.UsageError as exc:  # an unknown command, a bad or missing option or argument
            raise _usage_error(exc) from None


app = typer.Typer(
    cls=BrushGroup,
    name="brush",
    help="Paint pictures with brushstrokes: neural painters for optimisation, real MyPaint for replay.",
    no_args_is_help=True,
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
