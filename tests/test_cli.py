"""The command line's dispatch: each sub-command imports only the module that registers it."""

import subprocess
import sys

from nqp_lib import cli


def test_command_table_matches_registrations():
    parser = cli.build_parser()  # every module
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(cli.COMMANDS)
    for command, module in cli.COMMANDS.items():
        only = cli.build_parser([command, "--help"])
        choices = next(a for a in only._actions if a.dest == "command").choices
        assert command in choices, (command, module)


def test_report_command_does_not_import_the_engine():
    code = ("import sys; from nqp_lib import cli; cli.build_parser(['sweep', 'overview']); "
            "print(sorted(m for m in ('scipy.stats', 'nqp_lib.disparity.markov', 'nqp_lib.measure.command') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_and_unknown_commands_list_every_command(capsys):
    assert cli._command_of(["--help"]) is None and cli._command_of(["frobnicate"]) is None
    assert cli._command_of(["disparity", "-h"]) == "disparity"
