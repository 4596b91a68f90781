"""The assessment plan: one error for every missing value, warnings in every output format,
and figures that no caller decimal setting changes."""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_core.assessment import Parts, assess
from medins_core.bulk import assess_table
from medins_core.cli import main
from medins_core.errors import ParameterError
from medins_core.params import RegionRules
from medins_core.period import Period
from medins_core.region import Region
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id, roster_with_bases

D = Decimal
REGISTRY = load_registry(use_env=False)
SUZHOU = REGISTRY.region("320500").rules


def table(members_bases: list[str], lines: str | None = None) -> Any:
    n = len(members_bases)
    return pa.table(
        {
            "cert_no": [make_resident_id(sequence=i + 1) for i in range(n)],
            "name": [f"职工{i}" for i in range(n)],
            "wage": members_bases,
            "lines": [lines] * n,
        }
    )


def both_errors(rules: RegionRules, start: str, end: str, **options: Any) -> tuple[ParameterError, ParameterError]:
    members = roster_with_bases(["5000", "9000"], insurance=options.pop("member_lines", ()))
    with pytest.raises(ParameterError) as reference:
        assess(members, rules, start, end, engine="reference", **options)
    with pytest.raises(ParameterError) as bulk:
        assess_table(table(["5000", "9000"]), rules, start, end, **options)
    return reference.value, bulk.value


def test_parameter_unknown_lists_every_missing_value_once() -> None:
    """Dalian has no rates in its sources: one error names every parameter of every default
    line over the whole range, and says how to supply them; both engines give it."""
    rules = REGISTRY.region("210200").rules
    assert rules.default_lines
    reference, bulk = both_errors(rules, "202301", "202303")
    assert (reference.code, reference.message) == (bulk.code, bulk.message) == ("parameter_unknown", reference.message)
    for line in rules.default_lines:
        named = reference.message.split(f"({line}) 在 202301–202303 的 ")[1].split("；")[0]
        for parameter in ("unit_rate", "person_rate", "unit_fixed", "person_fixed"):
            assert f"{parameter}(" in named
    assert "--params" in reference.message and "MEDINS_PARAMS" in reference.message
    assert "params_dirs" in reference.message


def test_parameter_unknown_names_only_the_periods_and_sides_needed() -> None:
    """Huai'an's 7% ends in 2013-10: for the unit part over 201309–201312 the error names the
    unit parameters of 201311–201312 only."""
    rules = REGISTRY.region("320800").rules
    reference, bulk = both_errors(rules, "201309", "201312", insurance=["310"], parts=Parts.UNIT)
    assert reference.message == bulk.message
    assert "201311–201312 的 unit_rate" in reference.message
    assert "person_rate" not in reference.message and "201310" not in reference.message


def test_beyond_data_in_both_engines() -> None:
    rules = attrs.evolve(SUZHOU, data_through=Period(2022, 8))
    members = roster_with_bases(["5000"])
    result = assess(members, rules, "202208", "202210")
    bulk = assess_table(table(["5000"]), rules, "202208", "202210")
    assert result.warnings == bulk.warnings
    assert [w.code for w in result.warnings][-1] == "beyond_data"
    assert "202208" in result.warnings[-1].message
    assert [w.code for w in assess(members, rules, "202208").warnings].count("beyond_data") == 0


@pytest.mark.parametrize("engine", ["reference", "bulk"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_beyond_data_in_every_output_format(
    engine: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Registry:
        def region(self, code: str) -> Region:
            region = REGISTRY.region(code)
            return attrs.evolve(region, rules=attrs.evolve(region.rules, data_through=Period(2022, 8)))

    monkeypatch.setattr("medins_core.cli.assess.registry_from", lambda args: Registry())
    path = tmp_path / "roster.csv"
    path.write_text(f"证件号码,姓名,缴费工资\n{make_resident_id()},张三,5000\n", encoding="utf-8")
    argv = ["assess", str(path), "--region", "320500", "--period", "2022-09", "--format", fmt, "--engine", engine]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    if fmt == "json":
        assert "beyond_data" in [w["code"] for w in json.loads(out)["warnings"]]
    else:
        assert "[beyond_data]" in (err if fmt == "csv" else out)


CALLER_CONTEXTS = st.builds(
    decimal.Context,
    prec=st.integers(1, 12),
    rounding=st.sampled_from([decimal.ROUND_FLOOR, decimal.ROUND_CEILING, decimal.ROUND_DOWN, decimal.ROUND_HALF_UP]),
    traps=st.sampled_from(
        [[], [decimal.Inexact], [decimal.Rounded, decimal.Inexact, decimal.InvalidOperation], [decimal.Clamped]]
    ),
)


@settings(max_examples=40, deadline=None)
@given(
    context=CALLER_CONTEXTS,
    bases=st.lists(st.decimals(D("0.01"), D("99999.99"), places=2), min_size=1, max_size=8),
    code=st.sampled_from(["320500", "130200", "320700"]),
)
def test_no_caller_decimal_context_changes_a_figure(context: decimal.Context, bases: list[Decimal], code: str) -> None:
    rules = REGISTRY.region(code).rules
    members = roster_with_bases(bases)
    expected = assess(members, rules, "202208", "202210")
    expected_bulk = assess_table(table([str(b) for b in bases]), rules, "202208", "202210")
    with decimal.localcontext(context):
        result = assess(members, rules, "202208", "202210")
        data = result.to_json()
        amounts = [t.amount for t in result.totals]
        bulk = assess_table(table([str(b) for b in bases]), rules, "202208", "202210")
    assert result == expected and data == expected.to_json()
    assert amounts == [t.unit_amount + t.person_amount for t in expected.totals]
    assert bulk == expected_bulk


def test_caller_precision_of_six_is_harmless() -> None:
    """Figures above a million yuan need more than six digits."""
    members = roster_with_bases(["30000"] * 60)
    expected = assess(members, SUZHOU, "202208", "202307")
    assert expected.total > 1_000_000
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        ctx.traps[decimal.Inexact] = True
        assert assess(members, SUZHOU, "202208", "202307") == expected
