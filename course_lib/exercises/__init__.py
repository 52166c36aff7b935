"""The course's exercises: each question defined once, here, out of the learner's sight.

A notebook shows a question and checks a learner's answer by its key, ``"NN.name"``
(``NN`` the notebook's number, ``name`` the exercise)::

    my_answer = ...                      # the learner's cell: only what they write
    ask("00.upper_limbs", my_answer)     # the check cell: the widget, and the same feedback printed

The question itself (prompt, answer, tolerance, hints, explanation) lives in
``course_lib/exercises/nbNN.py``, one module per notebook, as a function decorated with
:func:`question`. The function computes the answer from the models and data, so the
answer cannot drift from what the notebook shows; it runs once, when first asked.

Tests (``tests/test_exercises.py``) check every question: its reference answer passes,
every hint is reachable, the notebook's worked solution states the same answer, and the
instructor guide agrees.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable

from .. import quiz
from ..plotting import static_mode

__all__ = ["ask", "get", "keys", "question", "reset"]

_FACTORIES: dict[str, Callable[[], object]] = {}
_KEY = re.compile(r"^(\d\d)\.([a-z][a-z0-9_]*)$")
#: Wrong answers given on the code route so far, per question (the explanation follows the widget's rule).
_WRONG_TRIES: dict[str, int] = {}


def question(func: Callable[[], object]) -> Callable[[], object]:
    """Register ``func`` (in module ``nbNN``) as the factory of question ``"NN.<func name>"``."""
    module = func.__module__.rsplit(".", 1)[-1]
    match = re.fullmatch(r"nb(\d\d)", module)
    if not match:
        raise ValueError(f"exercises.question: {func.__module__}.{func.__name__} is not in a module "
                         "named nbNN (course_lib/exercises/nb00.py, nb01.py, ...)")
    key = f"{match.group(1)}.{func.__name__}"
    if key in _FACTORIES and _FACTORIES[key].__qualname__ != func.__qualname__:
        raise ValueError(f"exercises.question: {key} is defined twice")
    _FACTORIES[key] = func
    return func


def _import_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"nb\d\d", info.name):
            importlib.import_module(f"{__name__}.{info.name}")


def keys(notebook: str | None = None) -> list[str]:
    """Every question's key, in the order of definition; only notebook ``"NN"``'s if given."""
    _import_all()
    return [k for k in _FACTORIES if notebook is None or k.startswith(f"{notebook}.")]


def get(key: str):
    """The question (a :class:`course_lib.quiz.MultipleChoice` or :class:`~course_lib.quiz.Numeric`) for ``key``.

    Raises
    ------
    KeyError
        Naming the key and the keys that exist for that notebook.
    """
    match = _KEY.match(key) if isinstance(key, str) else None
    if not match:
        raise KeyError(f"exercises: got {key!r}; expected a key such as '02.shortest_trigger'")
    return _build(key)


@functools.cache
def _build(key: str):
    """The question for a well-formed key, built once (its factory computes the answer from the models)."""
    match = _KEY.match(key)
    try:
        importlib.import_module(f"{__name__}.nb{match.group(1)}")
    except ModuleNotFoundError:
        pass
    if key not in _FACTORIES:
        known = ", ".join(keys(match.group(1))) or "none"
        raise KeyError(f"exercises: no question {key!r}; notebook {match.group(1)} has: {known}")
    q = _FACTORIES[key]()
    if not isinstance(q, (quiz.MultipleChoice, quiz.Numeric)):
        raise TypeError(f"exercises: {key} made a {type(q).__name__}; expected MultipleChoice or Numeric")
    return q


def reset() -> None:
    """Forget the code route's count of wrong tries (tests use this)."""
    _WRONG_TRIES.clear()


def ask(key: str, answer=None) -> None:
    """Show question ``key`` as a widget and print the feedback on ``answer`` (the code route).

    ``answer`` is what the learner wrote in their cell: a number (or text such as
    "1/8") for a numeric question, a letter ("B") or letters ("A, C") for a
    multiple-choice one. ``...`` or None means "not answered yet" and prints how to
    answer. On the course's static site only the written question is shown.
    """
    q = get(key)
    if not static_mode():
        fb = q.check(answer)
        if not fb.valid and fb.message.startswith(("⚠ No answer", "⚠ No option")):
            if isinstance(q, quiz.MultipleChoice):
                last = quiz.LETTERS[len(q.options) - 1]
                how = (f"one letter from A to {last} in quotes" if not q.multiple
                       else f"the letters (A to {last}) of every option that applies, in quotes, separated by commas")
            else:
                how = "a number (a fraction such as 3/8 works too)"
            print(f"Not answered yet: in the cell above, replace ... with {how}, run it, then run this cell. "
                  "Or answer in the box below.")
        else:
            if fb.valid and not fb.correct:
                _WRONG_TRIES[key] = _WRONG_TRIES.get(key, 0) + 1
            print(quiz.feedback_text(fb, _WRONG_TRIES.get(key, 0)))
    quiz._display_question(q)
