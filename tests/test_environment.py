"""The pip lock and environment.yml (Binder) give the same packages at the same versions."""
import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_from_requirements(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("-", "--")):
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"{path.name}: {line!r} is not pinned with =="
        pins[norm(req.name)] = spec[0].version
    return pins


def pins_from_environment() -> tuple[dict[str, str], str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins, python = {}, None
    for dep in env["dependencies"]:
        assert isinstance(dep, str), "environment.yml must not have a pip: section (install course_lib in postBuild)"
        name, _, version = dep.partition("=")
        if name == "python":
            python = version
        elif name != "pip":
            assert version, f"environment.yml: {dep!r} is not pinned"
            pins[norm(CONDA_TO_PYPI.get(name, name))] = version
    return pins, python


def test_environment_yml_matches_course_requirements():
    req = pins_from_requirements(ROOT / "requirements" / "course.in")
    env, _ = pins_from_environment()
    mismatches = [f"{n}: environment.yml={env.get(n)} requirements={req.get(n)}"
                  for n in sorted(set(req) | set(env)) if env.get(n) != req.get(n)]
    assert not mismatches, "environment.yml and requirements/course.in differ:\n" + "\n".join(mismatches)


def test_lock_pins_every_direct_dependency_at_the_same_version():
    req = pins_from_requirements(ROOT / "requirements" / "course.in")
    lock = {}
    for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", (ROOT / "requirements" / "course.lock").read_text(), re.M):
        lock[norm(m.group(1))] = m.group(2)
    for name, version in req.items():
        assert lock.get(name) == version, f"course.lock pins {name}=={lock.get(name)}, course.in wants {version}"


def test_lock_is_fully_hash_pinned():
    for lock in ("course.lock", "test.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        entries = re.findall(r"^[A-Za-z0-9_.\-]+==\S+ \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M)
        names = re.findall(r"^[A-Za-z0-9_.\-]+==", text, re.M)
        assert names and len(entries) == len(names), f"{lock}: every pin needs at least one sha256 hash"


def test_test_tools_stay_out_of_the_learner_environment():
    course = (ROOT / "requirements" / "course.lock").read_text().lower()
    for tool in ("hypothesis", "playwright", "pytest-xdist"):
        assert not re.search(rf"^{tool}==", course, re.M), f"{tool} is test-only; keep it in test.in"


def test_test_lock_agrees_with_course_lock():
    def pins(name):
        text = (ROOT / "requirements" / name).read_text()
        return {norm(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", text, re.M)}
    course, test = pins("course.lock"), pins("test.lock")
    clash = {n: (course[n], test[n]) for n in set(course) & set(test) if course[n] != test[n]}
    assert not clash, f"test.lock and course.lock pin different versions: {clash}"


def test_binder_uses_the_same_python_minor_version():
    _, python = pins_from_environment()
    assert python == "3.11"
    text = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11,<3.12"' in text
    assert "python3.11" in (ROOT / "Makefile").read_text()


def test_postbuild_installs_course_lib_and_fails_fast():
    text = (ROOT / "postBuild").read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -e" in text
    assert "python tools/link_course_lib.py" in text
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), \
        "a binder/ folder would make repo2docker ignore the top-level environment.yml"
