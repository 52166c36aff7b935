"""The course's data catalogue: ``data/datapackage.json``.

Every CSV in ``data/`` is one resource of a Frictionless Data Package with a
table schema (types, units, allowed ranges or values), its sources (authors,
year, journal, DOI or URL, and the exact table or figure) and a licence.

>>> from course_lib import data
>>> bands = data.load("severity_bands")      # a checked DataFrame
>>> print(data.cite("severity_bands"))       # where every number comes from

Validation uses the Frictionless reference implementation; a malformed file
raises :class:`DataError` naming the file, the row, the column and the rule.
"""
from __future__ import annotations

import functools
import json
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


@functools.lru_cache(maxsize=64)
def _problems_cached(name: str, path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    # keyed on the file's modification time and size: an edited file is checked again
    return tuple(_problems(resource(name), path))


def validate(name: str, path: str | Path | None = None) -> None:
    """Check a dataset (or another file, ``path``, against its schema); raise DataError if invalid."""
    res = resource(name)
    path = Path(path) if path is not None else DATA_DIR / res["path"]
    if not path.is_file():
        raise DataError(f"{path}: file not found (dataset {name!r})")
    stat = path.stat()
    problems = _problems_cached(name, path.resolve(), stat.st_mtime_ns, stat.st_size)
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
