"""The data descriptor, the validating loader and provenance."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from nqp_lib.data import package
from nqp_lib.data.package import DESCRIPTOR, data_root, load, resource_names, used_resources, validate_frame
from nqp_lib.errors import DataError, DataRootError


def test_descriptor_describes_every_resource_completely(shared_data):
    dp = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    for res in dp["resources"]:
        for key in ("name", "path", "origin", "citation", "licenses", "gaps", "schema"):
            assert res.get(key), f"{res['name']} lacks {key}"
        assert res["schema"]["primaryKey"], res["name"]
        header = (shared_data / res["path"]).read_text(encoding=res.get("encoding", "utf-8")).splitlines()[0].split(",")
        declared = [f["name"] for f in res["schema"]["fields"]]
        assert header == declared, f"{res['name']}: descriptor fields differ from the file header"
        for field in res["schema"]["fields"]:
            if field["type"] in ("number", "integer") and field["name"] not in ("year", "年份"):
                assert "unit" in field, f"{res['name']}.{field['name']} has no unit"


@pytest.mark.parametrize("name", ["st_yearbook_long", "eps_provincial_panel", "ceads_provincial_co2", "w_adjacency"])
def test_each_resource_loads_with_provenance(name, shared_data):
    frame = load(name)
    prov = frame.attrs["provenance"]
    path = shared_data / prov.path
    assert prov.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # rows = data lines of the file (header excluded), counted without pandas
    assert prov.rows == len(frame) == sum(1 for _ in path.open(encoding="utf-8")) - 1
    assert prov.origin and prov.citation and prov.licence
    assert name in {p.resource for p in used_resources()}


def test_known_row_counts():
    assert len(load("eps_provincial_panel")) == 403  # 31 provinces × 13 years
    assert len(load("ceads_provincial_co2")) == 660  # 30 provinces × 22 years (1998–2019)
    assert len(load("w_adjacency")) == 31


def test_load_returns_an_independent_copy():
    a = load("ceads_provincial_co2")
    a.loc[0, "co2_mt"] = -1
    assert load("ceads_provincial_co2").loc[0, "co2_mt"] > 0


def test_missing_data_root_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("NQP_DATA_ROOT", str(tmp_path / "nowhere"))
    with pytest.raises(DataRootError) as exc:
        data_root()
    msg = str(exc.value)
    assert str(tmp_path / "nowhere") in msg and "NQP_DATA_ROOT" in msg


def test_missing_data_root_on_the_command_line(monkeypatch, tmp_path, run_cli):
    monkeypatch.setenv("NQP_DATA_ROOT", str(tmp_path / "nowhere"))
    res = run_cli("check-data", "provincial", "--system", "three_elements")
    assert res.code == 2
    assert "data root not found" in res.err and "NQP_DATA_ROOT" in res.err


def test_resource_missing_from_root_names_the_file(monkeypatch, tmp_path):
    (tmp_path / "README.md").write_text("empty root")
    monkeypatch.setenv("NQP_DATA_ROOT", str(tmp_path))
    with pytest.raises(DataError, match=r"ceads_provincial_co2.*not found in the data root"):
        load("ceads_provincial_co2")


def test_unknown_resource_lists_known_ones():
    with pytest.raises(DataError, match="unknown data resource 'gdp'.*st_yearbook_long"):
        load("gdp")
    assert "eps_provincial_panel" in resource_names()


SCHEMA = {
    "fields": [
        {"name": "province", "type": "string", "constraints": {"required": True}},
        {"name": "year", "type": "integer", "constraints": {"required": True, "minimum": 2000}},
        {"name": "x", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
    ],
    "primaryKey": ["province", "year"],
}


def _frame(rows):
    return pd.DataFrame(rows, columns=["province", "year", "x"], dtype=object)


def test_validate_frame_types_the_columns():
    out = validate_frame(_frame([["北京", "2011", "1.5"], ["天津", "2011", None]]), SCHEMA, "t.csv")
    assert out["year"].dtype == np.int64 and out["x"].dtype == float
    assert np.isnan(out.loc[1, "x"])


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["北京", "2011", "abc"]], r"t.csv: column 'x' must be numeric but has text in 1 row\(s\), first row 2 \(province=北京, year=2011\): 'abc'"),
        ([["北京", "2011", "inf"]], r"column 'x' has an infinite value at row 2"),
        ([["北京", "2011", "-3"]], r"column 'x' value -3 at row 2 .* is below the minimum 0"),
        ([["北京", "2011", "300"]], r"column 'x' value 300 .* above the maximum 100"),
        ([["北京", "2011.5", "3"]], r"column 'year' must hold whole numbers"),
        ([["北京", "1990", "3"]], r"column 'year' value 1990 .* below the minimum 2000"),
        ([[None, "2011", "3"]], r"required column 'province' is empty at row 2"),
        ([["北京", "2011", "1"], ["北京", "2011", "2"]], r"primary key \(province, year\) is not unique: 2 rows"),
    ],
)
def test_validate_frame_rejects_bad_cells(rows, message):
    with pytest.raises(DataError, match=message):
        validate_frame(_frame(rows), SCHEMA, "t.csv")


def test_validate_frame_rejects_undeclared_and_missing_columns():
    with pytest.raises(DataError, match=r"\['z'\] are not declared"):
        validate_frame(_frame([["北京", "2011", "1"]]).assign(z=1), SCHEMA, "t.csv")
    with pytest.raises(DataError, match=r"\['x'\] declared in the descriptor are missing"):
        validate_frame(_frame([["北京", "2011", "1"]]).drop(columns="x"), SCHEMA, "t.csv")


def test_provenance_table_lists_short_hashes():
    load("ceads_provincial_co2")
    table = package.provenance_table()
    row = table[table["resource"] == "ceads_provincial_co2"].iloc[0]
    assert len(row["sha256"]) == 12 and row["rows"] == 660
