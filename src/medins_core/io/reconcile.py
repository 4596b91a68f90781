"""Reconciliation (人员信息比对): the unit's staff list against the persons insured here.

The Dalian portal takes an uploaded staff list and answers with an add list (增员名单: in the
list, not insured here: to enroll) and a remove list (减员名单: insured here, not in the list:
to suspend) (liaoning-dalian-unit-hall-user-manual.txt 2.2 第二步 and 4.5). :func:`reconcile`
does the same for any region from two files, matched by certificate number, and also lists
the persons whose name differs between the two.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import attrs

from medins_core.errors import InputError
from medins_core.ids import mask_cert_no
from medins_core.io.table import MAX_ROWS, Table, read_table

__all__ = [
    "ACTIVE_STATUS",
    "CERT_NO_TITLES",
    "NAME_TITLES",
    "Listed",
    "Mismatch",
    "People",
    "Reconciliation",
    "read_people",
    "reconcile",
]

#: Header names of the columns a person list needs; the first is the portals'.
CERT_NO_TITLES = ("证件号码", "身份证号码", "公民身份号码", "cert_no")
NAME_TITLES = ("姓名", "人员姓名", "name")
CERT_TYPE_TITLES = ("证件类型", "cert_type")
STATUS_TITLES = ("参保状态", "status")
#: The 参保状态 of a person insured here (GLOSSARY.md psn_insu_stas 1); rows with another
#: status (暂停参保, 终止参保) in the roster are not insured here.
ACTIVE_STATUS = ("正常参保", "1", "参保缴费")


@attrs.frozen
class Listed:
    """A person as one file lists them: row number, certificate number, name, type."""

    row: int
    cert_no: str
    name: str
    cert_type: str = ""


@attrs.frozen
class Mismatch:
    """The same certificate number under two names."""

    staff: Listed
    roster: Listed


@attrs.frozen
class People:
    """The persons of one file, with the problems of rows that could not be used."""

    file: str
    people: tuple[Listed, ...]
    problems: tuple[InputError, ...]


@attrs.frozen
class Reconciliation:
    """The answer: who to add, who to remove, whose names differ, and unusable rows."""

    staff_file: str
    roster_file: str
    staff: int
    insured: int
    add: tuple[Listed, ...]
    remove: tuple[Listed, ...]
    mismatches: tuple[Mismatch, ...]
    problems: tuple[InputError, ...]

    @property
    def agrees(self) -> bool:
        """Whether the two lists agree and every row could be used."""
        return not (self.add or self.remove or self.mismatches or self.problems)

    def to_json(self) -> dict[str, object]:
        """The documented JSON: lists of persons (full numbers: this is data) and problems."""

        def person(p: Listed) -> dict[str, object]:
            return {"row": p.row, "cert_type": p.cert_type, "cert_no": p.cert_no, "name": p.name}

        return {
            "staff_file": self.staff_file,
            "roster_file": self.roster_file,
            "staff": self.staff,
            "insured": self.insured,
            "add": [person(p) for p in self.add],
            "remove": [person(p) for p in self.remove],
            "name_mismatch": [
                {
                    "cert_no": m.staff.cert_no,
                    "staff_row": m.staff.row,
                    "staff_name": m.staff.name,
                    "roster_row": m.roster.row,
                    "roster_name": m.roster.name,
                }
                for m in self.mismatches
            ],
            "problems": [
                {"file": p.file, "row": p.row, "code": p.code, "message": p.message}
                for p in self.problems
            ],
        }


def _find(table: Table, titles: Sequence[str]) -> int | None:
    for title in titles:
        if title in table.header:
            return table.header.index(title)
    return None


def read_people(
    path: str | Path, *, insured_only: bool = False, max_rows: int = MAX_ROWS
) -> People:
    """The persons listed in a file with 证件号码 and 姓名 columns (others are ignored).

    With ``insured_only``, a row whose 参保状态 says something other than 正常参保 (暂停参保,
    终止参保) is left out; an empty status counts as insured, since the file is the roster.
    A row without a certificate number, or repeating one, is a problem, not a person. Raises
    InputError when the file cannot be read or lacks either column.
    """
    table = read_table(path, max_rows=max_rows)
    cert_col, name_col = _find(table, CERT_NO_TITLES), _find(table, NAME_TITLES)
    for index, titles in ((cert_col, CERT_NO_TITLES), (name_col, NAME_TITLES)):
        if index is None:
            raise InputError("missing_column", f"缺少列「{titles[0]}」", file=table.file, row=1)
    assert cert_col is not None and name_col is not None
    type_col, status_col = _find(table, CERT_TYPE_TITLES), _find(table, STATUS_TITLES)

    def cell(cells: tuple[str, ...], index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    people: list[Listed] = []
    problems: list[InputError] = []
    first: dict[str, int] = {}
    for number, cells in table.rows:
        status = cell(cells, status_col)
        if insured_only and status and status not in ACTIVE_STATUS:
            continue
        cert_no = cell(cells, cert_col).upper()
        title = table.header[cert_col]
        if not cert_no:
            problems.append(
                InputError(
                    "missing_field", "证件号码不能为空", file=table.file, row=number, column=title
                )
            )
        elif cert_no in first:
            message = f"证件号码 {mask_cert_no(cert_no)} 与第 {first[cert_no]} 行重复"
            problems.append(
                InputError("duplicate_person", message, file=table.file, row=number, column=title)
            )
        else:
            first[cert_no] = number
            people.append(Listed(number, cert_no, cell(cells, name_col), cell(cells, type_col)))
    return People(table.file, tuple(people), tuple(problems))


def _same_name(a: str, b: str) -> bool:
    # full-width letters and stray spaces are the same name (张 三 = 张三, ＡＢ = AB)
    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split())

    return norm(a) == norm(b)


def reconcile(staff: People, roster: People) -> Reconciliation:
    """Compare a staff list with the roster of persons insured here, by certificate number."""
    insured = {p.cert_no: p for p in roster.people}
    listed = {p.cert_no: p for p in staff.people}
    return Reconciliation(
        staff_file=staff.file,
        roster_file=roster.file,
        staff=len(staff.people),
        insured=len(roster.people),
        add=tuple(p for p in staff.people if p.cert_no not in insured),
        remove=tuple(p for p in roster.people if p.cert_no not in listed),
        mismatches=tuple(
            Mismatch(p, insured[p.cert_no])
            for p in staff.people
            if p.cert_no in insured and not _same_name(p.name, insured[p.cert_no].name)
        ),
        problems=staff.problems + roster.problems,
    )
