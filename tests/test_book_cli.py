"""``medins book`` on both backends: the JSON contract, refusals with codes, dry runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_book import UNIT, db_url, enroll_file, person_id, pg_server, write_params  # noqa: F401

from medins_core.cli import main


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setenv("MEDINS_DB", db_url)
    monkeypatch.setenv("MEDINS_PARAMS", str(write_params(tmp_path / "params")))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_book_assess_json_is_medins_assess_plus_id_kind_supplements(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("book", "init")[0] == 0
    assert cli("book", "unit", "add", "--uscc", UNIT, "--name", "大连示例", "--region", "210200")[0] == 0
    path = enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "7000")])
    code, out, _ = cli("book", "enroll", str(path), "--unit", UNIT, "--today", "2023-01-10", "--dry-run", "--format", "json")
    assert code == 0 and json.loads(out)["dry_run"] is True and len(json.loads(out)["changes"]) == 2
    code, _, err = cli("book", "assess", "--unit", UNIT, "--period", "2023-01")
    assert code == 2 and "[nothing_to_assess]" in err  # the dry run wrote nothing
    assert cli("book", "enroll", str(path), "--unit", UNIT, "--today", "2023-01-10")[0] == 0
    code, out, _ = cli("book", "assess", "--unit", UNIT, "--period", "2023-01", "--to", "2023-02", "--format", "json")
    booked = json.loads(out)
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["证件号码", "姓名", "缴费工资"], [person_id(0), "职工0", "6000"], [person_id(1), "职工1", "7000"]])
    code, out, _ = cli("assess", str(roster), "--region", "210200", "--period", "2023-01", "--to", "2023-02", "--format", "json")
    plain = json.loads(out)
    assert {k: v for k, v in booked.items() if k not in ("id", "kind", "supplements")} == plain
    assert (booked["kind"], booked["supplements"], booked["total"]) == ("original", None, "2600.00")
    code, out, _ = cli("book", "assess", "--unit", UNIT, "--period", "2023-01", "--to", "2023-02", "--format", "json")
    assert (json.loads(out)["kind"], json.loads(out)["id"]) == ("existing", booked["id"])


def test_book_assess_all_names_each_unit_and_exits_1_when_one_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = "91210200MA0000009Z"
    for uscc in (UNIT, other):
        assert cli("book", "unit", "add", "--uscc", uscc, "--name", "大连", "--region", "210200")[0] == 0
    path = enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "7000")])
    assert cli("book", "enroll", str(path), "--unit", UNIT, "--today", "2023-01-10")[0] == 0
    code, out, _ = cli("book", "assess", "--all", "--period", "2023-01", "--format", "json")
    found = json.loads(out)
    assert (code, found["assessed"], found["refused"]) == (1, 1, 1)
    assert [(u["unit"], u.get("kind"), u.get("total")) for u in found["units"]] == [(UNIT, "original", "1300.00"), (other, None, None)]
    assert found["units"][1]["error"]["code"] == "nothing_to_assess"
    path = enroll_file(tmp_path / "e2.csv", [(2, "5000")])
    assert cli("book", "enroll", str(path), "--unit", other, "--today", "2023-01-10")[0] == 0
    code, out, _ = cli("book", "assess", "--all", "--period", "2023-01")
    assert code == 0 and "已有核定" in out and "共 2 个单位: 核定 2, 未核定 0" in out
    with pytest.raises(SystemExit) as usage:  # one unit or all of them, not both
        cli("book", "assess", "--all", "--unit", UNIT, "--period", "2023-01")
    assert usage.value.code == 2


def test_refusals_exit_2_with_a_code_and_no_traceback(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("book", "assess", "--unit", "NOPE", "--period", "2023-01")
    assert (code, out) == (2, "") and "[unknown_unit]" in err and "Traceback" not in err
    code, _, err = cli("book", "revoke", "99", "--reason", "x")
    assert code == 2 and "[unknown_assessment]" in err
    code, _, err = cli("book", "pay", "1", "--amount", "abc")
    assert code == 2 and "Traceback" not in err
