"""LightGBM -> ``model/xgboost+json`` conversion (``ltr.convert``), checked with the embedded node's own evaluator.

The engine evaluates a model from its JSON exactly as the plugin does (float32 thresholds and leaves, strict
``<``, ``missing`` per plugin version, float32 sum in tree order), so routing and scores are compared with
``Booster.predict``: the routing leaf by leaf (every tree must land on a leaf with LightGBM's value), the score
within 1e-5 (fidelity.md §7).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

lgb = pytest.importorskip("lightgbm")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from hypothesis import reject as reject_example  # noqa: E402

from embedded_node.plugins.ltr.versions import PluginSemantics  # noqa: E402
from embedded_node.plugins.ltr.xgboost import parse_xgboost_json  # noqa: E402
from ltr.convert import (ConversionError, convert, createmodel_body, definition_json,  # noqa: E402
                         missing_semantics, split_conditions)
from ltr.lgbm_dump import load_model  # noqa: E402
from tests.support.paths import ORACLE  # noqa: E402

F32 = np.float32
ZB = F32(1e-35)
OS38 = PluginSemantics("opensearch", (3, 8, 0))
OS219 = PluginSemantics("opensearch", (2, 19, 0))
OS35 = PluginSemantics("opensearch", (3, 5, 0))


def engine(definition: dict, names: list[str], sem: PluginSemantics = OS38):
    """The embedded node's parse of the JSON text, as uploaded."""
    return parse_xgboost_json(json.loads(definition_json(definition)), names, sem).ensemble


def lgbm_leaves(booster, X: np.ndarray) -> np.ndarray:
    """float32 value of the leaf LightGBM reaches in every tree: ``[n_rows, n_trees]``."""
    idx = booster.predict(X, pred_leaf=True).astype(np.int64).reshape(X.shape[0], -1)
    model = load_model(booster)
    values = np.empty(idx.shape, dtype=F32)
    for t, tree in enumerate(model.trees):
        values[:, t] = tree.leaf_value.astype(F32)[idx[:, t]]
    return values


def assert_exact(booster, definition: dict, names: list[str], X: np.ndarray) -> None:
    X = np.asarray(X, dtype=F32)
    ens = engine(definition, names)
    np.testing.assert_array_equal(ens.leaves(X), lgbm_leaves(booster, X))  # routing, tree by tree
    np.testing.assert_allclose(ens.score(X), booster.predict(X), rtol=0, atol=1e-5)


# --- the oracle files --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def oracle():
    vectors = json.loads((ORACLE / "lgbm_lambdarank_vectors.json").read_text())
    rows = vectors["vectors"]
    X = np.array([[np.nan if v is None else float(v) for v in r["features"]] for r in rows], dtype=F32)
    booster = lgb.Booster(model_file=str(ORACLE / "lgbm_lambdarank_model.txt"))
    return vectors, rows, X, booster


def test_oracle_model_routes_and_scores_exactly(oracle):
    vectors, rows, X, booster = oracle
    names = vectors["feature_names_in_order"]
    conv = convert(str(ORACLE / "lgbm_lambdarank_model.txt"), names)
    assert conv.definition["objective"] == vectors["objective_in_converted_json"] == "rank:pairwise"
    assert conv.trees == 120 and conv.missing_types == {"NaN": 2374, "None": 1226}
    assert conv.zero_band_splits > 0  # thresholds of -1.0000000180025095e-35 are in this model
    ens = engine(conv.definition, names)
    got = ens.score(X)
    # bit for bit the plugin's float32 score (OpenSearch >= 3.8), and within 1e-5 of LightGBM
    np.testing.assert_array_equal(got, np.array([F32(r["ltr_missing_honored_float32"]) for r in rows]))
    lgbm = np.array([float(r["lightgbm_predict"]) for r in rows])
    np.testing.assert_allclose(got, lgbm, rtol=0, atol=1e-5)
    np.testing.assert_allclose(got, booster.predict(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(ens.leaves(X), lgbm_leaves(booster, X))


def test_oracle_dense_semantics_read_missing_as_zero(oracle):
    vectors, rows, X, booster = oracle
    names = vectors["feature_names_in_order"]
    definition = convert(str(ORACLE / "lgbm_lambdarank_model.txt"), names, assume_no_missing=True,
                         plugin_version="2.19.0").definition
    X0 = np.where(np.isnan(X), F32(0), X)
    got = engine(definition, names, OS219).score(X0)
    np.testing.assert_array_equal(got, np.array([F32(r["ltr_dense_missing_as_0_float32"]) for r in rows]))
    np.testing.assert_allclose(got, [float(r["lightgbm_predict_nan_as_0"]) for r in rows], rtol=0, atol=1e-5)


def test_oracle_conversion_scores_like_the_saved_conversion(oracle):
    vectors, _, X, _ = oracle
    names = vectors["feature_names_in_order"]
    ours = convert(str(ORACLE / "lgbm_lambdarank_model.txt"), names).definition
    saved = json.loads((ORACLE / "lgbm_lambdarank_xgboost.json").read_text())
    np.testing.assert_array_equal(engine(ours, names).score(X), engine(saved, names).score(X))


def test_booster_text_and_dump_inputs_agree(oracle):
    _, _, _, booster = oracle
    from_text = convert(str(ORACLE / "lgbm_lambdarank_model.txt")).definition
    assert convert(booster).definition == from_text
    assert convert(booster.dump_model()).definition == from_text
    assert convert(booster.model_to_string()).definition == from_text


def test_zero_as_missing_model_is_refused():
    with pytest.raises(ConversionError, match="zero_as_missing=true.*retrain with zero_as_missing=false"):
        convert(str(ORACLE / "lgbm_zero_as_missing_model.txt"))


# --- split conditions ---------------------------------------------------------------------------------------

def _f32_neighbours(v: float) -> list[float]:
    """float32(v) and its two float32 neighbours on each side."""
    with np.errstate(over="ignore"):
        f = F32(v)
    lo, hi = f, f
    vals = [f]
    for _ in range(2):
        with np.errstate(over="ignore"):
            lo, hi = np.nextafter(lo, F32(-np.inf)), np.nextafter(hi, F32(np.inf))
        vals += [lo, hi]
    return [float(x) for x in vals]


SPECIAL_THRESHOLDS = [0.0, -0.0, 1e300, -1e300, float(ZB), -float(ZB), 1e-35, -1e-35, 5e-36, -5e-36, 0.5, -0.5,
                      float(np.finfo(F32).max), -float(np.finfo(F32).max), 3.4028235e38, 1e-45, -1e-45,
                      float(np.nextafter(ZB, F32(1))), float(np.nextafter(-ZB, F32(-1))), 1.1, 4.826160430908204]


def _lgbm_reads(x: float, thr: float) -> bool:
    """LightGBM, missing_type None: |x| <= 1e-35f reads 0.0; left iff value <= thr in double."""
    if math.isnan(x) or abs(x) <= float(ZB):
        x = 0.0
    return x <= thr


@given(st.one_of(st.sampled_from(SPECIAL_THRESHOLDS), st.floats(allow_nan=False, allow_infinity=False),
                 st.floats(-1e-30, 1e-30), st.floats(-1e6, 1e6)))
@settings(max_examples=300, deadline=None)
def test_split_condition_matches_lightgbm_for_every_float32_neighbour(thr):
    cond = split_conditions(np.array([thr]))[0]
    xs = set()
    for base in [thr, float(cond) if math.isfinite(cond) else 3.4e38, 0.0, float(ZB), -float(ZB), 1e30, -1e30]:
        xs.update(_f32_neighbours(base))
    xs.update([math.inf, -math.inf, 1e-36, -1e-36, 1.4e-45, -1.4e-45])
    for x in xs:
        assert (F32(x) < F32(cond)) == _lgbm_reads(float(F32(x)), thr), (thr, x, cond)


# --- hand-made trees: thresholds at float32 edges, at 1e300, in the zero band -----------------------------

def _model_text(thresholds: list[float], decision: list[int], leaves: list[float]) -> str:
    """A chain tree over two features: node i splits feature i % 2; left is a leaf, right the next node."""
    n = len(thresholds)
    left = " ".join(str(-(i + 1)) for i in range(n))
    right = " ".join(str(i + 1) if i + 1 < n else str(-(n + 1)) for i in range(n))
    return "\n".join([
        "tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0", "max_feature_idx=1",
        "objective=lambdarank", "feature_names=a b", "feature_infos=[-1:1] [-1:1]", "", "Tree=0",
        f"num_leaves={n + 1}", "num_cat=0", "split_feature=" + " ".join(str(i % 2) for i in range(n)),
        "threshold=" + " ".join(repr(float(t)) for t in thresholds),
        "decision_type=" + " ".join(map(str, decision)), f"left_child={left}", f"right_child={right}",
        "leaf_value=" + " ".join(repr(v) for v in leaves), "shrinkage=1", "", "", "end of trees", ""])


@given(st.lists(st.tuples(st.one_of(st.sampled_from(SPECIAL_THRESHOLDS), st.floats(-1e6, 1e6)),
                          st.sampled_from([0, 2, 8, 10])), min_size=1, max_size=6),
       st.lists(st.floats(-1.0, 1.0), min_size=7, max_size=7))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_handmade_trees_route_exactly(splits, leaf_values):
    thresholds = [t for t, _ in splits]
    text = _model_text(thresholds, [d for _, d in splits], leaf_values[:len(splits) + 1])
    booster = lgb.Booster(model_str=text)
    values = {math.nan, math.inf, -math.inf, 1e-36, -1e-36, 1e30, -1e30}
    for t in thresholds + [0.0, float(ZB), -float(ZB)]:
        values.update(_f32_neighbours(t))
        c = split_conditions(np.array([t]))[0]
        if math.isfinite(c):
            values.update(_f32_neighbours(c))
    vals = sorted(values, key=lambda v: (math.isnan(v), v))
    X = np.array([[a, b] for a in vals for b in vals[:: max(1, len(vals) // 12)]], dtype=F32)
    definition = convert(text, ["a", "b"]).definition
    assert "Infinity" not in definition_json(definition)
    assert_exact(booster, definition, ["a", "b"], X)


def test_threshold_1e300_reads_as_infinity():
    text = _model_text([1e300], [10], [0.25, -0.5])
    definition = convert(text, ["a", "b"]).definition
    assert definition["splits"][0]["split_condition"] == 1e39
    assert '"split_condition":1e+39' in definition_json(definition)
    booster = lgb.Booster(model_str=text)
    X = np.array([[np.finfo(F32).max, 0], [np.inf, 0], [np.nan, 0], [-np.inf, 0], [0, 0]], dtype=F32)
    assert_exact(booster, definition, ["a", "b"], X)


# --- random trained models ----------------------------------------------------------------------------------

def _random_model(seed: int, scale_exp: float, nan_frac: float, min_leaf: int, n_trees: int, leaves: int):
    rng = np.random.default_rng(seed)
    groups = rng.integers(2, 12, size=rng.integers(8, 30))
    n = int(groups.sum())
    scale = 10.0 ** scale_exp
    X = np.column_stack([
        rng.normal(size=n) * scale,
        rng.integers(-3, 4, size=n).astype(float) * scale,  # ties and exact zeros
        rng.choice([0.0, 1e-36, -1e-36, float(ZB), -float(ZB), 2e-35, -2e-35, 1.0], size=n),  # the zero band
        rng.gamma(1.0, 1.0, size=n) * 10.0 ** rng.uniform(-6, 6),
    ]).astype(F32)
    if nan_frac:
        X[rng.random(X.shape) < nan_frac] = np.nan
    y = rng.integers(0, 5, size=n)
    params = {"objective": "lambdarank", "num_leaves": leaves, "min_data_in_leaf": min_leaf,
              "min_sum_hessian_in_leaf": 0.0, "learning_rate": 0.3, "verbose": -1, "num_threads": 1,
              "seed": seed, "min_data_per_group": 1, "cat_smooth": 1}
    try:
        booster = lgb.train(params, lgb.Dataset(X, y, group=groups), num_boost_round=n_trees)
    except lgb.basic.LightGBMError as exc:  # LightGBM's own check on degenerate data: not a model to convert
        del exc
        reject_example()
    return booster, X, rng


def _probe_rows(booster, X: np.ndarray, rng) -> np.ndarray:
    """Training rows plus rows made of threshold neighbours, zero-band values and NaN."""
    model = load_model(booster)
    per_feature: list[set[float]] = [set() for _ in range(X.shape[1])]
    for tree in model.trees:
        cond = split_conditions(tree.threshold)
        for f, t, c in zip(tree.split_feature, tree.threshold, cond):
            per_feature[f].update(_f32_neighbours(t))
            if math.isfinite(c):
                per_feature[f].update(_f32_neighbours(c))
    specials = [math.nan, 0.0, -0.0, 1e-36, -1e-36, float(ZB), -float(ZB), 1.4e-45, 1e30, -1e30]
    cols = []
    for f in range(X.shape[1]):
        # +-inf are not feature values (Lucene scores are finite): the model text keeps `inf` thresholds that
        # send +inf left, which a strict `<` cannot express (see ltr.convert's docstring)
        pool = np.array([v for v in sorted(per_feature[f]) if not math.isinf(v)] + specials, dtype=F32)
        cols.append(rng.choice(pool, size=400))
    return np.vstack([X, np.column_stack(cols)])


@given(seed=st.integers(0, 2**31), scale_exp=st.floats(-6, 6), nan_frac=st.sampled_from([0.0, 0.2]),
       min_leaf=st.integers(1, 3))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_models_route_and_score_exactly(seed, scale_exp, nan_frac, min_leaf):
    booster, X, rng = _random_model(seed, scale_exp, nan_frac, min_leaf, n_trees=5, leaves=7)
    names = ["f0", "f1", "f2", "f3"]
    probe = _probe_rows(booster, X, rng)
    assert_exact(booster, convert(booster, names).definition, names, probe)
    if not nan_frac:  # no NaN splits: exact on 2.x too, where the engine never sees NaN
        dense = convert(booster, names, plugin_version="2.19.0").definition
        P0 = np.where(np.isnan(probe), F32(0), probe)
        np.testing.assert_allclose(engine(dense, names, OS219).score(P0), booster.predict(P0), atol=1e-5, rtol=0)


@pytest.mark.slow
@given(seed=st.integers(0, 2**31), scale_exp=st.floats(-6, 6), nan_frac=st.sampled_from([0.0, 0.1, 0.4]),
       min_leaf=st.integers(1, 5), leaves=st.integers(2, 31))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_models_route_and_score_exactly_many(seed, scale_exp, nan_frac, min_leaf, leaves):
    booster, X, rng = _random_model(seed, scale_exp, nan_frac, min_leaf, n_trees=30, leaves=leaves)
    names = ["f0", "f1", "f2", "f3"]
    assert_exact(booster, convert(booster, names).definition, names, _probe_rows(booster, X, rng))


# --- versions, names, body -----------------------------------------------------------------------------------

def test_missing_semantics_per_version():
    assert missing_semantics("2.19.0") == "dense" and missing_semantics("2.19.6.0") == "dense"
    assert missing_semantics("3.1.0") == "dense" and missing_semantics("3.2.0") == "nan_no"
    assert missing_semantics("3.7.1") == "nan_no" and missing_semantics("3.8.0.0") == "nan_missing"
    assert missing_semantics(None) == "nan_missing"
    assert missing_semantics("8.11.3", "elasticsearch") == "dense"
    assert missing_semantics("8.15.0", "elasticsearch") == "nan_missing"


def test_nan_splits_refused_for_dense_plugin_unless_no_feature_is_ever_missing(oracle):
    path = str(ORACLE / "lgbm_lambdarank_model.txt")
    with pytest.raises(ConversionError, match=r"2374 splits route NaN.*reads a feature that does not match a "
                                              r"document as 0.0.*assume_no_missing=True"):
        convert(path, plugin_version="2.19.0")
    convert(path, plugin_version="2.19.0", assume_no_missing=True)


def test_nan_left_refused_for_opensearch_3_2_to_3_7(oracle):
    with pytest.raises(ConversionError, match=r"splits send a missing feature left.*3.2-3.7.*bug #378"):
        convert(str(ORACLE / "lgbm_lambdarank_model.txt"), plugin_version="3.5.0")


def test_nan_right_model_is_exact_on_opensearch_3_5():
    # node 0 (None, thr 0.5): NaN reads 0.0 -> left, refused; node 1 (NaN, default right) is fine
    text = _model_text([0.5, -2.0], [0, 8], [0.1, 0.2, 0.3])
    with pytest.raises(ConversionError, match="1 splits send a missing feature left"):
        convert(text, ["a", "b"], plugin_version="3.5.0")
    text = _model_text([-0.5, -2.0], [0, 8], [0.1, 0.2, 0.3])
    definition = convert(text, ["a", "b"], plugin_version="3.5.0").definition
    booster = lgb.Booster(model_str=text)
    X = np.array([[np.nan, np.nan], [np.nan, -3], [-1, np.nan], [0, 0]], dtype=F32)
    np.testing.assert_allclose(engine(definition, ["a", "b"], OS35).score(X), booster.predict(X), atol=1e-7)


def test_feature_names_must_equal_the_featuresets():
    text = _model_text([0.5], [0], [0.1, 0.2]).replace("feature_names=a b", "feature_names=x y")
    assert convert(text, ["x", "y"]).feature_names == ["x", "y"]
    with pytest.raises(ConversionError, match=r"feature 0 is 'x' in the model but 'a' in the featureset"):
        convert(text, ["a", "b"])
    with pytest.raises(ConversionError, match=r"same names in another order"):
        convert(text, ["y", "x"])
    with pytest.raises(ConversionError, match=r"the model has 2 features .* featureset has 3"):
        convert(text, ["x", "y", "z"])
    with pytest.raises(ConversionError, match="more than once"):
        convert(text, ["x", "x"])
    unnamed = text.replace("feature_names=x y", "feature_names=Column_0 Column_1")
    assert convert(unnamed, ["a", "b"]).definition["splits"][0]["split"] == "a"


def _small_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 3))
    return X, rng.integers(0, 3, size=400), np.full(20, 20)


def test_categorical_splits_are_refused():
    X, y, g = _small_data()
    X[:, 2] = np.arange(400) % 5
    params = {"objective": "lambdarank", "verbose": -1, "min_data_per_group": 1, "cat_smooth": 1,
              "min_data_in_leaf": 2, "num_leaves": 8}
    booster = lgb.train(params, lgb.Dataset(X, (X[:, 2] == 3).astype(int) * 2, group=g, categorical_feature=[2]),
                        3)
    with pytest.raises(ConversionError, match=r"splits categorically on feature 'Column_2'.*retrain without "
                                              r"categorical_feature"):
        convert(booster)


def test_linear_trees_are_refused():
    X, y, _ = _small_data()
    booster = lgb.train({"objective": "regression", "linear_tree": True, "verbose": -1}, lgb.Dataset(X, y), 2)
    with pytest.raises(ConversionError, match="linear tree.*retrain with linear_tree=false"):
        convert(booster)
    with pytest.raises(ConversionError, match="linear tree"):
        convert(booster.dump_model())


def test_multiclass_rf_and_transformed_objectives_are_refused():
    X, y, _ = _small_data()
    multi = lgb.train({"objective": "multiclass", "num_class": 3, "verbose": -1}, lgb.Dataset(X, y), 1)
    with pytest.raises(ConversionError, match="num_tree_per_iteration=3"):
        convert(multi)
    rf = lgb.train({"objective": "binary", "boosting": "rf", "bagging_freq": 1, "bagging_fraction": 0.5,
                    "verbose": -1}, lgb.Dataset(X, y > 0), 2)
    with pytest.raises(ConversionError, match="boosting=rf"):
        convert(rf)
    poisson = lgb.train({"objective": "poisson", "verbose": -1}, lgb.Dataset(X, y), 1)
    with pytest.raises(ConversionError, match="objective 'poisson'.*train with objective=lambdarank"):
        convert(poisson)
    binary = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y > 0), 2)
    assert convert(binary).definition["objective"] == "binary:logistic"


def test_unreadable_inputs_are_refused(tmp_path):
    with pytest.raises(ConversionError, match="neither a LightGBM model text nor a file"):
        convert(str(tmp_path / "missing.txt"))
    with pytest.raises(ConversionError, match="not a LightGBM dump_model"):
        convert({"trees": []})


def test_createmodel_body_is_what_the_plugin_accepts(oracle):
    vectors, _, X, _ = oracle
    names = vectors["feature_names_in_order"]
    definition = convert(str(ORACLE / "lgbm_lambdarank_model.txt"), names).definition
    body = createmodel_body("mm__20260101-000000", definition)
    assert body == {"model": {"name": "mm__20260101-000000",
                              "model": {"type": "model/xgboost+json", "definition": definition}}}
    assert "feature_normalizers" not in body["model"]["model"]
    as_text = createmodel_body("m", definition_json(definition), feature_normalizers={
        "title_bm25": {"standard": {"mean": 1.0, "standard_deviation": 2.0}}})
    assert as_text["model"]["model"]["feature_normalizers"]["title_bm25"]["standard"]["mean"] == 1.0
    parsed = parse_xgboost_json(as_text["model"]["model"]["definition"], names, OS38).ensemble
    np.testing.assert_array_equal(parsed.score(X), engine(definition, names).score(X))
    with pytest.raises(ConversionError, match="needs a name"):
        createmodel_body("", definition)


def test_leaves_are_exact_float32_decimals(oracle):
    definition = convert(str(ORACLE / "lgbm_lambdarank_model.txt")).definition
    stack = list(definition["splits"])
    while stack:
        node = stack.pop()
        for key in ("leaf", "split_condition"):
            if key in node and node[key] != 1e39:
                assert float(F32(node[key])) == node[key]
        stack += node.get("children", [])
