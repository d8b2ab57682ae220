"""Click models recover simulated parameters, and the cascade models beat CTR on held-out perplexity."""
from __future__ import annotations

import numpy as np
import pytest

from ltr.clickmodels import CLICK_MODELS, ConversionWeights, EmptyLogError, fit_click_model
from ltr.clickmodels.compare import compare_models
from ltr.sessions import SessionLog, per_user_sessions, split_sessions
from ltr.types import Session


def _estimates(model, truth, min_impressions=100):
    table = model.estimates().assign(alpha_hat=getattr(model, "attractiveness", np.nan))
    if hasattr(model, "satisfaction"):
        table = table.assign(sigma_hat=model.satisfaction)
    joined = table.merge(truth, on=["query", "doc_id"])
    return joined[joined["impressions"] >= min_impressions]


def test_pbm_recovers_examination_and_attractiveness(pbm_log):
    model = fit_click_model("pbm", pbm_log.session_log())
    rows = _estimates(model, pbm_log.truth())
    alpha_error = float(np.abs(rows["alpha_hat"] - rows["alpha"]).mean())
    exam_error = float(np.abs(model.examination - pbm_log.examination).max())
    print(f"\nPBM recovery: alpha MAE {alpha_error:.4f} over {len(rows)} pairs, examination max error "
          f"{exam_error:.4f}")
    assert alpha_error < 0.04
    assert exam_error < 0.03
    assert model.report.converged


def test_dbn_recovers_attractiveness_satisfaction_and_continuation(dbn_log):
    model = fit_click_model("dbn", dbn_log.session_log())
    rows = _estimates(model, dbn_log.truth())
    alpha_error = float(np.abs(rows["alpha_hat"] - rows["alpha"]).mean())
    sigma_error = float(np.abs(rows["sigma_hat"] - rows["sigma"]).mean())
    relevance_error = float(np.abs(rows["relevance_x"] - rows["relevance_y"]).mean())
    print(f"\nDBN recovery: alpha MAE {alpha_error:.4f}, sigma MAE {sigma_error:.4f}, relevance MAE "
          f"{relevance_error:.4f}, gamma {model.continuation:.4f} (true 0.9)")
    assert alpha_error < 0.04
    assert sigma_error < 0.12
    assert relevance_error < 0.05
    assert abs(model.continuation - 0.9) < 0.02


def test_sdbn_ranks_like_the_truth_on_dbn_clicks(dbn_log):
    rows = _estimates(fit_click_model("sdbn", dbn_log.session_log()), dbn_log.truth())
    correlation = float(np.corrcoef(rows["relevance_x"], rows["relevance_y"])[0, 1])
    assert correlation > 0.93


def test_cascade_models_beat_ctr_on_held_out_perplexity(dbn_log):
    train, test = split_sessions(dbn_log.session_log(), 0.2)
    results = {r.name: r for r in compare_models(train, test)}
    print("\nheld-out perplexity: " + ", ".join(f"{n} {r.perplexity.overall:.4f}" for n,
                                                r in results.items()))
    for better in ("dbn", "sdbn"):
        assert results[better].perplexity.overall < results["ctr"].perplexity.overall - 0.05
        assert results[better].log_likelihood > results["ctr"].log_likelihood
        assert results[better].perplexity.overall < results["coec"].perplexity.overall
    assert results["dbn"].log_likelihood > results["sdbn"].log_likelihood
    assert all(1.0 < r.perplexity.overall < 2.0 for r in results.values())


def test_position_based_models_beat_ctr_on_pbm_clicks(pbm_log):
    train, test = split_sessions(pbm_log.session_log(), 0.2)
    results = {r.name: r.perplexity.overall for r in compare_models(train, test, ["ctr", "coec", "pbm"])}
    assert results["pbm"] < results["coec"] < results["ctr"]


def test_sdbn_counts_by_hand():
    rows = [Session("q", ("a", "b", "c"), (True, True, False)),   # last click b: a, b examined
            Session("q", ("b", "a", "c"), (False, False, False)),  # no click: all examined
            Session("q", ("c", "a", "b"), (False, True, False))]   # last click a: c, a examined
    model = fit_click_model("sdbn", SessionLog.from_sessions(rows), prior_strength=0.0)
    table = model.estimates().set_index("doc_id")
    alpha = dict(zip(table.index, model.attractiveness))
    sigma = dict(zip(table.index, model.satisfaction))
    assert alpha == pytest.approx({"a": 2 / 3, "b": 1 / 2, "c": 0 / 3})
    assert sigma["a"] == pytest.approx(1 / 2) and sigma["b"] == pytest.approx(1.0)
    assert table["impressions"].to_dict() == {"a": 3, "b": 3, "c": 3}
    assert table.loc["a", "relevance"] == pytest.approx(1 / 3)


def test_coec_credits_clicks_earned_deep_in_the_list():
    # Both docs attract 40 % when examined; rank 2 is examined a quarter as often. "A" is mostly shown on top.
    rows = ([Session("q", ("A", "B"), (True, False))] * 60 + [Session("q", ("A", "B"), (False, True))] * 15
            + [Session("q", ("A", "B"), (False, False))] * 75 + [Session("q", ("B", "A"), (True, False))] * 20
            + [Session("q", ("B", "A"), (False, True))] * 5 + [Session("q", ("B", "A"), (False, False))] * 25)
    sessions = SessionLog.from_sessions(rows)
    coec, ctr = fit_click_model("coec", sessions), fit_click_model("ctr", sessions)
    assert coec.examination.tolist() == pytest.approx([1.0, 0.25])
    by_doc = dict(zip(coec.estimates()["doc_id"], coec.relevance))
    ctr_by_doc = dict(zip(ctr.estimates()["doc_id"], ctr.relevance))
    assert ctr_by_doc["A"] > ctr_by_doc["B"] + 0.1  # CTR rewards the top slot
    assert by_doc == pytest.approx({"A": 0.4, "B": 0.4})  # COEC sees through it


def test_conversion_grades_purchase_over_cart_over_click():
    rows = []
    for doc, kind in (("bought", "purchases"), ("carted", "carts"), ("clicked", None), ("ignored", "none")):
        for rank in range(2):
            docs = (doc, "filler") if rank == 0 else ("filler", doc)
            clicked = tuple(d == doc and kind != "none" for d in docs)
            flags = {"carts": (False, False), "purchases": (False, False)}
            if kind in flags:
                flags[kind] = clicked
            rows += [Session("q", docs, clicked, **flags)] * 10
    model = fit_click_model("conversion", SessionLog.from_sessions(rows))
    relevance = dict(zip(model.estimates()["doc_id"], model.relevance))
    assert relevance["bought"] > relevance["carted"] > relevance["clicked"] > relevance["ignored"]
    with pytest.raises(ValueError, match="click <= add_to_cart <= purchase"):
        ConversionWeights(click=0.9, add_to_cart=0.5)


def test_unseen_pairs_get_the_prior_and_other_vocabularies_are_remapped(dbn_log):
    model = fit_click_model("sdbn", dbn_log.session_log())
    first = dbn_log.session_log().subset(np.arange(3))
    rebuilt = SessionLog.from_sessions(list(first) + [Session("never seen", ("zzz",), (True,))])
    probs = model.click_probabilities(rebuilt)
    assert probs[:3] == pytest.approx(model.click_probabilities(first))
    assert probs[3, 0] == pytest.approx(model.prior_attractiveness)
    assert np.isfinite(model.perplexity(rebuilt).overall)


def test_coin_flip_clicks_have_perplexity_two():
    rng = np.random.default_rng(0)
    rows = [Session("q", ("a", "b"), tuple(bool(x) for x in rng.random(2) < 0.5)) for _ in range(4000)]
    sessions = SessionLog.from_sessions(rows)
    assert fit_click_model("ctr", sessions).perplexity(sessions).overall == pytest.approx(2.0, abs=0.01)


def test_per_user_models_estimate_per_user_pairs():
    rows = [Session("q", ("a", "b"), (True, False), user_id="u1")] * 5 + \
           [Session("q", ("a", "b"), (False, True), user_id="u2")] * 5
    keyed, _ = per_user_sessions(SessionLog.from_sessions(rows))
    table = fit_click_model("sdbn", keyed).estimates()
    best = table.sort_values("relevance").groupby("user_id").tail(1).set_index("user_id")["doc_id"].to_dict()
    assert best == {"u1": "a", "u2": "b"}


@pytest.mark.parametrize("name", sorted(CLICK_MODELS))
def test_every_model_refuses_an_empty_log(name):
    with pytest.raises(EmptyLogError, match=f"cannot fit {name if name != 'conversion' else 'coec'}"):
        fit_click_model(name, SessionLog.from_sessions([]))


def test_unknown_model_names_the_known_ones():
    with pytest.raises(KeyError, match="known: ctr, coec, pbm, sdbn, dbn, conversion"):
        fit_click_model("ubm", SessionLog.from_sessions([Session("q", ("a",), (True,))]))


def test_comparing_needs_both_sides():
    sessions = SessionLog.from_sessions([Session("q", ("a",), (True,))])
    with pytest.raises(EmptyLogError, match="training and test sessions"):
        compare_models(sessions, sessions.subset(np.zeros(0, dtype=int)))


def test_em_reports_convergence_within_the_cap(pbm_log, dbn_log):
    for name, log in (("pbm", pbm_log), ("dbn", dbn_log)):
        report = fit_click_model(name, log.session_log()).report
        print(f"\n{name}: {report.convergence()}")
        assert report.converged and report.iterative
        assert report.max_iterations == 1000 and report.tolerance == 1e-7
        assert 10 < report.iterations < 1000
        assert 0 <= report.final_change <= 1e-7
    assert "closed form" == fit_click_model("sdbn", pbm_log.session_log()).report.convergence()


def test_em_that_hits_the_cap_says_so(pbm_log):
    report = fit_click_model("pbm", pbm_log.session_log(), max_iterations=5).report
    assert (report.iterations, report.converged, report.max_iterations) == (5, False, 5)
    assert report.final_change > 1e-7
    assert "NOT converged" in report.convergence() and "--max-iterations" in report.convergence()
    loose = fit_click_model("pbm", pbm_log.session_log(), tolerance=1e-3).report
    assert loose.converged and loose.iterations < 20
    with pytest.raises(ValueError, match="max_iterations must be at least 1"):
        fit_click_model("dbn", pbm_log.session_log(), max_iterations=0)
    assert fit_click_model("sdbn", pbm_log.session_log(), max_iterations=3).report.iterations == 0


def test_position_baselines_sit_between_global_ctr_and_pbm(pbm_log):
    train, test = split_sessions(pbm_log.session_log(), 0.2)
    results = {r.name: r for r in compare_models(train, test, ["pbm"])}
    perplexity = {name: r.perplexity.overall for name, r in results.items()}
    print(f"\nheld-out perplexity on PBM clicks: {perplexity}")
    assert list(perplexity) == ["pbm", "rank_ctr", "global_ctr"]  # sorted best first
    assert perplexity["pbm"] < perplexity["rank_ctr"] - 0.03 < perplexity["global_ctr"] - 0.1
    assert results["pbm"].log_likelihood > results["rank_ctr"].log_likelihood > results["global_ctr"].log_likelihood
    # global CTR predicts the log-wide rate everywhere; rank CTR reproduces each rank's training CTR
    shown = train.shown
    rate = (train.clicks & shown).sum() / shown.sum()
    assert results["global_ctr"].model.click_probabilities(test)[test.shown] == pytest.approx(rate)
    per_rank = results["rank_ctr"].model.click_probabilities(train)
    assert per_rank[:, 0][shown[:, 0]] == pytest.approx((train.clicks[:, 0] & shown[:, 0]).mean())
    assert per_rank[:, 3][shown[:, 3]] == pytest.approx(train.clicks[shown[:, 3], 3].mean())
    assert compare_models(train, test, ["pbm"], baselines=())[0].name == "pbm"


def test_a_separate_test_log_with_other_vocabularies(pbm_log):
    from ltr.simulate import ClickSimulation, simulate_clicks
    other = simulate_clicks(ClickSimulation(behaviour="pbm", n_searches=5_000, seed=2)).session_log()
    rebuilt = SessionLog.from_sessions(list(other))  # same world, its own vocabularies and doc order
    results = {r.name: r.perplexity.overall for r in compare_models(pbm_log.session_log(), rebuilt, ["pbm"])}
    assert results["pbm"] < results["rank_ctr"] < results["global_ctr"]
