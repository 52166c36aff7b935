"""Estimate each notebook's teaching time and exercise time from its content.

    python tools/teaching_time.py              # a table for notebooks/0*.ipynb
    python tools/teaching_time.py --markdown   # the same table in markdown (for the instructor guide)
    python tools/teaching_time.py --sections   # minutes per numbered section, with running totals
    python tools/teaching_time.py --write      # put the times into the notebooks and the README

The rule is deliberately simple, so that an instructor can check it by hand and a
test can recompute it. The rates are our own estimates for an instructor-led
session, not measurements of learners (see RATES and notebooks/instructor_guide.md).

Teaching time (minutes) =
    prose words / 100                      markdown read and talked through; the References
                                           list and the worked-solution <details> blocks
                                           are left out (solutions count as exercise time)
  + 1 per code cell                        run, and its output read (quiz and explorer cells
                                           are counted below instead)
  + 2 per figure                           each ``show(fig, ...)``: read the figure and its
                                           text description
  + 5 per interactive explorer             try the settings the notebook suggests
  + 2 per **Think!** prompt                a pause to think and discuss

Exercise time (minutes) =
    5 per Numeric question                 compute by hand or in code, check, read the hint
  + 3 per MultipleChoice question          read the options, choose, read the feedback
  + worked-solution words / 100            read the collapsed solution

Teaching and exercise minutes are each rounded to the nearest 5 (halves round up);
the total is the sum of the two rounded numbers, so the table always adds up.

Core path and Going further: numbered sections whose heading starts "Going further" are optional;
the rest (with the front matter and the key points) is the core path, which course-style.md caps at
60 minutes for a learner working alone.

Working alone: the rates are for an instructor-led session. They were checked against a timed
walk-through of every notebook by a self-paced learner (second-year biology student, school maths,
basic Python; reported in the project's issue 12, "Notebooks that teach"): the learners needed 100-130 min for notebooks 01-05, which this
rule put at 90-110 min, a ratio of 1.1-1.2. Self-paced minutes are therefore the rule's minutes times
:data:`SELF_PACED` (1.2), rounded to 5.
A "word" is a whitespace-separated token with at least one letter or digit.
Sections are the numbered ``## N. ...`` headings; the title, front matter and Setup
count with section 1, and Key points and What next with the last section.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))

#: minutes per unit (words per minute for prose); every number is an estimate, stated in the guide
RATES = {
    "words_per_minute": 100,
    "code_cell": 1,
    "figure": 2,
    "explorer": 5,
    "think": 2,
    "numeric": 5,
    "multiple_choice": 3,
}
ROUND_TO = 5
#: A learner working alone takes this many times the rule's (instructor-led) minutes; see the module docstring.
SELF_PACED = 1.2
_GOING_FURTHER = re.compile(r"^Going further\b", re.I)

_DETAILS = re.compile(r"<details>.*?</details>", re.S)
_WORD = re.compile(r"\S*[A-Za-z0-9]\S*")
_H2 = re.compile(r"^## (.+)$", re.M)
_NUMBERED = re.compile(r"^(\d+)\. (.*)")
_TIMING = re.compile(r"\s*\*\([^)]*\)\*\s*$")      # the "*(10 min; 25 min so far)*" after a heading
_ASK = re.compile(r"""\bask\(\s*["'](\d\d\.\w+)["']""")


def round_to(minutes: float, step: int = ROUND_TO) -> int:
    """Nearest multiple of ``step``; exact halves round up (22.5 -> 25)."""
    return int(math.floor(minutes / step + 0.5)) * step


def count_words(text: str) -> int:
    """Whitespace-separated tokens with at least one letter or digit (table rules and bullets don't count)."""
    return len(_WORD.findall(text))


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def split_markdown(text: str) -> tuple[str, str]:
    """(prose, worked solutions) of a piece of markdown; a References list is dropped."""
    solutions = "\n".join(_DETAILS.findall(text))
    prose = _DETAILS.sub("", text)
    prose = re.split(r"^## References\b", prose, maxsplit=1, flags=re.M)[0]
    return prose, solutions


# ----------------------------------------------------------------------------- what is counted

@dataclass(frozen=True)
class Quiz:
    """One question a notebook asks: ``ask("NN.name", my_answer)``, defined in ``course_lib.exercises``."""

    name: str          # the key, "NN.name"
    kind: str          # "numeric" or "multiple_choice"
    cell: int          # index of its check cell in the notebook


def quizzes(nb: dict) -> list[Quiz]:
    """Every question the notebook asks, in order (its kind read from course_lib.exercises)."""
    from course_lib import exercises, quiz

    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for key in _ASK.findall(_source(cell)):
            kind = "numeric" if isinstance(exercises.get(key), quiz.Numeric) else "multiple_choice"
            found.append(Quiz(key, kind, i))
    return found


def explorer_factories(nb: dict) -> set[str]:
    """Names imported from ``course_lib.explorers.*`` in the notebook's code."""
    names = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(_source(cell))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_lib.explorers"):
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _calls(tree: ast.AST, names: set[str]) -> int:
    return sum(1 for node in ast.walk(tree)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names)


@dataclass(frozen=True)
class Counts:
    """What the rule counts in one notebook, or in some of its sections."""

    words: int = 0
    solution_words: int = 0
    code_cells: int = 0
    figures: int = 0
    explorers: int = 0
    thinks: int = 0
    exercises: int = 0
    numeric: int = 0
    multiple_choice: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)))

    @property
    def quizzes(self) -> int:
        return self.numeric + self.multiple_choice

    @property
    def teaching_raw(self) -> float:
        r = RATES
        return (self.words / r["words_per_minute"] + self.code_cells * r["code_cell"]
                + self.figures * r["figure"] + self.explorers * r["explorer"] + self.thinks * r["think"])

    @property
    def exercise_raw(self) -> float:
        r = RATES
        return (self.numeric * r["numeric"] + self.multiple_choice * r["multiple_choice"]
                + self.solution_words / r["words_per_minute"])

    @property
    def teaching_min(self) -> int:
        return round_to(self.teaching_raw)

    @property
    def exercise_min(self) -> int:
        return round_to(self.exercise_raw)

    @property
    def total_min(self) -> int:
        return self.teaching_min + self.exercise_min


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    counts: Counts

    @property
    def going_further(self) -> bool:
        """An optional section, after the core path: its heading starts "Going further"."""
        return bool(_GOING_FURTHER.match(self.heading))


def self_paced(minutes: float) -> int:
    """Minutes for a learner working alone: the rule's minutes times :data:`SELF_PACED`, rounded to 5."""
    return round_to(minutes * SELF_PACED)


@dataclass(frozen=True)
class Timing:
    """One notebook: the counts of each numbered section, and their sum."""

    notebook: str
    sections: tuple[Section, ...]

    @property
    def counts(self) -> Counts:
        """The whole notebook's counts (and minutes: ``t.counts.total_min``)."""
        return self.section_counts(s.number for s in self.sections)

    def section_counts(self, numbers) -> Counts:
        """The counts of the listed numbered sections, added up."""
        wanted = set(numbers)
        unknown = wanted - {s.number for s in self.sections}
        if unknown:
            raise KeyError(f"{self.notebook} has no section {sorted(unknown)}")
        total = Counts()
        for s in self.sections:
            if s.number in wanted:
                total = total + s.counts
        return total

    def section_minutes(self, numbers) -> int:
        """Rounded teaching + rounded exercise minutes of the listed sections, as in the table."""
        return self.section_counts(numbers).total_min

    @property
    def core(self) -> Counts:
        """The core path: every section but the Going further ones."""
        return self.section_counts(s.number for s in self.sections if not s.going_further)

    @property
    def alone(self) -> tuple[int, int]:
        """(core, all) minutes for a learner working alone."""
        return self_paced(self.core.total_min), self_paced(self.counts.total_min)


def _markdown_parts(text: str, section: int, heading: str):
    """Split one markdown cell at its numbered H2 headings; yields (section, heading, text)."""
    start = 0
    for match in _H2.finditer(text):
        numbered = _NUMBERED.match(match.group(1))
        if numbered:
            yield section, heading, text[start:match.start()]
            section, heading, start = int(numbered.group(1)), _TIMING.sub("", numbered.group(2)).strip(), match.start()
    yield section, heading, text[start:]


def measure(path: Path) -> Timing:
    """Count the content of one notebook, section by section, and apply :data:`RATES`."""
    nb = load(path)
    factories = explorer_factories(nb)
    kinds: dict[int, list[str]] = {}
    for q in quizzes(nb):
        kinds.setdefault(q.cell, []).append(q.kind)
    counts: dict[int, Counts] = {}
    headings: dict[int, str] = {}
    section, heading = 1, "title, front matter and setup"
    for i, cell in enumerate(nb["cells"]):
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            for section, heading, part in _markdown_parts(text, section, heading):
                prose, solutions = split_markdown(part)
                found = Counts(words=count_words(prose), solution_words=count_words(solutions),
                               thinks=len(re.findall(r"\*\*Think!\*\*", prose)),
                               exercises=len(re.findall(r"^### Exercise \d+", prose, re.M)))
                counts[section] = counts.get(section, Counts()) + found
                headings[section] = heading
        elif cell["cell_type"] == "code":
            n_explorers = _calls(ast.parse(text), factories)
            cell_kinds = kinds.get(i, [])
            found = Counts(code_cells=0 if (cell_kinds or n_explorers) else 1,
                           figures=len(re.findall(r"\bshow\(fig\b", text)), explorers=n_explorers,
                           numeric=cell_kinds.count("numeric"),
                           multiple_choice=cell_kinds.count("multiple_choice"))
            counts[section] = counts.get(section, Counts()) + found
            headings[section] = heading
    return Timing(Path(path).name, tuple(Section(n, headings[n], counts[n]) for n in sorted(counts)))


def heading_times(timing: Timing) -> dict[int, tuple[int, int]]:
    """Minutes to print after each numbered section heading: ``{section: (minutes, so_far)}``.

    The running total is scaled so that it ends exactly at the notebook's
    rounded total (the front matter's time) and the sections add up to it,
    at one-minute precision: ``so_far = round(total_min * raw_so_far / raw_total)``.
    """
    raw = [(s.number, s.counts.teaching_raw + s.counts.exercise_raw) for s in timing.sections]
    raw_total = sum(r for _, r in raw) or 1.0
    out, running, before = {}, 0.0, 0
    for number, minutes in raw:
        running += minutes
        so_far = round(timing.counts.total_min * running / raw_total)
        out[number] = (so_far - before, so_far)
        before = so_far
    return out


_HEADING_LINE = re.compile(r"^(## (\d+)\. .*?) \*\((\d+) min; (\d+) min (so far|in all)\)\*$", re.M)
_IN_ALL_LINE = re.compile(r"^(## (?!\d+\. ).*?) \*\([^)]*in all\)\*$", re.M)


def stamp_headings(text: str, times: dict[int, tuple[int, int]], total: int) -> str:
    """Rewrite the "*(N min; M min so far)*" after numbered H2 headings, and the "*(… in all)*" one."""
    def numbered(m: re.Match) -> str:
        minutes, so_far = times[int(m.group(2))]
        return f"{m.group(1)} *({minutes} min; {so_far} min {'in all' if so_far == total else 'so far'})*"

    text = _HEADING_LINE.sub(numbered, text)
    return _IN_ALL_LINE.sub(lambda m: f"{m.group(1)} *({total} min in all)*", text)


def printed_heading_times(nb: dict) -> dict[int, tuple[int, int]]:
    """The times a notebook's numbered headings show now: ``{section: (minutes, so_far)}``."""
    found = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for m in _HEADING_LINE.finditer(_source(cell)):
                found[int(m.group(2))] = (int(m.group(3)), int(m.group(4)))
    return found


def measure_all(paths=None) -> list[Timing]:
    return [measure(Path(p)) for p in (paths or NOTEBOOKS)]


def by_number(timings: list[Timing] | None = None) -> dict[str, Timing]:
    """{"00": Timing, "01": Timing, ...}, keyed by the notebook's two-digit number."""
    return {t.notebook[:2]: t for t in (timings or measure_all())}


# ----------------------------------------------------------------------------- output

HEADER = ("notebook", "words", "code cells", "figures", "explorers", "Think!", "exercises", "quizzes",
          "teaching min", "exercise min", "total min", "core min", "alone: core", "alone: all")


def rows(timings: list[Timing]) -> list[tuple]:
    out = []
    for t in timings:
        c = t.counts
        out.append((t.notebook, c.words, c.code_cells, c.figures, c.explorers, c.thinks, c.exercises, c.quizzes,
                    c.teaching_min, c.exercise_min, c.total_min, t.core.total_min, *t.alone))
    return out


def as_markdown(timings: list[Timing]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows(timings)]
    return "\n".join(lines)


def _aligned(table: list[tuple]) -> list[str]:
    table = [tuple(str(v) for v in row) for row in table]
    widths = [max(len(r[k]) for r in table) for k in range(len(table[0]))]
    return ["  ".join(v.ljust(w) if k == 0 else v.rjust(w) for k, (v, w) in enumerate(zip(r, widths)))
            for r in table]


def as_text(timings: list[Timing]) -> str:
    raw = "; ".join(f"{t.notebook[:2]}: {t.counts.teaching_raw:.1f} + {t.counts.exercise_raw:.1f}" for t in timings)
    return "\n".join(_aligned([HEADER] + rows(timings))) + f"\n\nunrounded teaching + exercise minutes: {raw}"


def as_sections(timings: list[Timing]) -> str:
    table = [("notebook", "section", "teaching", "exercise", "minutes", "so far (rounded)")]
    for t in timings:
        for s in t.sections:
            so_far = t.section_minutes(x.number for x in t.sections if x.number <= s.number)
            table.append((t.notebook[:2], f"{s.number}. {s.heading[:50]}" + (" [GF]" if s.going_further else ""),
                          f"{s.counts.teaching_raw:.1f}",
                          f"{s.counts.exercise_raw:.1f}", s.counts.total_min, so_far))
    return "\n".join(_aligned(table))


_FRONT_MATTER = re.compile(r"^\*\*Time\.\*\* .*$", re.M)


def front_matter(timing: Timing) -> str:
    """The front matter's time line: the core path (and Going further) in a workshop, and working alone."""
    core, total = timing.core, timing.counts
    core_alone, all_alone = timing.alone
    if core.total_min == total.total_min:
        return (f"**Time.** Reading {core.teaching_min} min + exercises {core.exercise_min} min = about "
                f"**{core.total_min} min** in a workshop; working alone, allow about **{core_alone} min**.")
    return (f"**Time.** Core path: reading {core.teaching_min} min + exercises {core.exercise_min} min = about "
            f"**{core.total_min} min** in a workshop; working alone, allow about **{core_alone} min**. The Going "
            f"further sections add about {total.total_min - core.total_min} min "
            f"({all_alone - core_alone} min alone).")


def readme_time(timing: Timing) -> str:
    """The README syllabus's Time cell: working alone, core path / all sections."""
    core_alone, all_alone = timing.alone
    return f"{core_alone} min" if core_alone == all_alone else f"{core_alone} min core, {all_alone} in all"


def write_times(path: Path, readme: Path | None = None) -> list[str]:
    """Write the measured times into a notebook (front matter, section headings) and the README row.

    Only those numbers change; every cell id, output and other line stays as it is.
    Returns what changed, in words.
    """
    path = Path(path)
    timing = measure(path)
    t = timing.counts
    nb = json.loads(path.read_text(encoding="utf-8"))
    front = front_matter(timing)
    changed = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = _source(cell)
        new = stamp_headings(_FRONT_MATTER.sub(front, text), heading_times(timing), t.total_min)
        if new != text:
            cell["source"] = new.splitlines(keepends=True)
            changed.append(f"{path.name}: times in the cell starting {text.splitlines()[0][:50]!r}")
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    readme = readme or ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    row = re.compile(rf"^(\| {path.name[:2]} \| \[[^\]]+\]\(notebooks/{re.escape(path.name)}\) \| .+? \| )"
                     rf"\d+ min[^|]*?( \|)", re.M)
    new = row.sub(lambda m: f"{m.group(1)}{readme_time(timing)}{m.group(2)}", text)
    if new != text:
        readme.write_text(new, encoding="utf-8")
        changed.append(f"README.md: {path.name} now {readme_time(timing)}")
    return changed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table in markdown")
    parser.add_argument("--sections", action="store_true", help="print minutes per numbered section")
    parser.add_argument("--write", action="store_true",
                        help="write the measured times into each notebook (front matter, section headings) "
                             "and the README's syllabus (the instructor guide's tables are edited by hand)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/0*.ipynb")
    args = parser.parse_args(argv)
    timings = measure_all(args.notebooks or None)
    if args.write:
        for path in (args.notebooks or NOTEBOOKS):
            for line in write_times(path):
                print("updated", line)
    if args.sections:
        print(as_sections(timings))
    else:
        print(as_markdown(timings) if args.markdown else as_text(timings))


if __name__ == "__main__":
    main()
