"""Numbers and statements that notebook 05 (Synthesis) quotes, recomputed from course_lib, and the
issue-13 bug classes of that notebook (unformatted placeholders, codes on explorer controls,
internal source keys on figures). Each test names the notebook section it guards."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import ipywidgets as W
import numpy as np
import pytest
from notebook_text import NotebookText

from course_lib import cohort, data, stats
from course_lib.exercises import nb05 as ex
from course_lib.explorers import coupled as coupled_explorers
from course_lib.figures import nb05 as figs
from course_lib.models import coupled, march
from course_lib.plotting import new_figure

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_synthesis.ipynb"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.\[\]'\"]*(?:[:!][^{}]*)?\}")


_TEXT = NotebookText(NOTEBOOK.name)
cells, markdown = _TEXT.cells, _TEXT.markdown


@functools.cache
def trial_summary():
    patients = cohort.virtual_patients(60, seed=0)
    trial = cohort.run_trial(patients)
    return patients, trial, cohort.summarise(trial)


# ------------------------------------------------------------------ section 1 and 2: thresholds

def test_section1_static_run_resolves_off_and_persists_on():
    """Section 1, 'One static run': at load 0.5 a flare resolves uncoupled and persists coupled."""
    patient = coupled.Params(p_env=0.5, start=1)
    off = coupled.simulate(coupled.uncoupled(patient), days=120).iloc[-1]
    on = coupled.simulate(patient, days=120).iloc[-1]
    assert off["inflammation"] < coupled.REMISSION_LEVEL < coupled.INFLAMED_LEVEL < on["inflammation"]


def test_section1_think_single_couplings():
    """Section 1 Think!: alone, sa_inflammation (~0.75) and sa_barrier (~0.57) keep the flare; the others (~0.02) do not."""
    patient = coupled.Params(p_env=0.5, start=1)
    alone = {c: coupled.simulate(coupled.uncoupled(patient).replace(**{c: getattr(patient, c)}), days=120)
             ["inflammation"].iloc[-1] for c in ("shared_barrier", "sa_inflammation", "sa_barrier", "th2_defence")}
    assert round(alone["sa_inflammation"], 2) == 0.75 and round(alone["sa_barrier"], 2) == 0.57
    assert round(alone["shared_barrier"], 2) == round(alone["th2_defence"], 2) == 0.02
    md = markdown()
    assert "at about 0.75 after 120 days" in md and "at about 0.57" in md and "(about 0.02)" in md


def test_section2_and_key_points_thresholds():
    """Sections 1-2, Exercises 1-2 and Key points: 0.35 (on) vs 0.59 (off); calm skin flares at 1.07 in both."""
    on, off = ex.thresholds()
    assert (on["remission"], off["remission"]) == (0.35, 0.59)
    assert on["flare"] == off["flare"] == 1.07
    md = markdown()
    assert "**Answer:** 0.35" in md and "the same number is 0.59" in md and "'flare': 1.07}" in md


def test_section5_think_load_09_two_outcomes():
    """Section 5 (explore the loop) Think!: at load 0.9, calm skin stays calm (~0.08), a flare stays (~0.98)."""
    calm = coupled.simulate(coupled.Params(p_env=0.9, start=0), days=200).iloc[-1]
    flare = coupled.simulate(coupled.Params(p_env=0.9, start=1), days=200).iloc[-1]
    assert round(calm["inflammation"], 2) == 0.08 and round(flare["inflammation"], 2) == 0.98
    assert round(flare["barrier"], 2) == 0.13 and flare["s_aureus"] > 0.5 > calm["s_aureus"]
    md = markdown()
    assert "inflammation about 0.08 after 200 days" in md and "inflammation about 0.98" in md and "about 0.13)" in md


# ------------------------------------------------------------------ section 3: virtual patients, trial

def test_section3_flg_share_is_the_data():
    """Section 3 (and the FLG figure): virtual carriers at 19.1 %, general population 5.8 % (Khatib 2024)."""
    flg = data.load("flg_risk")
    freq = flg[flg["quantity"] == "carrier frequency"]
    ad = freq[freq["population"].str.contains("with AD")].iloc[0]
    gen = freq[freq["population"].str.contains(r"general population \(worldwide")].iloc[0]
    assert (ad["value"], gen["value"]) == (19.1, 5.8) and cohort.FLG_CARRIER_SHARE == ad["value"] / 100
    hoyer = freq[freq["source_id"] == "hoyer2022"].iloc[0]
    assert round(100 * stats.proportion_ci(166, int(hoyer["n_people"]))[0]) == hoyer["value"]


def test_section3_trial_patterns():
    """Section 3: emollient and baths alone few remissions, IL-4Rα 100 %, proactive 83 % / 93 % with emollient,
    reactive 0 flare days vs proactive 2.8, baths lower relapse after proactive."""
    _, trial, s = trial_summary()
    assert s.loc["no treatment", "remission"] < 0.05 < s.loc["emollient only", "remission"] < 0.3
    assert s.loc["bleach baths", "remission"] < 0.3
    assert s.loc["IL-4Rα blockade", "remission"] == 1.0
    assert (round(s.loc["proactive topical", "remission"], 2), round(s.loc["emollient + proactive", "remission"], 2)) \
        == (0.83, 0.93)
    assert s.loc["proactive topical", "remission"] > s.loc["reactive topical", "remission"]
    assert s.loc["reactive topical", "flare_days"] == 0 and round(s.loc["proactive topical", "flare_days"], 1) == 2.8
    assert s.loc["proactive + baths", "relapse"] < s.loc["proactive topical", "relapse"]
    assert "brought 83 % of virtual patients into remission at week 16, and 93 % with" in markdown()
    held = trial.loc[(trial["strategy"] == "reactive topical") & ~trial["remission"], "inflammation_w16"]
    assert held.between(coupled.REMISSION_LEVEL, coupled.REACTIVE_LEVEL).mean() > 0.9


def test_section6_solo_numbers():
    """Section 6, Exercise 3 and Key points: SOLO IGA 0/1 38.1 % (CI 0.337-0.427) vs 10.6 % on placebo."""
    s = ex.solo_dupilumab()
    p, lo, hi = stats.proportion_ci(s["clear"], s["n"])
    assert (s["n"], s["events"]) == (449, 278) and (round(p, 3), round(lo, 3), round(hi, 3)) == (0.381, 0.337, 0.427)
    solo = data.load("dupilumab_solo_week16")
    placebo = solo[~solo["arm"].str.contains("dupilumab")].iloc[0]
    assert round((placebo["n"] - placebo["events"]) / placebo["n"], 3) == 0.106


def test_section7_six_patients_three_courses():
    """Section 7 (virtual patients up close): some recover, some stay inflamed after the same trigger."""
    patients = cohort.virtual_patients(60, seed=0)
    chosen = patients.sort_values("p_env").iloc[[0, 12, 21, 30, 48, 57]].set_index("patient")
    triggered = coupled.run_patients(coupled.Params(), p_env=chosen["p_env"].to_numpy(),
                                     flg=chosen["flg_null_alleles"].to_numpy(),
                                     resilience=chosen["resilience"].to_numpy(), start=0, strategy=(), days=120,
                                     trigger=(1.5, 10.0, 10.0))
    course = figs.six_patient_courses(triggered)
    assert course.count("recovers") >= 2 and course.count("stays inflamed") >= 2


def test_section8_which_loop_and_exercise4():
    """Section 8 and Exercise 4: 52 emollient failures; S. aureus and itch-scratch cuts rescue 22 each, halving
    type-2 self-amplification all; the emollient helps only at low loads."""
    n_failed, rescued = ex.loop_rescues()
    assert n_failed == 52 and rescued == {"S. aureus loop": 22, "itch-scratch loop": 22,
                                          "type-2 self-amplification": 52}
    patients, trial, _ = trial_summary()
    holds = cohort.which_loop_holds(patients, trial=trial)
    who = patients.merge(holds, on="patient")
    assert who.loc[who["remission"], "p_env"].max() < 0.55


@pytest.mark.parametrize("link,falls", [(1.0, True), (0.0, False)])
def test_section9_think_march_link(link, falls):
    """Section 9 Think!: with march_link 1 the emollient lowers multimorbidity at 11 (0.050 -> 0.047); with 0 all
    four rows are 0.048."""
    reference = coupled.early_life(coupled.Params())
    values = []
    for flg in (0, 1):
        infant = coupled.Params(p_env=0.9, flg_null_alleles=flg, march_link=link)
        for emollient in (False, True):
            dose = coupled.early_life(infant, emollient=emollient)
            values.append(march.prevalence_at(march.simulate(coupled.march_params(infant, dose, reference)), 11.0,
                                              "p_multimorbid"))
    assert "(0.050 to 0.047 in non-carriers)" in markdown() and "(about 0.048)" in markdown()
    if falls:
        assert (round(values[0], 3), round(values[1], 3)) == (0.050, 0.047) and values[1] < values[0]
    else:
        assert {round(v, 3) for v in values} == {0.048}


# ------------------------------------------------------------------ issue-13 bug classes

def test_no_unformatted_placeholder_in_notebook_text():
    """Whole notebook: no '{name}' or '{x:.1f}' left in markdown or in a plain (non-f) string of a description."""
    assert not PLACEHOLDER.search(markdown().replace("{SA}", "").replace("{\\lambda}", ""))
    for c in cells():
        if c["cell_type"] != "code":
            continue
        for m in re.finditer(r"(?<![fFrR\w])(\"[^\"\n]*\"|'[^'\n]*')", "".join(c["source"])):
            assert not PLACEHOLDER.search(m.group(1)), f"a placeholder in a plain string: {m.group(1)}"


def _figure_descriptions():
    on, off = ex.thresholds()
    patients, _, summary = trial_summary()
    flg = data.load("flg_risk")
    freq = flg[flg["quantity"] == "carrier frequency"]
    fig, ax = new_figure()
    yield figs.bistable_windows(ax, on, off)
    fig, ax = new_figure()
    yield figs.flg_carriers(ax, freq)
    fig, ax = new_figure()
    yield figs.trial_remission(ax, summary, len(patients))
    fig, ax = new_figure()
    yield figs.solo_and_model(ax, data.load("dupilumab_solo_week16"), summary)


def test_figure_descriptions_are_formatted_and_name_sources():
    """Sections 2, 3, 6, 7: every library figure description is fully formatted; the FLG figure names sources
    as 'Author et al. year', never by internal key."""
    keys = {s["id"] for s in data.resource("flg_risk")["sources"]}
    for text in _figure_descriptions():
        assert not PLACEHOLDER.search(text), text
        assert not any(k in text for k in keys), text
    fig, ax = new_figure()
    figs.flg_carriers(ax, data.load("flg_risk").query("quantity == 'carrier frequency'"))
    labels = " ".join(t.get_text() for t in ax.get_yticklabels())
    assert "Palmer et al. 2006" in labels and not any(k in labels for k in keys)


@pytest.mark.parametrize("make", [coupled_explorers.loop_explorer, lambda: coupled_explorers.trial_explorer(
    trial_summary()[2])], ids=["loop", "trial"])
def test_explorer_controls_show_names_not_codes(make):
    """Sections 5 and 6: every drop-down shows names (numbers only where the quantity is a number), and no label
    repeats itself ("strategy (strategy)"); explorer descriptions are formatted."""
    explorer = make()
    for name, ctrl in explorer.controls.items():
        label = ctrl.description
        m = re.fullmatch(r"(.+) \((.+)\)", label)
        assert not (m and m.group(1) == m.group(2)), f"{name}: {label!r}"
        if isinstance(ctrl, W.Dropdown) and name != "p_env":
            assert all(not re.fullmatch(r"[\d.]+", text) for text, _ in ctrl.options), f"{name}: {ctrl.options}"
    assert not PLACEHOLDER.search(explorer.description)


def test_trial_explorer_legend_clears_the_bars():
    """Section 6: the trial explorer's legend sits above the bars (issue 13: bars covered the legend)."""
    explorer = coupled_explorers.trial_explorer(trial_summary()[2])
    ax = explorer.fig.axes[0]
    assert ax.get_ylim()[1] > 1.15 and ax.get_legend() is not None


def test_think_prompts_use_parameter_names():
    """Think! prompts name parameters a learner can type (sa_inflammation, march_link), not symbols only."""
    md = markdown()
    thinks = re.findall(r"\*\*Think!\*\*(.*?)(?:<details>|$)", md, re.S)
    for t in thinks:
        assert not re.search(r"\$\\?(chi|lambda|k_\{SA\}|w)\$", t), t
    assert "march_link" in thinks[-1] and "link = 0.0" in thinks[-1]


def test_citations_agreed_and_no_internal_notes():
    """References: the agreed Miyano/Lee citations, the S. aureus birth cohorts, no internal notes."""
    md = markdown()
    refs = md.split("## References", 1)[1]
    assert "10.1101/2021.02.08.21251317" in refs and "*medRxiv* preprint 2021" in refs
    assert "10.1016/j.xjidi.2022.100110" in refs and "10.1016/j.xjidi.2024.100269" in refs
    assert "Allergy* 2022. Preprint" not in refs
    for doi in ("10.1016/j.jid.2017.07.834", "10.1001/archpediatrics.2009.117", "37480337"):
        assert doi in refs
    assert not re.search(r"not checked|abstract seen", md, re.I)
    table = md.split("what the course found contested", 1)[1]
    assert "Meylan et al. 2017" in table and "Rinnov et al. 2023" in table and "Lebon et al. 2009" in table


def test_section7_a_patient_recovers_above_035_because_the_trigger_gives_s_aureus_no_time():
    """Section 7: patient 33 (load 0.58) recovers after the 10-day trigger, although from section 2's
    S. aureus-dominated flare the same patient stays inflamed; after the trigger S. aureus is almost absent."""
    patients = cohort.virtual_patients(60, seed=0).set_index("patient")
    p = patients.loc[33]
    assert 0.35 < p["p_env"] < 0.59
    kw = dict(p_env=p["p_env"], flg=p["flg_null_alleles"], resilience=p["resilience"], strategy=(), days=120)
    flare = coupled.run_patients(coupled.Params(), start=1, **kw)
    trig = coupled.run_patients(coupled.Params(), start=0, trigger=(1.5, 10.0, 10.0), **kw)
    assert flare["inflammation"][-1, 0] > coupled.INFLAMED_LEVEL
    assert trig["inflammation"][-1, 0] < coupled.REMISSION_LEVEL and trig["s_aureus"][20, 0] < 0.01


def test_section8_emollient_works_only_up_to_load_050():
    """Section 8 prose: the emollient alone brings patients into remission only at loads up to 0.50."""
    patients, trial, _ = trial_summary()
    who = patients.merge(trial[trial["strategy"] == "emollient only"], on="patient")
    assert round(who.loc[who["remission"], "p_env"].max(), 2) == 0.50
    assert who.loc[~who["remission"], "p_env"].min() > 0.50
    assert "(here at most 0.50," in markdown()


def test_section10_contested_table_as_the_sources_allow():
    """Section 10 (issue 13): current Cochrane version cited with its food-allergy wording; Bakaa limited to
    moderate-to-severe eczema; the cohort that found no S. aureus-first link shown; Lin 2024 named as
    observational; FLG not called 'not a cause'."""
    md = markdown()
    table = md.split("what the course found contested", 1)[1].split("## What next", 1)[0]
    refs = md.split("## References", 1)[1]
    assert "CD013534.pub3" in refs and "Kelleher et al. 2022" in md and "may even increase the chance of food allergy" in md
    bleach = next(r for r in table.splitlines() if r.startswith("| Bleach baths"))
    assert "moderate-to-severe" in bleach
    sa = next(r for r in table.splitlines() if r.startswith("| *S. aureus* causes"))
    assert "Skov et al. 2009" in sa and "no such link" in sa and "19239467" in refs
    early = next(r for r in table.splitlines() if r.startswith("| Early treatment"))
    assert "observational" in early and "Lin et al. 2024" in early and "no data on asthma" not in early
    flg = next(r for r in table.splitlines() if r.startswith("| *FLG* mutations"))
    assert "not a cause" not in flg
    flg_risk = data.load("flg_risk")
    asthma = flg_risk[(flg_risk["quantity"] == "odds ratio") & (flg_risk["outcome"] == "asthma")].iloc[0]
    assert f"{asthma['value']:.2f}, {asthma['ci_low']:.2f}–{asthma['ci_high']:.2f}" in flg
