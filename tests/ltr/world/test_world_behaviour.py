"""The click model: position bias, satisfaction stops the scan, carts and purchases follow satisfied
clicks, attractiveness and satisfaction rise with text match and taste."""
from __future__ import annotations

import numpy as np

from ltr.types import InteractionKind
from ltr.world import Behaviour, appeal, appeal_from_grades, simulate_search, visual_appeal

DOCS = [f"d{i}" for i in range(10)]


def _click_rates(attractiveness: float, satisfaction: float, n: int = 4_000,
                 behaviour: Behaviour = Behaviour()) -> np.ndarray:
    rng = np.random.default_rng(0)
    clicks = np.zeros(len(DOCS))
    a, s = np.full(len(DOCS), attractiveness), np.full(len(DOCS), satisfaction)
    for i in range(n):
        out = simulate_search(f"s{i}", "q", DOCS, a, s, rng, timestamp=0.0, behaviour=behaviour)
        for c in out.clicks:
            clicks[c.position] += 1
    return clicks / n


def test_position_bias_for_equal_attractiveness() -> None:
    ctr = _click_rates(0.5, 0.0)
    assert ctr[0] > 2.5 * ctr[4]
    assert np.all(np.diff(ctr[:6]) < 0)
    expected = 0.5 * Behaviour().examination(len(DOCS))  # no satisfaction: a pure PBM
    assert np.allclose(ctr, expected, atol=0.03)


def test_satisfied_users_stop_scanning() -> None:
    unsatisfied, satisfied = _click_rates(0.6, 0.0, 2_000), _click_rates(0.6, 1.0, 2_000)
    assert abs(unsatisfied[0] - satisfied[0]) < 0.05  # the first rank is seen either way
    assert satisfied[5:].sum() < 0.6 * unsatisfied[5:].sum()


def test_events_are_consistent_and_time_ordered() -> None:
    rng = np.random.default_rng(3)
    a, s = np.full(10, 0.7), np.full(10, 0.8)
    carts = purchases = 0
    for i in range(500):
        out = simulate_search(f"s{i}", "red mug", DOCS, a, s, rng, timestamp=1000.0, user_id="u1",
                              session_id="u1-0")
        assert out.search.results == tuple(DOCS) and out.search.user_id == "u1"
        clicked = {e.position for e in out.interactions if e.kind == InteractionKind.CLICK}
        assert clicked == {c.position for c in out.clicks}
        for e in out.interactions:
            assert e.timestamp > 1000.0 and e.doc_id == DOCS[e.position] and e.search_id == f"s{i}"
            assert e.position in clicked  # carts and purchases only on clicked results
        by_kind = {k: [e for e in out.interactions if e.kind == k] for k in InteractionKind}
        for p in by_kind[InteractionKind.PURCHASE]:
            cart = next(e for e in by_kind[InteractionKind.ADD_TO_CART] if e.position == p.position)
            click = next(e for e in by_kind[InteractionKind.CLICK] if e.position == p.position)
            assert click.timestamp < cart.timestamp < p.timestamp
        clicks = [e.timestamp for e in by_kind[InteractionKind.CLICK]]
        assert clicks == sorted(clicks)
        assert all(d.dwell_s > 0 for d in out.clicks)
        carts += len(by_kind[InteractionKind.ADD_TO_CART])
        purchases += len(by_kind[InteractionKind.PURCHASE])
        session = out.to_session()
        assert sum(session.clicks) == len(clicked)
    assert carts > purchases > 20


def test_satisfied_clicks_dwell_longer() -> None:
    rng = np.random.default_rng(4)
    dwell = {True: [], False: []}
    for i in range(300):
        out = simulate_search(f"s{i}", "q", DOCS, np.full(10, 0.8), np.full(10, 0.5), rng, timestamp=0.0)
        for c in out.clicks:
            dwell[c.satisfied].append(c.dwell_s)
    assert np.median(dwell[True]) > 4 * np.median(dwell[False])


def test_appeal_rises_with_text_taste_and_grade() -> None:
    text = np.array([0.0, 2.0, 4.0, 4.0, 4.0])
    taste = np.array([1.0, 0.5, 0.5, 0.0, 1.0])
    a, s = appeal(text, taste, np.full(5, 0.5))
    assert a[0] == 0.02 and s[0] == 0.0  # no text match: only the noise floor
    assert a[2] > a[1] and s[2] > s[1]  # more text match (normalised by the best)
    assert a[4] > a[2] > a[3] and s[4] > s[2] > s[3]  # more taste
    assert (a <= 1).all() and (s <= 1).all()
    attractiveness, satisfaction = appeal_from_grades(np.arange(5), np.random.default_rng(0), noise=0.0)
    assert np.all(np.diff(attractiveness) > 0) and np.all(np.diff(satisfaction) > 0)
    v = visual_appeal(["a", "b", "c"], seed=1)
    assert np.array_equal(v, visual_appeal(["a", "b", "c"], seed=1)) and ((v >= 0) & (v <= 1)).all()
