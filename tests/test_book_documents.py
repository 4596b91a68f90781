"""The stored document of an assessment, on SQLite and on PostgreSQL: an original keeps its lines
once (in ``assessment_line``) and reads back as ``medins assess`` writes it; a book from before
migration 0006 reads as it did."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from test_book import (  # noqa: F401
    UNIT, count, db_url, enroll_file, enroll_three, migrate_to, person_id, pg_server, registry_for,
)

from medins_core import book
from medins_core.assessment import assess
from medins_core.book.db import head
from medins_core.book.models import AssessmentRow, LineRow
from medins_core.model import Member, Person, WageDeclaration
from medins_core.operations import WageDeclarationRequest
from medins_core.period import Period
from medins_core.registry import load_registry

JAN, FEB, MAR = Period(2023, 1), Period(2023, 2), Period(2023, 3)
# maternity before basic (not in code order), maternity charging nothing: lines with no amount
TWO_LINES = """\
[region]
code = "210200"
default_lines = ["510", "310"]

[[values]]
line = "310"
from = "202201"
unit_rate = "0.08"
person_rate = "0.02"
unit_fixed = "0"
person_fixed = "0"
unit_transfer_rate = "0.012"
person_transfer_rate = "0.02"
source = "示例: 运营方提供的参数文件 (非源文件数字)"
status = "provisional"

[[values]]
line = "510"
from = "202201"
unit_rate = "0"
person_rate = "0"
unit_fixed = "0"
person_fixed = "0"
source = "示例: 运营方提供的参数文件 (非源文件数字)"
status = "provisional"
"""


def stored(b: book.Book, assessment_id: int) -> dict[str, Any]:
    """The document as the book keeps it."""
    with b.transaction() as s:
        text = s.scalars(sa.select(AssessmentRow.document).where(AssessmentRow.id == assessment_id)).one()
        found: dict[str, Any] = json.loads(text)
        return found


def test_an_original_keeps_its_lines_once_and_reads_back_whole(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "dalian.toml").write_text(TWO_LINES, encoding="utf-8")
    registry = load_registry([tmp_path / "params"], use_env=False)
    b = book.Book(db_url, registry=registry)
    try:
        b.add_unit(UNIT, "大连示例", "210200")
        wages = {2: "5000", 0: "6000", 1: "7000"}
        path = enroll_file(tmp_path / "e.csv", list(wages.items()))
        book.apply_file(b, "enroll", path, UNIT, today=datetime.date(2023, 1, 10))
        raise_ = WageDeclarationRequest(person_no="P1", cert_no=person_id(1), start=FEB, end=Period(2023, 12), wage=Decimal("7333.33"))
        book.declare_wage(b, UNIT, raise_, today=datetime.date(2023, 2, 10))
        first = book.assess_unit(b, UNIT, JAN, MAR)

        # what the engine says of the same persons, wages and months
        def member(i: int) -> Member:
            declared = [WageDeclaration(JAN, Decimal(wages[i]))]
            if i == 1:
                declared.append(WageDeclaration(FEB, Decimal("7333.33")))
            return Member(Person(person_id(i), f"职工{i}"), tuple(declared))

        expected: dict[str, Any] = assess([member(i) for i in wages], registry.region("210200"), JAN, MAR).to_json()
        assert [(ln["insurance"], ln["period"]) for ln in expected["lines"]][:4] == [
            ("510", "202301"), ("510", "202301"), ("510", "202301"), ("310", "202301")]  # fmt: skip
        assert first.document == expected

        # stored: the document without its lines, but the nine lines that charge nothing
        document = stored(b, first.id)
        zero = [ln for ln in expected["lines"] if ln["insurance"] == "510"]
        assert document["lines"] == {"stored": True, "zero": zero}
        assert count(b, LineRow) == 9  # the 310 lines, each kept once
        # read back: the same JSON, key for key and in order, one unit or many at once
        for again in (book.assess_unit(b, UNIT, JAN, MAR), book.assess_units(b, [UNIT], JAN, MAR)[UNIT]):
            assert isinstance(again, book.BookAssessment) and (again.id, again.kind) == (first.id, "existing")
            assert json.dumps(again.document, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
        # revoked: the reversal holds every line, negated
        reversal = book.revoke(b, first.id, "误操作")
        assert [ln["unit_amount"] for ln in reversal.document["lines"]] == [
            "0.00" if ln["unit_amount"] == "0.00" else "-" + ln["unit_amount"] for ln in expected["lines"]
        ]  # fmt: skip
    finally:
        b.close()


def test_a_book_from_before_0006_reads_as_it_did(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    b = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    b.add_unit(UNIT, "大连示例", "210200")
    enroll_three(b, tmp_path)
    first = book.assess_unit(b, UNIT, JAN, MAR)
    whole, explained = first.document, book.explain(b, first.id)
    # as medins stored it before 0006: the document with every line, the book at 0005
    with b.transaction() as s:
        s.execute(sa.update(AssessmentRow).values(document=json.dumps(whole, ensure_ascii=False)))
    migrate_to(b, "0005_line_basis")
    b.close()
    upgraded = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    try:
        with upgraded.engine.connect() as c:
            assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head()
        again = book.assess_unit(upgraded, UNIT, JAN, MAR)
        assert (again.id, again.kind, again.document) == (first.id, "existing", whole)
        assert isinstance(stored(upgraded, first.id)["lines"], list)  # read as it was stored
        assert book.explain(upgraded, first.id) == explained
        reversal = book.revoke(upgraded, first.id, "误操作")
        assert reversal.document["total"] == "-5400.00" and len(reversal.document["lines"]) == 9
    finally:
        upgraded.close()
