"""Report layer: section notebooks → papermill → offline HTML (``nqp build``), and the set-up call the
notebooks make (:func:`setup`). Imports are lazy so that ``nqp --help`` does not load nbconvert."""

from __future__ import annotations

from typing import Any

__all__ = ["Report", "check_settings", "setup"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nqp_lib.report import context

        return getattr(context, name)
    raise AttributeError(name)
