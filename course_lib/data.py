"""The course's data catalogue: ``data/datapackage.json``.

Every CSV in ``data/`` is one resource of a Frictionless Data Package with a
table schema (types, units, allowed ranges or values), its sources (authors,
year, journal, DOI or URL, and the exact table or figure) and a licence.

>>> from course_lib import data
>>> bands = data.load("severity_bands")      # a checked DataFrame
>>> print(data.cite("severity_bands"))       # where every number comes from

Validation uses the Frictionless reference implementation; a malformed file
raises :class:`DataError` naming the file, the row, the column and the rule.

Frictionless is heavy (about 35 MB and a second to import), and a workshop hub
pays for every megabyte of every learner's kernel. So a learner's kernel never
imports it: a file is checked once, in a separate Python process, and the
result is remembered by a hash of the file's bytes, its catalogue entry and
the Frictionless version (in ``~/.cache/beneath-the-skin/data-checks.json``,
or ``$XDG_CACHE_HOME``). An edited file, schema or validator is checked again.
The first ``load`` on a machine checks every catalogued file in one go.
``COURSE_DATA_CHECK=inprocess`` checks in the calling process instead.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd

__all__ = ["DATA_DIR", "DataError", "names", "resource", "load", "validate", "cite"]

#: the data folder, found from the package's own location (any working directory)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOGUE = "datapackage.json"

_PANDAS_TYPES = {"string": "string", "number": "float64", "integer": "Int64", "boolean": "boolean"}


class DataError(ValueError):
    """A data file does not match its schema in the catalogue."""


@functools.cache
def _catalogue(data_dir: Path = DATA_DIR) -> dict:
    path = data_dir / CATALOGUE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"data catalogue not found at {path}; is course_lib installed from the "
                        "repository (pip install -e .)?") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def names() -> list[str]:
    """Names of every dataset in the catalogue."""
    return [r["name"] for r in _catalogue()["resources"]]


def resource(name: str) -> dict:
    """The catalogue entry (schema, sources, licences) of dataset ``name``."""
    for r in _catalogue()["resources"]:
        if r["name"] == name:
            return r
    raise KeyError(f"no dataset called {name!r}; known datasets: {', '.join(names())}")


def _problems(res: dict, path: Path) -> list[str]:
    import frictionless
    from frictionless import Checklist, checks

    descriptor = {k: v for k, v in res.items() if k != "path"}
    descriptor["path"] = path.name
    checklist = Checklist(checks=[checks.row_constraint(formula=f)
                                  for f in res.get("rowConstraints", [])])
    report = frictionless.Resource(descriptor, basepath=str(path.parent)).validate(checklist=checklist)
    out = []
    for row, col, field, cell, kind, note, message in report.flatten(
            ["rowNumber", "fieldNumber", "fieldName", "cell", "type", "note", "message"]):
        where = f"{path}"
        if row:
            # Frictionless counts the header as row 1
            where += f", row {row - 1} (line {row})"
        if field:
            where += f", column {field!r}"
        elif col:
            where += f", column {col}"
        value = f" (value {cell!r})" if cell not in (None, "") or kind == "constraint-error" else ""
        out.append(f"{where}{value}: {kind}: {note or message}")
    return out


#: Results of checks, by digest, in this process (filled from the disk cache or a check).
_CHECKED: dict[str, tuple[str, ...]] = {}


def _digest(res: dict, path: Path) -> str:
    """What a check's result depends on: the file's bytes, its catalogue entry, the validator."""
    h = hashlib.sha256()
    h.update(json.dumps(res, sort_keys=True).encode("utf-8"))
    h.update(f"frictionless {metadata.version('frictionless')}".encode("ascii"))
    h.update(path.read_bytes())
    return h.hexdigest()


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "beneath-the-skin" / "data-checks.json"


def _read_cache() -> dict:
    try:
        found = json.loads(_cache_path().read_text(encoding="utf-8"))
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}  # no cache yet, or unreadable: check again


def _write_cache(results: dict[str, tuple[str, ...]]) -> None:
    path = _cache_path()
    try:
        merged = {**_read_cache(), **{k: list(v) for k, v in results.items()}}
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as tmp:
            json.dump(merged, tmp)
        os.replace(tmp.name, path)  # atomic: two kernels writing at once never leave half a file
    except OSError:
        pass  # a read-only home: the checks are simply repeated next time


def _check(items: list[tuple[str, Path]]) -> list[tuple[str, ...]]:
    """Check ``[(name, path), ...]``; in a separate process unless COURSE_DATA_CHECK=inprocess."""
    if os.environ.get("COURSE_DATA_CHECK") == "inprocess":
        return [tuple(_problems(resource(n), p)) for n, p in items]
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "course_lib.data"], input=json.dumps(
        [[n, str(p)] for n, p in items]), capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise DataError(f"the data check could not run (exit {done.returncode}): {done.stderr.strip()[-1500:]}")
    return [tuple(problems) for problems in json.loads(done.stdout)]


def _problems_for(name: str, path: Path) -> tuple[str, ...]:
    res = resource(name)
    digest = _digest(res, path)
    if digest in _CHECKED:
        return _CHECKED[digest]
    cached = _read_cache()
    if digest in cached:
        _CHECKED[digest] = tuple(cached[digest])
        return _CHECKED[digest]
    # Not checked yet: check it, and every catalogued file not checked yet, in one go.
    todo = {digest: (name, path)}
    for other in _catalogue()["resources"]:
        other_path = DATA_DIR / other["path"]
        if other_path.is_file():
            d = _digest(other, other_path)
            if d not in cached and d not in _CHECKED:
                todo.setdefault(d, (other["name"], other_path))
    results = dict(zip(todo, _check(list(todo.values()))))
    _CHECKED.update(results)
    _write_cache(results)
    return results[digest]


def validate(name: str, path: str | Path | None = None) -> None:
    """Check a dataset (or another file, ``path``, against its schema); raise DataError if invalid."""
    res = resource(name)
    path = Path(path) if path is not None else DATA_DIR / res["path"]
    if not path.is_file():
        raise DataError(f"{path}: file not found (dataset {name!r})")
    problems = _problems_for(name, path.resolve())
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise DataError(f"{name}: {len(problems)} problem(s) in {path.name}:\n  {shown}{more}")


def load(name: str, path: str | Path | None = None) -> pd.DataFrame:
    """Load dataset ``name`` as a DataFrame checked against its schema.

    ``df.attrs`` carries ``name``, ``title``, ``units`` (per column),
    ``sources`` and ``licenses`` from the catalogue.
    """
    res = resource(name)
    path = Path(path) if path is not None else DATA_DIR / res["path"]
    validate(name, path)
    fields = res["schema"]["fields"]
    dtypes = {f["name"]: _PANDAS_TYPES.get(f["type"], "string") for f in fields}
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    df.attrs.update(name=name, title=res.get("title", name),
                    units={f["name"]: f.get("unit", "") for f in fields},
                    sources=res.get("sources", []), licenses=res.get("licenses", []))
    return df


def cite(name: str) -> str:
    """The sources of dataset ``name``, one per line, with DOI or URL and the exact place."""
    res = resource(name)
    lines = [f"Sources of '{name}' ({res.get('title', '')}):"]
    for s in res.get("sources", []):
        link = f"doi:{s['doi']}" if s.get("doi") else s.get("path", "")
        lines.append(f"- {s['title']} {link}. Numbers from: {s.get('locator', 'see paper')}.")
    return "\n".join(lines)


def _main() -> None:
    """``python -m course_lib.data``: check the ``[[name, path], ...]`` read from stdin; print JSON."""
    items = json.loads(sys.stdin.read())
    json.dump([_problems(resource(name), Path(path)) for name, path in items], sys.stdout)


if __name__ == "__main__":
    _main()
