"""The ``nqp`` command line.

Each sub-command lives next to the code it drives, in a module exposing ``register(subparsers)`` that adds
its parser and sets ``func`` (a callable taking the parsed arguments and returning an exit status). User
errors (:class:`nqp_lib.errors.NqpError`) print one readable message and exit 2; argparse usage errors
also exit 2. When the reader of the output goes away (``nqp check-data … | head``), the command stops
quietly with status 141 (128 + SIGPIPE), as Unix tools do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import select
import sys
import traceback
from collections.abc import Sequence

from nqp_lib import __version__
from nqp_lib.errors import NqpError

#: Modules that contribute sub-commands, in the order they appear in ``nqp --help``.
COMMAND_MODULES = (
    "nqp_lib.report.command",  # build, params, serve
    "nqp_lib.measure.command",  # measure, uncertainty
    "nqp_lib.disparity.command",  # disparity
    "nqp_lib.checkdata",  # check-data
    "nqp_lib.claims.command",  # claims
)


#: Which module registers each sub-command: ``nqp sweep …`` imports only the report layer, not the
#: measurement and disparity layers (scipy.stats alone takes a second to import; a no-change rerun of a sweep
#: should take about that). A test checks this table against what the modules register.
COMMANDS = {
    "build": "nqp_lib.report.command", "sweep": "nqp_lib.report.command", "params": "nqp_lib.report.command",
    "notebooks": "nqp_lib.report.command", "serve": "nqp_lib.report.command", "cache": "nqp_lib.report.command",
    "measure": "nqp_lib.measure.command", "uncertainty": "nqp_lib.measure.command",
    "disparity": "nqp_lib.disparity.command",
    "check-data": "nqp_lib.checkdata", "export-panel": "nqp_lib.checkdata",
    "claims": "nqp_lib.claims.command",
}


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first argument not starting with '-'), if it is a known one."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``nqp`` parser; given ``argv`` naming a known sub-command, only that command's module is imported
    (``nqp --help`` and unknown commands import every module)."""
    parser = argparse.ArgumentParser(
        prog="nqp",
        description="Measure and report new quality productive forces (新质生产力) on real statistics.",
    )
    parser.add_argument("--version", action="version", version=f"nqp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    command = _command_of(argv) if argv is not None else None
    for name in (COMMANDS[command],) if command else COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a layer not written yet
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


#: Exit status when the output's reader has gone (128 + SIGPIPE), as a shell reports a tool killed by SIGPIPE.
BROKEN_PIPE = 141


def _stdout_closed() -> bool:
    """True when standard output is a pipe whose reading end is closed (poll reports POLLERR on it)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(event & select.POLLERR for _, event in poller.poll(0))


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _reader_gone() -> bool:
    """After a BrokenPipeError: True (and standard output silenced) when it was standard output's reader."""
    if not _stdout_closed():
        return False
    _discard_stdout()
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        try:
            args = parser.parse_args(argv)
        finally:  # --help and usage messages leave through SystemExit: flush them here
            sys.stdout.flush()
    except BrokenPipeError:
        if _reader_gone():
            return BROKEN_PIPE
        raise
    try:
        try:
            status = args.func(args)
            sys.stdout.flush()  # a closed pipe shows here, inside the handlers, not at interpreter exit
        except BrokenPipeError:
            if not _reader_gone():
                raise  # another pipe broke (a worker's): a bug, reported below
            return BROKEN_PIPE
    except NqpError as exc:
        print(f"nqp {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"nqp {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a user error: say so plainly, keep the trace on request
        if os.environ.get("NQP_DEBUG"):
            traceback.print_exc()
        print(
            f"nqp {args.command}: internal error ({type(exc).__name__}: {exc}). "
            "This is a bug in nqp; rerun with NQP_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 1
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
