"""Self-check questions: a question is data, checking it is a pure function.

* :class:`MultipleChoice` and :class:`Numeric` are frozen dataclasses that
  validate themselves when they are made, so a broken question fails when the
  notebook is written, not when a learner answers it.
* ``question.check(answer)`` returns a :class:`Feedback` and never raises:
  anything a learner can type gets an answer in words, never a traceback.
* :func:`ask` (or simply displaying a question) shows it as a widget;
  :func:`render_markdown` gives a static version for the course web site.

Example
-------
>>> q = Numeric("What proportion of 200 children have eczema if 50 do?",
...             answer=0.25, tolerance=0.005,
...             explanation="Proportion = cases / total = 50 / 200.",
...             hints=(Mistake(25, "That is a percentage; give a proportion (0 to 1)."),))
>>> q.check("0,25").correct
True
>>> q.check(25).hint
'That is a percentage; give a proportion (0 to 1).'
"""
from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real

import ipywidgets as widgets
from IPython.display import display

try:  # mistune comes with JupyterLab (via nbconvert)
    from mistune import html as _markdown_html
except ImportError:  # pragma: no cover - plain text is a readable fallback
    def _markdown_html(text: str) -> str:
        return f"<p>{html.escape(text)}</p>"

__all__ = ["Feedback", "LETTERS", "Mistake", "MultipleChoice", "Numeric", "QuizWidget", "ask",
           "feedback_text", "render_markdown", "TRIES_BEFORE_EXPLANATION"]

#: The widget shows the explanation after a correct answer or this many wrong ones.
TRIES_BEFORE_EXPLANATION = 2

_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer is right.
    message : str
        One sentence in words, starting with "✔ Correct." or "✘ Not quite.",
        or with "⚠" when the input could not be read as an answer.
    explanation : str
        The question's explanation (markdown); empty when the input was not an answer.
    hint : str or None
        A hint for a wrong answer: the matching mistake's text, else a generic one.
    valid : bool
        False when the input could not be read as an answer (it then does not
        count as a try).
    """

    correct: bool
    message: str
    explanation: str
    hint: str | None = None
    valid: bool = True


#: Option letters: option 0 is A.
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _no_answer(value) -> bool:
    """None, ``...`` (the exercise placeholder) and blank text are not answers yet."""
    return value is None or value is Ellipsis or (isinstance(value, str) and not value.strip())


def _to_choices(value, n: int) -> tuple[int, ...] | None:
    """Option indices from letters or indices; () for no answer, None when unreadable."""
    if _no_answer(value):
        return ()
    if isinstance(value, str):
        text = value.strip().upper().replace(" AND ", ",")
        parts = [p.strip().rstrip(".)") for p in text.replace(";", ",").split(",") if p.strip()]
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
            parts = list(parts[0])  # "AC"
        items = parts
    elif isinstance(value, (tuple, list, set, frozenset)):
        items = list(value)
        if not items:
            return ()
    else:
        items = [value]
    out = []
    for item in items:
        if isinstance(item, str) and len(item.strip().rstrip(".)")) == 1:
            i = LETTERS.find(item.strip().rstrip(".)").upper())
        elif _is_int(item):
            i = item
        else:
            return None
        if not 0 <= i < n:
            return None
        out.append(i)
    return tuple(dict.fromkeys(out))


def _invalid(message: str) -> Feedback:
    return Feedback(correct=False, message=message, explanation="", hint=None, valid=False)


def _error(cls: str, name: str, value, expected: str) -> ValueError:
    return ValueError(f"{cls}.{name}: got {value!r}; expected {expected}")


def _is_int(x) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _is_finite(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _check_text(cls: str, name: str, value, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise _error(cls, name, value, "a non-empty string" + (" or None" if optional else ""))


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def _shown(value) -> str:
    """A learner's input as shown in a message (cut short if very long)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer to a :class:`Numeric` question, and the hint for it.

    Parameters
    ----------
    value : float
        The wrong answer this mistake produces (e.g. a percentage instead of a proportion).
    text : str
        The hint shown when a learner's answer matches ``value``.
    tolerance : float or None
        How close counts as a match, read like the question's tolerance
        (a fraction of ``|value|`` when the question is ``relative``).
        None uses the question's own tolerance.
    """

    value: float
    text: str
    tolerance: float | None = None

    def __post_init__(self):
        if not _is_finite(self.value):
            raise _error("Mistake", "value", self.value, "a finite number")
        _check_text("Mistake", "text", self.text)
        if self.tolerance is not None and not (_is_finite(self.tolerance) and self.tolerance >= 0):
            raise _error("Mistake", "tolerance", self.tolerance, "a finite number >= 0, or None")


@dataclass(frozen=True)
class MultipleChoice:
    """A multiple-choice question.

    Parameters
    ----------
    prompt : str
        The question (markdown).
    options : tuple of str
        Two to 26 distinct options, shown lettered A, B, C... in the widget, on the
        site and in feedback.
    answer : int or tuple of int
        Index of the correct option (0 is A), or a tuple of indices for "choose all
        that apply".
    explanation : str
        Why the answer is right (markdown).
    hints : dict of int to str, optional
        Maps a wrong option's index to a hint about that likely mistake.
    solution : str, optional
        A worked solution (markdown), shown on request.
    """

    prompt: str
    options: tuple[str, ...]
    answer: int | tuple[int, ...]
    explanation: str
    hints: Mapping[int, str] | None = field(default=None, hash=False)
    solution: str | None = None

    def __post_init__(self):
        C = "MultipleChoice"
        _check_text(C, "prompt", self.prompt)
        _check_text(C, "explanation", self.explanation)
        _check_text(C, "solution", self.solution, optional=True)
        options = tuple(self.options) if isinstance(self.options, (tuple, list)) else None
        if (not options or not 2 <= len(options) <= 26 or len(set(options)) != len(options)
                or not all(isinstance(o, str) and o.strip() for o in options)):
            raise _error(C, "options", self.options, "a tuple of 2 to 26 distinct non-empty strings")
        object.__setattr__(self, "options", options)
        valid = f"an option index from 0 to {len(options) - 1}"
        answer = tuple(self.answer) if isinstance(self.answer, (tuple, list)) else self.answer
        if isinstance(answer, tuple):
            if (not answer or len(set(answer)) != len(answer)
                    or not all(_is_int(i) and 0 <= i < len(options) for i in answer)):
                raise _error(C, "answer", self.answer, f"{valid}, or a tuple of distinct such indices")
        elif not (_is_int(answer) and 0 <= answer < len(options)):
            raise _error(C, "answer", self.answer, valid)
        object.__setattr__(self, "answer", answer)
        if self.hints is not None and not isinstance(self.hints, Mapping):
            raise _error(C, "hints", self.hints, "a dict mapping wrong options' indices to hints, or None")
        hints = dict(self.hints or {})
        for i, text in hints.items():
            if not _is_int(i) or not 0 <= i < len(options) or i in self.correct_indices:
                raise _error(C, "hints", i, f"keys that are wrong options' indices "
                             f"(0 to {len(options) - 1}, not the answer {self.answer!r})")
            _check_text(C, f"hints[{i}]", text)
        object.__setattr__(self, "hints", hints)

    @property
    def multiple(self) -> bool:
        """True for a "choose all that apply" question."""
        return isinstance(self.answer, tuple)

    @property
    def correct_indices(self) -> frozenset[int]:
        """The indices of all correct options."""
        return frozenset(self.answer) if self.multiple else frozenset([self.answer])

    def letter_answer(self) -> str:
        """The correct option's letter, or letters joined by ", " ("A, C")."""
        return ", ".join(LETTERS[i] for i in sorted(self.correct_indices))

    def check(self, answer) -> Feedback:
        """Check a chosen option: a letter ("B", "b"), several letters ("A, C") for
        "choose all that apply", or option indices (0 is A) as the widget sends them.

        Parameters
        ----------
        answer : str, int, iterable of str or int, or None
            What the learner chose. ``...`` (a placeholder) counts as no answer yet.

        Returns
        -------
        Feedback
            Never raises: input that is not an answer gives ``valid=False`` feedback.
        """
        n = len(self.options)
        last = LETTERS[n - 1]
        expected = (f"expected letters from A to {last}, such as \"A, C\"" if self.multiple
                    else f"expected one letter from A to {last}")
        chosen = _to_choices(answer, n)
        if chosen == ():
            what = "at least one option" if self.multiple else "one option"
            return _invalid(f"⚠ No option chosen yet: choose {what}, then check.")
        if chosen is None or (len(chosen) > 1 and not self.multiple):
            return _invalid(f"⚠ Cannot check {_shown(answer)}: {expected}.")
        chosen = frozenset(chosen)
        if chosen == self.correct_indices:
            return Feedback(True, f"✔ Correct: {self.letter_answer()}.", self.explanation)
        wrong = sorted(chosen - self.correct_indices)
        hint = next((self.hints[i] for i in wrong if i in self.hints), None)
        if not self.multiple:
            message = "✘ Not quite."
            hint = hint or "Read the prompt again and weigh each option against it."
        else:
            right = len(chosen & self.correct_indices)
            message = (f"✘ Not quite. You chose {right} of the {len(self.correct_indices)} "
                       f"correct options and {len(wrong)} that {'is' if len(wrong) == 1 else 'are'} not correct.")
            if hint is None:
                hint = ("At least one option you chose is not correct." if wrong
                        else "Some correct options are not chosen yet: choose all that apply.")
        return Feedback(False, message, self.explanation, hint)

    def _ipython_display_(self):
        _display_question(self)


@dataclass(frozen=True)
class Numeric:
    """A question with a numeric answer.

    Parameters
    ----------
    prompt : str
        The question (markdown).
    answer : float
        The reference answer.
    tolerance : float
        Accepted distance from ``answer`` (a fraction of ``|answer|`` if ``relative``).
    explanation : str
        Why the answer is right (markdown).
    unit : str, optional
        Unit of the answer, shown next to the box (e.g. "mg", "%").
    hints : tuple of Mistake, optional
        Common wrong answers and their hints; ``(value, text)`` pairs are turned
        into :class:`Mistake`. The first matching mistake wins.
    solution : str, optional
        A worked solution (markdown), shown on request.
    relative : bool, optional
        Read ``tolerance`` as a fraction of ``|answer|`` (0.05 means within 5 %).
    decimals : int, optional
        The rounding the learner is asked for (2 means "to 2 decimal places"; 0 a
        whole number). The prompt then says so, feedback shows numbers rounded
        that way, and the tolerance must accept the answer rounded that way.
    calculation : bool, optional
        False for counting or reading questions: a wrong answer then gets no
        "check each step of the calculation" hint.
    unit_one : str, optional
        The unit's singular ("state" for unit "states"), used for the value 1.

    Notes
    -----
    An answer ``x`` is correct when ``|x - answer| <= band``, where ``band`` is
    the tolerance (times ``|answer|`` if relative) plus a rounding allowance of
    ``1e-9 * max(band, |answer|)``, so that typing a boundary value such as
    0.09 for 0.1 ± 0.01 is accepted despite floating-point rounding.
    """

    prompt: str
    answer: float
    tolerance: float
    explanation: str
    unit: str = ""
    hints: tuple[Mistake, ...] = ()
    solution: str | None = None
    relative: bool = False
    decimals: int | None = None
    calculation: bool = True
    unit_one: str = ""

    def __post_init__(self):
        C = "Numeric"
        _check_text(C, "prompt", self.prompt)
        _check_text(C, "explanation", self.explanation)
        _check_text(C, "solution", self.solution, optional=True)
        if not _is_finite(self.answer):
            raise _error(C, "answer", self.answer, "a finite number")
        if not (_is_finite(self.tolerance) and self.tolerance >= 0):
            raise _error(C, "tolerance", self.tolerance, "a finite number >= 0")
        if not isinstance(self.unit, str):
            raise _error(C, "unit", self.unit, "a string (may be empty)")
        if not isinstance(self.relative, bool):
            raise _error(C, "relative", self.relative, "True or False")
        if self.relative and self.answer == 0:
            raise _error(C, "answer", self.answer, "a non-zero number when relative=True")
        if not isinstance(self.calculation, bool):
            raise _error(C, "calculation", self.calculation, "True or False")
        if not isinstance(self.unit_one, str):
            raise _error(C, "unit_one", self.unit_one, "a string (may be empty)")
        if self.decimals is not None:
            if not (_is_int(self.decimals) and 0 <= self.decimals <= 6):
                raise _error(C, "decimals", self.decimals, "a whole number from 0 to 6, or None")
            rounded = round(self.answer, self.decimals)
            if not self._within(rounded):
                raise _error(C, "tolerance", self.tolerance,
                             f"at least {0.5 * 10 ** -self.decimals:g}, so that the answer rounded to "
                             f"{self.decimals} decimal places ({rounded:.{self.decimals}f}) is accepted")
        if not isinstance(self.hints, (tuple, list)):
            raise _error(C, "hints", self.hints, "a tuple of Mistake(value, text)")
        mistakes = []
        for i, m in enumerate(self.hints):
            if isinstance(m, (tuple, list)) and len(m) == 2:
                m = Mistake(*m)
            if not isinstance(m, Mistake):
                raise _error(C, f"hints[{i}]", m, "a Mistake(value, text) or a (value, text) pair")
            if self._within(m.value):
                raise _error(C, f"hints[{i}].value", m.value,
                             f"a wrong answer, outside {self._band_text()} of {_fmt(self.answer)}")
            mistakes.append(m)
        object.__setattr__(self, "hints", tuple(mistakes))

    def _band(self, centre: float, tolerance: float) -> float:
        band = tolerance * abs(centre) if self.relative else tolerance
        return band + 1e-9 * max(band, abs(centre))

    def _within(self, x: float) -> bool:
        return abs(x - self.answer) <= self._band(self.answer, self.tolerance)

    def _band_text(self) -> str:
        if self.relative:
            return f"±{_fmt(100 * self.tolerance)}%"
        return f"±{_fmt(self.tolerance)} {self.unit}".strip()

    def shown(self, x: float) -> str:
        """``x`` as feedback shows it: rounded as the prompt asks, with its unit."""
        text = f"{x:.{self.decimals}f}" if self.decimals is not None else _fmt(x)
        unit = self.unit_one if self.unit_one and float(text) == 1 else self.unit
        return f"{text} {unit}".strip()

    def _with_unit(self, x: float) -> str:
        return self.shown(x)

    def _typed(self, x: float) -> str:
        """A learner's number as they gave it (not rounded), with the unit."""
        unit = self.unit_one if self.unit_one and x == 1 else self.unit
        return f"{_fmt(x)} {unit}".strip()

    @property
    def rounding_text(self) -> str:
        """What the prompt asks for: "Give your answer to 2 decimal places." (empty if unset)."""
        if self.decimals is None:
            return ""
        if self.decimals == 0:
            return "Give a whole number."
        return f"Give your answer to {self.decimals} decimal place{'s' if self.decimals > 1 else ''}."

    @property
    def full_prompt(self) -> str:
        """The prompt and the rounding it asks for."""
        return f"{self.prompt} {self.rounding_text}".strip()

    def check(self, answer) -> Feedback:
        """Check a number, or text typed into a box ("0.25", "0,25", "25 %").

        Parameters
        ----------
        answer : float, str or None
            What the learner gave. A trailing unit, spaces, a decimal comma and a
            fraction ("1/8") are allowed; ``...`` (a placeholder) counts as no answer yet.

        Returns
        -------
        Feedback
            Never raises: input that is not a finite number gives ``valid=False`` feedback.
        """
        x = _to_number(answer, self.unit, self.unit_one)
        if isinstance(x, Feedback):
            return x
        if self._within(x):
            return Feedback(True, f"✔ Correct. The answer is {self._with_unit(self.answer)} "
                                  f"(answers within {self._band_text()} are accepted).", self.explanation)
        hint = next((m.text for m in self.hints
                     if abs(x - m.value) <= self._band(m.value, self.tolerance if m.tolerance is None
                                                       else m.tolerance)), None)
        if hint is None:
            hint = f"Your answer is too {'high' if x > self.answer else 'low'}."
            if self.calculation:
                hint += " Check each step of the calculation."
        return Feedback(False, f"✘ Not quite. {self._typed(x)} is not within "
                               f"{self._band_text()} of the answer.", self.explanation, hint)

    def _ipython_display_(self):
        _display_question(self)


def _to_number(value, unit: str = "", unit_one: str = "") -> float | Feedback:
    """Read a learner's input as a finite float, or return feedback saying why not."""
    expected = "expected a number such as 0.25 (a decimal comma, 0,25, or a fraction, 1/4, works too)"
    if _no_answer(value):
        return _invalid("⚠ No answer yet: type a number, then check.")
    if isinstance(value, bool):
        return _invalid(f"⚠ Cannot check {_shown(value)}: {expected}.")
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")  # a typographic minus sign
        for suffix in (unit, unit_one):
            if suffix and text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        text = text.replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if text.count("/") == 1:  # a fraction such as 1/8
            top, bottom = text.split("/")
            try:
                x = float(top) / float(bottom)
            except (ValueError, ZeroDivisionError, OverflowError):
                return _invalid(f"⚠ Cannot check {_shown(value)}: {expected}.")
            text = x
    else:
        text = value
    try:
        x = float(text)
    except (TypeError, ValueError, OverflowError):
        return _invalid(f"⚠ Cannot check {_shown(value)}: {expected}.")
    if not math.isfinite(x):
        return _invalid(f"⚠ Cannot check {_shown(value)}: expected a finite number, not infinity or NaN.")
    return x


# --------------------------------------------------------------------------- widget

class QuizWidget(widgets.VBox):
    """A question as a widget: prompt, answer input, Check button, feedback, solution.

    The feedback says in words (and a symbol) whether the answer is right, with a
    hint when it is not. The explanation appears after a correct answer or after
    :data:`TRIES_BEFORE_EXPLANATION` wrong ones. An error inside a button's
    callback is shown in the feedback area rather than lost.

    Parameters
    ----------
    question : MultipleChoice or Numeric
    """

    def __init__(self, question):
        if not isinstance(question, (MultipleChoice, Numeric)):
            raise TypeError(f"QuizWidget: got {type(question).__name__}; "
                            "expected a MultipleChoice or Numeric question")
        self.question = question
        self.wrong_tries = 0
        self.error: Exception | None = None
        if isinstance(question, Numeric):
            label = "type a number"
        else:
            label = "choose all that apply" if question.multiple else "choose one"
        self.prompt = widgets.HTMLMath(
            f'<fieldset class="course-quiz-prompt"><legend><strong>Question</strong> ({label})</legend>'
            f"{_markdown_html(_prompt(question))}</fieldset>")
        wide = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        if isinstance(question, Numeric):
            unit = f" ({question.unit})" if question.unit else ""
            self.input = widgets.Text(description=f"Your answer{unit}", placeholder="type a number", **wide)
        elif question.multiple:
            self.input = widgets.VBox([widgets.Checkbox(description=f"{LETTERS[i]}. {o}", value=False,
                                                        indent=False, **wide)
                                       for i, o in enumerate(question.options)])
        else:
            self.input = widgets.RadioButtons(options=[(f"{LETTERS[i]}. {o}", i)
                                                       for i, o in enumerate(question.options)],
                                              value=None, description="Your answer", **wide)
        self.check_button = widgets.Button(description="Check", button_style="primary",
                                           icon="check", tooltip="Check your answer")
        self.check_button.on_click(self._safely(self._check, "checking your answer"))
        self.feedback = widgets.HTMLMath("").add_class("course-quiz-feedback")
        children = [self.prompt, self.input, self.check_button, self.feedback]
        self.solution_button = self.solution = None
        if question.solution:
            self.solution_button = widgets.Button(description="Show worked solution", icon="eye",
                                                  tooltip="Show or hide the worked solution")
            self.solution_button.on_click(self._safely(self._toggle_solution, "showing the solution"))
            self.solution = widgets.HTMLMath("").add_class("course-quiz-solution")
            children += [self.solution_button, self.solution]
        super().__init__(children)
        self.add_class("course-quiz")

    def answer(self):
        """The answer currently entered: an option index, a tuple of indices, or text."""
        if isinstance(self.input, widgets.VBox):
            return tuple(i for i, box in enumerate(self.input.children) if box.value)
        return self.input.value

    def _safely(self, action, doing: str):
        """Wrap a button callback so an error is shown, not silently dropped."""
        def callback(_button):
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - shown to the learner and logged
                self.error = exc
                _log.exception("quiz: error while %s", doing)
                self.feedback.value = (
                    f'<div role="alert"><p><strong>⚠ Something went wrong while {doing}</strong> '
                    f"({html.escape(type(exc).__name__)}: {html.escape(str(exc))}). "
                    "Please tell your instructor.</p></div>")
        return callback

    def _check(self):
        fb = self.question.check(self.answer())
        if fb.valid and not fb.correct:
            self.wrong_tries += 1
        parts = [f"<p><strong>{html.escape(fb.message)}</strong></p>"]
        if fb.hint:
            parts.append(f"<p><strong>Hint:</strong></p>{_markdown_html(fb.hint)}")
        if show_explanation(fb, self.wrong_tries):
            parts.append(f"<p><strong>Explanation:</strong></p>{_markdown_html(fb.explanation)}")
        self.feedback.value = f'<div role="status">{"".join(parts)}</div>'

    def _toggle_solution(self):
        if self.solution.value:
            self.solution.value = ""
            self.solution_button.description = "Show worked solution"
        else:
            self.solution.value = (f"<p><strong>Worked solution</strong></p>"
                                   f"{_markdown_html(self.question.solution)}")
            self.solution_button.description = "Hide worked solution"


def _prompt(question) -> str:
    return question.full_prompt if isinstance(question, Numeric) else question.prompt


def show_explanation(fb: Feedback, wrong_tries: int) -> bool:
    """The explanation is shown after a right answer or :data:`TRIES_BEFORE_EXPLANATION` wrong ones."""
    return bool(fb.explanation) and (fb.correct or wrong_tries >= TRIES_BEFORE_EXPLANATION)


def feedback_text(fb: Feedback, wrong_tries: int = 0) -> str:
    """The widget's feedback as plain text, for the code route (``print``)."""
    parts = [fb.message]
    if fb.hint:
        parts.append(f"Hint: {fb.hint}")
    if show_explanation(fb, wrong_tries):
        parts.append(f"Explanation: {fb.explanation}")
    return "\n".join(parts)


def _display_question(question) -> None:
    """A widget in a live notebook; the written question while the static site is built."""
    from .plotting import static_mode

    if static_mode():
        from IPython.display import Markdown
        display(Markdown(render_markdown(question)))
    else:
        display(ask(question))


def ask(question) -> QuizWidget:
    """Show a question as a widget (same as ``QuizWidget(question)``).

    Parameters
    ----------
    question : MultipleChoice or Numeric

    Returns
    -------
    QuizWidget
        An ``ipywidgets.VBox`` with the CSS class ``course-quiz``.
    """
    return QuizWidget(question)


# --------------------------------------------------------------------------- static

def render_markdown(question) -> str:
    """A static markdown version of a question, for the web site and GitHub.

    The answer, explanation and worked solution sit in a collapsed
    ``<details><summary>Worked solution</summary>`` block.

    Parameters
    ----------
    question : MultipleChoice or Numeric

    Returns
    -------
    str
        Markdown text.
    """
    if isinstance(question, MultipleChoice):
        how = "Choose all that apply." if question.multiple else "Choose one."
        body = "\n".join(f"- **{LETTERS[i]}.** {o}" for i, o in enumerate(question.options))
        answer = ", ".join(f"{LETTERS[i]}. {question.options[i]}" for i in sorted(question.correct_indices))
    elif isinstance(question, Numeric):
        how = "Answer with a number" + (f" in {question.unit}." if question.unit else ".")
        how = f"{how} {question.rounding_text}".strip()
        body = ""
        answer = f"{question._with_unit(question.answer)} ({question._band_text()} accepted)"
    else:
        raise TypeError(f"render_markdown: got {type(question).__name__}; "
                        "expected a MultipleChoice or Numeric question")
    parts = [f"**Question.** {question.prompt}", f"*{how}*", body,
             "<details><summary>Worked solution</summary>", f"**Answer:** {answer}",
             question.explanation, question.solution or "", "</details>"]
    return "\n\n".join(p for p in parts if p) + "\n"
