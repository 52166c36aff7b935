"""Tests for course_lib.quiz: questions as data, pure checking, the widget, static markdown."""
from __future__ import annotations

import dataclasses
import doctest
import logging
import math
import random
import re

import ipywidgets as widgets
import pytest

from course_lib import quiz
from course_lib.quiz import (TRIES_BEFORE_EXPLANATION, Feedback, Mistake, MultipleChoice, Numeric, feedback_text,
                             QuizWidget, ask, render_markdown)

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is a test-only tool installed by `make test`
    given = None


def mc(**changes):
    """A valid single-answer question, with some fields changed."""
    fields = dict(prompt="Which gene's loss-of-function variants raise eczema risk most?",
                  options=("FLG", "INS", "HBB", "CFTR"), answer=0,
                  explanation="FLG encodes filaggrin, a skin-barrier protein.",
                  hints={1: "INS encodes insulin, a *hormone*.", 3: "CFTR is the cystic fibrosis gene."},
                  solution="Filaggrin holds the **barrier** together.")
    return MultipleChoice(**(fields | changes))


def multi(**changes):
    fields = dict(prompt="Which are type 2 cytokines?", options=("IL-4", "IL-13", "IFN-γ", "IL-17"),
                  answer=(0, 1), explanation="IL-4 and IL-13 drive the type 2 response.",
                  hints={2: "IFN-γ is the type 1 signature cytokine."})
    return MultipleChoice(**(fields | changes))


def num(**changes):
    fields = dict(prompt="50 of 200 children have eczema. What proportion is that?",
                  answer=0.25, tolerance=0.005, explanation="Proportion = 50 / 200.",
                  hints=(Mistake(25, "That is a percentage; give a proportion between 0 and 1."),
                         Mistake(4, "You divided the total by the cases.", tolerance=0.5)),
                  solution="$50 / 200 = 0.25$")
    return Numeric(**(fields | changes))


def test_module_docstring_example_runs():
    assert doctest.testmod(quiz).failed == 0


# ------------------------------------------------------------------ data classes

def test_questions_feedback_and_mistakes_are_frozen():
    for obj in (mc(), num(), Mistake(1, "x"), Feedback(True, "✔ Correct.", "")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.prompt = "changed"


def test_lists_are_stored_as_tuples_and_pairs_as_mistakes():
    q = MultipleChoice("p", ["a", "b", "c"], [2, 0], "e")
    assert q.options == ("a", "b", "c") and q.answer == (2, 0) and q.hints == {}
    assert q.multiple and q.correct_indices == {0, 2}
    assert not mc().multiple and mc().correct_indices == {0}
    assert hash(mc()) == hash(mc()) and mc() == mc() != multi()  # hints are left out of the hash
    n = Numeric("p", 1.0, 0.1, "e", hints=[(2, "doubled")])
    assert n.hints == (Mistake(2, "doubled"),)


@pytest.mark.parametrize("changes, match", [
    (dict(prompt=""), r"MultipleChoice\.prompt: got ''; expected a non-empty string"),
    (dict(prompt=None), r"MultipleChoice\.prompt: got None"),
    (dict(explanation="  "), r"MultipleChoice\.explanation: got '  '; expected a non-empty string"),
    (dict(solution=""), r"MultipleChoice\.solution: got ''; expected a non-empty string or None"),
    (dict(options=()), r"MultipleChoice\.options: got \(\); expected a tuple of 2 to 26 distinct"),
    (dict(options=("FLG",), answer=0, hints=None), r"MultipleChoice\.options: got \('FLG',\)"),
    (dict(options=tuple("abcdefghijklmnopqrstuvwxyz0")), r"MultipleChoice\.options: .*2 to 26"),
    (dict(options=("a", "a", "b")), r"MultipleChoice\.options: .*distinct non-empty strings"),
    (dict(options=("a", "", "b", "c")), r"MultipleChoice\.options: .*non-empty strings"),
    (dict(options="abcd"), r"MultipleChoice\.options: got 'abcd'"),
    (dict(answer=4), r"MultipleChoice\.answer: got 4; expected an option index from 0 to 3"),
    (dict(answer=-1), r"MultipleChoice\.answer: got -1; expected an option index from 0 to 3"),
    (dict(answer=True), r"MultipleChoice\.answer: got True"),
    (dict(answer="0"), r"MultipleChoice\.answer: got '0'"),
    (dict(answer=()), r"MultipleChoice\.answer: got \(\); .*or a tuple of distinct such indices"),
    (dict(answer=(0, 0)), r"MultipleChoice\.answer: got \(0, 0\)"),
    (dict(answer=(0, 9)), r"MultipleChoice\.answer: got \(0, 9\); expected an option index from 0 to 3"),
    (dict(hints=[(1, "x")]), r"MultipleChoice\.hints: got \[\(1, 'x'\)\]; expected a dict"),
    (dict(hints={0: "x"}), r"MultipleChoice\.hints: got 0; expected keys that are wrong options' "
                           r"indices \(0 to 3, not the answer 0\)"),
    (dict(hints={7: "x"}), r"MultipleChoice\.hints: got 7"),
    (dict(hints={"1": "x"}), r"MultipleChoice\.hints: got '1'"),
    (dict(hints={1: ""}), r"MultipleChoice\.hints\[1\]: got ''; expected a non-empty string"),
])
def test_multiple_choice_validation_names_field_value_and_range(changes, match):
    with pytest.raises(ValueError, match=match):
        mc(**changes)


@pytest.mark.parametrize("changes, match", [
    (dict(prompt=""), r"Numeric\.prompt: got ''; expected a non-empty string"),
    (dict(explanation=""), r"Numeric\.explanation: got ''"),
    (dict(solution="  "), r"Numeric\.solution: got '  '; expected a non-empty string or None"),
    (dict(answer=math.nan), r"Numeric\.answer: got nan; expected a finite number"),
    (dict(answer=math.inf), r"Numeric\.answer: got inf; expected a finite number"),
    (dict(answer="0.25"), r"Numeric\.answer: got '0.25'; expected a finite number"),
    (dict(answer=True), r"Numeric\.answer: got True"),
    (dict(tolerance=-0.1), r"Numeric\.tolerance: got -0.1; expected a finite number >= 0"),
    (dict(tolerance=math.nan), r"Numeric\.tolerance: got nan; expected a finite number >= 0"),
    (dict(unit=None), r"Numeric\.unit: got None; expected a string \(may be empty\)"),
    (dict(relative=1), r"Numeric\.relative: got 1; expected True or False"),
    (dict(answer=0, relative=True, hints=()),
     r"Numeric\.answer: got 0; expected a non-zero number when relative=True"),
    (dict(hints=Mistake(25, "x")), r"Numeric\.hints: got Mistake\(.*\); expected a tuple of Mistake"),
    (dict(hints=(lambda x: x > 1,)), r"Numeric\.hints\[0\]: got <function .*; expected a Mistake\(value, text\) "
                                    r"or a \(value, text\) pair"),
    (dict(hints=(Mistake(25, "x"), Mistake(0.252, "too close"))),
     r"Numeric\.hints\[1\]\.value: got 0\.252; expected a wrong answer, outside ±0\.005 of 0\.25"),
    (dict(hints=((0.25, "the answer itself"),)), r"Numeric\.hints\[0\]\.value: got 0\.25"),
])
def test_numeric_validation_names_field_value_and_range(changes, match):
    with pytest.raises(ValueError, match=match):
        num(**changes)


@pytest.mark.parametrize("args, match", [
    ((math.nan, "x"), r"Mistake\.value: got nan; expected a finite number"),
    (("25", "x"), r"Mistake\.value: got '25'; expected a finite number"),
    ((25, ""), r"Mistake\.text: got ''; expected a non-empty string"),
    ((25, "x", -1), r"Mistake\.tolerance: got -1; expected a finite number >= 0, or None"),
    ((25, "x", math.inf), r"Mistake\.tolerance: got inf"),
])
def test_mistake_validation(args, match):
    with pytest.raises(ValueError, match=match):
        Mistake(*args)


# ------------------------------------------------------------------ checking: multiple choice

def test_multiple_choice_reference_answer_is_correct():
    fb = mc().check(0)
    assert fb == Feedback(True, "✔ Correct: A.", mc().explanation, None, True)
    for typed in ("A", "a", " a. ", "A)", ["A"]):
        assert mc().check(typed).correct, typed


@pytest.mark.parametrize("wrong", [1, 3])
def test_each_multiple_choice_hint_is_reachable(wrong):
    q = mc()
    fb = q.check(wrong)
    assert not fb.correct and fb.valid and fb.message.startswith("✘ Not quite.")
    assert fb.hint == q.hints[wrong] and fb.explanation == q.explanation


def test_wrong_option_without_hint_gets_a_generic_hint():
    fb = mc().check(2)
    assert not fb.correct and fb.hint == "Read the prompt again and weigh each option against it."


@pytest.mark.parametrize("answer, correct, message, hint", [
    ((0, 1), True, "✔ Correct: A, B.", None),
    ([1, 0], True, "✔ Correct: A, B.", None),
    ({0, 1}, True, "✔ Correct: A, B.", None),
    ("A, B", True, "✔ Correct: A, B.", None),
    ("b,a", True, "✔ Correct: A, B.", None),
    ("AB", True, "✔ Correct: A, B.", None),
    ("A and B", True, "✔ Correct: A, B.", None),
    ((0,), False, "You chose 1 of the 2 correct options and 0 that are not correct.",
     "Some correct options are not chosen yet: choose all that apply."),
    (0, False, "You chose 1 of the 2 correct options", "Some correct options are not chosen yet"),
    ((0, 1, 3), False, "You chose 2 of the 2 correct options and 1 that is not correct.",
     "At least one option you chose is not correct."),
    ((0, 2, 3), False, "and 2 that are not correct.", "IFN-γ is the type 1 signature cytokine."),
])
def test_choose_all_that_apply(answer, correct, message, hint):
    fb = multi().check(answer)
    assert fb.correct is correct and message in fb.message
    assert fb.message.startswith("✔ Correct" if correct else "✘ Not quite.")
    assert (fb.hint is None) if hint is None else fb.hint.startswith(hint)


@pytest.mark.parametrize("question, answer, message", [
    (mc(), None, "⚠ No option chosen yet: choose one option, then check."),
    (multi(), None, "⚠ No option chosen yet: choose at least one option, then check."),
    (multi(), (), "⚠ No option chosen yet: choose at least one option, then check."),
    (mc(), ..., "⚠ No option chosen yet: choose one option, then check."),
    (mc(), "", "⚠ No option chosen yet: choose one option, then check."),
    (mc(), 99, "⚠ Cannot check 99: expected one letter from A to D."),
    (mc(), -1, "⚠ Cannot check -1: expected one letter from A to D."),
    (mc(), "E", "⚠ Cannot check 'E': expected one letter from A to D."),
    (mc(), "abc", "⚠ Cannot check 'abc': expected one letter from A to D."),
    (mc(), "A, B", "⚠ Cannot check 'A, B': expected one letter from A to D."),
    (mc(), True, "⚠ Cannot check True: expected one letter from A to D."),
    (mc(), math.nan, "⚠ Cannot check nan: expected one letter"),
    (mc(), (0, 1), "⚠ Cannot check (0, 1): expected one letter"),
    (multi(), (0, 99), '⚠ Cannot check (0, 99): expected letters from A to D, such as "A, C".'),
    (multi(), "xyz", "⚠ Cannot check 'xyz'"),
])
def test_multiple_choice_bad_input_gives_feedback_not_an_exception(question, answer, message):
    fb = question.check(answer)
    assert fb == Feedback(False, message, "", None, False) or fb.message.startswith(message)
    assert not fb.correct and not fb.valid and fb.explanation == "" and fb.hint is None


# ------------------------------------------------------------------ checking: numeric

def test_numeric_reference_answer_passes_its_own_check():
    q = num()
    fb = q.check(q.answer)
    assert fb.correct and fb.valid and fb.hint is None and fb.explanation == q.explanation
    assert fb.message == "✔ Correct. The answer is 0.25 (answers within ±0.005 are accepted)."


@pytest.mark.parametrize("x", [0.25, 0.245, 0.255, "0.25", "0,25", " 0.2549 ", "2.5e-1", "0.25 mg"])
def test_numeric_accepts_numbers_and_numeric_text(x):
    assert num(unit="mg").check(x).correct


@pytest.mark.parametrize("x, hint", [(0.2551, "too high"), (0.2449, "too low"), ("0,3", "too high")])
def test_numeric_near_miss_outside_tolerance_fails_with_direction_hint(x, hint):
    fb = num().check(x)
    assert not fb.correct and fb.valid and fb.message.startswith("✘ Not quite.")
    assert fb.hint == f"Your answer is too {hint.split()[1]}. Check each step of the calculation."


def test_numeric_message_names_the_unit_and_accepted_band():
    q = num(unit="mg", hints=())
    assert q.check(1).message == "✘ Not quite. 1 mg is not within ±0.005 mg of the answer."
    assert q.check(0.25).message == ("✔ Correct. The answer is 0.25 mg "
                                     "(answers within ±0.005 mg are accepted).")


def test_boundary_value_typed_by_a_learner_is_accepted_despite_rounding():
    q = Numeric("p", 0.1, 0.01, "e")
    assert 0.1 - 0.09 > 0.01  # floating point: the naive test would reject 0.09
    assert q.check("0.09").correct and q.check("0.11").correct
    assert not q.check("0.0899").correct
    assert Numeric("p", 0.1 + 0.2, 0, "e").check("0.3").correct


@pytest.mark.parametrize("i", range(2))
def test_each_declared_mistake_hint_is_reachable(i):
    q = num()
    mistake = q.hints[i]
    fb = q.check(mistake.value)
    assert not fb.correct and fb.valid and fb.hint == mistake.text


def test_mistake_tolerance_defaults_to_the_question_tolerance_or_its_own():
    q = num()
    assert q.check(25.004).hint == q.hints[0].text  # question tolerance 0.005
    assert q.check(25.01).hint.startswith("Your answer is too high")
    assert q.check(4.4).hint == q.hints[1].text  # its own tolerance 0.5
    assert q.check("4,4").hint == q.hints[1].text


def test_first_matching_mistake_wins():
    q = Numeric("p", 1, 0.1, "e", hints=(Mistake(10, "first", tolerance=5), Mistake(10, "second")))
    assert q.check(10).hint == "first"


def test_relative_tolerance_scales_with_the_answer():
    q = Numeric("Serum IgE?", 2000, 0.05, "e", unit="kU/L", relative=True,
                hints=(Mistake(2, "You gave kU/mL, not kU/L."),))
    assert q.check(2099).correct and q.check(1901).correct
    assert not q.check(2101).correct and not q.check(1899).correct
    assert q.check("1500,5 kU/L").hint.startswith("Your answer is too low")
    assert q.check(2.09).hint == "You gave kU/mL, not kU/L."  # within 5 % of 2
    assert not q.check(2.2).hint.startswith("You gave")
    assert "±5%" in q.check(2000).message


def test_percent_unit_can_be_typed():
    q = Numeric("p", 25, 0.5, "e", unit="%", hints=((0.25, "Give a percentage, not a proportion."),))
    assert q.check("25%").correct and q.check("25 %").correct
    assert q.check("0,25").hint == "Give a percentage, not a proportion."


def test_numbers_are_shown_without_scientific_notation_up_to_ten_digits():
    q = Numeric("p", 1234567, 1, "e", unit="cells")
    assert q.check(1234000).message == "✘ Not quite. 1234000 cells is not within ±1 cells of the answer."
    assert "0.3 " in Numeric("p", 0.1 + 0.2, 0, "e", unit="g").check(0.3).message


def test_typographic_minus_sign_is_read():
    assert Numeric("p", -1.5, 0.01, "e").check("\u22121.5").correct


EXPECT_NUMBER = "expected a number such as 0.25 (a decimal comma, 0,25, or a fraction, 1/4, works too)."
EXPECT_FINITE = "expected a finite number, not infinity or NaN."


@pytest.mark.parametrize("x, message", [
    ("abc", f"⚠ Cannot check 'abc': {EXPECT_NUMBER}"),
    ("", "⚠ No answer yet: type a number, then check."),
    ("   ", "⚠ No answer yet: type a number, then check."),
    (None, "⚠ No answer yet: type a number, then check."),
    (math.nan, f"⚠ Cannot check nan: {EXPECT_FINITE}"),
    (math.inf, f"⚠ Cannot check inf: {EXPECT_FINITE}"),
    ("nan", f"⚠ Cannot check 'nan': {EXPECT_FINITE}"),
    ("-Infinity", f"⚠ Cannot check '-Infinity': {EXPECT_FINITE}"),
    ("1e999", f"⚠ Cannot check '1e999': {EXPECT_FINITE}"),
    (True, f"⚠ Cannot check True: {EXPECT_NUMBER}"),
    ("1,000.5", f"⚠ Cannot check '1,000.5': {EXPECT_NUMBER}"),
    ("0,2,5", f"⚠ Cannot check '0,2,5': {EXPECT_NUMBER}"),
    ([0.25], f"⚠ Cannot check [0.25]: {EXPECT_NUMBER}"),
    (1j, f"⚠ Cannot check 1j: {EXPECT_NUMBER}"),
    (10 ** 400, f"⚠ Cannot check 1000000000000000000000000000000000000...: {EXPECT_NUMBER}"),
])
def test_numeric_bad_input_gives_feedback_not_an_exception(x, message):
    fb = num().check(x)
    assert fb == Feedback(False, message, "", None, False)


# ------------------------------------------------------------------ property: correct iff within tolerance

def _expected(x, answer, tolerance, relative):
    band = tolerance * abs(answer) if relative else tolerance
    return abs(x - answer) <= band + 1e-9 * max(band, abs(answer))  # the rule in Numeric's docstring


def _assert_rule(answer, tolerance, k, relative):
    q = Numeric("p", answer, tolerance, "e", relative=relative)
    band = tolerance * abs(answer) if relative else tolerance
    x = answer + k * band
    assert q.check(x).correct is _expected(x, answer, tolerance, relative)
    assert q.check(repr(x)).correct is q.check(x).correct  # typed text agrees with the number
    if abs(k) <= 0.999:
        assert q.check(x).correct
    if abs(k) >= 1.001 and band > 1e-5 * abs(answer):  # clearly outside, beyond rounding
        assert not q.check(x).correct


if given is not None:
    @settings(database=None, max_examples=300, deadline=None)
    # Subnormal numbers (below about 2e-308) are left out: a point just outside a tolerance of
    # 5e-324 rounds back onto it, so "outside" cannot be represented at all.
    @given(answer=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
           tolerance=st.floats(0, 1e3, allow_nan=False, allow_subnormal=False),
           k=st.floats(-3, 3, allow_nan=False, allow_subnormal=False),
           relative=st.booleans())
    def test_numeric_correct_iff_within_tolerance(answer, tolerance, k, relative):
        if relative and answer == 0:
            return
        _assert_rule(answer, tolerance, k, relative)
else:
    @pytest.mark.skip(reason="hypothesis is not installed (`make test` installs it)")
    def test_numeric_correct_iff_within_tolerance():
        pass  # pragma: no cover


def test_numeric_correct_iff_within_tolerance_seeded_sweep():
    """The same property without hypothesis, so it always runs."""
    rng = random.Random(20240601)
    for _ in range(2000):
        answer = rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-1, 1), 1.0])
        tolerance = rng.choice([0.0, rng.uniform(0, 1), rng.uniform(0, 1e3)])
        k = rng.choice([rng.uniform(-3, 3), 1.0, -1.0, 1.0005, -0.9995])
        _assert_rule(answer, tolerance, k, relative=rng.random() < 0.5 and answer != 0)


# ------------------------------------------------------------------ widget

def test_ask_builds_an_accessible_multiple_choice_widget():
    w = ask(mc())
    assert isinstance(w, QuizWidget) and isinstance(w, widgets.VBox)
    assert "course-quiz" in w._dom_classes and "course-quiz-feedback" in w.feedback._dom_classes
    assert re.search(r"<fieldset[^>]*><legend><strong>Question</strong> \(choose one\)</legend>",
                     w.prompt.value)
    assert "Which gene" in w.prompt.value
    assert isinstance(w.input, widgets.RadioButtons) and w.input.description == "Your answer"
    assert w.input.options == (("A. FLG", 0), ("B. INS", 1), ("C. HBB", 2), ("D. CFTR", 3)) and w.input.value is None
    assert w.check_button.description == "Check" and w.feedback.value == ""
    assert w.children == (w.prompt, w.input, w.check_button, w.feedback, w.solution_button, w.solution)


def test_choose_all_that_apply_uses_checkboxes():
    w = ask(multi())
    assert "(choose all that apply)" in w.prompt.value
    assert [c.description for c in w.input.children] == [f"{'ABCD'[i]}. {o}" for i, o in enumerate(multi().options)]
    assert all(isinstance(c, widgets.Checkbox) for c in w.input.children)
    assert w.answer() == ()
    w.input.children[1].value = w.input.children[0].value = True
    assert w.answer() == (0, 1)
    w.check_button.click()
    assert "✔ Correct: A, B." in w.feedback.value


def test_numeric_widget_box_description_includes_the_unit():
    w = QuizWidget(num(unit="mg"))
    assert isinstance(w.input, widgets.Text) and w.input.description == "Your answer (mg)"
    assert "(type a number)" in w.prompt.value
    assert QuizWidget(num()).input.description == "Your answer"


def test_check_button_shows_words_hint_then_explanation_after_two_wrong_tries():
    q = mc()
    w = ask(q)
    w.check_button.click()  # nothing chosen: says so, does not count as a try
    assert "⚠ No option chosen yet" in w.feedback.value and w.wrong_tries == 0
    w.input.value = 1
    w.check_button.click()
    assert "✘ Not quite." in w.feedback.value and "Hint:" in w.feedback.value
    assert "<em>hormone</em>" in w.feedback.value  # hints are markdown
    assert "filaggrin" not in w.feedback.value  # no explanation after one wrong try
    w.input.value = 3
    w.check_button.click()
    assert w.wrong_tries == TRIES_BEFORE_EXPLANATION == 2
    assert "CFTR is the cystic fibrosis gene." in w.feedback.value
    assert "Explanation:" in w.feedback.value and "filaggrin" in w.feedback.value
    w.input.value = 0
    w.check_button.click()
    assert "✔ Correct: A." in w.feedback.value and "Hint:" not in w.feedback.value
    assert "filaggrin" in w.feedback.value


def test_correct_first_time_shows_the_explanation():
    w = ask(num())
    w.input.value = "0,25"
    w.check_button.click()
    assert "✔ Correct." in w.feedback.value and "Proportion = 50 / 200." in w.feedback.value


def test_numeric_widget_shows_mistake_hint_and_escapes_the_learners_text():
    w = ask(num())
    w.input.value = "25"
    w.check_button.click()
    assert "✘ Not quite." in w.feedback.value and "That is a percentage" in w.feedback.value
    w.input.value = "<b>abc</b>"
    w.check_button.click()
    assert "⚠ Cannot check" in w.feedback.value and "&lt;b&gt;abc&lt;/b&gt;" in w.feedback.value
    assert "<b>abc" not in w.feedback.value and w.wrong_tries == 1


def test_solution_toggle_reveals_and_hides_the_worked_solution():
    w = ask(mc())
    assert w.solution.value == "" and w.solution_button.description == "Show worked solution"
    w.solution_button.click()
    assert "Filaggrin holds the <strong>barrier</strong> together." in w.solution.value
    assert w.solution_button.description == "Hide worked solution"
    w.solution_button.click()
    assert w.solution.value == "" and w.solution_button.description == "Show worked solution"


def test_no_solution_means_no_solution_button():
    w = ask(multi())
    assert w.solution_button is None and w.solution is None and len(w.children) == 4


class _Broken(Numeric):
    def check(self, answer):
        raise RuntimeError("boom")


def test_an_error_in_a_callback_is_shown_not_lost(caplog):
    w = ask(_Broken("p", 1, 0, "e"))
    w.input.value = "1"
    with caplog.at_level(logging.ERROR, logger="course_lib.quiz"):
        w.check_button.click()
    assert "⚠ Something went wrong while checking your answer" in w.feedback.value
    assert "RuntimeError: boom" in w.feedback.value and "tell your instructor" in w.feedback.value
    assert isinstance(w.error, RuntimeError)
    assert "error while checking your answer" in caplog.text and "boom" in caplog.text


def test_an_error_while_showing_the_solution_is_shown(caplog):
    w = ask(mc())
    w.solution = None  # break the widget on purpose
    with caplog.at_level(logging.ERROR, logger="course_lib.quiz"):
        w.solution_button.click()
    assert "⚠ Something went wrong while showing the solution" in w.feedback.value
    assert "AttributeError" in w.feedback.value


def test_quiz_widget_rejects_a_non_question():
    with pytest.raises(TypeError, match=r"QuizWidget: got dict; expected a MultipleChoice or Numeric"):
        QuizWidget({"prompt": "?"})


@pytest.mark.parametrize("question", [mc(), num()])
def test_displaying_a_question_displays_its_widget(question, monkeypatch):
    shown = []
    monkeypatch.setattr(quiz, "display", shown.append)
    question._ipython_display_()
    assert len(shown) == 1 and isinstance(shown[0], QuizWidget) and shown[0].question is question


# ------------------------------------------------------------------ static markdown

def test_render_markdown_multiple_choice():
    text = render_markdown(mc())
    assert text.startswith("**Question.** Which gene's")
    assert "*Choose one.*" in text and "- **A.** FLG\n- **B.** INS\n- **C.** HBB\n- **D.** CFTR" in text
    details = text[text.index("<details>"):]
    assert details.startswith("<details><summary>Worked solution</summary>\n\n**Answer:** A. FLG")
    assert "FLG encodes filaggrin" in details and "**barrier**" in details
    assert text.rstrip().endswith("</details>")
    assert "FLG encodes" not in text[:text.index("<details>")]  # the answer is hidden until opened


def test_render_markdown_choose_all_and_numeric():
    assert "*Choose all that apply.*" in render_markdown(multi())
    assert "**Answer:** A. IL-4, B. IL-13" in render_markdown(multi())
    text = render_markdown(num(unit="mg"))
    assert "*Answer with a number in mg.*" in text
    assert "**Answer:** 0.25 mg (±0.005 mg accepted)" in text and "$50 / 200 = 0.25$" in text
    rel = render_markdown(Numeric("p", 2000, 0.05, "e", relative=True))
    assert "*Answer with a number.*" in rel and "**Answer:** 2000 (±5% accepted)" in rel


def test_render_markdown_rejects_a_non_question():
    with pytest.raises(TypeError, match=r"render_markdown: got str; expected a MultipleChoice or Numeric"):
        render_markdown("What is eczema?")


def test_a_question_displays_as_a_widget_live_and_as_written_markdown_on_the_site(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr("course_lib.quiz.display", lambda obj: shown.append(obj))
    monkeypatch.delenv("COURSE_STATIC", raising=False)
    mc()._ipython_display_()
    assert isinstance(shown[-1], QuizWidget)
    monkeypatch.setenv("COURSE_STATIC", "1")
    num()._ipython_display_()
    assert isinstance(shown[-1], IPython.display.Markdown)
    assert shown[-1].data == render_markdown(num())


# ------------------------------------------------------------------ issue 12: what a learner types, rounding

@pytest.mark.parametrize("typed", ["3/8", "0.375", "0.38", "0,38", " 3 / 8 "])
def test_numeric_accepts_a_fraction_and_the_rounded_value(typed):
    q = Numeric("Share?", 0.375, 0.005, "e", decimals=2)
    assert q.check(typed).correct, typed


def test_numeric_feedback_rounds_as_the_prompt_asks():
    q = Numeric("Share?", 0.3808463252, 0.005, "e", decimals=2)
    assert q.full_prompt == "Share? Give your answer to 2 decimal places."
    assert q.check(0.38).message == "✔ Correct. The answer is 0.38 (answers within ±0.005 are accepted)."
    assert "0.3808" not in q.check(0.5).message
    assert Numeric("Power?", 87.4, 2.5, "e", unit="%", decimals=1).check(0.874).message.startswith(
        "✘ Not quite. 0.874 % is not within"), "the learner's number is echoed as typed, not rounded"
    assert Numeric("n?", 3, 0.5, "e", decimals=0).full_prompt == "n? Give a whole number."
    assert Numeric("n?", 3, 0.05, "e", decimals=1).rounding_text == "Give your answer to 1 decimal place."
    assert "Give your answer to 2 decimal places." in render_markdown(q)


def test_rounding_needs_a_tolerance_that_accepts_the_rounded_answer():
    with pytest.raises(ValueError, match=r"Numeric\.tolerance: got 0\.001; expected at least 0\.005"):
        Numeric("p", 0.375, 0.001, "e", decimals=2)
    with pytest.raises(ValueError, match=r"Numeric\.decimals: got 7"):
        Numeric("p", 0.3808, 0.001, "e", decimals=7)


def test_reading_questions_get_no_calculation_hint():
    assert Numeric("How many states?", 3, 0, "e").check(4).hint.endswith("Check each step of the calculation.")
    hint = Numeric("How many states?", 3, 0, "e", calculation=False).check(4).hint
    assert hint == "Your answer is too high."


def test_units_agree_in_number():
    q = Numeric("How many?", 3, 0, "e", unit="states", unit_one="state", decimals=0, calculation=False)
    assert q.check(1).message == "✘ Not quite. 1 state is not within ±0 states of the answer."
    assert q.check(3).message.startswith("✔ Correct. The answer is 3 states")
    assert q.check("3 states").correct and q.check("1 state").valid and not q.check("1 state").correct
    assert q.check(q.shown(q.answer)).correct


def test_a_placeholder_is_not_an_answer():
    assert not num().check(...).valid and not mc().check(...).valid


def test_feedback_text_is_the_widgets_feedback_in_words():
    q = mc()
    assert feedback_text(q.check(1)) == f"✘ Not quite.\nHint: {q.hints[1]}"
    assert feedback_text(q.check(1), wrong_tries=2).endswith(f"Explanation: {q.explanation}")
    assert feedback_text(q.check(0)) == f"✔ Correct: A.\nExplanation: {q.explanation}"
