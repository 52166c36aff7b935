"""Make `import course_lib` work in this Python environment, from this checkout.

Writes a one-line ``course_lib.pth`` into site-packages pointing at the repository
(what an editable install does, with no build step and no build dependencies).
Used by the Makefile and by Binder's postBuild.
"""
import site
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = Path(site.getsitepackages()[0]) / "course_lib.pth"
target.write_text(f"{root}\n", encoding="utf-8")
print(f"course_lib linked: {target} -> {root}", file=sys.stderr)
