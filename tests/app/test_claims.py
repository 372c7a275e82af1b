"""AppTest: every demo page shows its claim box at its defaults and at one other setting, the claim's
verdict follows the settings, and a predict-then-reveal step says right or wrong correctly."""

import pytest

from devtools.apptest import by_key, no_exception, open_page
from zo_core import claims

PAGES = [
    ("pages/landscapes.py", {}, {"landscape": "rosenbrock"}),
    ("pages/gradient_estimators.py", {}, {"ge_precision": "float32", "landscape": "quadratic"}),
    ("pages/estimator_variance.py", {}, {"ev_scheme": "one-point", "ev_method": "sphere", "ev_d": "10"}),
    ("pages/smoothing.py", {}, {"sm_law": "gaussian", "sm_t": "-10", "landscape": "himmelblau"}),
    ("pages/algorithms_race.py", {}, {"ar_t": "3", "ar_budget": "500"}),
    ("pages/theory.py", {}, {"th_poly": "x^2 + 3*y^2", "th_method": "sphere"}),
    ("pages/adversarial_attack.py", {}, {"aa_method": "zoo", "aa_budget": "300"}),
    ("pages/hyperparameter_tuning.py", {}, {"ht_budget": "30", "ht_dataset": "friedman"}),
    ("pages/mezo.py", {}, {"mz_method": "adam"}),
]


def _claims(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(":material/lightbulb:")]


def _predicts(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(":material/help: **Predict.**")]


@pytest.mark.parametrize("page,defaults,other", PAGES, ids=[p[0].split("/")[1][:-3] for p in PAGES])
def test_every_page_shows_one_claim_and_predict_steps(page, defaults, other):
    seen = []
    for params in (defaults, other):
        at = open_page(page, params=params, timeout=300)
        no_exception(at)
        found = _claims(at)
        assert len(found) == 1, found
        assert any(ch.isdigit() for ch in found[0])        # live numbers, not a fixed sentence
        assert 1 <= len(_predicts(at)) <= 3
        assert all(r.index is None and r.value is None for r in at.radio if r.key.endswith("_choice"))
        seen.append(found[0])
    assert seen[0] != seen[1]                              # the numbers follow the settings


def test_smoothing_claim_verdict_follows_the_settings():
    at = open_page("pages/smoothing.py", params={"sm_law": "gaussian", "sm_mu": "0.05", "sm_t": "20"})
    text = _claims(at)[0]
    B = claims.basins("sharp_flat", 20.0, at.session_state["sm_mu"], at.session_state["sm_rho"], "gaussian")
    assert B["mean_winner"] == "sharp" and B["tilted_winner"] == "flat"
    assert f"{B['mean'][0]:.3g}" in text and f"{B['mean'][1]:.3g}" in text
    assert "(the sharp well wins" in text and "so the flat well wins." in text
    at = open_page("pages/smoothing.py", params={"sm_law": "gaussian", "sm_mu": "0.05", "sm_t": "0"})
    text = _claims(at)[0]
    assert "tilting does not change the verdict" in text and "so the sharp well wins" in text


def _reveal(at, key: str, option: str):
    by_key(at.radio, f"{key}_choice").set_value(option).run()
    by_key(at.button, f"{key}_reveal").click().run()
    no_exception(at)
    return at


def test_predict_then_reveal_right_wrong_and_reset():
    at = open_page("pages/smoothing.py")
    assert by_key(at.button, "sm_p_monotone_reveal").disabled          # nothing chosen yet
    assert not at.success and not at.warning
    _reveal(at, "sm_p_monotone", "it only shrinks")                      # wrong: L_t is non-decreasing in t
    assert not at.success
    wrong = [w.value for w in at.warning if "Not quite" in w.value]
    assert len(wrong) == 1 and "“it only grows”" in wrong[0] and "non-decreasing" in wrong[0]
    by_key(at.button, "sm_p_monotone_reset").click().run()              # Try again: back to no choice
    assert by_key(at.radio, "sm_p_monotone_choice").value is None
    assert not [w for w in at.warning if "Not quite" in w.value]
    _reveal(at, "sm_p_monotone", "it only grows")
    right = [s.value for s in at.success]
    assert len(right) == 1 and right[0].startswith("Right.") and "$L_{-20}$" in right[0]


def test_predict_answer_is_computed_from_the_settings():
    # doubling ρ = 0.126 (ball) to 0.252: the mean then prefers the flat well; the page's answer says so
    at = open_page("pages/smoothing.py")
    B2 = claims.basins("sharp_flat", 20.0, 2 * at.session_state["sm_mu"], 2 * at.session_state["sm_rho"], "ball")
    answer = {"sharp": "the sharp well", "flat": "the flat well"}[B2["mean_winner"]]
    _reveal(at, "sm_p_radius", answer)
    assert [s.value for s in at.success][0].startswith("Right.")
    assert f"{B2['mean'][1]:.3g}" in at.success[0].value
