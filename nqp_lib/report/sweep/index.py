"""The sweep's ``index.html``: one row per member — its parameters, status and links — sortable by any
column and filterable as you type, with a small inline script (no network, no library)."""

from __future__ import annotations

from typing import Any

from nqp_lib import labels
from nqp_lib.report import pages
from nqp_lib.report.build.jobs import Outcome
from nqp_lib.report.sections import Section

#: sorts the table by a clicked header (numbers as numbers) and hides rows not matching the filter box
SCRIPT = """
(function () {
  var table = document.getElementById('nqp-sweep');
  var body = table.tBodies[0];
  var filter = document.getElementById('nqp-filter');
  function key(row, i) {
    var t = row.cells[i].getAttribute('data-sort') || row.cells[i].textContent.trim();
    var n = parseFloat(t);
    return isNaN(n) || String(n) !== t ? t : n;
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.addEventListener('click', function () {
      var down = th.getAttribute('aria-sort') === 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', down ? 'descending' : 'ascending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, i), y = key(b, i);
        var c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
        return down ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  filter.addEventListener('input', function () {
    var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var text = r.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      r.style.display = ok ? '' : 'none';
      shown += ok ? 1 : 0;
    });
    document.getElementById('nqp-shown').textContent = shown;
  });
})();
"""


def member_status(outcomes: list[Outcome]) -> str:
    if any(o.status == "failed" for o in outcomes):
        return "failed"
    return "ok" if any(o.status == "ok" for o in outcomes) else "cached"


def sweep_index(rows: list[tuple[Any, list[Outcome]]], varying: list[str], sections: list[Section], lang: str,
                build_time: str) -> str:
    """``rows``: (member, its outcomes in section order) for every member."""
    def t(key: str) -> str:
        return labels.t(key, lang)

    esc = pages.esc
    head = "".join(f"<th>{esc(n)}</th>" for n in ["#", *varying]) + f"<th>{t('page_status')}</th>" + "".join(
        f"<th>{esc(s.label(lang))}</th>" for s in sections)
    body = []
    for member, outcomes in rows:
        status = member_status(outcomes)
        cells = [f'<td data-sort="{member.number}"><a href="{esc(member.folder)}/index.html">{member.number}</a></td>']
        cells += [f"<td>{esc(member.params.get(n, ''))}</td>" for n in varying]
        cells.append(f"<td class='nqp-status-{status}'>{esc(t('status_' + status))}</td>")
        by_stem = {o.stem: o for o in outcomes}
        for s in sections:
            o = by_stem.get(s.stem)
            if o is None:
                cells.append("<td></td>")
            elif o.status == "failed":
                cells.append(f'<td class="nqp-status-failed"><a href="{esc(member.folder)}/{esc(s.stem)}.error.html">'
                             f"{esc(t('status_failed'))}</a></td>")
            else:
                cells.append(f'<td><a href="{esc(member.folder)}/{esc(s.stem)}.html">{esc(s.name)}</a></td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    n = len(rows)
    failed = sum(member_status(o) == "failed" for _, o in rows)
    content = (
        f"<h1>{t('sweep_title')}</h1><p>{t('sweep_intro')}</p>"
        f"<p>{t('sweep_members')}: {n} · {t('status_failed')}: {failed}</p>"
        f"<p><label>{t('sweep_filter')} <input id='nqp-filter' type='search'></label> "
        f"<span id='nqp-shown'>{n}</span>/{n}</p>"
        f"<table id='nqp-sweep' class='sections'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<script>{SCRIPT}</script>"
    )
    footer = f'<p class="nqp-build-time">{esc(build_time)}</p>'
    return pages.simple_page(t("sweep_title"), content, lang, "", footer)
