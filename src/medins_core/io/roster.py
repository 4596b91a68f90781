"""Read a unit's roster (花名册) for an assessment from CSV or XLSX.

Headers are on the first row, in Chinese as the portals' templates write them or in English
(see :data:`COLUMNS`). Every row is checked; all problems are reported together, each naming
file, row and column, and no member is returned unless the whole file is good.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import attrs

from medins_core.codes import RESIDENT_ID, PersonCategory, is_resident_id_type, split_lines
from medins_core.errors import FileProblems, InputError
from medins_core.ids import mask_cert_no, parse_resident_id
from medins_core.io.table import MAX_ROWS, Source, Table, read_table
from medins_core.model import MAX_WAGE, Member, Person
from medins_core.money import FEN, to_money
from medins_core.params import RegionRules
from medins_core.period import Period

#: Roster fields and the headers that name them; the first name is the portals'.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cert_no": ("证件号码", "cert_no", "身份证号码", "公民身份号码"),
    "name": ("姓名", "name", "人员姓名"),
    "wage": ("缴费工资", "申报工资", "工资", "wage", "缴费基数"),
    "cert_type": ("证件类型", "cert_type"),
    "person_type": ("人员类型", "person_type", "人员类别"),
    "person_no": ("人员编号", "person_no"),
    "lines": ("险种", "lines", "参保险种"),
    "start": ("参保开始年月", "start", "本次参保日期", "开始年月"),
    "end": ("参保结束年月", "end", "结束年月"),
}
REQUIRED = ("cert_no", "name", "wage")


class RosterError(FileProblems):
    """A roster that cannot be used; :attr:`problems` lists every bad cell."""


@attrs.frozen
class Roster:
    """Members read from a file, and warnings that do not stop an assessment."""

    members: tuple[Member, ...]
    warnings: tuple[str, ...] = ()


def _columns(table: Table) -> dict[str, int]:
    """Map each known field to its column index; unknown headers are errors, not ignored."""
    found: dict[str, int] = {}
    problems = []
    for index, title in enumerate(table.header):
        if not title:
            continue
        field = next((f for f, names in COLUMNS.items() if title in names), None)
        if field is None:
            problems.append(InputError("unknown_column", f"无法识别的列「{title}」", file=table.file, row=1, column=title))
        elif field in found:
            problems.append(InputError("duplicate_column", f"列「{title}」重复", file=table.file, row=1, column=title))
        else:
            found[field] = index
    for field in REQUIRED:
        if field not in found:
            names = "/".join(COLUMNS[field][:2])
            problems.append(InputError("missing_column", f"缺少必填列「{names}」", file=table.file, row=1))
    if problems:
        raise RosterError(table.file, problems)
    return found


def read_roster(
    source: Source,
    *,
    rules: RegionRules | None = None,
    max_rows: int = MAX_ROWS,
    name: str | None = None,
    today: datetime.date | None = None,
) -> Roster:
    """Read and check a roster; raises :class:`RosterError` listing every problem.

    ``source`` is a path, the file's bytes or a binary file object (a portal's upload);
    ``name`` names it in messages and, for bytes, tells CSV from XLSX (see
    :func:`~medins_core.io.table.read_table`). A file with a header and no data rows is an
    error (``empty_roster``), not an assessment of nobody. With ``today`` (the caller's
    date, never the clock), an ID number whose birth date is after it is refused.

    ``rules`` resolves insurance line names (职工基本医疗保险) to codes; without it the 险种
    column must hold codes.
    """
    table = read_table(source, max_rows=max_rows, collect_cell_errors=True, name=name)
    return _roster(table, rules, today)


def roster_from_rows(
    rows: Iterable[Mapping[str, object]],
    *,
    rules: RegionRules | None = None,
    today: datetime.date | None = None,
    name: str = "<rows>",
) -> Roster:
    """Members from rows in memory (a portal's JSON), with exactly the checks of a roster file.

    Each row maps a field or header (``cert_no``/``证件号码``, ``name``, ``wage``, and the
    optional fields of :data:`COLUMNS`) to its text; values are converted with ``str``.
    Errors name the row as a file would: the first row is row 2. ``Member.simple`` builds a
    member without these checks; this is the way to build them from a caller's data.
    """
    items = [dict(row) for row in rows]
    header = tuple(dict.fromkeys(key for row in items for key in row))
    cells = tuple(
        (number, tuple("" if row.get(key) is None else str(row.get(key)).strip() for key in header))
        for number, row in enumerate(items, start=2)
    )
    return _roster(Table(name, header, cells), rules, today)


def _roster(table: Table, rules: RegionRules | None, today: datetime.date | None) -> Roster:
    columns = _columns(table)  # the header first: a wrong header explains every row
    if table.problems:
        raise RosterError(table.file, list(table.problems))
    if not table.rows:
        raise RosterError(table.file, [InputError("empty_roster", "花名册没有数据行", file=table.file, row=2)])
    members: list[Member] = []
    problems: list[InputError] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:

        def cell(field: str, cells: tuple[str, ...] = cells) -> str:
            index = columns.get(field)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def fail(field: str, code: str, message: str, number: int = number) -> None:
            title = table.header[columns[field]] if field in columns else field
            problems.append(InputError(code, message, file=table.file, row=number, column=title, field=field))

        row_problems = len(problems)
        cert_no, name, cert_type = cell("cert_no").upper(), cell("name"), cell("cert_type") or RESIDENT_ID
        if not cert_no:
            fail("cert_no", "missing_field", "证件号码不能为空")
        elif is_resident_id_type(cert_type):
            try:
                resident = parse_resident_id(cert_no)
                if today is not None and resident.birth > today:
                    fail("cert_no", "invalid_cert_no", f"证件号码中的出生日期晚于今天：{mask_cert_no(cert_no)}")
                elif not resident.county_known:
                    warnings.append(
                        f"文件 {table.file} 第 {number} 行: 证件号码 {mask_cert_no(cert_no)} 的地区码不在行政区划表中"
                    )
            except InputError as exc:
                fail("cert_no", exc.code, exc.message)
        if cert_no in seen:
            fail("cert_no", "duplicate_person", f"与第 {seen[cert_no]} 行是同一人员 ({mask_cert_no(cert_no)})")
        elif cert_no:
            seen[cert_no] = number
        if not name:
            fail("name", "missing_field", "姓名不能为空")
        wage = None
        if not cell("wage"):
            fail("wage", "missing_field", "工资不能为空")
        else:
            try:
                wage = to_money(cell("wage"), field="wage")
                if not 0 < wage < MAX_WAGE:
                    fail("wage", "invalid_wage", f"缴费工资须大于0且小于{MAX_WAGE}元: {cell('wage')}")
                elif wage != wage.quantize(FEN):
                    fail("wage", "invalid_wage", f"缴费工资最多精确到分: {cell('wage')}")
            except InputError as exc:
                fail("wage", "invalid_wage", exc.message)
        person_type = cell("person_type") or "在职"
        try:
            PersonCategory.parse(person_type)
        except ValueError:
            fail("person_type", "invalid_person_type", f"无法识别的人员类型「{person_type}」")
        periods: dict[str, Period | None] = {}
        for field in ("start", "end"):
            periods[field] = None
            if cell(field):
                try:
                    periods[field] = Period.parse(cell(field), field=field)
                except InputError as exc:
                    fail(field, exc.code, exc.message)
        start, end = periods["start"], periods["end"]
        if start is not None and end is not None and end < start:
            fail("end", "period_order", "开始年月不能晚于结束年月")
        insurance = _insurance(cell("lines"), rules, lambda message: fail("lines", "unknown_insurance", message))
        if len(problems) > row_problems or wage is None:
            continue
        person = Person(
            cert_no=cert_no,
            name=name,
            cert_type=cert_type,
            person_type=person_type,
            person_no=cell("person_no") or None,
        )
        members.append(Member.one_wage(person, wage, insurance=insurance, start=start, end=end))
    if problems:
        raise RosterError(table.file, problems)
    return Roster(tuple(members), tuple(warnings))


def _insurance(text: str, rules: RegionRules | None, fail: Callable[[str], None]) -> tuple[str, ...]:
    """Insurance codes from a cell such as ``310,330`` or ``职工基本医疗保险、生育保险``."""
    if not text:
        return ()
    by_name = {line.name: code for code, line in rules.lines.items()} if rules else {}
    codes = []
    for part in split_lines(text):
        code = by_name.get(part, part)
        if rules is not None and code not in rules.lines:
            fail(f"未知的险种「{part}」")
            continue
        codes.append(code)
    return tuple(dict.fromkeys(codes))
