"""The glossary (notebooks/glossary.md) and its use: every notebook defines or links each glossary term
at its first use, so that a learner may start at any notebook (issue 12, item 4).

A term is *used* where one of its patterns (the ``<!-- match: ... -->`` comment after its entry)
matches the notebook's markdown, headings and the reference list left out. Its first use must be
inside a link to the glossary (``[odds](glossary.md#odds)``; a link to a longer entry that explains it,
``[odds ratio](glossary.md#odds-ratio)``, counts for "odds" too) or in bold, the
course's mark for "defined here" (``**odds**``, with the definition in the same sentence).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "notebooks" / "glossary.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
IDS = [p.name[:2] for p in NOTEBOOKS]
ENTRY = re.compile(r'^<a id="([a-z0-9-]+)"></a>\*\*(.+?)\*\*(.*?)<!-- match: (.+?) -->\s*$', re.M)
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def entries() -> dict[str, tuple[str, re.Pattern]]:
    """anchor -> (term, pattern)."""
    found = {}
    for anchor, term, _text, pattern in ENTRY.findall(GLOSSARY.read_text(encoding="utf-8")):
        assert anchor not in found, f"glossary anchor {anchor!r} appears twice"
        found[anchor] = (term, re.compile(pattern))
    return found


def blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def prepared(md: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The text with link targets, HTML tags/comments, inline code and headings blanked (same length),
    and the spans that count as a definition or link: (start, end, anchor or '**')."""
    spans = []
    text = md
    for m in re.finditer(r"<!--.*?-->|<[^>\n]+>|`[^`\n]*`|^#{1,6} [^\n]*$", md, re.M | re.S):
        text = blank(text, m.start(), m.end())
    for m in LINK.finditer(md):
        target = m.group(2)
        anchor = target.split("#", 1)[1] if target.startswith("glossary.md#") else None  # '' for other links
        spans.append((m.start(1), m.end(1), anchor or ""))
        text = blank(text, m.end(1), m.end())  # the "](target)" part
    for m in re.finditer(r"\*\*(.+?)\*\*", md, re.S):
        spans.append((m.start(1), m.end(1), "**"))
    return text, spans


def notebook_markdown(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    md = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return md.split("\n## References", 1)[0]


def first_use_problems(md: str, glossary: dict) -> list[str]:
    text, spans = prepared(md)
    problems = []
    for anchor, (term, pattern) in glossary.items():
        m = pattern.search(text)
        if not m:
            continue
        ok = any(s <= m.start() and m.end() <= e and kind for s, e, kind in spans)
        if not ok:
            line = md[:m.start()].count("\n") + 1
            context = md[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            problems.append(f"{term} (#{anchor}): first use, markdown line {line}, is neither linked to "
                            f"glossary.md#{anchor} nor in bold: ...{context}...")
    return problems


def test_glossary_entries_are_well_formed():
    glossary = entries()
    assert len(glossary) >= 40, "the glossary has too few entries (is the entry format still parsed?)"
    text = GLOSSARY.read_text(encoding="utf-8")
    assert len(re.findall(r'^<a id="', text, re.M)) == len(glossary), "an entry does not follow the format"
    for anchor, (term, pattern) in glossary.items():
        assert pattern.search(term.replace("*", "")) or anchor in ("ige", "il-4", "cohort", "itt", "model"), \
            f"the pattern of {term!r} does not even match its own name"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_glossary_link_points_to_an_entry(path):
    glossary = entries()
    md = notebook_markdown(path)
    targets = [t for _, t in LINK.findall(md) if t.startswith("glossary.md")]
    assert targets, "the notebook never links the glossary"
    bad = [t for t in targets if "#" in t and t.split("#", 1)[1] not in glossary]
    assert not bad, f"links to glossary entries that do not exist: {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_term_is_defined_or_linked_at_first_use(path):
    problems = first_use_problems(notebook_markdown(path), entries())
    assert not problems, "\n".join(problems)


def test_the_rule_catches_an_unlinked_term():
    glossary = {"odds": ("Odds", re.compile(r"(?i)\bodds\b"))}
    assert first_use_problems("The odds are 1 to 4. [odds](glossary.md#odds)", glossary)
    assert not first_use_problems("The [odds](glossary.md#odds) are 1 to 4. The odds...", glossary)
    assert not first_use_problems("The **odds** are the chance ... The odds...", glossary)
    assert first_use_problems("The [odds](https://example.org/odds) are 1 to 4.", glossary), "not a glossary link"
    assert not first_use_problems("## Odds\n\nThe **odds** are", glossary), "headings are skipped"
    assert first_use_problems("See [this](glossary.md#odds-ratio-odds) ... odds", glossary), \
        "a link target is not a use"
