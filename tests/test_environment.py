"""Pip (requirements/course.lock), Binder (binder/requirements.txt) and conda (environment.yml)
give the same packages at the same versions. tests/test_binder.py checks Binder's build itself."""
import os
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
        assert isinstance(dep, str), "environment.yml must not have a pip: section (binder/postBuild links course_lib)"
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


def lock_pins(path: Path) -> dict[str, str]:
    return {norm(m.group(1)): m.group(2)
            for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", path.read_text(), re.M)}


def test_lock_is_fully_hash_pinned():
    for lock in ("course.lock", "test.lock", "../binder/requirements.txt"):
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


def test_binder_installs_the_learners_lock():
    """Every package of the learner's lock is in Binder's file at the same version (and only
    base-image extras besides); its direct dependencies are the learner's."""
    course = lock_pins(ROOT / "requirements" / "course.lock")
    binder = lock_pins(ROOT / "binder" / "requirements.txt")
    missing = sorted(set(course) - set(binder))
    assert not missing, f"binder/requirements.txt lacks {missing}: run make lock"
    clash = {n: (course[n], binder[n]) for n in course if course[n] != binder[n]}
    assert not clash, f"course.lock and binder/requirements.txt pin different versions (course, binder): {clash}"
    direct = pins_from_requirements(ROOT / "requirements" / "course.in")
    assert direct.get("notebook") == binder["notebook"], "Binder starts `jupyter notebook`: pin it in course.in"
    env, _ = pins_from_environment()
    assert env["notebook"] == binder["notebook"]


def test_binder_requirements_stand_alone():
    """repo2docker copies only binder/requirements.txt before its pip step: no includes, no local paths."""
    text = (ROOT / "binder" / "requirements.txt").read_text()
    options = [line for line in text.splitlines()
               if line.strip().startswith("-") and not line.strip().startswith("--hash=sha256:")]
    assert not options, f"binder/requirements.txt must not use {options}"
    assert "uv pip compile ../binder/requirements.in" in text, "made by `make lock`"
    source = (ROOT / "binder" / "requirements.in").read_text()
    assert "-r ../requirements/course.in" in source and "-c ../requirements/course.lock" in source
    assert "binder/requirements.in" in (ROOT / "Makefile").read_text()


def test_binder_folder_holds_only_what_repo2docker_should_read():
    """With binder/ present repo2docker ignores top-level files: keep one postBuild, no conda file there."""
    files = {p.name for p in (ROOT / "binder").iterdir()}
    assert files == {"requirements.in", "requirements.txt", "runtime.txt", "postBuild"}, files
    assert not (ROOT / ".binder").exists()
    assert not (ROOT / "postBuild").exists(), "binder/postBuild is the one postBuild (repo2docker ignores the top level)"


def test_binder_uses_the_same_python_minor_version():
    _, python = pins_from_environment()
    assert python == "3.11"
    assert (ROOT / "binder" / "runtime.txt").read_text() == "python-3.11\n"
    text = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11,<3.12"' in text
    assert "python3.11" in (ROOT / "Makefile").read_text()


def test_postbuild_does_what_make_lab_does_and_fails_fast():
    path = ROOT / "binder" / "postBuild"
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert os.access(path, os.X_OK), "binder/postBuild must be executable"
    makefile = (ROOT / "Makefile").read_text()
    assert "python tools/link_course_lib.py" in text and "tools/link_course_lib.py" in makefile
    assert 'cp tools/lab-overrides.json "$settings/overrides.json"' in text
    assert "share/jupyter/lab/settings" in text and "lab/settings/overrides.json" in makefile


def test_readme_conda_route_runs_postbuild():
    readme = (ROOT / "README.md").read_text()
    route = re.search(r"\*\*Conda instead of pip:\*\*(.*?)\n\n", readme, re.S)
    assert route, "the README has a conda route"
    steps = route.group(1)
    assert "conda env create -f environment.yml" in steps and "bash binder/postBuild" in steps
    assert steps.index("conda activate") < steps.index("binder/postBuild") < steps.index("jupyter lab")


def test_site_binder_button_uses_the_readmes_ref():
    import repository  # tools/repository.py

    ref = re.search(r"/v2/gh/[^/]+/[^/]+/([^?]+)\?", repository.binder_url("00_start_here.ipynb")).group(1)
    conf = (ROOT / "book" / "conf.py").read_text()
    assert re.search(rf'"repository_branch": "{re.escape(ref)}"', conf), \
        f"book/conf.py's repository_branch should be {ref!r}, the README's Binder ref"
