"""Exceptions that carry a message fit to show a user.

Every error raised on bad input is an :class:`NqpError` (or a subclass) whose message names the file,
column, row or parameter at fault and what would be valid. The command line prints the message and exits
with status 2; it never shows a traceback for these.
"""

from __future__ import annotations


class NqpError(Exception):
    """Base class for user-facing errors (bad input, bad parameters, missing data)."""

    exit_code = 2


class DataError(NqpError):
    """A data file or table is missing, unreadable or fails validation."""


class DataRootError(DataError):
    """The data root (``../shared/data`` or ``$NQP_DATA_ROOT``) cannot be found."""


class SystemDefinitionError(NqpError):
    """An indicator-system YAML file is malformed or does not fit the panel."""


class ParameterError(NqpError):
    """A method option or report parameter is unknown, of the wrong type or out of range."""


class MethodError(NqpError):
    """A method cannot be applied to the given data (e.g. zero variance, logs of negatives)."""


class LedgerError(DataError):
    """The article's claims ledger (``data/claims.csv``) is malformed or names what does not exist."""


class OutputError(NqpError):
    """Results cannot be written: the output folder's file system is full or refuses writes."""
