"""Theory: the estimators' Taylor expansions and exact expectations, derived with sympy for your polynomial."""

import streamlit as st

from ui import claims as claims_ui
from ui import figures, lecture, sidebar, urlstate
from ui.text import code_span, escape_markdown
from zo_core import claims, theory

settings = sidebar.settings()

st.title("Theory")
st.markdown(
    "Type a polynomial in $x$ and $y$. sympy expands $f(x + \\mu u)$, then takes **exact** expectations "
    "over $u \\sim N(0, I_2)$ with the Gaussian moments $\\mathbb{E}\\,u_i^{k} = (k-1)!!$ for even $k$ "
    "and $0$ for odd $k$. Nothing is sampled on this page."
)

c1, c2 = st.columns([3, 1])
text = urlstate.text("Polynomial f(x, y)", "th_poly", default=theory.DEFAULT_POLYNOMIAL, max_chars=120, where=c1,
                     help="Numbers, x, y, + - * / ^ and parentheses; degree at most 4, at most 10 terms. "
                          "The text is parsed by a whitelist parser, never evaluated.")
method = urlstate.choice("Directions", "th_method", ["gaussian", "sphere"], default="gaussian", widget="segmented",
                         where=c2, help="sphere: u uniform on the unit circle, scaled by φ = d = 2.")


def derivation(text: str, method: str) -> theory.Derivation:
    """theory.derive, cached per process in zo_core (filled at start-up for the default polynomial)."""
    with st.spinner("Deriving…"):
        return theory.derive(text, method=method)


_LAST = "_th_last_good"
try:
    der = derivation(text, method)
    st.session_state[_LAST] = (text, method)
except ValueError as err:
    message, _, where = str(err).partition("\n")
    st.error(f"This polynomial cannot be used: {escape_markdown(message)}", icon=":material/error:")
    if where:   # the parser's caret under the offending character; st.code shows it as plain text
        st.code(where, language=None)
    last = st.session_state.get(_LAST, (theory.DEFAULT_POLYNOMIAL, method))
    st.caption(f"Showing the last polynomial that worked: {code_span(last[0])}.")
    der = derivation(*last)

st.latex("f(x, y) = " + der.f)

st.subheader("1. Taylor expansion along a direction u")
st.markdown("Every estimator is built from $f(x + \\mu u)$. Expanding in powers of $\\mu$ "
            "(up to $\\mu^3$; exact for cubics):")
st.latex(r"f(x+\mu u) = f(x) + \mu\, u^\top \nabla f(x) + \tfrac{\mu^2}{2}\, u^\top \nabla^2 f(x)\, u "
         r"+ \tfrac{\mu^3}{6}\, \nabla^3 f(x)[u,u,u] + \dots")
st.latex(der.taylor)

st.subheader("2. Forward is O(μ), central is O(μ²)")
st.markdown("For one direction, subtract the exact directional estimate $(u^\\top\\nabla f)\\,u$. "
            "In the forward difference the $\\mu^2$ term of the expansion survives, divided by $\\mu$: an error "
            "of order $\\mu$. In the central difference the even terms cancel, so the error starts at $\\mu^2$.")
for scheme, label in (("forward", r"\frac{f(x+\mu u) - f(x)}{\mu}u"), ("central", r"\frac{f(x+\mu u) - f(x-\mu u)}{2\mu}u")):
    terms = der.remainder[scheme]
    st.latex(label + r" - (u^\top \nabla f)\,u = " + (" + ".join(terms) if terms else "0"))
st.markdown("With coordinate directions $u = e_i$ the same terms are the bias of finite differences:")
for scheme in ("forward", "central"):
    order = der.coordinate_order[scheme]
    terms = der.coordinate[scheme]
    st.latex(rf"\text{{coordinate {scheme}: }} g - \nabla f = " + (" + ".join(terms) if terms else "0"))
    st.caption(f"Coordinate {scheme}: " + (f"bias of order μ^{order}." if order is not None
                                            else "exact for this polynomial (no bias at any μ)."))

st.subheader(f"3. Exact expectations ({method} directions)")
st.markdown("Averaging over $u$ kills every odd power of $u$. All three schemes have the **same** mean, "
            "the gradient of the smoothed function $f_\\mu(x) = \\mathbb{E} f(x + \\mu u)$:")
for scheme in ("forward", "central", "one-point"):
    st.latex(rf"\text{{{scheme}: }}\ " + der.means[scheme])
terms = der.biases["central"]
st.latex(r"\mathbb{E}\,g - \nabla f = " + (" + ".join(terms) if terms else "0")
         + r"\qquad \text{(only even powers of } \mu\text{: } \nabla f_\mu - \nabla f)")

st.subheader("4. Why the one-point estimator's variance is infinite as μ → 0")
st.markdown("The one-point estimate $\\frac{\\phi}{\\mu} f(x+\\mu u)\\,u$ keeps $f(x)/\\mu \\cdot u$, which has "
            "mean zero but a second moment that grows like $1/\\mu^2$:")
st.latex(der.one_point_second_moment)
st.latex(r"\lim_{\mu\to 0} \mu^2\, \mathbb{E}\,\|g\|^2 = " + der.one_point_blowup
         + (r" = d\, f(x)^2" if method == "gaussian" else r" = d^2 f(x)^2"))
st.caption("Unless f(x) = 0, E‖g‖² → ∞ as μ → 0: two-point schemes subtract f(x) and stay bounded.")

st.subheader("5. In d dimensions: closed forms and the Nesterov–Spokoiny bound")
st.markdown("On a quadratic $f = \\tfrac12 x^\\top A x + b^\\top x + c$ with $g_0 = \\nabla f(x)$ and "
            "$S = (\\operatorname{tr} A)^2 + 2\\operatorname{tr}(A^2)$, one Gaussian direction gives "
            "(`zo_core.theory.moments`):")
st.latex(r"\mathbb{E}\|g\|^2 = (d+2)\|g_0\|^2 \ \text{(central)},\qquad "
         r"(d+2)\|g_0\|^2 + \tfrac{\mu^2}{4}(d+4)\,S \ \text{(forward)}")
st.latex(r"\mathbb{E}\|g\|^2 = \frac{d\,f(x)^2}{\mu^2} + (d+2)\left(\|g_0\|^2 + f(x)\operatorname{tr}A\right)"
         r" + \tfrac{\mu^2}{4}(d+4)\,S \ \text{(one-point)}")
st.markdown("Nesterov and Spokoiny bound the forward estimator for any $f$ with an $L_1$-Lipschitz gradient: "
            "$\\mathbb{E}\\|g\\|^2 \\le 2(d+4)\\|\\nabla f\\|^2 + \\tfrac{\\mu^2}{2} L_1^2 (d+6)^3$.")
bound_mu = urlstate.log_slider("μ for the bound", "th_mu", bound="th_mu", default=0.1, per_decade=3)
figures.show("bounds_vs_dim", key="th_bounds", mu=float(bound_mu), projector=settings.projector,
             caption="The bound stays above the exact value at every d. For large d the curvature term wins: "
                     "tr(A) grows with d, so both grow like μ² d³. Move μ down to see the 2(d+4)‖∇f‖² regime.")

# The lecture's claim for this polynomial and μ, and its prompts as predict-then-reveal steps.
def _order(k) -> str:
    return "exact (no bias)" if k is None else ("of order μ" if k == 1 else f"of order μ^{k}")


G = claims.bound_gap(float(bound_mu), 100)
order = der.coordinate_order
claims_ui.claim(
    f"For this polynomial, coordinate forward differences are {_order(order['forward'])}, central ones "
    f"{_order(order['central'])}. On the d = 100 quadratic at μ = {bound_mu:.3g} the Nesterov–Spokoiny bound is "
    f"{G['bound']:.3g} against the exact $\\mathbb E\\|g\\|^2$ = {G['exact']:.3g}: {G['ratio']:.3g}× the true value, "
    "a worst case over all f with that curvature, not a prediction.")
central = order["central"]
claims_ui.predict(
    "th_p_order", "Before reading section 2: for the polynomial above, what is the lowest power of μ in the "
    "bias of the coordinate central difference?",
    ["μ", "μ²", "μ³ or higher, or no bias at all"], 0 if central == 1 else (1 if central == 2 else 2),
    f"Central differences here are {_order(central)} (forward: {_order(order['forward'])}). The even terms of "
    "the expansion cancel between f(x + μ e_i) and f(x − μ e_i), so the bias starts at μ² times the third "
    "derivative: a polynomial of degree ≤ 2 has none.")
G4 = claims.bound_gap(float(bound_mu), 1000)
claims_ui.predict(
    "th_p_bound", f"At μ = {bound_mu:.3g} and d = 1,000, which term of the bound is larger?",
    ["the gradient term 2(d+4)‖∇f‖²", "the curvature term μ² L₁² (d+6)³ / 2"], int(G4["curvature_dominates"]),
    f"Gradient term {G4['gradient_term']:.3g}, curvature term {G4['curvature_term']:.3g} (exact value "
    f"{G4['exact']:.3g}). The curvature term grows like μ² d³, so it wins in high dimension unless μ is tiny.")

lecture.footer(__file__, theory.expectation, theory.gaussian_expectation)
