"""The model contract, for every registered model, and the EASI model itself."""
import dataclasses
import math

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from course_lib import models
from course_lib.models import ModelParams, easi, param

MODEL_NAMES = sorted(models.REGISTRY)


def params_strategy(cls):
    """Random valid Params drawn from the fields' metadata."""
    fields = {}
    for f in dataclasses.fields(cls):
        m = f.metadata
        if m["choices"] is not None:
            fields[f.name] = st.sampled_from(m["choices"])
        elif isinstance(f.default, int):
            fields[f.name] = st.integers(m["lower"], m["upper"])
        else:
            fields[f.name] = st.floats(m["lower"], m["upper"], allow_nan=False)
    return st.builds(cls, **fields)


def out_of_range(f):
    m = f.metadata
    return [m["lower"] - max(m["step"], 1e-6), m["upper"] + max(m["step"], 1e-6), math.nan, "3"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_follows_the_contract(name):
    mod = models.get(name)
    assert dataclasses.is_dataclass(mod.Params) and issubclass(mod.Params, ModelParams)
    p = mod.Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(p, dataclasses.fields(p)[0].name, 0)
    for f in dataclasses.fields(mod.Params):
        for key in ("lower", "upper", "step", "unit", "meaning"):
            assert f.metadata.get(key) not in (None, ""), f"{name}.{f.name} has no {key}"
    df = mod.simulate(p)
    assert isinstance(df, pd.DataFrame) and len(df)
    assert set(df.attrs["units"]) == set(df.columns), "every column needs a unit in attrs"
    mod.validate(df) if hasattr(mod, "validate") else models.check_outputs(df, mod.OUTPUTS, name)
    pd.testing.assert_frame_equal(df, mod.simulate(p))  # pure and deterministic


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_out_of_range_values_are_rejected_with_a_clear_message(name):
    mod = models.get(name)
    for f in dataclasses.fields(mod.Params):
        for bad in out_of_range(f):
            with pytest.raises(ValueError) as info:
                mod.Params(**{f.name: bad})
            msg = str(info.value)
            assert msg.startswith(f"{name}.Params: {f.name}={bad!r}"), msg
            m = f.metadata
            assert m["unit"] in msg, msg
            if isinstance(bad, (int, float)) and not math.isnan(bad) and m["choices"] is None:
                assert f"[{m['lower']:g}, {m['upper']:g}]" in msg, msg  # the valid range, as printed


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_random_valid_params_give_finite_in_bounds_output(name):
    mod = models.get(name)

    @settings(max_examples=60, deadline=None)
    @given(params_strategy(mod.Params))
    def check(p):
        models.check_outputs(mod.simulate(p), mod.OUTPUTS, name)

    check()


def test_registry_lookup_names_the_known_models():
    with pytest.raises(ValueError, match="unknown model 'nope'; known models: ") as info:
        models.get("nope")
    assert all(name in str(info.value) for name in models.REGISTRY)


def test_param_rejects_a_default_outside_its_own_range():
    with pytest.raises(ValueError, match=r"default 5 is outside \[0, 1\]"):
        param(5, 0, 1, unit="x", meaning="y")
    with pytest.raises(ValueError, match="is not one of"):
        param(0.5, 0, 1, unit="x", meaning="y", choices=(0, 1))


def test_replace_validates_and_names_unknown_parameters():
    p = easi.Params()
    assert p.replace(trunk_area=40.0).trunk_area == 40.0
    with pytest.raises(ValueError, match="trunk_area=101"):
        p.replace(trunk_area=101)
    with pytest.raises(ValueError, match="has no parameter trunk_size; known: "):
        p.replace(trunk_size=3)


def test_spec_and_table_show_units():
    spec = easi.Params.spec()
    assert spec.loc["trunk_area", "unit"] == "% of region"
    assert spec.loc["trunk_area", "upper"] == 100
    assert easi.Params(trunk_area=12.0).table().loc["trunk_area", "value"] == 12.0


def test_whole_number_parameters_reject_fractions():
    with pytest.raises(ValueError, match="age_0_to_7=0.5 must be a whole number"):
        easi.Params(age_0_to_7=0.5)


# --- EASI ---------------------------------------------------------------
# Reference: Hanifin JM et al. (2022) Dermatitis 33:187-192, doi:10.1097/DER.0000000000000895,
# Figure 1: region score = (sum of 4 intensities) x area score x weight; total 0-72.

@pytest.mark.parametrize("percent,score", [(0, 0), (0.5, 1), (9, 1), (9.9, 1), (10, 2), (29, 2), (30, 3),
                                           (49.5, 3), (50, 4), (70, 5), (89.9, 5), (90, 6), (100, 6)])
def test_area_score_bands(percent, score):
    assert easi.area_score(percent) == score


def test_area_score_rejects_impossible_percentages():
    with pytest.raises(ValueError, match=r"percent=120 is outside \[0, 100\]"):
        easi.area_score(120)


def worst(age):
    values = {"age_0_to_7": age}
    for r in easi.REGIONS:
        values[f"{r}_area"] = 100.0
        values.update({f"{r}_{s}": 3.0 for s in easi.SIGNS})
    return easi.Params(**values)


@pytest.mark.parametrize("age", [0, 1])
def test_maximum_easi_is_72_for_adults_and_children(age):
    assert easi.total(worst(age)) == pytest.approx(72.0)


def test_clear_skin_scores_zero():
    assert easi.total(easi.Params()) == 0


def test_worked_example_by_hand():
    # Trunk: 35 % (area score 3), erythema 2 + oedema 1.5 + excoriation 1 + lichenification 0 = 4.5
    # adult weight 0.3 -> 4.5 * 3 * 0.3 = 4.05; lower limbs: 5 % (1), erythema 1 -> 1 * 1 * 0.4 = 0.4
    p = easi.Params(trunk_area=35.0, trunk_erythema=2.0, trunk_oedema=1.5, trunk_excoriation=1.0,
                    lower_limbs_area=5.0, lower_limbs_erythema=1.0)
    assert easi.total(p) == pytest.approx(4.45)
    # a child of 0-7 years: lower limbs weigh 0.3 instead of 0.4
    assert easi.total(p.replace(age_0_to_7=1)) == pytest.approx(4.05 + 0.3)


def test_children_weigh_the_head_more():
    p = easi.Params(head_neck_area=50.0, head_neck_erythema=2.0)
    assert easi.total(p.replace(age_0_to_7=1)) == pytest.approx(2 * easi.total(p))


def test_half_points_below_one_are_not_allowed():
    with pytest.raises(ValueError, match=r"head_neck_erythema=0.5 is not one of the allowed values \{0, 1, 1.5"):
        easi.Params(head_neck_erythema=0.5)


@settings(max_examples=40, deadline=None)
@given(params_strategy(easi.Params), st.sampled_from(easi.REGIONS), st.sampled_from(easi.SIGNS))
def test_easi_never_falls_when_a_sign_gets_worse(p, region, sign):
    name = f"{region}_{sign}"
    higher = [c for c in easi.SIGN_CHOICES if c > getattr(p, name)]
    if higher:
        assert easi.total(p.replace(**{name: higher[0]})) >= easi.total(p)


def test_check_argument_names_function_argument_value_range_and_unit():
    from course_lib.models import check_argument
    assert check_argument("m.simulate", "days", 3, 0, 10, "days") == 3.0
    for bad in (-1, 11, float("nan"), True, "3"):
        with pytest.raises(ValueError, match=r"^m\.simulate: days=.* is outside \[0, 10\] \(days\)$"):
            check_argument("m.simulate", "days", bad, 0, 10, "days")
