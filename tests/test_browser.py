"""The built reports in headless Chromium with every network request blocked (Debian package chromium)."""

from __future__ import annotations


import pytest

from nqp_lib.report.sections import all_sections

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECTIONS = [s.stem for s in all_sections()]  # discovered: a new section is tested without listing it here




def _open(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    log = {"console": [], "external": [], "failed": [], "dialogs": []}
    page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: log["console"].append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: log["failed"].append(r.url))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            log["external"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, log


def _wait_for_charts(page):
    n = page.locator(".nqp-chart").count()
    if n:
        page.wait_for_function(
            "n => document.querySelectorAll('.nqp-chart svg.marks').length >= n", arg=n, timeout=20000
        )
    return n


@pytest.mark.parametrize("stem", [*SECTIONS, "index"])
def test_page_loads_offline_without_errors_and_draws_every_chart(built, browser, stem):
    page, log = _open(browser, built.out / f"{stem}.html")
    n = _wait_for_charts(page)
    if stem != "index":
        assert n >= 1
    for i in range(n):
        svg = page.locator(".nqp-chart").nth(i).locator("svg.marks")
        assert svg.locator("path, rect, line, text, circle, symbol").count() > 0, f"chart {i} drew nothing"
    assert log["console"] == [] and log["external"] == [] and log["failed"] == [] and log["dialogs"] == []
    page.close()


def _chart_markup(page, chart):
    return chart.locator("svg.marks").inner_html()


@pytest.mark.parametrize("stem", ["00_overview", "01_connotation", "02_conditions", "04_methods"])
def test_bound_inputs_change_the_chart(built, browser, stem):
    page, log = _open(browser, built.out / f"{stem}.html")
    _wait_for_charts(page)
    moved = 0
    charts = page.locator(".nqp-chart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        ranges, selects = chart.locator("input[type=range]"), chart.locator("select")
        if ranges.count():
            before = _chart_markup(page, chart)
            ranges.first.evaluate(
                "el => { el.value = el.min; el.dispatchEvent(new Event('input', {bubbles: true})); }"
            )
            page.wait_for_timeout(300)
            assert _chart_markup(page, chart) != before, f"{stem} chart {i}: slider changed nothing"
            moved += 1
        if selects.count():
            options = selects.first.locator("option")
            if options.count() > 1:
                before = _chart_markup(page, chart)
                selects.first.select_option(index=options.count() - 1)
                page.wait_for_timeout(300)
                assert _chart_markup(page, chart) != before, f"{stem} chart {i}: select changed nothing"
                moved += 1
    assert moved >= 1
    assert log["console"] == [] and log["external"] == []
    page.close()


def _reweight_chart(page):
    """Index of the overview's re-weighting chart: the one with a year slider and three weight sliders."""
    charts = page.locator(".nqp-chart")
    for i in range(charts.count()):
        if charts.nth(i).locator("input[type=range]").count() == 4:
            return i
    raise AssertionError("no re-weighting chart on the page")


def test_weight_sliders_rerank_in_the_browser(built, browser):
    """Zeroing two dimension weights re-ranks the provinces on the third, as computed in Python; zeroing the
    third leaves nothing to rank, and the chart says so instead of showing an order."""
    from nqp_lib.report.context import Report, check_settings

    page, _ = _open(browser, built.out / "00_overview.html")
    _wait_for_charts(page)
    i = _reweight_chart(page)
    chart = page.locator(".nqp-chart").nth(i)
    labels = (f"() => [...document.querySelectorAll('.nqp-chart')[{i}].querySelectorAll('svg.marks g.mark-text.role-mark text')]"
              ".map(t => t.textContent).filter(t => /^\\d+\\. /.test(t))"
              ".sort((a, b) => parseInt(a) - parseInt(b)).slice(0, 6)")
    before = page.evaluate(labels)
    sliders = chart.locator("input[type=range]")
    assert sliders.count() == 4  # year + three dimension weights
    for k in (2, 3):  # keep laborers only
        sliders.nth(k).evaluate("el => { el.value = 0; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_timeout(400)
    after = page.evaluate(labels)
    ctx = Report("overview", check_settings())
    s = ctx.scores[ctx.scores["year"] == 2023].sort_values(["laborers", "unit"], ascending=[False, True])
    assert after == [f"{i}. {n}" for i, n in enumerate(s["name"].head(6), start=1)]
    s = ctx.scores[ctx.scores["year"] == 2023].sort_values(["score", "unit"], ascending=[False, True])
    assert before == [f"{i}. {n}" for i, n in enumerate(s["name"].head(6), start=1)]
    assert before != after
    note = (f"() => [...document.querySelectorAll('.nqp-chart')[{i}].querySelectorAll('svg.marks g.mark-text text')]"
            ".filter(t => t.textContent.startsWith('所有权重均为0')).map(t => Number(t.getAttribute('opacity') ?? 1))")
    assert page.evaluate(note) == [0]  # hidden while a weight is positive
    sliders.nth(1).evaluate("el => { el.value = 0; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_timeout(400)
    assert page.evaluate(note) == [1]  # every weight 0: "nothing to rank"
    page.close()


def test_unit_profile_drop_down_shows_the_chosen_units_values(built, browser):
    """Choosing another unit in the connotation page's profile drop-down draws that unit's raw values, the
    same as nqp_lib.measure.profile.unit_profiles gives in Python."""
    from nqp_lib.report.context import setup
    from nqp_lib.report.views import connotation

    ctx = setup("connotation")
    p = connotation.profiles(ctx)
    page, log = _open(browser, built.out / "01_connotation.html")
    _wait_for_charts(page)
    charts = page.locator(".nqp-chart")
    idx = next(i for i in range(charts.count()) if charts.nth(i).locator("select").count())
    select = charts.nth(idx).locator("select").first
    texts = (f"() => [...document.querySelectorAll('.nqp-chart')[{idx}].querySelectorAll('svg.marks g.mark-text.role-mark text')]"
             ".map(t => t.textContent).filter(t => t.length)")

    def expected(name):
        rows = p[(p["name"] == name) & (p["kind"] == "indicator")]
        return sorted(rows["raw_text"])

    assert select.input_value() == ctx.name_of(ctx.settings.focus)
    assert sorted(page.evaluate(texts)) == expected(ctx.name_of(ctx.settings.focus))
    other = ctx.name_of("西藏") if "西藏" in set(p["unit"]) else p["name"].iloc[-1]
    other = p.loc[p["unit"] != ctx.settings.focus, "name"].iloc[0] if other == select.input_value() else other
    select.select_option(other)
    page.wait_for_timeout(400)
    assert sorted(page.evaluate(texts)) == expected(other) != expected(ctx.name_of(ctx.settings.focus))
    assert log["console"] == [] and log["external"] == []
    page.close()


def test_chinese_glyphs_render(built, browser, tmp_path):
    page, _ = _open(browser, built.out / "00_overview.html")
    _wait_for_charts(page)
    width = page.evaluate(
        "() => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = '16px \"Noto Sans CJK SC\"'; return c.measureText('新质生产力').width; }"
    )
    assert width > 60  # five CJK glyphs of a real CJK font, not tofu boxes of zero width
    page.screenshot(path=str(tmp_path / "overview.png"))
    page.close()


def _chart_with_title(page, title):
    charts = page.locator(".nqp-chart")
    for i in range(charts.count()):
        if title in charts.nth(i).locator("svg.marks").inner_html():
            return charts.nth(i)
    raise AssertionError(f"no chart titled {title!r}")


def _set(locator, value):
    locator.evaluate(f"el => {{ el.value = {value!r}; el.dispatchEvent(new Event('input', {{bubbles: true}}));"
                     " el.dispatchEvent(new Event('change', {bubbles: true})); }")


def test_conditions_controls_change_their_charts(built, browser):
    """Section 02 (English build): the tile map's year slider and indicator select, the economy select of the
    peers chart, and the ledger's outcome select each change what is drawn; the ledger then shows exactly the
    claims with that outcome, as computed in Python."""
    from nqp_lib.claims import check_claims

    page, log = _open(browser, built.out / "02_conditions.html")
    _wait_for_charts(page)
    lang = "en" if "Condition 1" in page.content() else "zh"
    tiles = _chart_with_title(page, "Condition 1 · its indicators" if lang == "en" else "条件1 · 各")
    before = _chart_markup(page, tiles)
    _set(tiles.locator("input[type=range]").first, "2013")
    page.wait_for_timeout(300)
    assert _chart_markup(page, tiles) != before, "year slider changed nothing"
    moved = _chart_markup(page, tiles)
    tiles.locator("select").first.select_option(index=1)
    page.wait_for_timeout(300)
    assert _chart_markup(page, tiles) != moved, "indicator select changed nothing"

    peers = _chart_with_title(page, "Condition 1 · China against peers" if lang == "en" else "条件1 · 中国与主要经济体")
    selects = peers.locator("select")
    assert selects.count() == 2  # indicator, economy
    before = _chart_markup(page, peers)
    selects.nth(1).select_option(value=selects.nth(1).locator("option").first.get_attribute("value"))
    page.wait_for_timeout(300)
    assert _chart_markup(page, peers) != before, "economy select changed nothing"

    ledger = page.locator(".nqp-chart").last
    rows = "el => el.querySelectorAll('svg.marks g.mark-text.role-mark')[1].querySelectorAll('text').length"
    outcomes = [r.outcome for r in check_claims(lang=lang)]
    assert ledger.evaluate(rows) == len(outcomes)
    ledger.locator("select").nth(1).select_option(value="agrees")
    page.wait_for_timeout(300)
    assert ledger.evaluate(rows) == outcomes.count("agrees")
    ledger.locator("select").nth(0).select_option(value="4")
    page.wait_for_timeout(300)
    four = [r.outcome for r in check_claims(lang=lang) if r.claim.condition == 4]
    assert ledger.evaluate(rows) == four.count("agrees")
    assert log["console"] == [] and log["external"] == []
    page.close()
