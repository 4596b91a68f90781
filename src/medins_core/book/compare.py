"""Checking the portal's bill against the book (对账): line by line, and person by person.

The portal's export or notice (:mod:`medins_core.io.portal_bill`) is compared with what the
book assessed for the same unit, periods and payment types
(:func:`~medins_core.book.queries.net_lines`: every revision netted). Each bill line is ``equal``, ``different`` (each differing figure with
portal − book), ``only_portal`` or ``only_book``; a difference gets its likely cause:

* ``person_missing`` / ``person_extra``: the book has persons the portal has not, or the reverse;
* ``base_outside_limits``: one side kept a base outside the floor and ceiling, the other did not;
* ``base``: the bases differ otherwise (another declared wage);
* ``rounding_stage``: the amounts differ by no more than rounding each person's line can make,
  or the portal rounded the total once (``per_total``) where the book rounds per line;
* ``rate``: the rate the bill prints, or the one its amount means, is not the book's (or the
  fixed amount);
* ``late_fee``: interest, late fees or other amounts, which the book does not charge;
* ``unexplained``: none of these.

A bill for another unit, a line or payment type the region does not know, or a period the book
has not assessed is refused (InputError, exit 2) before anything is compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Union

import attrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from medins_core.book.book import Book, UnitInfo, yuan
from medins_core.book.causes import FIELDS, Causes, Difference, Figures
from medins_core.book.models import PersonRow, WageRow
from medins_core.book.queries import Listing, NetLine, net_lines
from medins_core.book.queries.listing import columns
from medins_core.errors import InputError
from medins_core.io.portal_bill import BillLine, PortalBill, read_portal_bill
from medins_core.io.xlsx import Kind, Value
from medins_core.params import RegionRules
from medins_core.period import Period

__all__ = ["Comparison", "ComparedLine", "Difference", "Figures", "compare_bill"]

#: 缴费类型 as the portals print it → the book's payment type.
PAYMENT_TYPES = {"正常应缴": "regular", "当期应缴": "regular", "一次性补缴": "backpay", "补欠(预)缴费": "backpay",
                 "补欠缴费": "backpay", "补缴": "backpay", "补收": "backpay"}  # fmt: skip
ZH = {"persons": "缴费人数", "unit_base": "单位缴费基数", "unit_amount": "单位缴费金额", "person_base": "个人缴费基数",
      "person_amount": "个人缴费金额", "interest": "利息", "late_fee": "滞纳金", "other": "其他缴费金额", "amount": "金额"}  # fmt: skip
STATUS_ZH = {"equal": "一致", "different": "不一致", "only_portal": "仅门户有", "only_book": "仅账簿有"}


@attrs.frozen
class ComparedLine:
    """A bill line (or person) and the book's figures for it."""

    status: str
    row: int | None
    insurance: str | None
    label: str
    payment_type: str
    start: Period
    end: Period
    cert_no: str | None
    name: str
    portal: Figures | None
    book: Figures | None
    differences: tuple[Difference, ...] = ()


@attrs.frozen
class Comparison:
    """The whole answer: per line, per person (when the bill has persons), and the totals."""

    file: str
    layout: str
    unit: str
    lines: tuple[ComparedLine, ...]
    persons: tuple[ComparedLine, ...]
    portal_total: Decimal | None
    book_total: Decimal

    @property
    def agrees(self) -> bool:
        """Whether every line and person is equal (and the printed total, if any, too)."""
        same_total = self.portal_total is None or self.portal_total == self.book_total
        return same_total and all(c.status == "equal" for c in self.lines + self.persons)

    def listings(self) -> list[Listing]:
        """The tables: lines, and persons when the bill has them (ID numbers in full)."""
        cols = columns(("状态", Kind.TEXT), ("行", Kind.INTEGER), ("证件号码", Kind.TEXT), ("姓名", Kind.TEXT),
                        ("险种", Kind.TEXT), ("缴费类型", Kind.TEXT), ("费款所属期", Kind.TEXT), ("项目", Kind.TEXT),
                        ("门户", Kind.GENERAL), ("账簿", Kind.GENERAL), ("差额", Kind.GENERAL), ("原因", Kind.TEXT),
                        ("说明", Kind.WRAP))  # fmt: skip
        out = [Listing("对账-险种", cols, tuple(_rows(self.lines)))]
        if self.persons:
            out.append(Listing("对账-人员", cols, tuple(_rows(self.persons))))
        return out


def _rows(lines: Iterable[ComparedLine]) -> Iterable[tuple[Value, ...]]:
    for c in lines:
        span = str(c.start) if c.start == c.end else f"{c.start}-{c.end}"
        head: tuple[Value, ...] = (STATUS_ZH[c.status], c.row, c.cert_no or "", c.name, c.insurance or c.label or "全部险种",
                                   {"regular": "正常应缴", "backpay": "补缴"}[c.payment_type], span)  # fmt: skip
        if not c.differences:
            yield (*head, "", None, None, None, "", "")
        for d in c.differences:
            yield (*head, ZH[d.field], d.portal, d.book, d.difference, d.cause, d.explanation)


def compare_bill(book: Book, uscc: str, bill: PortalBill | str | Path) -> Comparison:
    """Compare a portal bill (or the file of one) with the book's assessment of the unit."""
    if not isinstance(bill, PortalBill):
        bill = read_portal_bill(bill)
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        rules = book.rules(unit)
        for number in bill.units:
            if not _same_unit(number, unit):
                raise InputError("unit_mismatch", f"门户文件的单位编号 {number} 与账簿单位 {unit.unit_no or unit.uscc} 不符",
                                 file=bill.file, column="单位编号")  # fmt: skip
        keyed = [_keyed(bill, line, rules) for line in bill.lines]
        start = min(line.start for line in bill.lines)
        end = max(line.end for line in bill.lines)
        book_lines = _Index(net_lines(session, unit, start, end))
        assessed = set(book_lines.insurances)
        for (_line, kind), line in keyed:
            for period in Period.range(line.start, line.end):
                if (kind, period) not in assessed:
                    raise InputError("not_assessed", f"账簿中没有 {period} 的{line.payment_type}核定，请先 medins book assess",
                                     file=bill.file, row=line.row, column="费款所属期")  # fmt: skip
        wages = _wages(session, unit, book_lines.lines)
    judge = Causes(rules, wages)
    if bill.layout == "hebei_notice":
        keyed = _merge(keyed)
    split = bill.layout == "jiangsu_detail"
    lines = _compare(keyed, book_lines, judge, per_person=False, split=split)
    persons = _compare(keyed, book_lines, judge, per_person=True, split=split) if bill.per_person else []
    covered = {id(ln): ln for key, line in keyed for ln in book_lines.of(key, line.start, line.end)}
    book_total = sum((ln.unit_amount + ln.person_amount for ln in covered.values()), Decimal(0))
    return Comparison(bill.file, bill.layout, uscc, tuple(lines), tuple(persons), bill.total, book_total)


def _same_unit(number: str, unit: UnitInfo) -> bool:
    text = number.strip().rstrip(".…")
    ours = [n for n in (unit.unit_no, unit.uscc) if n]
    if text != number.strip():  # printed truncated (3208000...): the start must match
        return any(n.startswith(text) for n in ours)
    return text in ours


Key = tuple[Union[str, None], str]  # insurance (None: all lines), payment type


def _keyed(bill: PortalBill, line: BillLine, rules: RegionRules) -> tuple[Key, BillLine]:
    kind = PAYMENT_TYPES.get("".join(line.payment_type.split()))
    if kind is None:
        raise InputError("unknown_payment_type", f"未知的缴费类型「{line.payment_type}」", file=bill.file, row=line.row, column="缴费类型")
    if bill.layout == "hebei_notice":
        return (None, kind), line
    label = "".join(line.label.split()).rstrip(".…")
    found = [code for code, info in rules.lines.items() if label in (code, info.name)]
    if not found and label:  # printed cut short: 职工基本医疗… is the one line whose name starts so
        found = [code for code, info in rules.lines.items() if info.name.startswith(label)]
    if len(found) != 1:
        raise InputError("unknown_line", f"统筹区 {rules.code} 没有险种「{line.label}」", file=bill.file, row=line.row, column="险种类型")
    return (found[0], kind), line


def _merge(keyed: list[tuple[Key, BillLine]]) -> list[tuple[Key, BillLine]]:
    """Hebei prints one row per line without naming it: a payment type and span is one line."""
    groups: dict[tuple[Key, Period, Period], list[BillLine]] = defaultdict(list)
    for key, line in keyed:
        groups[(key, line.start, line.end)].append(line)
    out = []
    for (key, _s, _e), rows in groups.items():
        merged: dict[str, Any] = {}
        for name in ("unit_amount", "person_amount"):
            values = [getattr(r, name) for r in rows]
            merged[name] = None if None in values else sum(values, Decimal(0))
        for name in ("persons", "unit_base", "person_base"):
            values = [getattr(r, name) for r in rows]
            merged[name] = None if None in values else max(values)
        out.append((key, attrs.evolve(rows[0], **merged)))
    return out


class _Index:
    """The book's lines by payment type, period, line and person: a bill of thousands of persons
    finds each person's lines without scanning them all."""

    def __init__(self, lines: list[NetLine]) -> None:
        self.lines = lines
        self.by_line: dict[tuple[str, Period, str], list[NetLine]] = defaultdict(list)
        self.by_person: dict[tuple[str, Period, str, str], list[NetLine]] = defaultdict(list)
        self.insurances: dict[tuple[str, Period], set[str]] = defaultdict(set)
        for ln in lines:
            self.by_line[(ln.payment_type, ln.period, ln.insurance)].append(ln)
            self.by_person[(ln.payment_type, ln.period, ln.insurance, ln.cert_no)].append(ln)
            self.insurances[(ln.payment_type, ln.period)].add(ln.insurance)

    def of(self, key: Key, start: Period, end: Period, cert_no: str | None = None) -> list[NetLine]:
        """The lines a bill line covers: its payment type, periods, line (None: all) and person."""
        out: list[NetLine] = []
        for period in Period.range(start, end):
            for insurance in sorted(self.insurances.get((key[1], period), ())) if key[0] is None else [key[0]]:
                if cert_no is None:
                    out += self.by_line.get((key[1], period, insurance), [])
                else:
                    out += self.by_person.get((key[1], period, insurance, cert_no), [])
        return out


def _wages(session: Session, unit: UnitInfo, lines: list[NetLine]) -> dict[tuple[str, Period], Decimal]:
    """Each assessed person's declared wage per period (for telling a clamped base)."""
    declared: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for cert_no, start, wage_fen in session.execute(
        select(PersonRow.cert_no, WageRow.start, WageRow.wage_fen).join(PersonRow, PersonRow.id == WageRow.person_id)
        .where(WageRow.unit_id == unit.id).order_by(WageRow.start)
    ):  # fmt: skip
        declared[cert_no].append((start, wage_fen))
    out = {}
    for ln in lines:
        known = [w for s, w in declared[ln.cert_no] if s <= str(ln.period)]
        if known:
            out[(ln.cert_no, ln.period)] = yuan(known[-1])
    return out


def _side(line: BillLine, split: bool) -> tuple[str, ...]:
    """Which figures a row carries: Jiangsu (``split``) prints a line's unit and person parts as
    two rows; a notice prints each line once, so a zero there is a figure."""
    if not split:
        return FIELDS
    unit = any(v for v in (line.unit_base, line.unit_amount))
    person = any(v for v in (line.person_base, line.person_amount))
    if unit and not person:
        return ("persons", "unit_base", "unit_amount", "interest", "late_fee", "other")
    if person and not unit:
        return ("persons", "person_base", "person_amount", "interest", "late_fee", "other")
    return FIELDS


def _portal(line: BillLine, fields: tuple[str, ...]) -> Figures:
    rates = {f"{side}_rate": getattr(line, f"{side}_rate") if f"{side}_amount" in fields else None for side in ("unit", "person")}
    return Figures(**{f: getattr(line, f) if f in fields else None for f in FIELDS}, **rates)


def _book(lines: list[NetLine], months: int) -> Figures:
    """The book's figures of a bill line: sums, and the base of one month (the bills print that).

    Without a line (the Hebei notice) the base is the largest line's: every line charged on the
    base has the same one.
    """
    def base(side: str) -> Decimal:
        per_line: dict[str, Decimal] = defaultdict(Decimal)
        for ln in lines:
            per_line[ln.insurance] += getattr(ln, side)
        return max(per_line.values(), default=Decimal(0)) / months

    unit = sum((ln.unit_amount for ln in lines), Decimal(0))
    person = sum((ln.person_amount for ln in lines), Decimal(0))
    zero = Decimal("0.00")
    return Figures(len({ln.cert_no for ln in lines}), base("unit_base"), unit, base("person_base"), person,
                   zero, zero, zero, unit + person)  # fmt: skip


def _compare(
    keyed: list[tuple[Key, BillLine]], book_lines: _Index, judge: Causes, *, per_person: bool, split: bool
) -> list[ComparedLine]:
    """Bill lines (or persons) against the book's; then the book's lines the bill does not have.

    Where the bill has several rows for what the book holds once, the row that agrees is
    ``equal`` (else the first is ``different``) and the others are ``only_portal``.
    """
    groups: dict[tuple[Key, Period, Period, str | None, tuple[str, ...]], list[BillLine]] = defaultdict(list)
    for key, line in keyed:
        groups[(key, line.start, line.end, line.cert_no if per_person else None, _side(line, split))].append(line)
    out: list[ComparedLine] = []
    seen: set[tuple[str, str, Period, str]] = set()
    for (key, start, end, cert_no, fields), rows in groups.items():
        mine = book_lines.of(key, start, end, cert_no)
        seen |= {(ln.cert_no if per_person else "", ln.insurance, ln.period, ln.payment_type) for ln in mine}
        candidates = [_sum(rows)] if not per_person and rows[0].cert_no else rows
        book = _book(mine, len(Period.range(start, end))) if mine else None
        name = _name(mine) or candidates[0].name
        judged = [(c, None if book is None else judge.differences(_portal(c, fields), book, key[0], start, mine))
                  for c in candidates]  # fmt: skip
        best = next((c for c, diffs in judged if diffs == ()), candidates[0])
        for cand, diffs in judged:
            portal = _portal(cand, fields)
            row = cand.row if len(rows) == 1 or per_person or not rows[0].cert_no else None
            if book is None or diffs is None or cand is not best:
                extra = (judge.missing(portal, "person_extra" if per_person else "only_portal"),)
                out.append(ComparedLine("only_portal", row, key[0], cand.label, key[1], start, end, cert_no, name, portal, None, extra))
            else:
                status = "different" if diffs else "equal"
                out.append(ComparedLine(status, row, key[0], cand.label, key[1], start, end, cert_no, name, portal, book, diffs))
    billed = {(k[1], p) for k, line in keyed for p in Period.range(line.start, line.end)}
    missing: dict[tuple[str, str, Period, str], list[NetLine]] = defaultdict(list)
    for ln in book_lines.lines:
        mark = (ln.cert_no if per_person else "", ln.insurance, ln.period, ln.payment_type)
        if mark not in seen and (ln.payment_type, ln.period) in billed and (ln.unit_amount or ln.person_amount):
            missing[mark].append(ln)
    for (cert_no, insurance, period, kind), mine in missing.items():
        book = _book(mine, 1)
        what = "person_missing" if per_person else "only_book"
        out.append(ComparedLine("only_book", None, insurance, "", kind, period, period, cert_no or None, _name(mine) if per_person else "",
                                None, book, (judge.missing(book, what),)))  # fmt: skip
    return out


def _name(lines: list[NetLine]) -> str:
    return lines[0].name if lines and len({ln.cert_no for ln in lines}) == 1 else ""


def _sum(rows: list[BillLine]) -> BillLine:
    """Per-person rows summed into their line: amounts and bases added, persons counted."""
    merged: dict[str, Any] = {"persons": len({r.cert_no for r in rows}), "cert_no": None, "name": ""}
    for name in ("unit_base", "unit_amount", "person_base", "person_amount", "interest", "late_fee", "other", "amount"):
        values = [getattr(r, name) for r in rows if getattr(r, name) is not None]
        merged[name] = sum(values, Decimal(0)) if values else None
    return attrs.evolve(rows[0], **merged)

