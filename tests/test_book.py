"""The unit book on SQLite and on PostgreSQL: every test runs on both backends.

Figures: Dalian with an operator overlay (310 only, unit 8% + person 2%, as docs/parameters.md's
example; the sources give no Dalian rate), so a 6,000-yuan wage owes 480.00 + 120.00 a month.
"""

from __future__ import annotations

import csv
import datetime
import os
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from medins_core import book
from medins_core.assessment import PaymentType, assess
from medins_core.book import ledger
from medins_core.book.db import _config as migration_config
from medins_core.book.db import head
from medins_core.book.models import AssessmentRow, BasisRow, CoverRow, EventRow, LineRow, PersonRow
from medins_core.book.testing import URL_ENV, postgres_binaries, throwaway_postgres
from medins_core.model import Member
from medins_core.operations import EnrollmentRequest, SuspensionRequest, WageDeclarationRequest
from medins_core.period import Period
from medins_core.registry import Registry, load_registry
from medins_core.testing import make_resident_id

UNIT = "91210200MA0000000X"
OTHER = "91210200MA0000001Y"
JAN, FEB, MAR = Period(2023, 1), Period(2023, 2), Period(2023, 3)
ENROLL_HEADER = ["证件类型", "证件号码", "姓名", "性别", "民族", "出生日期", "国家地区代码", "申报工资", "本次参保日期", "手机号码"]
SUSPEND_HEADER = ["证件类型", "证件号码", "姓名", "中断时间", "中断原因", "备注"]
OVERLAY = """\
[region]
code = "210200"
default_lines = ["310"]

[[values]]
line = "310"
from = "202201"
unit_rate = "0.08"
person_rate = "0.02"
unit_fixed = "0"
person_fixed = "0"
source = "示例: 运营方提供的参数文件 (非源文件数字)"
status = "provisional"
"""


def person_id(i: int) -> str:
    """A valid resident ID number per ``i`` (born 1980 + i, so every one is of working age)."""
    return make_resident_id("210202", f"{1980 + i % 20}0312", 1 + 2 * (i // 20))


def write_params(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "dalian.toml").write_text(OVERLAY, encoding="utf-8")
    return directory


def registry_for(directory: Path) -> Registry:
    return load_registry([write_params(directory)], use_env=False)


def enroll_file(path: Path, people: list[tuple[int, str]], start: str = "2023/01/01") -> Path:
    rows = [ENROLL_HEADER] + [
        ["居民身份证(户口簿)", person_id(i), f"职工{i}", "", "", "", "", wage, start, f"138{i:08d}"]
        for i, wage in people
    ]
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    return path


# --- the two backends ------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server: CI's (MEDINS_TEST_PG_URL), else a throwaway one; CI never skips."""
    if os.environ.get(URL_ENV):
        yield os.environ[URL_ENV]
        return
    if postgres_binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but PostgreSQL is not installed: the book must be tested on it")
        pytest.skip("PostgreSQL is not installed")
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty book database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'book.db'}"
        return
    server = sa.make_url(request.getfixturevalue("pg_server"))
    name = f"book_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return registry_for(tmp_path / "params")


@pytest.fixture
def opened(db_url: str, registry: Registry) -> Iterator[book.Book]:
    b = book.Book(db_url, actor="张会计", registry=registry)
    b.add_unit(UNIT, "大连示例", "210200", "21020001")
    yield b
    b.close()


def count(b: book.Book, table: type, *where: object) -> int:
    with b.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0)  # type: ignore[arg-type]


def enroll_three(b: book.Book, tmp_path: Path) -> None:
    outcome = book.apply_file(b, "enroll", enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "6000"), (2, "6000")]),
                              UNIT, today=datetime.date(2023, 1, 10))  # fmt: skip
    assert len(outcome.changes) == 3 and not outcome.result.failed


# --- storage ---------------------------------------------------------------------------


def test_open_migrates_to_head_and_reopens(db_url: str, registry: Registry) -> None:
    first = book.Book(db_url, registry=registry)
    first.close()
    again = book.Book(db_url, registry=registry)
    with again.engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head()
    again.close()


def test_units_are_unique_and_unknown_ones_refused(opened: book.Book) -> None:
    with pytest.raises(book.BookRefusal) as e:
        opened.add_unit(UNIT, "again", "210200")
    assert e.value.code == "unit_exists"
    with pytest.raises(book.BookRefusal) as e:
        book.assess_unit(opened, "NOPE", JAN)
    assert e.value.code == "unknown_unit"


def test_the_schema_allows_one_original_per_unit_periods_type(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    first = book.assess_unit(opened, UNIT, JAN)
    with pytest.raises(sa.exc.IntegrityError):
        with opened.transaction() as s:
            s.add(AssessmentRow(unit_id=1, period_from="202301", period_to="202301", payment_type="regular",
                                revision=0, kind="original", total_fen=0, document="{}"))  # fmt: skip
    assert first.kind == "original" and count(opened, AssessmentRow) == 1


def test_a_line_refers_only_to_rows_in_the_book(opened: book.Book, tmp_path: Path) -> None:
    # foreign keys on SQLite, a check per statement on PostgreSQL: the same refusals
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN)
    with opened.transaction() as s:
        stored = s.execute(sa.select(*[LineRow.__table__.c[name] for name in ledger.LINE_COLUMNS]).limit(1)).one()._asdict()
    assert stored["basis_id"] is not None

    def line(**changed: object) -> tuple[object, ...]:
        return tuple({**stored, **changed}[name] for name in ledger.LINE_COLUMNS)

    for column in ("assessment_id", "person_id", "basis_id"):
        with pytest.raises(sa.exc.IntegrityError), opened.transaction() as s:
            ledger._insert_lines(s, [line(), line(**{column: 10**6})])  # COPY on PostgreSQL
        with pytest.raises(sa.exc.IntegrityError), opened.transaction() as s:
            s.execute(sa.update(LineRow).values({column: 10**6}))
    with opened.transaction() as s:
        ledger._insert_lines(s, [line(basis_id=None)])
        s.execute(sa.update(LineRow).where(LineRow.basis_id.is_(None)).values(basis_id=stored["basis_id"]))
    assert count(opened, LineRow) == 4 and count(opened, LineRow, LineRow.basis_id.is_(None)) == 0


def test_rows_that_lines_refer_to_stay(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN)
    for table in (PersonRow, AssessmentRow, BasisRow):
        with pytest.raises(sa.exc.IntegrityError), opened.transaction() as s:
            s.execute(sa.delete(table))
        with pytest.raises(sa.exc.IntegrityError), opened.transaction() as s:
            s.execute(sa.update(table).values(id=table.id + 1000))
    assert (count(opened, PersonRow), count(opened, AssessmentRow), count(opened, BasisRow)) == (3, 1, 1)
    assert book.explain(opened, 1, person_id(0))[0]["unit_amount"] == "480.00"


def migrate_to(b: book.Book, revision: str) -> None:
    """Bring the book's schema down or up to ``revision``, as Alembic's command line would."""
    config = migration_config()
    with b.engine.begin() as connection:
        config.attributes["connection"] = connection
        current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        going_up = revision == "head" or (current or "") < revision
        (command.upgrade if going_up else command.downgrade)(config, revision)


def test_the_line_references_migrate_down_to_foreign_keys_and_up_again(db_url: str, registry: Registry) -> None:
    b = book.Book(db_url, registry=registry)
    try:
        migrate_to(b, "0006_compact_documents")
        keys = sa.inspect(b.engine).get_foreign_keys("assessment_line")
        assert sorted(key["referred_table"] for key in keys) == ["assessment", "line_basis", "person"]
        migrate_to(b, "head")
        keys = sa.inspect(b.engine).get_foreign_keys("assessment_line")
        assert len(keys) == (0 if b.engine.dialect.name == "postgresql" else 3)
    finally:
        b.close()


# --- operations with the book's context ------------------------------------------------


def test_a_batch_applies_passing_rows_and_returns_the_rest(opened: book.Book, tmp_path: Path) -> None:
    path = enroll_file(tmp_path / "e.csv", [(0, "6000"), (1, "六千"), (2, "6000")])
    dry = book.apply_file(opened, "enroll", path, UNIT, today=datetime.date(2023, 1, 10), dry_run=True)
    assert [c["row"] for c in dry.changes] == [2, 4] and count(opened, CoverRow) == 0
    outcome = book.apply_file(opened, "enroll", path, UNIT, today=datetime.date(2023, 1, 10))
    assert [r.row for r in outcome.result.failed] == [3]
    assert [p.code for p in outcome.result.failed[0].problems] == ["invalid_amount"]
    assert count(opened, CoverRow) == 2 and count(opened, PersonRow) == 2
    # the same file again: both persons are already active here, nothing is written twice
    again = book.apply_file(opened, "enroll", path, UNIT, today=datetime.date(2023, 1, 10))
    assert {p.code for r in again.result.failed for p in r.problems} >= {"already_active"}
    assert count(opened, CoverRow) == 2


def test_a_person_active_in_another_unit_cannot_be_enrolled(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    opened.add_unit(OTHER, "另一单位", "210200", "21020002")
    request = EnrollmentRequest("", person_id(0), "职工0", JAN, wage=Decimal(5000))
    with pytest.raises(book.BookRefusal) as e:
        book.enroll(opened, OTHER, request, today=datetime.date(2023, 1, 10))
    assert e.value.code == "active_elsewhere" and person_id(0) not in str(e.value)
    # the other unit sees none of the first unit's people
    with pytest.raises(book.BookRefusal) as e:
        book.assess_unit(opened, OTHER, JAN)
    assert e.value.code == "nothing_to_assess"
    assert [ev["what"] for ev in opened.events(OTHER)] == ["unit_add"]


# --- assessment from the book ----------------------------------------------------------


def test_existing_then_supplementary_after_a_late_enrollment(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    first = book.assess_unit(opened, UNIT, JAN, MAR)
    assert (first.kind, first.supplements, first.document["total"]) == ("original", None, "5400.00")
    again = book.assess_unit(opened, UNIT, JAN, MAR)
    assert (again.id, again.kind, again.document) == (first.id, "existing", first.document)
    late = EnrollmentRequest("", person_id(3), "职工3", JAN, wage=Decimal(8000))
    book.enroll(opened, UNIT, late, today=datetime.date(2023, 2, 10))
    extra = book.assess_unit(opened, UNIT, JAN, MAR)
    assert (extra.kind, extra.supplements, extra.document["total"]) == ("supplementary", first.id, "2400.00")
    assert {ln["cert_no"] for ln in extra.document["lines"]} == {person_id(3)}
    # original plus supplement is what the engine says of the whole book now
    everyone = [Member.simple(person_id(i), f"职工{i}", w) for i, w in ((0, 6000), (1, 6000), (2, 6000), (3, 8000))]
    whole = assess(everyone, opened.rules(book_unit(opened)), JAN, MAR)
    assert Decimal(first.document["total"]) + Decimal(extra.document["total"]) == whole.total
    assert book.assess_unit(opened, UNIT, JAN, MAR).kind == "existing"


def book_unit(b: book.Book) -> book.UnitInfo:
    with b.transaction() as s:
        return b.unit(s, UNIT)


def test_a_corrected_wage_gives_only_the_difference(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    first = book.assess_unit(opened, UNIT, JAN, MAR)
    # the book fills in the name, status and old wage; the person number and end come from the unit
    wage = WageDeclarationRequest(person_no="P1", cert_no=person_id(1), start=FEB, end=Period(2023, 12), wage=Decimal(7000))
    book.declare_wage(opened, UNIT, wage, today=datetime.date(2023, 2, 10))
    extra = book.assess_unit(opened, UNIT, JAN, MAR)
    assert extra.supplements == first.id and extra.document["total"] == "200.00"
    assert [(ln["period"], ln["unit_amount"], ln["person_amount"]) for ln in extra.document["lines"]] == [
        ("202302", "80.00", "20.00"), ("202303", "80.00", "20.00"),
    ]  # fmt: skip


def test_a_corrected_rate_in_an_overlay_gives_a_supplement(opened: book.Book, tmp_path: Path) -> None:
    # the unit's version is unchanged: the rules' fingerprint on the assessment tells the change
    enroll_three(opened, tmp_path)
    first = book.assess_unit(opened, UNIT, JAN)
    assert (first.kind, first.document["total"]) == ("original", "1800.00")
    corrected = tmp_path / "corrected"
    corrected.mkdir()
    (corrected / "dalian.toml").write_text(OVERLAY.replace('"0.08"', '"0.09"'), encoding="utf-8")
    url = opened.engine.url.render_as_string(hide_password=False)
    other = book.Book(url, registry=load_registry([corrected], use_env=False))
    try:
        extra = book.assess_unit(other, UNIT, JAN)
        assert (extra.kind, extra.supplements, extra.document["total"]) == ("supplementary", first.id, "180.00")
        assert book.assess_unit(other, UNIT, JAN).kind == "existing"
    finally:
        other.close()


def test_after_a_reversal_asking_again_assesses_again(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    mistake = book.assess_unit(opened, UNIT, JAN, payment_type=PaymentType.BACKPAY)
    book.revoke(opened, mistake.id, "补缴误操作")
    anew = book.assess_unit(opened, UNIT, JAN, payment_type=PaymentType.BACKPAY)
    assert (anew.kind, anew.document["total"]) == ("supplementary", "1800.00")
    assert book.assess_unit(opened, UNIT, JAN, payment_type=PaymentType.BACKPAY).id == anew.id


def test_revoke_writes_a_reversal_unless_noticed_or_paid(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    regular = book.assess_unit(opened, UNIT, JAN)
    mistake = book.assess_unit(opened, UNIT, JAN, payment_type=PaymentType.BACKPAY)
    reversal = book.revoke(opened, mistake.id, "补缴误操作")
    assert (reversal.kind, reversal.supplements, reversal.document["total"]) == ("reversal", mistake.id, "-1800.00")
    assert [ln["unit_amount"] for ln in reversal.document["lines"]] == ["-480.00"] * 3
    for target, code in ((mistake.id, "already_revoked"), (reversal.id, "cannot_revoke_reversal")):
        with pytest.raises(book.BookRefusal) as e:
            book.revoke(opened, target, "again")
        assert e.value.code == code
    made = book.notice(opened, UNIT)
    assert made["assessments"] == [regular.id, mistake.id, reversal.id] and made["total"] == "1800.00"
    with pytest.raises(book.BookRefusal) as e:
        book.revoke(opened, regular.id, "too late")
    assert e.value.code == "already_noticed"
    book.pay(opened, made["id"], "100.00", datetime.date(2023, 2, 5))
    with pytest.raises(book.BookRefusal) as e:
        book.revoke(opened, regular.id, "too late")
    assert e.value.code == "already_paid"
    assert [ev["why"] for ev in opened.events(UNIT) if ev["what"] == "revoke"] == ["补缴误操作"]


def test_a_notice_gathers_exactly_what_is_on_none(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    a, b = book.assess_unit(opened, UNIT, JAN), book.assess_unit(opened, UNIT, FEB)
    assert book.notice(opened, UNIT)["assessments"] == [a.id, b.id]
    c = book.assess_unit(opened, UNIT, MAR)
    assert book.notice(opened, UNIT)["assessments"] == [c.id]
    with pytest.raises(book.BookRefusal) as e:
        book.notice(opened, UNIT)
    assert e.value.code == "nothing_to_notice"


def test_arrears_block_a_suspension_until_paid(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN, MAR)
    made = book.notice(opened, UNIT)
    paid = book.pay(opened, made["id"], "3600", datetime.date(2023, 3, 5))
    assert paid["due"] == "1800.00"
    assert book.arrears_of(opened, UNIT) == [{"period": "202303", "cert_no": person_id(i)} for i in range(3)]
    leave = SuspensionRequest("", person_id(0), datetime.date(2023, 3, 31), name="职工0")
    with pytest.raises(book.BookRefusal) as e:
        book.suspend(opened, UNIT, leave, today=datetime.date(2023, 3, 20))
    assert e.value.code == "arrears_block_suspension"
    book.pay(opened, made["id"], "1800", datetime.date(2023, 3, 10))
    assert book.arrears_of(opened, UNIT) == []
    book.suspend(opened, UNIT, leave, today=datetime.date(2023, 3, 20))
    april = book.assess_unit(opened, UNIT, Period(2023, 4))
    assert april.document["persons"] == 2 and april.document["total"] == "1200.00"


def test_explain_names_every_value_and_its_source(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    found = book.assess_unit(opened, UNIT, JAN)
    lines = book.explain(opened, found.id, person_id(0))
    assert len(lines) == 1
    line = lines[0]
    assert (line["wage"], line["base"], line["unit_amount"], line["person_amount"]) == ("6000.00", "6000.00", "480.00", "120.00")
    values = {v["parameter"]: (v["value"], v["source"], v["status"]) for v in line["values"]}
    assert values["unit_rate"] == ("0.08", "示例: 运营方提供的参数文件 (非源文件数字)", "provisional")
    assert line["rounding"]["stage"] == "per_line" and line["rounding"]["source"]
    assert len(book.explain(opened, found.id)) == 3


def test_lines_share_one_stored_explanation_per_distinct_basis(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN)
    book.assess_unit(opened, UNIT, FEB, MAR)
    # the same rates, limits and rounding in every month: one text, pointed to by all nine lines
    assert count(opened, BasisRow) == 1
    assert count(opened, LineRow) == 9 and count(opened, LineRow, LineRow.basis_id.is_not(None)) == 9
    lines = book.explain(opened, 2)
    assert [(ln["period"], ln["base"]) for ln in lines][:2] == [("202302", "6000.00"), ("202302", "6000.00")]


def test_a_line_stored_with_its_whole_explanation_is_explained_as_stored(opened: book.Book, tmp_path: Path) -> None:
    # lines written before the explanations were shared keep theirs whole, and read as they are
    enroll_three(opened, tmp_path)
    found = book.assess_unit(opened, UNIT, JAN)
    whole = '{"wage": "6000.00", "base": "6000.00", "values": [], "rounding": null, "base_limit": null}'
    with opened.transaction() as s:
        s.execute(sa.update(LineRow).values(basis_id=None, base_fen=None, explain=whole))
    line = book.explain(opened, found.id, person_id(0))[0]
    assert (line["wage"], line["values"], line["unit_amount"]) == ("6000.00", [], "480.00")


def test_many_units_at_once_as_one_by_one(db_url: str, tmp_path: Path) -> None:
    opened = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    units = [f"912102000000000{u:02d}X" for u in range(5)]
    for u, uscc in enumerate(units):
        opened.add_unit(uscc, f"单位{u}", "210200")
        if u != 3:  # unit 3 has nobody to assess
            people = [(10 * u + i, str(5000 + 1000 * i)) for i in range(u + 1)]
            book.apply_file(opened, "enroll", enroll_file(tmp_path / "e.csv", people), uscc, today=datetime.date(2023, 1, 10))
    done: list[int] = []
    found = book.assess_units(opened, None, JAN, FEB, per_transaction=2, progress=done.append)
    assert list(found) == sorted(units) and sum(done) == 5
    refused = found[units[3]]
    assert isinstance(refused, book.BookRefusal) and refused.code == "nothing_to_assess"
    for u in (0, 1, 2, 4):
        made = found[units[u]]
        assert isinstance(made, book.BookAssessment) and made.kind == "original"
        # each person owes 10 % of a wage of 5000 + 1000·i yuan, for two months
        assert made.document["total"] == f"{2 * sum(500 + 100 * i for i in range(u + 1))}.00"
        assert book.assess_unit(opened, units[u], JAN, FEB).id == made.id
    again = book.assess_units(opened, [units[4], "NOPE", units[0]], JAN, FEB)
    assert list(again) == [units[4], "NOPE", units[0]]
    assert [getattr(v, "kind", getattr(v, "code", None)) for v in again.values()] == ["existing", "unknown_unit", "existing"]
    assert count(opened, AssessmentRow) == 4
    opened.close()


def add_and_enroll(b: book.Book, tmp_path: Path, units: list[str], people: Callable[[int], list[tuple[int, str]]]) -> None:
    """Register each unit ``u`` of ``units`` and enroll ``people(u)`` (person, wage) in it."""
    for u, uscc in enumerate(units):
        b.add_unit(uscc, f"单位{u}", "210200")
        enrolled = enroll_file(tmp_path / "e.csv", people(u))
        book.apply_file(b, "enroll", enrolled, uscc, today=datetime.date(2023, 1, 10))


def test_a_group_whose_lines_are_refused_is_assessed_again_one_by_one_and_a_failure_stores_none(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the group's lines are stored as it is committed (on PostgreSQL in a second thread, while
    # the next group is assessed): what goes wrong there is answered as for the group itself
    opened = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    units = [f"912102000000002{u:02d}X" for u in range(6)]
    add_and_enroll(opened, tmp_path, units, lambda u: [(200 + 10 * u + i, "5000") for i in range(2)])
    calls: list[int] = []
    insert = ledger._insert_lines

    def refused_once(session: sa.orm.Session, lines: list[tuple[object, ...]]) -> None:
        calls.append(len(lines))
        if len(calls) == 2:  # the second group's, as if a concurrent writer had won
            raise sa.exc.IntegrityError("COPY", None, Exception("refused"))
        insert(session, lines)

    monkeypatch.setattr(ledger, "_insert_lines", refused_once)
    done: list[int] = []
    found = book.assess_units(opened, units[:4], JAN, per_transaction=2, progress=done.append)
    assert calls == [4, 4, 2, 2] and done == [2, 2]  # the second group again, unit by unit, at the end
    assert [made.kind for made in found.values()] == ["original"] * 4  # type: ignore[union-attr]
    assert count(opened, AssessmentRow) == 4 and count(opened, LineRow) == 8

    def failing(session: sa.orm.Session, lines: list[tuple[object, ...]]) -> None:
        raise OSError("the connection broke")

    monkeypatch.setattr(ledger, "_insert_lines", failing)
    with pytest.raises(OSError):
        book.assess_units(opened, units[4:], JAN, per_transaction=2)
    assert count(opened, AssessmentRow) == 4 and count(opened, LineRow) == 8  # nothing of the group
    monkeypatch.setattr(ledger, "_insert_lines", insert)
    found = book.assess_units(opened, units, JAN)
    assert [made.kind for made in found.values()] == ["existing"] * 4 + ["original"] * 2  # type: ignore[union-attr]
    assert count(opened, LineRow) == 12
    opened.close()


def test_the_next_group_waits_for_the_explanations_a_group_stored_first(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a month nobody was assessed for: the first group stores its explanation; were the next one
    # assessed before that commit, it would store the same again and be refused for it
    opened = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    units = [f"912102000000003{u:02d}X" for u in range(4)]
    add_and_enroll(opened, tmp_path, units, lambda u: [(300 + u, "5000")])
    calls: list[int] = []
    insert = ledger._insert_lines

    def slow(session: sa.orm.Session, lines: list[tuple[object, ...]]) -> None:
        calls.append(len(lines))
        time.sleep(0.5 if len(calls) == 1 else 0)
        insert(session, lines)

    monkeypatch.setattr(ledger, "_insert_lines", slow)
    found = book.assess_units(opened, units, MAR, per_transaction=2)
    assert calls == [2, 2]  # no group assessed again unit by unit
    assert [made.kind for made in found.values()] == ["original"] * 4  # type: ignore[union-attr]
    assert count(opened, BasisRow) == 1 and count(opened, LineRow) == 4
    opened.close()


def test_a_group_of_mixed_outcomes_stores_each_units_lines_under_its_own_revision(db_url: str, tmp_path: Path) -> None:
    # 23 units in one transaction: new originals, supplements after a late enrollment, revisions
    # still current and refusals, their line rows written together
    opened = book.Book(db_url, registry=registry_for(tmp_path / "params"))
    units = [f"912102000000001{u:02d}X" for u in range(23)]
    for u, uscc in enumerate(units):
        opened.add_unit(uscc, f"单位{u}", "210200")
        if u % 7 != 6:  # units 6, 13 and 20 have nobody to assess
            people = [(100 * u + i, str(5000 + 100 * u)) for i in range(1 + u % 3)]
            book.apply_file(opened, "enroll", enroll_file(tmp_path / "e.csv", people), uscc, today=datetime.date(2023, 1, 10))
    first = book.assess_units(opened, units[::2], JAN, FEB)
    for u in range(0, 23, 4):  # a late enrollment: the even ones get a supplement
        if u % 7 != 6:
            late = enroll_file(tmp_path / "late.csv", [(100 * u + 50, "7000")])
            book.apply_file(opened, "enroll", late, units[u], today=datetime.date(2023, 1, 20))
    found = book.assess_units(opened, units, JAN, FEB, per_transaction=100)
    for u, uscc in enumerate(units):
        made = found[uscc]
        if u % 7 == 6:
            assert isinstance(made, book.BookRefusal) and made.code == "nothing_to_assess"
            continue
        assert isinstance(made, book.BookAssessment)
        expected = "original" if u % 2 else "supplementary" if u % 4 == 0 else "existing"
        assert made.kind == expected, u
        if expected == "existing":
            assert made.id == first[uscc].id  # type: ignore[union-attr]
            continue
        persons = 1 + u % 3 if expected == "original" else 1
        wage_fen = 500000 + 10000 * u if expected == "original" else 700000
        with opened.transaction() as s:
            lines = s.execute(sa.select(LineRow.unit_amount_fen, LineRow.person_amount_fen, LineRow.wage_fen)
                              .where(LineRow.assessment_id == made.id)).all()  # fmt: skip
            total = s.scalar(sa.select(AssessmentRow.total_fen).where(AssessmentRow.id == made.id))
        # two months per person, 8 % + 2 % of the wage: the revision's own lines and nobody else's
        assert len(lines) == 2 * persons and {w for *_, w in lines} == {wage_fen}, u
        assert sum(a + b for a, b, _ in lines) == total == 2 * persons * wage_fen // 10, u
    opened.close()


def test_the_log_keeps_actor_and_order(opened: book.Book, tmp_path: Path) -> None:
    enroll_three(opened, tmp_path)
    book.assess_unit(opened, UNIT, JAN)
    events = opened.events(UNIT)
    assert [e["what"] for e in events] == ["unit_add", "enroll_batch", "assess"]
    assert {e["actor"] for e in events} == {"张会计"}
    assert all(person_id(0) not in e["detail"] for e in events)  # masked
    assert count(opened, EventRow) == 3
