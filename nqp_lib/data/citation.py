"""The source line of a chart or table, derived from the provenance of the data actually used.

Every chart names its source. The name comes from the panel's provenance — the tables the panel was
assembled from — never from a constant: the shipped provincial panel credits the S&T yearbook, the
NBS/EPS panel and CEADs (their short names are in ``nqp_lib/text/sources.yaml``); a user's panel is
credited by its own citation when its provenance carries one, otherwise by its file name.

This is the one place where provenance becomes words. When panels describe themselves (a sidecar with a
citation and a licence, issue #11), the reader fills :attr:`~nqp_lib.data.package.Provenance.citation`
and :func:`source_names` already uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nqp_lib.data.package import Provenance
from nqp_lib.labels import join, source_name, t


def source_names(provenance: Sequence[Provenance], lang: str) -> list[str]:
    """A short name per source table, in order, without repeats: the shipped resource's short name
    (``text/sources.yaml``), else the provenance's citation, else its file name."""
    names: list[str] = []
    for p in provenance:
        name = source_name(p.resource, lang) or p.citation.strip() or Path(p.path).name or p.title
        if name not in names:
            names.append(name)
    return names


def source_line(panel, lang: str, computed: bool = True, derived: bool = False) -> str:
    """The source line for data from ``panel`` (a :class:`~nqp_lib.data.panel.Panel`).

    ``computed`` (default): results nqp computed from the panel (an index, a decomposition) —
    "nqp computation from A, B and C". Otherwise the panel's values themselves — "A, B and C", followed
    by "derived indicators computed by nqp" when ``derived`` (some values shown are nqp's arithmetic on
    the source columns).
    """
    sources = join(source_names(panel.provenance, lang), lang)
    if computed:
        return t("source_computed", lang, sources=sources)
    return t("source_derived" if derived else "source_values", lang, sources=sources)
