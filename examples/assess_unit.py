"""Assess a unit with the API: read a roster, assess, print the totals, write the notice."""

from __future__ import annotations

import sys
from importlib.resources import as_file, files
from pathlib import Path

from medins_core.assessment import PaymentType, assess
from medins_core.io.export import write_notice_xlsx
from medins_core.io.roster import read_roster
from medins_core.registry import load_registry


def main(out_dir: Path) -> None:
    registry = load_registry()

    # Qian'an back-pay of 2021-04..06: the figures of the Hebei sample notice
    region = registry.region("130283")
    roster = read_roster(Path(__file__).with_name("qianan_backpay.csv"), rules=region.rules)
    result = assess(roster.members, region, "2021-04", "2021-06", payment_type=PaymentType.BACKPAY)
    for total in result.totals:
        print(f"{total.insurance} {total.name}: 个人 {total.person_amount}, 单位 {total.unit_amount}")
    print(f"合计 {result.total} ({result.total_upper})")

    # the Suzhou example unit, as a payment notice workbook
    region = registry.region("320500")
    with as_file(files("medins_core") / "examples" / "suzhou_unit.csv") as path:
        roster = read_roster(path, rules=region.rules)
    result = assess(roster.members, region, "2022-08")
    write_notice_xlsx(result, out_dir / "notice.xlsx", unit_name="示例科技有限公司")
    print(f"已写入 {out_dir / 'notice.xlsx'}: 核定征集总额 {result.total}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
