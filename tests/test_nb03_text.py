"""Numbers and model results quoted in notebook 03 (the skin microbiome), recomputed from course_lib.

Each test names the notebook section it guards. The asserts that used to sit in the notebook's
code cells live here now, and the issue-13 bugs of this notebook have a test each so they cannot
return (explorer wording, legend entries, time averages, the brake-alone result, citations).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import NotebookText

from course_lib import data
from course_lib.exercises import nb03
from course_lib.explorers import microbiome as explorer
from course_lib.figures import nb03 as figures
from course_lib.models import microbiome

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_skin_microbiome.ipynb"


_TEXT = NotebookText(NOTEBOOK.name)
markdown, code = _TEXT.markdown, _TEXT.code


# --------------------------------------------------------------- section 1: carriage, Exercise 1

def test_section1_carriage_numbers_and_exercise1():
    row = nb03.lesional_totte()
    assert (row["prevalence_pct"], row["odds_ratio"]) == (70, 19.74)
    assert round(nb03.controls_percentage(70, 19.74), 1) == 10.6  # "0.106", "about 11 %"
    text = markdown()
    assert "70 % on lesional skin, 39 % on non-lesional skin and 62 % in the nose" in text
    carriage = data.load("s_aureus_carriage")
    totte = carriage[carriage["source_id"] == "totte2016"].set_index("site")["prevalence_pct"]
    assert sorted(totte.dropna().astype(int)) == [39, 62, 70]


def test_section1_no_unsourced_phrases():
    """Issue 13: 'repeated in many introductions', 'the trial most often cited' had no source."""
    text = markdown()
    for phrase in ("repeated in many introductions", "most often cited", "usually cited"):
        assert phrase not in text


def test_section1_cause_or_consequence_shows_both_sides():
    """Issue 13: birth cohorts in which colonisation came before eczema are shown next to the 'consequence' trials,
    in short in the core (section 1) and with their numbers in section 6 (Going further)."""
    text = markdown()
    title = "**Evidence box: is *S. aureus* a cause or a consequence of eczema?**"
    assert text.count(title) == 2
    sources = ("Gonzalez et al. 2016", "Callewaert et al. 2020", "Meylan et al. 2017", "Rinnov et al. 2023",
               "Lebon et al. 2009", "Skov et al. 2009")
    short = text.split("## 1. ", 1)[1].split("## 2. ", 1)[0].split(title, 1)[1]
    full = text.split("## 6. Going further", 1)[1].split("## 7. ", 1)[0].split(title, 1)[1]
    for box in (short, full):
        for source in sources:
            assert source in box
        assert "association" in box
    assert "1.97" in full and "1.21–3.19" in full and "2.13 and 2.88" in full
    refs = text.split("## References", 1)[1]
    for doi in ("10.1016/j.jid.2017.07.834", "10.1001/archpediatrics.2009.117", "PMID 37480337", "PMID 19239467"):
        assert doi in refs


def core_text() -> str:
    """The core path: from the title to the first Going further heading."""
    return markdown().split("## 6. Going further", 1)[0]


def test_core_sections_stand_without_going_further():
    """Follow-up brief: a core section may point to a Going further section, but not rely on it.
    Every core pointer to sections 6-9 is a 'details'/'equations'/'Going further' pointer, and the core
    keeps both sides of the contested cause-or-consequence question (checked above)."""
    core = core_text()
    pointers = re.findall(r"[^.(]*\bsection [6-9]\b[^.)]*", core)
    assert pointers, "the core should point to the Going further sections it summarises"
    for p in pointers:
        assert re.search(r"details|equations|Going further", p), p


def test_no_think_answer_gives_away_exercise_2():
    """Learner walk-through: the section 3 Think! answer (shown before Exercise 2) said that four baths work."""
    text = markdown()
    before = text.split("### Exercise 2", 1)[0].split("## 3. ", 1)[1]
    n = nb03.smallest_course()
    words = {4: "four"}.get(n, str(n))
    assert not re.search(rf"\b({n}|{words}) baths\b", before, re.I)


def test_references_carry_no_internal_notes_and_agreed_citations():
    refs = markdown().split("## References", 1)[1]
    assert "cited here through" not in refs and "not checked" not in refs and "(journal version" not in refs
    assert "Lee J, Mannan AA, Miyano T, Irvine AD, Tanaka RJ. In silico elucidation" in refs
    assert "*JID Innov* 2024;4:100269. doi:10.1016/j.xjidi.2024.100269" in refs
    assert "Miyano T, Irvine AD, Tanaka RJ. Model-based meta-analysis" in refs and "2022;2(3):100110" in refs
    assert "Miyano et al. 2024" not in markdown()


# --------------------------------------------------------------- section 2: two stable states

def test_section2_two_states_figure():
    fig, description, endings = figures.two_states()
    took_over = [a0 for a0, end in endings.items() if end["s_aureus"] > 0.5]
    assert took_over == [0.1, 0.2, 0.5]
    assert all(endings[a0]["s_aureus"] < a0 for a0 in endings if a0 not in took_over)
    assert "{" not in description
    assert round(endings[0.5]["barrier"], 2) == 0.06
    assert "barrier about 0.06)" in markdown()


def test_section2_brake_alone_clears_default_flare_from_4_fold():
    """Section 2 Think! and section 9: a 4-fold or stronger brake alone clears the default flare; 3-fold does not."""
    assert nb03.default_brake_threshold() == 4
    flare = microbiome.Params(**microbiome.DAMAGED)
    for factor, want in ((3.0, "S. aureus dominant"), (5.0, "S. aureus controlled"), (20.0, "S. aureus controlled")):
        assert microbiome.outcome(flare.replace(barrier_brake=factor)) == want
    assert "4-fold or more" in markdown()


def test_section7_parameter_table_lists_every_parameter_the_prose_uses():
    src = code()
    for name in ("kappa_a", "gamma_ab", "gamma_eb", "delta_0", "delta_ae", "delta_ba", "kappa_b", "inflammation",
                 "barrier_brake", "log_kill", "e_pth", "a_pth", "gamma_ae"):
        assert f'"{name}"' in src
    assert "display.max_colwidth" in src


# --------------------------------------------------------------- section 3: kill pulses, Exercise 2

def test_section3_kill_threshold():
    outcomes = nb03.bath_outcomes()
    assert nb03.smallest_course() == 4
    assert all(outcomes[n] == "S. aureus controlled" for n in range(4, 9))


def test_section3_think_numbers_and_explorer_time_average_agree():
    """Issue 13: the explorer said 73 % and Exercise 2 printed 0.72; now both average from the first bath."""
    flare = nb03.FLARE
    two, none, four = (microbiome.simulate(flare.replace(n_baths=n)) for n in (2, 0, 4))
    two_avg = microbiome.time_average(two, start=flare.start_day)
    assert round(100 * two_avg) == 72
    assert round(100 * microbiome.time_average(none, start=flare.start_day)) == 92
    assert round(two["barrier"].iloc[-1], 2) == 0.07 or round(two["barrier"].iloc[-1], 3) == 0.065
    assert round(four["barrier"].iloc[-1], 2) == 0.99
    described = explorer._update(_artists(), two, flare.replace(n_baths=2))
    assert "time-averaged from week 1 on: 72 %" in described
    text = markdown()
    assert "from 92 % of capacity (no baths) to 72 %" in text


class _Line:
    def set_data(self, *args):
        pass


def _artists():
    return {k: _Line() for k in ("sa", "co", "baths", "arrival", "barrier", "share")}


def test_section3_explorer_explains_controlled_with_a_high_share():
    """Issue 13: after a successful course the explorer said "controlled" and "100 %" without saying why."""
    p = nb03.FLARE.replace(n_baths=4)
    df = microbiome.simulate(p)
    assert df["sa_share"].iloc[-1] > 0.99
    text = explorer._update(_artists(), df, p)
    assert "S. aureus controlled" in text and "wiped out the commensals" in text and "{" not in text
    failed = nb03.FLARE.replace(n_baths=2)
    assert "wiped out" not in explorer._update(_artists(), microbiome.simulate(failed), failed)


def test_section3_legend_has_no_arrival_star_without_arrivals():
    """Issue 13: the bath-course legend showed a 'new S. aureus arrives' star that never appears."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    def labels(arrivals):
        fig = Figure(layout="constrained")
        explorer._draw(fig, microbiome.simulate(nb03.FLARE), arrivals)
        return [t.get_text() for legend in fig.legends for t in legend.get_texts()]

    assert "new S. aureus arrives" not in labels(False)
    assert "new S. aureus arrives" in labels(True)


def test_notebook_code_has_no_asserts_and_uses_the_renamed_brake():
    src = code()
    assert not re.search(r"^\s*assert\b", src, re.M)
    assert "barrier_repair" not in src and "barrier_repair" not in markdown()
    assert "barrier_brake" in microbiome.Params.spec().index


# --------------------------------------------------------------- section 4: bleach baths, Exercise 3

def test_section4_bakaa_numbers_and_scope():
    ev = data.load("bleach_bath_evidence")
    bakaa = ev[ev["source_id"] == "bakaa2022"].set_index("outcome")
    assert (bakaa.loc["EASI", "estimate"], bakaa.loc["EASI", "interval_low"], bakaa.loc["EASI", "interval_high"]) \
        == (0.78, 0.59, 0.99)
    assert "22% vs 32%" in bakaa.loc["EASI", "finding"]  # "32 % ... and 22 % ... one extra person in 10"
    assert (bakaa.loc["S. aureus colonisation", "interval_low"], bakaa.loc["S. aureus colonisation", "interval_high"]) \
        == (0.73, 1.09)
    text = markdown()
    assert "32 % of participants with bleach and 22 % without" in text
    assert "moderate-to-severe" in text.split("Evidence box: do bleach baths help")[1].split("### Exercise")[0]
    fig, description = figures.bleach_forest(ev)
    assert "{" not in description and "0.78" in description


# --------------------------------------------------------------- section 8: sparing commensals, Exercise 4

def test_section8_sparing_and_the_rise_before_arrival():
    """Issue 13: non-selective baths raise S. aureus before the new dose; the Think! answer explains it."""
    killed, spared = nb03.sparing_runs()
    assert microbiome.outcome(nb03.CALM, killed) == "S. aureus dominant"
    assert microbiome.outcome(nb03.CALM.replace(targeted=1), spared) == "S. aureus controlled"
    assert round(nb03.before_arrival(spared, "commensals"), 2) == 0.46
    assert "stay near 0.46 of capacity" in markdown()
    assert round(nb03.before_arrival(spared, "barrier"), 2) == 0.70
    held = float(killed[killed["day"] <= 6]["s_aureus"].iloc[-1])
    assert round(held * 1e8) == 3  # "about 3 × 10⁻⁸ of capacity"
    rise = nb03.before_arrival(killed, "s_aureus") / held
    assert round(rise / 50) * 50 == 150  # "about 150 times higher" (to the nearest 50; 145 in the model)
    assert nb03.before_arrival(spared, "commensals") / nb03.before_arrival(killed, "commensals") > 1000
    assert "about 150 times higher" in markdown()


# --------------------------------------------------------------- section 9: the hostile skin, Exercise 5

def test_section9_hostile_skin_and_inflammation_think():
    fig, description, results = figures.hostile_skin(nb03.hostile_plans())
    assert list(results.values()) == ["S. aureus dominant", "S. aureus dominant", "S. aureus controlled"]
    assert "{" not in description
    assert microbiome.outcome(nb03.HOSTILE.replace(log_kill=2.0)) == "S. aureus dominant"  # option D
    course = microbiome.Params(**microbiome.DAMAGED, n_baths=4, log_kill=0.5)
    assert microbiome.outcome(course.replace(inflammation=0.05)) == "S. aureus dominant"
    assert microbiome.outcome(course.replace(inflammation=0.05, barrier_brake=5.0)) == "S. aureus controlled"
    assert microbiome.outcome(microbiome.Params(**microbiome.DAMAGED, inflammation=0.05, barrier_brake=5.0)) \
        == "S. aureus controlled"  # "a 5-fold brake alone would too"
    run = microbiome.simulate(nb03.HOSTILE)
    assert round(float(run["s_aureus"].min()), 1) == 0.1
    assert "to about a tenth of capacity" in markdown()


def test_exercise5_hint_points_to_a_runnable_route():
    """Issue 13: option D's hint said "try it" where no explorer could; the exercise cell now runs the model."""
    from course_lib import exercises
    q = exercises.get("03.hostile_habitat")
    assert "log_kill = 2.0" in q.hints[3]
    assert "hostile.replace(log_kill=log_kill)" in code()
    assert "code below" not in markdown()


@pytest.mark.parametrize("key", ["03.controls_pct", "03.kill_threshold", "03.why_sparing", "03.hostile_habitat",
                                 "03.bleach_evidence"])
def test_every_question_of_notebook_03_is_asked(key):
    assert f'ask("{key}", my_answer)' in code()
