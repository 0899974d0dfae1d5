"""The BG/NBD and Gamma-Gamma models: log-likelihoods, maximum-likelihood fits and the
per-customer quantities, vectorised over customers with numpy/scipy.

Sources (the formulas are copied from them; equation numbers are the papers'):

* BG/NBD: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "'Counting Your Customers' the
  Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2):275–284 —
  the likelihood (eq. 6), the unconditional expectation E[X(t)] (eq. 9), the conditional
  expectation E[Y(t) | x, t_x, T] (eq. 10) and P(alive) (Fader, Hardie & Lee 2008 note
  "Computing P(alive) using the BG/NBD model").
* Gamma-Gamma: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "RFM and CLV: Using
  Iso-Value Curves for Customer Base Analysis", *Journal of Marketing Research*
  42(4):415–430, and Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" —
  the marginal density of the mean spend m̄ of x repeat purchases (eq. 4 of the note) and
  the conditional expectation E[M | p, q, γ, m̄, x] (eq. 5).

Every parameter is positive, so the optimiser works on their logarithms (no bounds).
A customer is ``x`` repeat purchases (frequency), ``t_x`` the time of the last one from
the first purchase (recency) and ``T`` the time from the first purchase to the end of the
calibration period (age), all in the chosen time unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

from guanxi.errors import ValidationError

Array = np.ndarray

# A parameter beyond e^±RUN_OFF (a million, on data scaled to its mean) has run off to
# the boundary: the likelihood has no interior maximum (no heterogeneity to fit).
RUN_OFF = np.log(1e6)


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = 0.0

    def as_dict(self) -> dict[str, float]:
        """The parameters and the log-likelihood, as stored in ``ModelFit.params``."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b,
                "bgnbd_log_likelihood": self.log_likelihood}


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, γ)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = 0.0

    def as_dict(self) -> dict[str, float]:
        """The parameters and the log-likelihood, as stored in ``ModelFit.params``."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma,
                "gg_log_likelihood": self.log_likelihood}

    @property
    def population_mean(self) -> float:
        """E[M] of a customer with no repeat purchase: γp / (q − 1) (needs q > 1)."""
        return self.gamma * self.p / (self.q - 1.0)


# --- BG/NBD -------------------------------------------------------------------------


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, T: Array
) -> Array:
    """Each customer's log-likelihood (Fader, Hardie & Lee 2005, eq. 6):

    L = B(a, b + x)/B(a, b) · Γ(r + x) α^r / (Γ(r) (α + T)^(r + x))
        + δ_{x>0} · B(a + 1, b + x − 1)/B(a, b) · Γ(r + x) α^r / (Γ(r) (α + t_x)^(r + x))

    taken as ln of A1·(A3 + δ A4) with the common factors pulled out, as in the paper's
    spreadsheet note: ln L = A1 + A2 + ln(e^A3 + δ e^A4).
    """
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # ln(a) − ln(b + x − 1) is undefined for x = 0; those customers have no A4 term.
    a4 = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def bgnbd_gradient(
    r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, T: Array
) -> Array:
    """d ln L / d(r, α, a, b) per customer (4 × n), differentiating eq. 6 term by term:
    with w the share of the A4 term in e^A3 + δ e^A4,

    ∂/∂r = ψ(r + x) − ψ(r) + ln α − (1 − w) ln(α + T) − w ln(α + t_x)
    ∂/∂α = r/α − (r + x) [(1 − w)/(α + T) + w/(α + t_x)]
    ∂/∂a = ψ(a + b) − ψ(a + b + x) + w/a
    ∂/∂b = ψ(a + b) + ψ(b + x) − ψ(b) − ψ(a + b + x) − w/(b + x − 1)
    """
    repeat = x > 0
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    w = np.exp(a4 - np.logaddexp(a3, a4))
    common = digamma(a + b) - digamma(a + b + x)
    return np.stack([
        digamma(r + x) - digamma(r) + np.log(alpha) - (1 - w) * np.log(alpha + T)
        - w * np.log(alpha + t_x),
        r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + t_x)),
        common + w / a,
        common + digamma(b + x) - digamma(b) - w / np.where(repeat, b + x - 1, 1.0),
    ])


def fit_bgnbd(x: Array, t_x: Array, T: Array, weights: Array | None = None) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for the customers ``(x, t_x, T)``.

    ``weights`` counts identical customers (the fit groups them, which makes it faster).
    Raises :class:`ValidationError` (field ``model``) if the optimiser does not converge.
    """
    w = np.ones_like(x, dtype=float) if weights is None else weights
    total = float(w.sum())
    # α has the time unit's scale: fit in units of the mean age, so that days and weeks
    # fit alike and "ran off" means the same thing for both; α is scaled back after.
    scale = max(float(np.average(T, weights=w)), 1e-9)
    t_x, T = t_x / scale, T / scale

    def objective(theta: Array) -> tuple[float, Array]:
        params = np.exp(theta)
        value = np.dot(w, bgnbd_log_likelihood(*params, x, t_x, T))
        # Chain rule into log space: d/dθ = parameter × d/dparameter.
        gradient = bgnbd_gradient(*params, x, t_x, T) @ w * params
        return -float(value) / total, -gradient / total

    theta, value = _minimise(objective, np.zeros(4), "BG/NBD")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    # Rescaling α multiplies every customer's likelihood by scale^(−x): the LL moves too.
    return BgNbd(r, alpha * scale, a, b,
                 float(-value * total - np.dot(w, x) * np.log(scale)))


def expected_purchases_unconditional(model: BgNbd, t: Array) -> Array:
    """E[X(t)] for a customer who made a first purchase ``t`` units ago (eq. 9):

    E[X(t)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · 2F1(r, b; a + b − 1; t/(α + t))]
    """
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    t = np.asarray(t, dtype=float)
    hyp = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * hyp)


def p_alive(model: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    """P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x)).

    A customer with no repeat purchase is alive with probability 1: in the BG/NBD a
    customer can only drop out right after a purchase (Fader, Hardie & Lee 2008 note).
    """
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    repeat = x > 0
    log_ratio = (
        np.log(a) - np.log(np.where(repeat, b + x - 1.0, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    # 1/(1 + e^z) = expit(−z), computed stably for large z.
    odds = np.where(repeat, log_ratio, -np.inf)
    return np.exp(-np.logaddexp(0.0, odds))


def expected_purchases(model: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` units (eq. 10):

    (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r + x)
        · 2F1(r + x, b + x; a + b + x − 1; t/(α + T + t))] · P(alive | x, t_x, T)
    """
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if t <= 0:
        return np.zeros_like(np.asarray(x, dtype=float))
    hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, t / (alpha + T + t))
    head = (a + b + x - 1.0) / (a - 1.0)
    body = 1.0 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
    return head * body * p_alive(model, x, t_x, T)


# --- Gamma-Gamma --------------------------------------------------------------------


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, x: Array, m: Array) -> Array:
    """Each repeat buyer's log-likelihood of the mean spend ``m`` of ``x`` purchases:

    f(m̄ | p, q, γ, x) = Γ(px + q)/(Γ(px) Γ(q)) · γ^q m̄^(px − 1) x^(px) / (γ + m̄x)^(px + q)
    """
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x))


def gamma_gamma_gradient(p: float, q: float, gamma: float, x: Array, m: Array) -> Array:
    """d ln f / d(p, q, γ) per repeat buyer (3 × n):

    ∂/∂p = x [ψ(px + q) − ψ(px) + ln m̄ + ln x − ln(γ + m̄x)]
    ∂/∂q = ψ(px + q) − ψ(q) + ln γ − ln(γ + m̄x)
    ∂/∂γ = q/γ − (px + q)/(γ + m̄x)
    """
    px = p * x
    both = digamma(px + q)
    spread = np.log(gamma + m * x)
    return np.stack([
        x * (both - digamma(px) + np.log(m) + np.log(x) - spread),
        both - digamma(q) + np.log(gamma) - spread,
        q / gamma - (px + q) / (gamma + m * x),
    ])


def fit_gamma_gamma(x: Array, m: Array) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters over repeat buyers (x > 0, m > 0)."""
    # γ has the currency's scale: fit in units of the mean spend (as for α above).
    scale = max(float(np.mean(m)), 1e-9)
    m = m / scale
    n = float(len(x))

    def objective(theta: Array) -> tuple[float, Array]:
        params = np.exp(theta)
        value = np.sum(gamma_gamma_log_likelihood(*params, x, m))
        gradient = gamma_gamma_gradient(*params, x, m).sum(axis=1) * params
        return -float(value) / n, -gradient / n

    theta, value = _minimise(objective, np.zeros(3), "Gamma-Gamma")
    p, q, gamma = (float(v) for v in np.exp(theta))
    # The density of m̄ in currency units is the scaled one divided by the scale.
    return GammaGamma(p, q, gamma * scale, float(-value * n - n * np.log(scale)))


def expected_spend(model: GammaGamma, x: Array, m: Array) -> Array:
    """E[M | p, q, γ, m̄, x] = (q − 1)/(px + q − 1) · γp/(q − 1) + px/(px + q − 1) · m̄
    = p(γ + m̄x)/(px + q − 1): a weighted mean of the population mean and the customer's
    own mean (m̄ is ignored when x = 0, leaving the population mean γp/(q − 1))."""
    p, q, gamma = model.p, model.q, model.gamma
    m = np.where(x > 0, np.nan_to_num(m), 0.0)
    return p * (gamma + m * x) / (p * x + q - 1.0)


# --- the optimiser ------------------------------------------------------------------


def _minimise(
    objective: Callable[[Array], tuple[float, Array]], start: Array, name: str
) -> tuple[Array, float]:
    """BFGS with the analytic gradient on the mean negative log-likelihood, in
    log-parameter space. BFGS often ends with "precision loss" at the optimum, so the
    test is the gradient itself; if it is not near zero, Nelder-Mead carries on from
    there. A result that is not finite, or that runs off to 0 or infinity, is refused."""
    with np.errstate(all="ignore"):
        result = minimize(objective, start, jac=True, method="BFGS",
                          options={"gtol": 1e-10, "maxiter": 2000})
        theta, value = result.x, float(result.fun)
        if not np.all(np.abs(objective(theta)[1]) < 1e-7):
            polish = minimize(lambda t: objective(t)[0], theta, method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000})
            if polish.fun < value:
                theta, value = polish.x, float(polish.fun)
        if not (np.all(np.isfinite(theta)) and np.isfinite(value)) or np.any(
            np.abs(theta) > RUN_OFF
        ):
            raise ValidationError(
                "model", f"the {name} fit did not converge (parameters ran off to 0 or "
                "infinity): the purchase history is too thin or too regular to fit"
            )
    return theta, value
