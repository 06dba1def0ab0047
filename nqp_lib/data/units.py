"""Units of the national and international series and of the article's claims, with their zh/en names.

Every series in ``data/series.csv`` and every claim in ``data/claims.csv`` names its unit by a code from
:data:`UNITS`. A figure is converted between units only through :data:`FACTORS` (e.g. 亿元 → 万亿元 is
× 10⁻⁴); any other pair is refused, so a value is never compared in the wrong unit.
"""

from __future__ import annotations

from nqp_lib.errors import DataError

#: unit code → (Chinese, English)
UNITS: dict[str, tuple[str, str]] = {
    "%": ("%", "%"),
    "pp": ("个百分点", "percentage points"),
    "‰": ("‰", "‰"),
    "share": ("比例（0–1）", "share (0–1)"),
    "万元": ("万元", "10,000 yuan"),
    "亿元": ("亿元", "100 million yuan"),
    "万亿元": ("万亿元", "trillion yuan"),
    "US$": ("美元（现价）", "current US$"),
    "亿美元": ("亿美元", "100 million US$"),
    "mil_2017usd": ("百万美元（2017年价，现价购买力平价）", "million 2017 US$ (current PPPs)"),
    "ppp2021usd": ("美元（2021年不变价购买力平价）", "constant 2021 PPP $"),
    "人": ("人", "persons"),
    "万人": ("万人", "10,000 persons"),
    "亿人": ("亿人", "100 million persons"),
    "万户": ("万户", "10,000 subscriptions"),
    "人年": ("人年", "person-years (full-time equivalent)"),
    "件": ("件", "applications"),
    "articles": ("篇", "articles"),
    "per_million": ("每百万人", "per million people"),
    "per_100": ("每百人", "per 100 people"),
    "per_100k": ("每十万人", "per 100,000 people"),
    "index": ("指数", "index"),
    "index_usa1": ("指数（美国 = 1）", "index (USA = 1)"),
    "index_2017": ("指数（2017 = 1）", "index (2017 = 1)"),
    "年": ("年", "years"),
    "ZB": ("ZB", "ZB"),
    "EB": ("EB", "EB"),
    "rank": ("位次", "rank"),
    "count": ("个", "(count)"),
    "times_growth": ("倍（增长）", "times (increase)"),
    "trillion_order": ("万亿级（数量级）", "order of a trillion"),
}

#: (from, to) → factor: value_in_to = value_in_from × factor
FACTORS: dict[tuple[str, str], float] = {
    ("亿元", "万亿元"): 1e-4,
    ("万元", "亿元"): 1e-4,
    ("万元", "万亿元"): 1e-8,
    ("人", "万人"): 1e-4,
    ("人", "亿人"): 1e-8,
    ("万人", "亿人"): 1e-4,
    ("US$", "亿美元"): 1e-8,
    ("share", "%"): 100.0,
}


def unit_label(code: str, lang: str = "zh") -> str:
    """The unit's name in ``lang``."""
    if code not in UNITS:
        raise DataError(f"unknown unit {code!r}; known units: {', '.join(UNITS)}")
    zh, en = UNITS[code]
    return zh if lang == "zh" else en


def conversion(source: str, target: str) -> float:
    """Factor turning a value in ``source`` units into ``target`` units (1 when they are the same)."""
    if source == target:
        return 1.0
    if (source, target) in FACTORS:
        return FACTORS[(source, target)]
    if (target, source) in FACTORS:
        return 1.0 / FACTORS[(target, source)]
    raise DataError(f"no conversion from {source!r} to {target!r}; a value in {source} cannot be compared with one in {target}")


def fmt(x: float) -> str:
    """A number for an arithmetic line, its precision by magnitude: 439,733 · 89.33 · 7.350 · 0.0388."""
    if x != x:  # NaN
        return "NaN"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.1f}"
    if a >= 10:
        return f"{x:.2f}"
    if a >= 1:
        return f"{x:.3f}"
    return f"{x:.3g}"
