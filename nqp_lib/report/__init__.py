"""Report layer: section notebooks → papermill → offline HTML (``nqp build``), and the set-up call the
notebooks make (:func:`setup`)."""

from nqp_lib.report.context import Report, check_settings, setup

__all__ = ["Report", "check_settings", "setup"]
