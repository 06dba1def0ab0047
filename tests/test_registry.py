"""Registries: picking by name, filtering by tag, and every method's tags telling the truth about the method."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure import choices, weights_spec
from nqp_lib.measure.aggregate import AGGREGATORS, score_block
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS, normalise
from nqp_lib.measure.combine import COMBINERS
from nqp_lib.measure.weights import WEIGHTERS, data_weighters
from nqp_lib.registry import Label, Registry

uncertainty_module = importlib.import_module("nqp_lib.measure.uncertainty")
FAMILIES = {"normalise": NORMALISERS, "zeros": ZERO_HANDLERS, "weights": WEIGHTERS, "combine": COMBINERS,
            "aggregate": AGGREGATORS}


def test_pick_names_the_option_and_the_valid_names():
    assert WEIGHTERS.pick("critic").name == "critic"
    with pytest.raises(ParameterError, match=r"^aggregate: unknown method 'mean'; choose one of sum, geometric, topsis$"):
        AGGREGATORS.pick("mean")
    with pytest.raises(ParameterError, match="weights: unknown method"):
        WEIGHTERS.pick(["entropy"])  # unhashable: still a ParameterError, not a TypeError


def test_tags_filter_in_registry_order_and_unknown_tags_are_errors():
    assert WEIGHTERS.names() == ("entropy", "critic", "std", "equal", "pca", "fixed")
    assert WEIGHTERS.names(objective=True) == ("entropy", "critic", "std", "pca")
    assert WEIGHTERS.names(objective=True, reads_logs=False) == ("critic", "std", "pca")
    assert AGGREGATORS.names(reads_logs=True) == ("geometric",)
    assert NORMALISERS.names(bounded=True) == ("minmax", "rank")
    with pytest.raises(AttributeError, match="no tag 'colour'"):
        WEIGHTERS.names(colour="red")


def test_a_registry_refuses_two_entries_of_one_name():
    class E:
        def __init__(self, name):
            self.name = name

    with pytest.raises(ValueError, match="two entries named 'a'"):
        Registry("thing", [E("a"), E("a")], kind="reader")
    r = Registry("thing", [E("a")], kind="reader")
    with pytest.raises(ParameterError, match="thing: unknown reader 'b'; choose one of a"):
        r.pick("b")


@pytest.mark.parametrize("option, family", FAMILIES.items())
def test_every_entry_has_a_label_in_both_languages(option, family):
    assert choices(option) == tuple(family)
    for name, entry in family.items():
        assert entry.name == name and isinstance(entry.label, Label)
        assert entry.label("zh") and entry.label("en") and entry.label("zh") != entry.label("en"), name


def test_derived_lists_follow_the_tags():
    # the uncertainty design's defaults: what each family's tags select, in a fixed order (the seeded draws
    # index these tuples, so the order is part of the result)
    assert uncertainty_module.DEFAULT_NORMALISATIONS == ("minmax", "rank", "vector")
    assert uncertainty_module.DEFAULT_WEIGHTINGS == data_weighters() == ("entropy", "critic", "std", "equal", "pca")
    assert uncertainty_module.DEFAULT_AGGREGATIONS == ("sum", "geometric", "topsis")
    assert uncertainty_module.DEFAULT_ZEROS == ("shift", "replace", "none")
    from nqp_lib.report.views.methods import METHODS_COMPARED

    assert METHODS_COMPARED == data_weighters()


def test_weights_spec_is_the_one_validator():
    assert weights_spec(" entropy + critic ") == "entropy+critic"
    assert weights_spec(["std", "pca"]) == "std+pca"
    for bad, match in ((3, "expected a method"), ("entropy+", "empty"), ("entropy+entropy", "twice"),
                       ("entropi", r"unknown method\(s\) \['entropi'\]")):
        with pytest.raises(ParameterError, match=match):
            weights_spec(bad)


# --------------------------------------------------------------------------- the tags tell the truth

RNG = np.random.default_rng(5)
X = RNG.uniform(1.0, 9.0, size=(12, 4))
DIRS = np.array([1.0, -1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", list(NORMALISERS))
def test_normaliser_tags(name):
    xn, _ = normalise(X, DIRS, name)
    entry = NORMALISERS[name]
    # signed: negative values on all-positive data, whatever the data; otherwise none
    assert bool((xn < 0).any()) == entry.signed
    # bounded: the fitted rows map into [0, 1]
    inside = bool((xn >= 0).all() and (xn <= 1).all())
    assert inside or not entry.bounded


@pytest.mark.parametrize("name", list(WEIGHTERS))
def test_weighter_tags(name):
    w = WEIGHTERS[name]
    fixed = np.array([1.0, 2.0, 3.0, 4.0])
    xn, _ = normalise(X, DIRS, "minmax")
    # min_rows: that many rows work, one fewer is refused
    if w.min_rows > 1:
        w(xn[: w.min_rows] + 1e-4, fixed=fixed)
        with pytest.raises(MethodError, match=f"at least {w.min_rows} rows"):
            w(xn[: w.min_rows - 1] + 1e-4, fixed=fixed)
    # objective: a constant column gets weight 0; otherwise it keeps its weight
    xc = xn + 1e-4
    xc[:, 1] = 0.5
    res = w(xc, fixed=fixed)
    assert (res.values[1] == 0.0) == w.objective
    # reads_logs: negative values are refused (the method takes logarithms); the others accept them
    neg = xc - 0.3
    if w.reads_logs:
        with pytest.raises(MethodError, match="non-negative"):
            w(neg, fixed=fixed)
    else:
        assert np.isfinite(w(neg, fixed=fixed).values).all()
    # system_weights: without the system file's weights the method cannot run
    if w.system_weights:
        with pytest.raises(ParameterError, match="weight"):
            w(xc, fixed=None)
    else:
        np.testing.assert_allclose(w(xc, fixed=None).values, res.values)


@pytest.mark.parametrize("name", list(AGGREGATORS))
def test_aggregator_tags(name):
    a = AGGREGATORS[name]
    xn, _ = normalise(X, DIRS, "minmax")
    xa = xn + 1e-4
    dims = np.array([0, 0, 1, 1])
    within = np.array([[0.4, 0.6, 0.5, 0.5]])
    dimension = np.array([[0.3, 0.7]])
    final = within * dimension[:, dims]
    if a.reads_logs:
        with pytest.raises(MethodError, match="non-negative"):
            a(xn - 0.5, final)
    else:
        assert np.isfinite(a(xn - 0.5, final).scores).all()
    flat = score_block(xa, final, within, dimension, dims, 2, name, "flat")
    hier = score_block(xa, final, within, dimension, dims, 2, name, "hierarchical")
    linear_total = np.einsum("nkd,dk->nd", hier.dimensions, dimension)
    # linear: the total is Σ_k W_k × dimension score, so re-weighting dimension scores reproduces it
    assert np.allclose(flat.total, linear_total, rtol=1e-12) == a.linear
    # of_dimensions: a hierarchical total differs from the indicator-level aggregate with w = W v
    assert (not np.allclose(hier.total, flat.total, rtol=1e-12)) == (a.of_dimensions is not None)
