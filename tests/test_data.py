"""The data catalogue: every file catalogued, valid, sourced and licensed; bad files fail loudly."""
import json
import shutil

import pytest

from course_lib import data, measures

RESOURCES = data.names()


def test_every_data_file_is_catalogued():
    files = {p.name for p in data.DATA_DIR.iterdir() if p.name != "datapackage.json" and not p.name.startswith(".")}
    catalogued = {data.resource(n)["path"] for n in RESOURCES}
    assert files == catalogued, f"not catalogued: {files - catalogued}; missing files: {catalogued - files}"


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_validates_and_loads(name):
    df = data.load(name)
    assert len(df) > 0
    fields = [f["name"] for f in data.resource(name)["schema"]["fields"]]
    assert list(df.columns) == fields
    assert df.attrs["sources"] and df.attrs["licenses"]


@pytest.mark.parametrize("name", RESOURCES)
def test_resource_has_sources_with_doi_or_url_and_exact_place(name):
    res = data.resource(name)
    assert res.get("licenses"), f"{name}: no licence"
    assert res.get("extraction"), f"{name}: say how the numbers were extracted"
    for s in res["sources"]:
        assert s.get("doi") or str(s.get("path", "")).startswith("http"), f"{name}: {s['id']} has no DOI or URL"
        for key in ("title", "authors", "year", "journal", "locator"):
            assert s.get(key), f"{name}: source {s.get('id')} has no {key}"


@pytest.mark.parametrize("name", RESOURCES)
def test_source_ids_in_the_table_are_declared(name):
    df, res = data.load(name), data.resource(name)
    if "source_id" in df.columns:
        assert set(df["source_id"]) <= {s["id"] for s in res["sources"]}


def test_whole_package_is_valid_frictionless():
    import frictionless
    report = frictionless.Package(str(data.DATA_DIR / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _corrupt(tmp_path, old, new):
    src = data.DATA_DIR / "severity_bands.csv"
    bad = tmp_path / "severity_bands.csv"
    text = src.read_text()
    assert old in text
    bad.write_text(text.replace(old, new, 1))
    return bad


def test_malformed_file_names_file_row_and_column(tmp_path):
    bad = _corrupt(tmp_path, "POEM,Charman 2013,severe,17,24", "POEM,Charman 2013,severe,seventeen,24")
    with pytest.raises(data.DataError) as info:
        data.load("severity_bands", bad)
    msg = str(info.value)
    assert str(bad) in msg and "row 22 (line 23)" in msg and "column 'lower'" in msg and "'seventeen'" in msg
    assert "type-error" in msg


@pytest.fixture
def in_process(monkeypatch):
    """Check in this process (fast); the separate-process path is tested on its own below."""
    monkeypatch.setenv("COURSE_DATA_CHECK", "inprocess")


def test_out_of_range_value_is_caught(tmp_path, in_process):
    bad = _corrupt(tmp_path, "Itch NRS,Vakharia 2018,severe,7,10", "Itch NRS,Vakharia 2018,severe,7,110")
    with pytest.raises(data.DataError, match=r"row 26 \(line 27\), column 'upper'.*constraint"):
        data.load("severity_bands", bad)


def test_row_rule_is_caught(tmp_path, in_process):
    bad = _corrupt(tmp_path, "EASI,Leshem 2015,mild,1.1,7.0", "EASI,Leshem 2015,mild,9.1,7.0")
    with pytest.raises(data.DataError, match=r"row 3 \(line 4\).*lower <= upper"):
        data.load("severity_bands", bad)


def test_unknown_value_in_an_enum_is_caught(tmp_path, in_process):
    bad = _corrupt(tmp_path, "vIGA-AD,Simpson 2020,severe", "vIGA-AD,Simpson 2020,awful")
    with pytest.raises(data.DataError, match="column 'band'"):
        data.load("severity_bands", bad)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(KeyError, match="no dataset called 'nope'; known datasets: severity_bands"):
        data.load("nope")


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(data.DataError, match="file not found"):
        data.load("severity_bands", tmp_path / "absent.csv")


def test_cite_gives_doi_or_url_and_locator():
    text = data.cite("severity_bands")
    assert "doi:10.1111/bjd.12590" in text and "Numbers from: Abstract" in text


def test_load_works_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert len(data.load("severity_bands")) == 31


def test_catalogue_is_valid_json_with_one_licence_for_the_package():
    pkg = json.loads((data.DATA_DIR / "datapackage.json").read_text())
    assert pkg["licenses"][0]["name"] == "CC-BY-4.0"


# --- measures: bands by named scheme --------------------------------------

@pytest.mark.parametrize("score,band", [(0, "clear"), (0.1, "almost clear"), (1.0, "almost clear"),
                                        (1.05, "almost clear"), (1.1, "mild"), (7.0, "mild"),
                                        (7.05, "mild"), (7.1, "moderate"), (21.0, "moderate"),
                                        (21.1, "severe"), (50.1, "very severe"), (72, "very severe")])
def test_easi_leshem_bands(score, band):
    assert measures.band(score, "EASI", "Leshem 2015") == band


def test_the_same_score_differs_between_schemes():
    assert measures.band(6.5, "EASI", "Leshem 2015") == "mild"
    assert measures.band(6.5, "EASI", "Chopra 2017") == "moderate"


def test_poem_bands():
    assert [measures.band(s, "POEM", "Charman 2013") for s in (2, 3, 8, 17, 25)] == \
        ["clear/almost clear", "mild", "moderate", "severe", "very severe"]


def test_band_errors_are_clear():
    with pytest.raises(ValueError, match=r"score=80 is outside \[0, 72\] \(EASI points\)"):
        measures.band(80, "EASI", "Leshem 2015")
    with pytest.raises(ValueError, match="no bands for instrument='EASI', scheme='Smith 1999'; known: EASI / Chopra 2017"):
        measures.band(3, "EASI", "Smith 1999")


# ------------------------------------------------------------------ checks outside the kernel, remembered

@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("COURSE_DATA_CHECK", raising=False)
    monkeypatch.setattr(data, "_CHECKED", {})
    return tmp_path / "cache" / "beneath-the-skin" / "data-checks.json"


def test_a_learners_kernel_never_imports_frictionless(tmp_path):
    import subprocess
    import sys
    code = ("import sys; from course_lib import data; data.load('severity_bands'); data.load('flg_risk'); "
            "print(sorted(m for m in ('frictionless', 'pydantic', 'jsonschema', 'petl') if m in sys.modules))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "COURSE_DATA_CHECK"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
    assert (tmp_path / "beneath-the-skin" / "data-checks.json").is_file()


def test_the_first_check_covers_every_file_and_later_loads_reuse_it(fresh_cache, monkeypatch):
    data.load("severity_bands")
    recorded = json.loads(fresh_cache.read_text())
    assert len(recorded) == len(RESOURCES) and all(v == [] for v in recorded.values())
    # a new process (empty memory) reads the record instead of checking again
    monkeypatch.setattr(data, "_CHECKED", {})
    monkeypatch.setattr(data, "_check", lambda items: pytest.fail(f"checked again: {items}"))
    for name in RESOURCES:
        data.load(name)


def test_an_edited_file_is_checked_again_in_a_separate_process(fresh_cache, tmp_path, monkeypatch):
    data.load("severity_bands")
    bad = _corrupt(tmp_path, "POEM,Charman 2013,severe,17,24", "POEM,Charman 2013,severe,seventeen,24")
    with pytest.raises(data.DataError, match=r"row 22 \(line 23\), column 'lower'.*'seventeen'.*type-error"):
        data.load("severity_bands", bad)
    assert len(json.loads(fresh_cache.read_text())) == len(RESOURCES) + 1, "the bad copy's result is recorded"
    monkeypatch.setattr(data, "_CHECKED", {})
    monkeypatch.setattr(data, "_check", lambda items: pytest.fail(f"checked again: {items}"))
    with pytest.raises(data.DataError, match="'seventeen'"):  # a new process: the record still says so
        data.load("severity_bands", bad)


def test_a_schema_change_invalidates_the_record(fresh_cache, monkeypatch):
    res = data.resource("severity_bands")
    before = data._digest(res, data.DATA_DIR / res["path"])
    changed = dict(res, schema={**res["schema"], "primaryKey": []})
    assert data._digest(changed, data.DATA_DIR / res["path"]) != before


def test_an_unwritable_cache_only_means_checking_again(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setenv("COURSE_DATA_CHECK", "inprocess")
    monkeypatch.setattr(data, "_CHECKED", {})
    assert len(data.load("severity_bands")) == 31


def test_a_failing_check_process_is_reported(fresh_cache, monkeypatch):
    import subprocess

    class Done:
        returncode, stdout, stderr = 1, "", "ModuleNotFoundError: No module named 'frictionless'"

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Done())
    with pytest.raises(data.DataError, match="data check could not run.*frictionless"):
        data.load("severity_bands")
