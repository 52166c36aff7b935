"""Reading a stored notebook's text for the tests that guard its quoted numbers (tests/test_nbNN_text.py).

    from notebook_text import NotebookText
    NB = NotebookText("02_th2_inflammation.ipynb")
    NB.markdown(); NB.code(); NB.section(3); NB.cells()
"""
from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


class NotebookText:
    def __init__(self, name: str):
        self.path = NOTEBOOKS / name

    def cells(self) -> list[dict]:
        """The stored cells (read afresh each call, so a test sees the file as it is now)."""
        return json.loads(self.path.read_text(encoding="utf-8"))["cells"]

    def _joined(self, kind: str) -> str:
        return "\n\n".join("".join(c["source"]) for c in self.cells() if c["cell_type"] == kind)

    def markdown(self) -> str:
        return self._joined("markdown")

    def code(self) -> str:
        return self._joined("code")

    def prose(self) -> str:
        """The markdown before the References."""
        return self.markdown().split("\n## References", 1)[0]

    def section(self, number: int) -> str:
        """The markdown of numbered section ``number``, up to the next H2 heading."""
        text = self.prose()
        start = re.search(rf"^## {number}\. ", text, re.M)
        assert start, f"{self.path.name} has no section {number}"
        nxt = re.search(r"^## ", text[start.end():], re.M)
        return text[start.start(): start.end() + nxt.start()] if nxt else text[start.start():]
