"""Notebook 02 (Th2 inflammation): every number its prose, key points and worked solutions quote,
recomputed from course_lib (models, data, stats), and a guard for each class of issue-13 bug it had.

Each test names the notebook section it guards. The notebook itself holds no ``assert``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from course_lib import data, stats
from course_lib.exercises import nb02 as ex
from course_lib.explorers import th2 as explorers
from course_lib.figures import nb02 as figures
from course_lib.models import th2

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_th2_inflammation.ipynb"
P = th2.Params()
Q2W, PLACEBO = ex.Q2W, ex.PLACEBO


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"])


def markdown() -> str:
    return "\n\n".join(_src(c) for c in _cells() if c["cell_type"] == "markdown")


def section(number: int) -> str:
    """The markdown of numbered section ``number`` (up to the next numbered section or Key points)."""
    md = markdown()
    start = re.search(rf"^## {number}\. ", md, re.M)
    assert start, f"notebook 02 has no section {number}"
    end = re.search(r"^## (\d+\. |Key points)", md[start.end():], re.M)
    return md[start.start(): start.end() + end.start()] if end else md[start.start():]


def key_points() -> str:
    md = markdown()
    return md[md.index("## Key points"): md.index("## What next")]


def prose() -> str:
    """Markdown without the folded <details> blocks and the references."""
    md = re.sub(r"<details>.*?</details>", "", markdown(), flags=re.S)
    return md.split("## References")[0]


def _pct(x):
    return f"{100 * x:.1f}"


# ----------------------------------------------------------------- section 1: the loop diagram

def test_section1_loop_diagram_labels_do_not_cross_their_arrows():
    """Section 1 (issue 13): the label "alarmins (TSLP, ...)" was drawn across its vertical arrow."""
    for (x0, y0), (x1, y1), text, where in figures.LOOP_ARROWS:
        if not text:
            continue
        tx, ty, ha = where
        if x0 == x1:   # a vertical arrow: its label sits beside it, aligned away from it
            assert (tx > x0 and ha == "left") or (tx < x0 and ha == "right"), text


def test_section1_loop_diagram_and_key_points_name_the_same_loops():
    """Section 1 and Key points (issue 13): the key points' loops are the routes the figure names."""
    _, description = figures.loop_diagram()
    kp = key_points()
    for phrase in ("route 1", "route 2", "self-amplification"):
        assert phrase in description and phrase in kp and phrase in section(1), phrase
    assert "scratching damages" in description and "slow barrier repair" in description


def test_section1_every_uncited_arrow_is_called_an_assumption():
    """Section 1 evidence box and Key points (review): self-amplification is drawn in the diagram but no source
    is cited for it; like the scratch arrows it is named as an assumption, in the box and in the key points."""
    box = section(1)[section(1).index("Evidence box"):]
    assert "scratch arrows (itch → scratching → barrier damage) and self-amplification we cite no measurement" in box
    assert "the scratch arrows and self-amplification are assumptions" in key_points()


def test_core_sections_do_not_rely_on_going_further():
    """Core sections 1-5 (review): a core learner meets conjunctivitis only in section 5's "does not show"; it
    says there that conjunctivitis is a side effect of dupilumab, not only "section 9"."""
    assert "Why conjunctivitis, dupilumab's characteristic side effect, occurs (section 9)" in section(5)
    assert "- In the model (section 7), an input that only lowers inflammation" in key_points()


def test_section2_nullcline_is_linked_where_the_lines_are_explained():
    """Section 2 (review): hints, a worked solution and the explorer legend say "nullcline"; the word is linked to
    the glossary where the phase plane's two lines are first explained."""
    assert "solid [nullcline](glossary.md#nullcline) (inflammation stops changing)" in section(2)
    glossary = (NOTEBOOK.parent / "glossary.md").read_text(encoding="utf-8")
    assert '<a id="nullcline"></a>**Nullcline.**' in glossary


# ----------------------------------------------------------------- section 2: two stable states

def test_section2_default_has_controlled_threshold_and_inflamed_states():
    """Section 2: the table shows two stable states with a threshold between them."""
    ss = th2.steady_states(P)
    assert list(ss["kind"]) == ["controlled", "threshold", "inflamed"]
    assert list(ss["stable"]) == [True, False, True]


def test_section2_think_barrier_start_decides():
    """Section 2, Think! answer: from (0.30, 0.60) the skin ends inflamed, from (0.30, 0.80) controlled."""
    assert explorers.phase_plane_explorer().params.i0 == 0.3 and explorers.phase_plane_explorer().params.b0 == 0.6
    assert th2.final_state(P.replace(i0=0.3, b0=0.6)) == "inflamed"
    assert th2.final_state(P.replace(i0=0.3, b0=0.8)) == "controlled"
    assert "From (0.30, 0.60) the model skin ends inflamed; from (0.30, 0.80) it ends controlled" in section(2)


def test_section2_phase_plane_says_itch_is_held_at_its_steady_value():
    """Section 2 (issue 13): the phase plane shows two of three variables; the text and the explorer's
    description say itch is held at its steady value, which is what the nullclines compute."""
    assert "itch is held at its steady value" in section(2)
    assert "held at its steady value" in explorers.phase_plane_explorer().description
    nc = th2.nullclines(P, n=50)
    i = nc["inflammation"].to_numpy()
    # dB/dt = 0 on the barrier nullcline with itch S = I^2 / (K_S^2 + I^2)
    s = th2.initial_itch(i)
    rates = np.array([th2.rhs(0, (x, b, si), P, P.p_env, 0, 0)[1] for x, b, si in zip(i, nc["barrier_nullcline"], s)])
    assert np.abs(rates).max() < 1e-12


def test_jacobian_and_eigenvalues_only_in_folded_for_the_curious_blocks():
    """Issue 12 item 4: plain words for stability; the Jacobian and eigenvalues only in a folded block."""
    text = prose()
    assert not re.search(r"(?i)jacobian|eigenvalue", text)
    assert re.search(r"<summary>For the curious: how stability is computed</summary>.*?Jacobian.*?eigenvalues",
                     markdown(), re.S)


def test_one_wording_for_model_time():
    """Sections 2 and 7 (issue 13): "time is in days" vs "arbitrary model units": one wording, model days."""
    md = markdown()
    assert not re.search(r"(?i)time is in days|arbitrary", md)
    assert "Time is counted in **model days**" in section(2)
    assert "model days" in section(7) and "model days" in key_points()
    assert "model days" in explorers.treatment_explorer().description
    assert "arbitrary" not in explorers.treatment_explorer().description


# ----------------------------------------------------------------- section 3: a trigger (Exercise 1)

def test_section3_exercise1_shortest_trigger():
    """Section 3, Exercise 1 and its worked solution: 1 or 2 days at load 2 come back, 3 stay; 5 at load 1.5."""
    assert ex.shortest_trigger_days(2.0) == 3
    assert th2.final_state(ex.trigger_params(2.0, 2)) == "controlled"
    assert ex.shortest_trigger_days(1.5) == 5
    sol = section(3)
    assert "With 1 or 2 days the skin comes back; with 3 it stays inflamed" in sol
    assert "At load 1.5 it takes 5 days" in sol


def test_section3_explorer_default_trigger_comes_back():
    """Section 3: the explorer starts with a trigger (load 1.5, 3 days) after which the skin comes back."""
    trig = explorers.trigger_explorer()
    assert th2.final_state(trig.params) == "controlled"


# ----------------------------------------------------------------- section 4: SOLO pooled set (Exercise 2)

def _pooled():
    counts = ex.solo_counts()
    (dc, dn), (pc, pn) = counts[Q2W], counts[PLACEBO]
    return dc, dn, pc, pn


def test_section4_pooled_counts_and_rates():
    """Section 4 and 5: 171 of 449 vs 47 of 443 reach IGA 0/1: 38.1% vs 10.6%; 278 of 449 did not."""
    dc, dn, pc, pn = _pooled()
    assert (dc, dn, pc, pn) == (171, 449, 47, 443)
    assert _pct(dc / dn) == "38.1" and _pct(pc / pn) == "10.6"
    assert dn - dc == 278
    assert "(171 of 449 on dupilumab, 47 of 443 on placebo)" in section(4)
    assert "(278 of 449)" in section(4)


def test_section4_reading_the_numbers_after_exercise2():
    """Section 4 "Reading the numbers" and Key points: RR about 3.6 ("times as high", not "times higher", which
    would mean 4.6 times as high), 27 points, NNT 3.6 (3.0 to 4.5)."""
    dc, dn, pc, pn = _pooled()
    rd = stats.risk_difference(dc, dn, pc, pn)
    rr = stats.risk_ratio(dc, dn, pc, pn)
    nnt = stats.number_needed_to_treat(dc, dn, pc, pn)
    assert f"{rr.estimate:.1f}" == "3.6" and round(100 * rd.estimate) == 27
    assert f"{nnt.nnt:.1f}" == "3.6" and (f"{nnt.ci_low:.1f}", f"{nnt.ci_high:.1f}") == ("3.0", "4.5")
    text = section(4)
    assert "about 3.6 times as high, an extra 27 percentage points" in text
    assert "times higher" not in markdown()
    assert "**NNT about 3.6** (95% CI 3.0 to 4.5)" in text
    assert "NNT about 3.6 (95% CI 3.0 to 4.5)" in key_points()
    assert "38.1% vs 10.6%" in key_points()


def test_section4_worked_solution_numbers():
    """Section 4, Exercise 2's worked solution: 0.381, 0.106, 0.275 and 3.64."""
    dc, dn, pc, pn = _pooled()
    text = section(4)
    assert f"{dc / dn:.3f}" == "0.381" and f"{pc / pn:.3f}" == "0.106" and f"{dc / dn - pc / pn:.3f}" == "0.275"
    assert "NNT = 1 / 0.275 = 3.64" in text and f"{1 / (dc / dn - pc / pn):.2f}" == "3.64"


def test_section4_nnt_is_not_shown_before_it_is_asked():
    """Section 4 (issue 12/13): the NNT was printed a cell before the question asked for it. Nothing before
    the NNT question's check cell computes or states it."""
    cells = _cells()
    ask_at = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and 'ask("02.nnt"' in _src(c))
    before = cells[:ask_at]
    for c in before:
        text = _src(c)
        if c["cell_type"] == "code":
            assert not re.search(r"number_needed_to_treat|risk_difference|risk_ratio|\bnnt\b", text), text
        else:
            assert not re.search(r"\b3\.6\d?\b|\b0\.27\d?\b|\b27\b", text), text[:200]


# ----------------------------------------------------------------- section 5 and 9: the SOLO trials

def _by_trial():
    by_trial = data.load("dupilumab_solo_by_trial")
    by_trial["pct"] = 100 * by_trial["events"] / by_trial["n"]
    return by_trial


def _range(by_trial, outcome, arm):
    values = by_trial.query("outcome == @outcome and arm == @arm")["published_pct"]
    return f"{values.min():g}–{values.max():g}"


def test_section9_counts_give_the_published_percentages():
    """Section 9: each reconstructed arm count gives its published percentage (within rounding)."""
    by_trial = _by_trial()
    assert ((by_trial["pct"] - by_trial["published_pct"]).abs() <= 0.5).all()


def test_sections5_and_9_primary_ranges():
    """Sections 5 and 9 and Key points: 36–38% vs 8–10% (IGA 0/1), 44–51% vs 12–15% (EASI-75)."""
    by_trial = _by_trial()
    assert _range(by_trial, "iga_0_or_1", Q2W) == "36–38" and _range(by_trial, "iga_0_or_1", PLACEBO) == "8–10"
    assert _range(by_trial, "easi_75", Q2W) == "44–51" and _range(by_trial, "easi_75", PLACEBO) == "12–15"
    assert "36–38% of adults vs 8–10% on placebo" in section(5)
    assert "36–38 % of people on dupilumab every 2 weeks reached IGA 0/1, against 8–10 %" in section(9)
    assert "44–51 % against 12–15 % reached EASI-75" in section(9)
    assert "36–38% on dupilumab every 2 weeks vs 8–10% on placebo" in key_points()


def test_section9_primary_and_pooled_counts():
    """Section 9: primary analyses 169 of 457 and 43 of 460; the pooled set analysed 449 and 443, counted 171 and 47."""
    primary = _by_trial().query("outcome == 'iga_0_or_1'").groupby("arm")[["events", "n"]].sum()
    assert (int(primary.loc[Q2W, "events"]), int(primary.loc[Q2W, "n"])) == (169, 457)
    assert (int(primary.loc[PLACEBO, "events"]), int(primary.loc[PLACEBO, "n"])) == (43, 460)
    assert _pooled() == (171, 449, 47, 443)
    assert ("reconstructed primary counts are 169 of 457 (dupilumab every 2 weeks) and 43 of 460 (placebo)"
            in section(9)
            and "analysed 449 and 443 and counted 171 and 47" in section(9))


def test_section9_not_clear_outcomes_favour_dupilumab_and_are_split_by_unit():
    """Section 9 (issue 13): the "not clear" chart put % change and % of patients on one axis; now two panels.
    Every outcome favours dupilumab, every P < 0.001."""
    missed = data.load("dupilumab_solo_iga_above_1")
    change = missed.query("unit == '% change'")
    share = missed.query("unit == '% of patients'")
    assert (change["dupilumab_value"] < change["placebo_value"]).all()
    assert (share["dupilumab_value"] > share["placebo_value"]).all()
    assert (missed["p_value_below"] == 0.001).all()
    fig, description = figures.not_clear_outcomes(missed)
    left, right = fig.axes[:2]
    assert "% change" in left.get_xlabel() and "% of patients" in right.get_xlabel()
    assert [t.get_text() for t in left.get_yticklabels()] == list(change["outcome"])
    assert [t.get_text() for t in right.get_yticklabels()] == list(share["outcome"])
    assert "Left panel" in description and "Right panel" in description


# ----------------------------------------------------------------- section 6: inside the model (Exercise 3)

def test_section6_two_starts_end_at_the_two_stable_states():
    """Section 6: the two runs end at the controlled and inflamed states of section 2."""
    ss = th2.steady_states(P)
    calm = th2.simulate(P.replace(i0=0.05, b0=0.9), days=100)["inflammation"].iloc[-1]
    flare = th2.simulate(P.replace(i0=1.0, b0=0.3), days=100)["inflammation"].iloc[-1]
    assert abs(calm - ss["inflammation"].iloc[0]) < 1e-3 and abs(flare - ss["inflammation"].iloc[2]) < 1e-3


def test_section6_exercise3_one_state_at_load_half():
    """Section 6, Exercise 3: one steady state, the controlled one, at load 0.5."""
    ss = th2.steady_states(P.replace(p_env=0.5))
    assert list(ss["kind"]) == ["controlled"]


def test_section6_equation_symbols_match_the_model_constants():
    """Section 6: the symbol table's fixed constants are the model's."""
    text = section(6)
    for name, value in (("K_P", th2.K_P), ("K_I", th2.K_I), ("DELTA_I", th2.DELTA_I), ("K_S", th2.K_S)):
        assert f"`th2.{name}` = {value:g} (fixed)" in text
    # every slider parameter the equations use is in the table
    for name in ("p_env", "gamma_b", "k_in", "k_amp", "topical", "il4ra", "k_b", "gamma_i", "emollient",
                 "delta_b", "delta_s", "tau_s"):
        assert f"`{name}`" in text, name


def _first_day_past_halfway(run, col, start, end):
    """First model day on which ``col`` has covered half the way from ``start`` to ``end``."""
    half = (start + end) / 2
    past = (run[col] <= half) if end < start else (run[col] >= half)
    return float(run.loc[past, "day"].iloc[0])


def test_section6_think_inflammation_falls_first_itch_follows_barrier_last():
    """Section 6 Think! answer (review): the old text said "itch falls first" although itch follows inflammation.
    After a 4-day topical input from the inflamed state, inflammation passes half-way first, itch a little later
    (within a day), the barrier last, and the barrier needs weeks of model time to come most of the way back."""
    ss = th2.steady_states(P).set_index("kind")
    run = th2.simulate(ex.topical_params(ex.shortest_topical_days()), days=120, points_per_day=24)
    hi, lo = ss.loc["inflamed"], ss.loc["controlled"]
    t_i = _first_day_past_halfway(run, "inflammation", hi["inflammation"], lo["inflammation"])
    t_s = _first_day_past_halfway(run, "itch", hi["itch"], lo["itch"])
    t_b = _first_day_past_halfway(run, "barrier", hi["barrier"], lo["barrier"])
    assert t_i < t_s < t_i + 1 < t_b
    b90 = hi["barrier"] + 0.9 * (lo["barrier"] - hi["barrier"])
    assert float(run.loc[run["barrier"] >= b90, "day"].iloc[0]) - 10 > 21   # weeks after the input starts on day 10
    text = section(6)
    assert "inflammation falls first, itch follows within a fraction of a day, and the barrier recovers last" in text
    assert "itch falls first" not in text


# ----------------------------------------------------------------- section 7: treatment (Exercise 4)

def test_section7_three_day_input_relapses_with_a_weak_barrier():
    """Section 7, Exercise 4's prompt and worked solution: the 3-day input stops at inflammation ~0.12, barrier 0.34."""
    assert th2.final_state(explorers.treatment_explorer().params) == "inflamed"
    assert th2.final_state(ex.topical_params(3)) == "inflamed"
    stop = ex.state_when_topical_stops(3)
    assert f"{stop['inflammation']:.2f}" == "0.12" and f"{stop['barrier']:.2f}" == "0.34"
    assert "inflammation is low (about 0.12) but the barrier is still weak (0.34)" in section(7)


def test_section7_four_days_is_the_shortest_input_that_ends_controlled():
    """Section 7 Think! and Key points (issue 13): the old text said 5 days and "a barrier near 0.8"; in the
    model 4 days suffice, stopping at barrier 0.43, below the controlled (0.82) and threshold (0.62) barriers."""
    assert ex.shortest_topical_days() == 4
    stop = ex.state_when_topical_stops(4)
    ss = th2.steady_states(P).set_index("kind")
    assert f"{stop['inflammation']:.2f}" == "0.09" and f"{stop['barrier']:.2f}" == "0.43"
    assert f"{ss.loc['controlled', 'barrier']:.2f}" == "0.82" and f"{ss.loc['threshold', 'barrier']:.2f}" == "0.62"
    assert stop["barrier"] < ss.loc["threshold", "barrier"]
    text = section(7)
    assert "4 days is the shortest input that ends controlled" in text
    assert "inflammation is about 0.09 and the barrier about 0.43" in text
    assert "controlled state's barrier (0.82)" in text and "threshold state's (0.62)" in text
    assert not re.search(r"5[- ](model )?days?", text), "the shortest input is 4 model days, not 5"
    assert not re.search(r"barrier near 0\.8", markdown() + ex.relapse().explanation)
    assert "3 model days relapse, 4 do not" in key_points()


def test_section7_exercise4_neither_change_alone_ends_controlled():
    """Section 7, Exercise 4's explanation (review): it said "a little more barrier is enough", but the 4-day
    input's barrier with the 3-day input's inflammation still relapses, and so does the reverse. The explanation
    says the two together decide."""
    three, four = ex.state_when_topical_stops(3), ex.state_when_topical_stops(4)
    assert th2.final_state(P.replace(i0=three["inflammation"], b0=four["barrier"])) == "inflamed"
    assert th2.final_state(P.replace(i0=four["inflammation"], b0=three["barrier"])) == "inflamed"
    assert th2.final_state(P.replace(i0=four["inflammation"], b0=four["barrier"])) == "controlled"
    explanation = ex.relapse().explanation
    assert "not either alone" in explanation and "a little more barrier is enough" not in explanation


def test_section7_keep_control_and_continuous_inputs():
    """Section 7: a 3-day input then one day a week ends controlled; continuous inputs leave one state."""
    assert th2.final_state(ex.topical_params(3, weekly=1)) == "controlled"
    assert list(th2.steady_states(P, blockade=0.3)["kind"]) == ["controlled"]
    assert list(th2.steady_states(P, topical=0.5)["kind"]) == ["controlled"]
    assert list(th2.steady_states(P)["kind"]) == ["controlled", "threshold", "inflamed"]


def test_section7_option_c_hint_points_to_what_the_explorer_shows():
    """Section 7, Exercise 4 (issue 13): option C's hint pointed to a panel that shows no load. The treatment
    explorer has no load control and keeps the load at 1; the hint says so."""
    treat = explorers.treatment_explorer()
    assert "p_env" not in treat.controls
    run = th2.simulate(treat.params, days=explorers.TREAT_DAYS)
    assert (run["load"] == 1.0).all()
    hint = ex.relapse().hints[2]
    assert "no load control" in hint and "stays at 1" in hint
    assert "load stays at 1 throughout" in section(7)


# ----------------------------------------------------------------- section 8: hysteresis (Exercise 5)

def test_section8_windows_and_exercise5():
    """Section 8, Exercise 5 and its worked solution: default window 0.58-1.06, FLG-like 0.45-0.91."""
    default, flg = th2.bistable_window(P), th2.bistable_window(P.replace(k_b=0.1))
    assert (f"{default[0]:.2f}", f"{default[1]:.2f}") == ("0.58", "1.06")
    assert (f"{flg[0]:.2f}", f"{flg[1]:.2f}") == ("0.45", "0.91")
    assert flg[1] < 1.0 < default[1]
    assert list(th2.steady_states(P.replace(k_b=0.1))["kind"]) == ["inflamed"]
    assert "gives about 0.45 to 0.91" in section(8)


def test_section8_think_which_settings_move_the_edges():
    """Section 8, Think! answer: FLG-like repair and stronger scratch damage lower both edges; no scratch
    damage and an emollient raise both."""
    d = th2.bistable_window(P)
    for kw in (dict(k_b=0.1), dict(delta_s=0.6)):
        w = th2.bistable_window(P.replace(**kw))
        assert w[0] < d[0] and w[1] < d[1], kw
    for kw in (dict(delta_s=0.0), dict(emollient=0.1)):
        w = th2.bistable_window(P.replace(**kw))
        assert w[0] > d[0] and w[1] > d[1], kw


def test_section8_ramp_jumps_just_outside_the_window():
    """Section 8: the slow ramp jumps a little beyond the window's edges (the figure's description)."""
    ramp = th2.ramp(P, low=0.2, high=1.6, days=2000)
    low, high = th2.bistable_window(P)
    up, down = ramp[ramp["phase"] == "up"], ramp[ramp["phase"] == "down"]
    jump_up = up.loc[up["inflammation"] > 0.5, "load"].iloc[0]
    jump_down = down.loc[down["inflammation"] < 0.5, "load"].iloc[0]
    assert high - 0.02 < jump_up and jump_down < low + 0.02
    assert jump_up > high and jump_down < low


def test_section8_bifurcation_branches_meet_at_the_folds():
    """Section 8 (issue 13): the threshold and stable branches meet at the fold points (no grid gap)."""
    branches, window = explorers._branches(P)
    (cl, ci), (tl, ti), (hl, hi) = (branches[n] for n in explorers.BRANCHES)
    assert (cl[-1], ci[-1]) == (tl[0], ti[0]) and (tl[-1], ti[-1]) == (hl[0], hi[0])
    assert window == pytest.approx((tl[-1], tl[0]))
    low, high = th2.bistable_window(P)
    assert abs(window[0] - low) <= 0.0021 and abs(window[1] - high) <= 0.0021


# ----------------------------------------------------------------- text hygiene (issue 13 classes)

def test_no_unformatted_placeholders_in_figure_descriptions():
    """Every figure description and explorer description of notebook 02 is formatted (no literal {...})."""
    dc, dn, pc, pn = _pooled()
    rates = {Q2W: stats.proportion_ci(dc, dn), PLACEBO: stats.proportion_ci(pc, pn)}
    texts = [figures.loop_diagram()[1], figures.hysteresis_ramp(P)[1], figures.iga_rates(rates, (PLACEBO, Q2W))[1],
             figures.risk_difference_plot(stats.risk_difference(dc, dn, pc, pn))[1],
             figures.not_clear_outcomes(data.load("dupilumab_solo_iga_above_1"))[1]]
    texts += [f().description for f in (explorers.trigger_explorer, explorers.phase_plane_explorer,
                                        explorers.bifurcation_explorer, explorers.treatment_explorer)]
    for text in texts:
        assert not re.search(r"\{[^}]*\}", text), text
        assert not re.search(r"\d\.\d{4,}", text), text


def test_references_one_citation_per_paper_and_no_internal_notes():
    """References (issue 13): Miyano cited as the agreed preprint, once; no internal notes."""
    md = markdown()
    refs = md[md.index("## References"):]
    assert not re.search(r"(?i)not checked|not seen|journal version", refs)
    miyano = [line for line in refs.splitlines() if "Miyano" in line]
    assert miyano == ["- Miyano T, Irvine AD, Tanaka RJ. A mathematical model to identify optimal combinations of drug "
                      "targets for dupilumab poor responders in atopic dermatitis. *medRxiv* preprint 2021. "
                      "doi:10.1101/2021.02.08.21251317"]
    assert "Miyano et al. 2021" in md and "Miyano et al. (2022)" not in md and "Allergy 2022" not in md
    assert "Tanaka RJ (2021) A mathematical model to identify optimal combinations" in th2.__doc__
    assert "(2022) Allergy" not in th2.__doc__


def test_no_assert_in_the_notebook():
    """Issue 12: the notebook's former asserts now live here."""
    for c in _cells():
        if c["cell_type"] == "code":
            assert not re.search(r"^\s*assert\b", _src(c), re.M)
