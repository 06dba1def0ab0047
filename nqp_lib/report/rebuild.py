"""The ``nqp build`` command that rebuilds a page with its own parameters, for a page to print.

Only parameters that differ from their declared default are written (``-p NAME VALUE``, the syntax of
``nqp build``), each value quoted for a POSIX shell when it needs quoting, in the order of the declarations.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from nqp_lib.report.parameters import for_section


#: characters a shell leaves alone (word characters include Chinese names such as 江苏)
_SAFE = re.compile(r"[\w@%+=:,./-]+")


def quote(value: str) -> str:
    """``value`` as one shell word: unchanged when it holds only safe characters, else single-quoted."""
    return value if _SAFE.fullmatch(value) else shlex.quote(value)


def changed_parameters(section: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``section`` whose value in ``values`` differs from the declared default."""
    return {p.name: values[p.name] for p in for_section(section) if p.name in values and values[p.name] != p.default}


def build_command(section: str, values: Mapping[str, Any]) -> str:
    """``nqp build SECTION -p NAME VALUE …`` for the non-default parameters in ``values``.

    Examples
    --------
    >>> build_command("overview", {"lang": "en", "focus": "广东", "year_to": 2023})
    'nqp build overview -p lang en'
    >>> build_command("overview", {"focus": "Hong Kong SAR"})
    "nqp build overview -p focus 'Hong Kong SAR'"
    """
    parts = ["nqp", "build", quote(section)]
    for name, value in changed_parameters(section, values).items():
        parts += ["-p", name, quote(str(value))]
    return " ".join(parts)
