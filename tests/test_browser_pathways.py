"""The pathways page's scenario explorer in headless Chromium (Debian package chromium, network blocked): the
numbers the browser shows for one choice of lever, size and target equal ``CompositeIndex.transform`` of the
changed panel computed in Python."""

from __future__ import annotations


import pytest
from pathways_fixtures import indicator_without_imputation, transform_oracle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


#: What the explorer's marks carry: the folded values (key, value) of the bars and the rank sentence.
READ_MARKS = """id => {
  const out = [];
  const walk = n => {
    if (n.items) n.items.forEach(walk);
    if (n.datum && n.datum.key !== undefined && n.datum.value !== undefined) out.push([n.datum.key, n.datum.value]);
    if (n.datum && n.datum.sentence !== undefined) out.push(["sentence", n.datum.sentence]);
  };
  walk(window.nqpViews[id].scenegraph().root);
  return out;
}"""


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    from nqp_lib.report.build import build

    out = tmp_path_factory.mktemp("pathways")
    res = build(["pathways"], overrides={"lang": "en", "year_from": "2015"}, out=out, quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    return out / "03_pathways.html"




def test_the_explorers_numbers_equal_transform_of_the_changed_panel(page_path, browser):
    from nqp_lib.report.context import setup

    ctx = setup("pathways", lang="en", year_from=2015)
    year = ctx.settings.year_to
    groups = ctx.scores[ctx.scores["year"] == year].set_index("unit")["group"]
    group = sorted(groups.unique())[-1]
    members = [u for u, g in groups.items() if g == group]
    ind = indicator_without_imputation(ctx, members, year)
    national, score, rank = transform_oracle(ctx, ind, 0.3, members, year)
    base = ctx.scores[(ctx.scores["year"] == year) & (ctx.scores["unit"] == ctx.settings.focus)].iloc[0]

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors, external = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
               else (external.append(r.request.url), r.abort()))
    page.goto(page_path.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.nqp-chart svg.marks').length >= 9", timeout=30000)
    charts = page.locator(".nqp-chart")
    explorer = next(charts.nth(i) for i in range(charts.count()) if charts.nth(i).locator("select").count() == 3)
    selects = explorer.locator("select")
    before = page.evaluate(READ_MARKS, explorer.get_attribute("id"))
    selects.nth(0).select_option(f"indicator:{ind.id}")
    selects.nth(1).select_option("+30%")
    selects.nth(2).select_option(f"group:{group}")
    page.wait_for_timeout(500)
    marks = page.evaluate(READ_MARKS, explorer.get_attribute("id"))
    assert marks != before
    values = {k: v for k, v in marks if k != "sentence"}
    label = next(v for k, v in marks if k == "sentence")
    assert values["national"] == pytest.approx(national, abs=1e-6)
    assert values["score"] == pytest.approx(score, abs=1e-6)
    assert values["score_base"] == pytest.approx(float(base["score"]), abs=1e-6)
    assert label.startswith(f"Rank of {ctx.name_of(ctx.settings.focus)}: {int(base['rank'])} → {rank}")
    # the text drawn on the bars is the same numbers, four decimals
    drawn = explorer.evaluate("el => [...el.querySelectorAll('svg.marks g.mark-text.role-mark text')].map(t => t.textContent)")
    assert f"{national:.4f}" in drawn and f"{score:.4f}" in drawn
    assert errors == [] and external == []
    page.close()
