"""Exercises (issue 12): questions live in course_lib.exercises, notebooks only ask them.

Checked without running a notebook:
* every question's reference answer passes its own check (rounded as the prompt asks, too), and every
  hint is reachable;
* each notebook asks each of its questions exactly once, in the anatomy
  task (markdown) -> learner's cell -> check cell ``ask("NN.name", my_answer)`` -> folded worked solution,
  and the worked solution's ``**Answer:**`` line states the computed answer;
* no code cell shows answers or test scaffolding (``assert``, ``answer=``, ``solution=``,
  ``explanation=``, ``hints=``);
* every **Think!** is followed by a folded "One way to think about it".
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib import exercises, quiz

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
IDS = [p.name[:2] for p in NOTEBOOKS]
KEYS = exercises.keys()
ASK = re.compile(r"""\bask\(\s*["'](\d\d\.[a-z0-9_]+)["']\s*(?:,\s*([A-Za-z_]\w*))?\s*\)""")
FORBIDDEN = re.compile(r"^\s*assert\b|\banswer\s*=|\bsolution\s*=|\bexplanation\s*=|\bhints\s*=", re.M)
SOLUTION = "<details><summary>Worked solution</summary>"
THINK_ANSWER = "<details><summary>One way to think about it</summary>"


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def src(cell: dict) -> str:
    return "".join(cell["source"])


def stated(q) -> str:
    """The answer as a worked solution must state it: letters, or the number rounded as asked."""
    if isinstance(q, quiz.MultipleChoice):
        return q.letter_answer()
    return q.shown(q.answer).split(" ")[0]


# ------------------------------------------------------------------ the questions themselves

def test_every_notebook_has_questions():
    for path in NOTEBOOKS:
        assert exercises.keys(path.name[:2]), f"course_lib/exercises has no questions for {path.name}"


@pytest.mark.parametrize("key", KEYS)
def test_reference_answer_passes(key):
    q = exercises.get(key)
    if isinstance(q, quiz.MultipleChoice):
        assert q.check(q.letter_answer()).correct
        assert q.check(q.letter_answer().lower()).correct
    else:
        assert q.check(q.answer).correct
        assert q.check(q.shown(q.answer)).correct, "the answer as feedback shows it is accepted"
        if q.decimals is not None:
            assert q.check(f"{q.answer:.{q.decimals}f}").correct, "the answer rounded as asked is accepted"
            assert re.search(r"decimal place|whole number", q.full_prompt)


@pytest.mark.parametrize("key", KEYS)
def test_every_hint_is_reachable(key):
    q = exercises.get(key)
    if isinstance(q, quiz.MultipleChoice):
        for i, text in q.hints.items():
            assert q.check(quiz.LETTERS[i]).hint == text, f"the hint for option {quiz.LETTERS[i]} is never shown"
    else:
        for m in q.hints:
            assert q.check(m.value).hint == m.text, f"the hint for {m.value} is shadowed by another"


@pytest.mark.parametrize("key", KEYS)
def test_text_is_plain_and_complete(key):
    q = exercises.get(key)
    texts = [q.prompt, q.explanation, q.solution or ""]
    texts += list(q.options) + list(q.hints.values()) if isinstance(q, quiz.MultipleChoice) \
        else [m.text for m in q.hints]
    for text in texts:
        assert not re.search(r"\{[A-Za-z_][\w.]*(?:[:!][^{}]*)?\}", text), f"an unformatted placeholder: {text!r}"
        assert not re.search(r"\d\.\d{5,}", text), f"a number with too many digits for a learner: {text!r}"
    if isinstance(q, quiz.MultipleChoice):
        assert not re.search(r"\boption \d\b", q.explanation + " ".join(q.hints.values())), \
            "options are named by letter"


def test_an_unknown_key_names_the_known_ones():
    with pytest.raises(KeyError, match="00.upper_limbs"):
        exercises.get("00.no_such_question")
    with pytest.raises(KeyError, match="expected a key"):
        exercises.get("upper_limbs")
    with pytest.raises(KeyError, match="expected a key"):
        exercises.get(["00.upper_limbs"])


def test_ask_prints_the_widgets_feedback(capsys):
    exercises.reset()
    key = KEYS[0]
    q = exercises.get(key)
    wrong = next(i for i in range(len(q.options)) if i not in q.correct_indices) \
        if isinstance(q, quiz.MultipleChoice) else q.answer + 1000
    exercises.ask(key, quiz.LETTERS[wrong] if isinstance(q, quiz.MultipleChoice) else wrong)
    out = capsys.readouterr().out
    assert "✘ Not quite." in out and "Hint:" in out and "Explanation:" not in out
    exercises.ask(key, ...)
    assert "Not answered yet" in capsys.readouterr().out
    right = q.letter_answer() if isinstance(q, quiz.MultipleChoice) else q.answer
    exercises.ask(key, right)
    out = capsys.readouterr().out
    assert "✔ Correct" in out and "Explanation:" in out


# ------------------------------------------------------------------ the notebooks

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_code_cell_shows_answers_or_scaffolding(path):
    shown = [f"cell {i}: {m.group(0).strip()!r}" for i, c in enumerate(cells(path)) if c["cell_type"] == "code"
             for m in FORBIDDEN.finditer(src(c))]
    assert not shown, "code the learner sees gives answers away or checks the author's numbers:\n" + "\n".join(shown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_question_is_asked_once_with_its_anatomy(path):
    number = path.name[:2]
    nb = cells(path)
    asked = []
    for i, c in enumerate(nb):
        if c["cell_type"] != "code":
            continue
        for m in ASK.finditer(src(c)):
            key, variable = m.group(1), m.group(2)
            asked.append(key)
            assert key.startswith(f"{number}."), f"cell {i} asks {key}, a question of another notebook"
            where = f"cell {i} ({key})"
            assert src(c).strip() == m.group(0), f"{where}: the check cell holds only the ask(...) call"
            assert variable, f"{where}: pass the learner's variable, e.g. ask({key!r}, my_answer)"
            before = nb[i - 1]
            assert before["cell_type"] == "code" and re.search(rf"^{variable}\s*=", src(before), re.M), \
                f"{where}: the cell before must be the learner's cell assigning {variable}"
            assert len(src(before).strip().splitlines()) <= 15, f"{where}: the learner's cell is short"
            task = nb[i - 2]
            assert task["cell_type"] == "markdown" and re.search(r"^###? ", src(task), re.M), \
                f"{where}: a markdown task with an exercise heading comes before the learner's cell"
            after = nb[i + 1] if i + 1 < len(nb) else None
            assert after and after["cell_type"] == "markdown" and src(after).lstrip().startswith(SOLUTION), \
                f"{where}: a folded worked solution follows the check cell"
            solution = src(after).split("</details>", 1)[0]
            m_answer = re.search(r"\*\*Answer:\*\*[ \t]*(.+)", solution)
            assert m_answer, f"{where}: the worked solution has no '**Answer:** ...' line"
            q = exercises.get(key)
            want = stated(q)
            for shown, what in ((src(before), "learner's cell"), (src(task), "task")):
                if isinstance(q, quiz.MultipleChoice):
                    assert not re.search(rf"""(e\.g\.|such as|for example)[^\n]*["']{re.escape(want)}["']""", shown), \
                        f"{where}: the {what} uses the answer {want!r} as its example"
                else:
                    assert not re.search(rf"(e\.g\.|such as|for example)[^\n]*(?<![\d.]){re.escape(want)}(?![\d])",
                                         shown), f"{where}: the {what} uses the answer {want} as its example"
            line = m_answer.group(1).replace("*", "").strip()
            if isinstance(q, quiz.MultipleChoice):
                letters = re.match(r"([A-Z](?:\s*(?:,|and)\s*[A-Z])*)\b", line)
                got = ", ".join(re.findall(r"[A-Z]", letters.group(1))) if letters else line
                assert got == want, f"{where}: worked solution says {line!r}, the question's answer is {want}"
            else:
                value = re.match(r"[-−]?\d+(?:\.\d+)?", line)
                got = value.group(0).replace("−", "-") if value else line
                assert got == want, f"{where}: worked solution says {line!r}, the computed answer is {want}"
    assert sorted(asked) == sorted(set(asked)), "a question is asked twice"
    assert sorted(asked) == sorted(exercises.keys(number)), \
        f"asked {sorted(asked)}, defined {sorted(exercises.keys(number))}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_think_has_a_folded_answer(path):
    md = "\n\n".join(src(c) for c in cells(path) if c["cell_type"] == "markdown")
    pieces = re.split(r"(?=\*\*Think!\*\*)", md)[1:]
    assert pieces, "no Think! prompt"
    for piece in pieces:
        nxt = re.search(r"^#{2,3} |^\*\*Think!\*\*", piece[10:], re.M)
        scope = piece[: 10 + nxt.start()] if nxt else piece
        assert THINK_ANSWER in scope, f"a Think! without a folded answer: {piece[:120]!r}"
    assert md.count(THINK_ANSWER) == len(pieces)


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=IDS[1:])
def test_at_least_one_coding_exercise(path):
    """Each content notebook (01-05; 00 introduces the format) has a real coding exercise: the learner calls a
    model or statistics function."""
    nb = cells(path)
    learner_cells = [src(nb[i - 1]) for i, c in enumerate(nb) if c["cell_type"] == "code" and ASK.search(src(c))]
    assert any(re.search(r"\w+\.\w+\(|\w+\(", s.split("=", 1)[-1]) and "..." in s for s in learner_cells), \
        "no learner cell is a scaffold that calls a function (with ... to complete)"
