"""Bootstrap intervals cover the true mean as often as they claim; the paired randomization test gives p = 1 for
identical rankers, the exact sign-flip p-value on small cases, and a small p for a clearly better ranker."""
from __future__ import annotations

import numpy as np
import pytest

from ltr.evaluation import bootstrap_ci, randomization_p, randomization_test
from ltr.evaluation.stats import bootstrap_means


def test_interval_coverage_of_a_known_distribution() -> None:
    rng = np.random.default_rng(0)
    true_mean, hits, trials = 0.6, 0, 300
    for t in range(trials):
        sample = rng.beta(3, 2, size=60)  # mean 3 / 5 = 0.6
        iv = bootstrap_ci(sample, n_resamples=2000, seed=t)
        assert iv.ci_low <= iv.mean <= iv.ci_high
        hits += iv.ci_low <= true_mean <= iv.ci_high
    assert 0.91 <= hits / trials <= 0.98  # nominal 0.95 (the percentile method runs slightly narrow at n = 60)


def test_interval_width_matches_the_standard_error() -> None:
    sample = np.random.default_rng(1).normal(0.5, 0.2, size=400)
    iv = bootstrap_ci(sample, n_resamples=10_000, seed=0)
    se = sample.std(ddof=1) / np.sqrt(sample.size)
    assert (iv.ci_high - iv.ci_low) == pytest.approx(2 * 1.96 * se, rel=0.08)


def test_bootstrap_is_seeded_and_degenerate_samples_give_a_point() -> None:
    x = np.random.default_rng(2).random(50)
    assert bootstrap_ci(x, seed=5) == bootstrap_ci(x, seed=5)
    assert bootstrap_ci(x, seed=5) != bootstrap_ci(x, seed=6)
    iv = bootstrap_ci(np.full(30, 0.75))
    assert (iv.mean, iv.ci_low, iv.ci_high) == (0.75, 0.75, 0.75)
    assert bootstrap_means(x, n_resamples=12_345).shape == (12_345,)
    with pytest.raises(ValueError):
        bootstrap_ci([])


def test_identical_rankers_have_p_one() -> None:
    a = np.random.default_rng(3).random(80)
    test = randomization_test(a, a.copy())
    assert test.p_value == 1.0 and test.mean_diff == 0.0 and test.ci_low == 0.0 and test.ci_high == 0.0


def test_exact_sign_flip_probabilities() -> None:
    assert randomization_p([0.3]) == 1.0  # one query: both signs are as extreme
    # three equal differences: only all-plus and all-minus are as extreme, 2 of 8
    assert randomization_p([1.0, 1.0, 1.0], n_permutations=20_000) == pytest.approx(0.25, abs=0.01)


def test_a_clearly_better_ranker_has_a_small_p_and_an_interval_above_zero() -> None:
    rng = np.random.default_rng(4)
    base = rng.random(100)
    better = np.clip(base + 0.08 + rng.normal(0, 0.05, 100), 0, 1)
    test = randomization_test(better, base, n_permutations=10_000)
    assert test.p_value == pytest.approx(1 / 10_001)
    assert 0 < test.ci_low < test.mean_diff < test.ci_high
    swapped = randomization_test(base, better, n_permutations=10_000)
    assert swapped.mean_diff == pytest.approx(-test.mean_diff) and swapped.p_value == test.p_value


def test_exchangeable_rankers_are_rarely_significant() -> None:
    rng = np.random.default_rng(5)
    significant = sum(randomization_test(rng.random(40), rng.random(40), n_permutations=1000, n_resamples=200,
                                         seed=s).p_value < 0.05 for s in range(100))
    assert significant <= 12  # about 5 expected under the null hypothesis


def test_paired_values_must_match() -> None:
    with pytest.raises(ValueError, match="same queries"):
        randomization_test([0.1, 0.2], [0.1])
