"""The BG/NBD and Gamma-Gamma formulas on numbers small enough to work out by hand.

Closed forms used below: B(1, n) = 1/n, B(2, 2) = 1/6; 2F1(1, 1; 2; z) = −ln(1 − z)/z and
(differentiating, d/dz 2F1(a, b; c; z) = ab/c · 2F1(a + 1, b + 1; c + 1; z))
2F1(2, 2; 3; z) = 2 · [1/(z(1 − z)) + ln(1 − z)/z²].
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from guanxi.errors import ValidationError
from guanxi_analytics.clv import fitting
from guanxi_analytics.clv.fitting import BgNbd, GammaGamma


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_bgnbd_likelihood_of_one_customer_by_hand() -> None:
    # r = α = a = b = 1, x = 0, T = 1: L = B(1, 1)/B(1, 1) · Γ(1)·1^1 / (Γ(1)·(1 + 1)^1) = 1/2.
    ll = fitting.bgnbd_log_likelihood(1, 1, 1, 1, arr(0), arr(0), arr(1))
    assert ll[0] == pytest.approx(math.log(1 / 2))
    # r = α = a = 1, b = 2, x = 1, t_x = 1, T = 2:
    #   B(1, 3)/B(1, 2) · Γ(2)/Γ(1) / (1 + 2)^2 = (1/3)/(1/2) / 9 = 2/27
    # + B(2, 2)/B(1, 2) · Γ(2)/Γ(1) / (1 + 1)^2 = (1/6)/(1/2) / 4 = 1/12
    # = 8/108 + 9/108 = 17/108.
    ll = fitting.bgnbd_log_likelihood(1, 1, 1, 2, arr(1), arr(1), arr(2))
    assert ll[0] == pytest.approx(math.log(17 / 108))


def test_p_alive_is_one_without_a_repeat_purchase_and_otherwise_the_closed_form() -> None:
    model = BgNbd(r=1, alpha=1, a=1, b=2)
    # x = 0: a customer drops out only after a purchase, so P(alive) = 1 whatever T is.
    # x = 1, t_x = 1, T = 3: 1 / (1 + a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x))
    #                      = 1 / (1 + 1/2 · (4/2)^2) = 1/3.
    # x = 1, t_x = T = 3 (bought at the very end): 1 / (1 + 1/2 · 1) = 2/3.
    alive = fitting.p_alive(model, arr(0, 0, 1, 1), arr(0, 0, 1, 3), arr(1, 50, 3, 3))
    assert alive.tolist() == pytest.approx([1, 1, 1 / 3, 2 / 3])


def test_unconditional_expectation_by_hand() -> None:
    # r = α = 1, a = 2, b = 1, t = 1: z = t/(α + t) = 1/2, 2F1(1, 1; 2; 1/2) = 2 ln 2;
    # E[X(1)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · 2F1] = 2 · (1 − 1/2 · 2 ln 2).
    model = BgNbd(r=1, alpha=1, a=2, b=1)
    expected = fitting.expected_purchases_unconditional(model, arr(0, 1))
    assert expected.tolist() == pytest.approx([0, 2 * (1 - math.log(2))])


def test_conditional_expectation_by_hand() -> None:
    model = BgNbd(r=1, alpha=1, a=2, b=1)
    # A customer just acquired (x = 0, T = 0) is the unconditional case: 2 (1 − ln 2).
    fresh = fitting.expected_purchases(model, 1, arr(0), arr(0), arr(0))
    assert fresh[0] == pytest.approx(2 * (1 - math.log(2)))
    # x = 1, t_x = 1, T = 1, t = 2:
    #   head = (a + b + x − 1)/(a − 1) = 3; z = t/(α + T + t) = 1/2;
    #   2F1(2, 2; 3; 1/2) = 2 · (4 − 4 ln 2) = 8 (1 − ln 2);
    #   body = 1 − (2/4)^2 · 8 (1 − ln 2) = 2 ln 2 − 1;
    #   P(alive) = 1 / (1 + 2/1 · (2/2)^2) = 1/3  →  E = 3 · (2 ln 2 − 1) / 3 = 2 ln 2 − 1.
    repeat = fitting.expected_purchases(model, 2, arr(1), arr(1), arr(1))
    assert repeat[0] == pytest.approx(2 * math.log(2) - 1)
    assert fitting.expected_purchases(model, 0, arr(1), arr(1), arr(1)).tolist() == [0]


def test_gamma_gamma_density_and_expected_spend_by_hand() -> None:
    # p = q = γ = 1, x = 1, m̄ = 1: Γ(2)/(Γ(1)Γ(1)) · 1^1 · 1^0 · 1^1 / (1 + 1)^2 = 1/4.
    ll = fitting.gamma_gamma_log_likelihood(1, 1, 1, arr(1), arr(1))
    assert ll[0] == pytest.approx(math.log(1 / 4))
    model = GammaGamma(p=2, q=3, gamma=4)
    # x = 2, m̄ = 10: p(γ + m̄x)/(px + q − 1) = 2 · 24 / 6 = 8;
    # x = 0: the population mean γp/(q − 1) = 8/2 = 4 (m̄ is ignored).
    spend = fitting.expected_spend(model, arr(2, 0), arr(10, np.nan))
    assert spend.tolist() == pytest.approx([8, 4])
    assert model.population_mean == 4


def test_the_fit_recovers_the_parameters_it_was_simulated_with() -> None:
    """10,000 customers drawn from the BG/NBD story with r = 0.5, α = 5, a = 0.8, b = 3
    over 104 weeks: the fit lands within sampling error."""
    rng = np.random.default_rng(11)
    n, T, most = 10_000, 104.0, 200
    rate = rng.gamma(0.5, 1 / 5, n)
    # Repeat purchases at Poisson times; after each one the customer drops out with
    # probability p, so the j-th repeat purchase happens only if j ≤ the geometric draw.
    times = np.cumsum(rng.exponential(1.0, (n, most)) / rate[:, None], axis=1)
    made = (times <= T).sum(axis=1)
    x = np.minimum(made, rng.geometric(rng.beta(0.8, 3, n))).astype(float)
    t_x = np.where(x > 0, times[np.arange(n), np.maximum(x.astype(int) - 1, 0)], 0.0)
    model = fitting.fit_bgnbd(x, t_x, np.full(n, T))
    # r and α are pinned down by the purchase counts (within 10 %); the dropout
    # parameters only by who stopped, which 104 weeks show less sharply (within 25 %).
    assert (model.r, model.alpha) == pytest.approx((0.5, 5), rel=0.1)
    assert (model.a, model.b) == pytest.approx((0.8, 3), rel=0.25)


def test_a_fit_that_runs_off_is_refused_with_a_message() -> None:
    # Thirty repeat buyers who all spent exactly 10 each time: no spread between customers
    # for the Gamma mixing distribution, so q and γ run off to infinity.
    with pytest.raises(ValidationError) as caught:
        fitting.fit_gamma_gamma(arr(*[2] * 30), arr(*[10] * 30))
    assert caught.value.field == "model" and "did not converge" in str(caught.value)


def test_the_analytic_gradients_match_finite_differences() -> None:
    from scipy.optimize import approx_fprime

    x, t_x, T = arr(0, 1, 3, 5), arr(0, 2, 10, 20), arr(30, 30, 25, 40)
    point = np.array([0.5, 3.0, 0.8, 2.5])
    numeric = approx_fprime(point, lambda p: fitting.bgnbd_log_likelihood(
        *p, x, t_x, T).sum(), 1e-7)
    assert fitting.bgnbd_gradient(*point, x, t_x, T).sum(axis=1) == pytest.approx(
        numeric, rel=1e-4)
    x, m = arr(1, 2, 3, 4), arr(10, 20, 5, 8)
    point = np.array([2.0, 3.0, 10.0])
    numeric = approx_fprime(point, lambda p: fitting.gamma_gamma_log_likelihood(
        *p, x, m).sum(), 1e-7)
    assert fitting.gamma_gamma_gradient(*point, x, m).sum(axis=1) == pytest.approx(
        numeric, rel=1e-4)
