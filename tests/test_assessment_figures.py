"""The figures printed in the source documents, reproduced to the fen."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from medins_core.assessment import Parts, PaymentType, assess
from medins_core.model import Member, Person, WageDeclaration
from medins_core.money import RoundingPolicy, rmb_upper
from medins_core.period import Period
from medins_core.registry import load_registry
from medins_core.testing import make_resident_id, roster_with_bases

D = Decimal
REGISTRY = load_registry(use_env=False)


def totals_by_line(result):  # type: ignore[no-untyped-def]
    return {t.insurance: t for t in result.totals}


def test_huaian_person_lines_2021() -> None:
    # jiangsu-unit-hall-user-manual.txt 3.9: one person, base 5737 from 202101 and 5783 from 202107.
    person = Person(make_resident_id("320826", "19940126", 142), "高莹莹")
    wages = (WageDeclaration(Period(2021, 1), D("5737")), WageDeclaration(Period(2021, 7), D("5783")))
    result = assess([Member(person, wages)], REGISTRY.region("320800"), "2021-01", "2021-08")
    got = {(str(ln.period), ln.insurance): ln for ln in result.lines}
    assert len(got) == 8 * 3
    for month in range(1, 9):
        period = f"20210{month}"
        basic, large, maternity = got[(period, "310")], got[(period, "330")], got[(period, "510")]
        if month < 7:
            assert (basic.unit_base, basic.person_base) == (D("5737"), D("5737"))
            assert (basic.person_amount, basic.unit_amount) == (D("114.74"), D("458.96"))
            # the manual prints the transfers on two rows: 114.74 (person) and 68.84 (unit)
            assert basic.account_transfer == D("114.74") + D("68.84")
            assert maternity.unit_amount == D("51.63")
        else:
            assert (basic.person_amount, basic.unit_amount) == (D("115.66"), D("462.64"))
            assert basic.account_transfer == D("115.66") + D("69.40")
            assert maternity.unit_amount == D("52.05")
        assert (large.person_amount, large.unit_amount, large.person_base) == (D("8.00"), D("0.00"), 0)
        assert (maternity.person_amount, maternity.person_base) == (D("0.00"), 0)


def test_huaian_unit_totals_2022_02() -> None:
    # 3.10: 1225 persons, base total 6,694,162.00 → 310 unit 535532.96, person 133883.24.
    bases = [5464] * 1224
    bases.append(6694162 - sum(bases))
    result = assess(roster_with_bases(bases), REGISTRY.region("320800"), "2022-02", insurance=["310"])
    basic = totals_by_line(result)["310"]
    assert basic.persons == 1225
    assert basic.unit_base == basic.person_base == D("6694162")
    assert basic.unit_amount == D("535532.96")
    assert basic.person_amount == D("133883.24")


# 3.10 export: one-off back-pay (一次性补缴) declared 2022-02, by period owed:
# (period, persons, unit base total, unit amount).
HUAIAN_ONE_OFF = [
    ("200909", 3, 6577, "460.39"), ("200912", 1, 2117, "148.19"), ("201002", 1, 2312, "161.84"),
    ("201010", 3, 6485, "453.95"), ("201102", 1, 2554, "178.78"), ("201104", 1, 2139, "149.73"),
    ("201105", 2, 3443, "241.01"), ("201107", 1, 1817, "127.19"), ("201110", 1, 1864, "130.48"),
    ("201111", 1, 2259, "158.13"), ("201206", 2, 10179, "712.53"), ("201208", 1, 5644, "395.08"),
    ("201212", 2, 12196, "853.72"), ("201306", 1, 5491, "384.37"), ("201307", 1, 5224, "365.68"),
    ("201308", 1, 5304, "371.28"), ("201310", 1, 5224, "365.68"), ("201711", 1, 2750, "220.00"),
]


@pytest.mark.parametrize(("period", "persons", "base_total", "amount"), HUAIAN_ONE_OFF)
def test_huaian_one_off_backpay_uses_the_rate_of_the_period_owed(
    period: str, persons: int, base_total: int, amount: str
) -> None:
    bases = [base_total // persons] * (persons - 1)
    bases.append(base_total - sum(bases))
    result = assess(
        roster_with_bases(bases), REGISTRY.region("320800"), period,
        payment_type=PaymentType.BACKPAY, insurance=["310"], parts=Parts.UNIT,
    )
    (basic,) = result.totals
    assert (basic.persons, basic.unit_base, basic.unit_amount) == (persons, base_total, D(amount))
    assert (basic.person_base, basic.person_amount) == (0, D("0.00"))


def test_hebei_backpay_notice_2021_04_to_06() -> None:
    # hebei-qianan-unit-hall-procedures.txt 缴费通知单: 12 persons, 202104-202106,
    # personal 3860.64 (= 2% × 3 × 64344) and the 11-yuan line 396.00 in the unit column.
    bases = [5362] * 11
    bases.append(64344 - sum(bases))
    rules = REGISTRY.region("130283")  # Qian'an resolves to Tangshan
    assert rules.code == "130200"
    result = assess(roster_with_bases(bases), rules, "2021-04", "2021-06", payment_type=PaymentType.BACKPAY)
    totals = totals_by_line(result)
    assert totals["310"].person_amount == D("3860.64")
    assert totals["330"].unit_amount == D("396.00")
    assert totals["330"].person_amount == D("0.00")
    assert totals["310"].persons == totals["330"].persons == 12
    # the unit's 7.8% depends on each person's base, which the notice does not print


def suzhou_notice_roster() -> list[Member]:
    """1480 integer bases totalling 13,190,303.00 whose 0.8% rounds person by person to the
    notice's 105521.65: 193 bases ≡ 3 (mod 5) lose 0.4 fen each, one ≡ 4 loses 0.2 fen."""
    bases = [8910] * 1286 + [8913] * 193
    bases.append(13190303 - sum(bases))
    assert bases[-1] % 5 == 4
    return roster_with_bases(bases)


def test_suzhou_notice_2022_08() -> None:
    # jiangsu-suzhou-unit-hall-training.txt PART4.2 缴费通知单, 202208, 1480 persons.
    result = assess(suzhou_notice_roster(), REGISTRY.region("320500"), "2022-08")
    totals = totals_by_line(result)
    assert totals["330"].person_amount == D("7400.00")
    assert totals["310"].person_amount == D("263806.06")
    assert totals["310"].unit_amount == D("791418.18")
    assert totals["suzhou_supplementary"].unit_amount == D("131903.03")
    assert totals["510"].unit_amount == D("105521.65")
    assert totals["310"].unit_base == D("13190303")
    assert all(t.persons == 1480 for t in totals.values())
    assert totals["410"].amount == totals["suzhou_critical_illness"].amount == 0
    assert result.total == D("1300048.92")
    assert result.total_upper == "壹佰叁拾万零肆拾捌圆玖角贰分"
    assert sum((t.person_amount for t in totals.values()), D(0)) == D("271206.06")
    assert sum((t.unit_amount for t in totals.values()), D(0)) == D("1028842.86")


def test_suzhou_510_rounded_once_is_what_the_notice_is_not() -> None:
    # the notice's note: 0.8% × 13190303.00 = 105522.42 only when the total is rounded once
    rules = attrs.evolve(REGISTRY.region("320500").rules, rounding=RoundingPolicy(stage="per_total"))
    result = assess(suzhou_notice_roster(), rules, "2022-08", insurance=["510"])
    assert result.totals[0].unit_amount == D("105522.42")


def test_lianyungang_person_record_2022_07() -> None:
    # jiangsu-unit-hall-user-manual.txt 3.19: base 7800.00 in 202207.
    result = assess(roster_with_bases([7800]), REGISTRY.region("320700"), "2022-07")
    totals = totals_by_line(result)
    assert (totals["310"].person_amount, totals["310"].unit_amount) == (D("156.00"), D("546.00"))
    assert totals["510"].unit_amount == D("78.00")
    assert totals["330"].unit_amount == D("6.00")
    assert any(w.code == "provisional_value" for w in result.warnings)


def test_capitals_of_the_notices() -> None:
    assert rmb_upper(D("1300048.92")) == "壹佰叁拾万零肆拾捌圆玖角贰分"
    assert rmb_upper(D("1300048.92"), yuan="元") == "壹佰叁拾万零肆拾捌元玖角贰分"
