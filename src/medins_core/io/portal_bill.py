"""Reading a portal's own bill: the exports and notices a unit downloads, as :class:`PortalBill`.

Three layouts are read, told apart by the columns of their table header:

* ``jiangsu_detail``: the Jiangsu 单位缴费明细 export (jiangsu-unit-hall-user-manual.txt 3.10):
  序号, 险种类型, 起始缴费所属期, 截止缴费所属期, 缴费人数, 单位缴费比例, 单位缴费基数总额(元),
  单位应缴金额(元), 个人缴费比例, 个人缴费基数总额(元), 个人应缴金额(元), 职工工资总额(元),
  缴费类型, 缴费标志, 单位编号, 滞纳金(元), and the second sheet's 应缴款所属期 (the period owed).
  A file that also has 证件号码 (and 姓名) is read per person;
* ``suzhou_notice``: the Suzhou 征集缴费通知单 (jiangsu-suzhou-unit-hall-training.txt PART4.2):
  单位编号 and 费用所属期 above the table; 序号, 险种类型, 缴费类型, 个人缴费金额, 单位缴费金额, 利息,
  滞纳金, 其他缴费金额, 金额; then 小计 and 核定征集总额;
* ``hebei_notice``: the 河北省医疗保障基金征缴通知单 (hebei-qianan-unit-hall-procedures.txt):
  单位编号 or 统一信用代码 above; 缴费类型, 费款所属期, 缴费人数, 单位缴费基数, 单位应缴金额,
  个人缴费基数, 个人实缴金额; then 应缴总额. It has no 险种 column.

Rows above the table header (``单位编号: …``) and below it (小计, 总额) are read for the unit, the
period and the total. A column the layout does not have, a row without a period or an unreadable
amount is an :class:`~medins_core.errors.InputError` naming the file, row and column. ``-`` or
an empty cell means "not printed", kept as None and not compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import attrs

from medins_core.errors import InputError
from medins_core.io.table import Source, read_table
from medins_core.period import Period

__all__ = ["BillLine", "LAYOUTS", "PortalBill", "read_portal_bill"]

#: Each layout's columns (header text without "(元)") → field; ``None``: read but not compared.
LAYOUTS: dict[str, dict[str, str | None]] = {
    "jiangsu_detail": {
        "序号": None, "险种类型": "line", "险种": "line", "起始缴费所属期": "start", "截止缴费所属期": "end",
        "应缴款所属期": "period", "对应费款所属期": "period", "缴费人数": "persons", "单位缴费比例": "unit_rate",
        "单位缴费基数总额": "unit_base", "单位应缴金额": "unit_amount", "单位实缴金额": "unit_amount",
        "个人缴费比例": "person_rate", "个人缴费基数总额": "person_base", "个人应缴金额": "person_amount",
        "个人实缴金额": "person_amount", "职工工资总额": None, "缴费类型": "type", "缴费标志": None,
        "单位编号": "unit", "滞纳金": "late_fee", "操作": None, "证件号码": "cert_no", "姓名": "name",
        # the person export (3.9: 职工缴费明细) and the book's own (medins book query contributions)
        "单位缴费基数": "unit_base", "个人缴费基数": "person_base", "划拨总金额": None, "起始费款所属期": "start",
        "截至费款所属期": "end", "费款所属期": "period", "人员类别": None,
    },
    "suzhou_notice": {
        "序号": None, "险种类型": "line", "缴费类型": "type", "个人缴费金额": "person_amount",
        "单位缴费金额": "unit_amount", "利息": "interest", "滞纳金": "late_fee", "其他缴费金额": "other",
        "金额": "amount",
    },
    "hebei_notice": {
        "缴费类型": "type", "费款所属期": "period", "缴费人数": "persons", "单位缴费基数": "unit_base",
        "单位应缴金额": "unit_amount", "个人缴费基数": "person_base", "个人实缴金额": "person_amount",
    },
}  # fmt: skip
#: The columns that make a row the table header of each layout, tried in this order.
_SIGNATURE = {
    "suzhou_notice": ({"险种类型", "缴费类型", "个人缴费金额", "单位缴费金额", "金额"},),
    "hebei_notice": ({"缴费类型", "费款所属期", "缴费人数", "单位应缴金额", "个人实缴金额"},),
    "jiangsu_detail": ({"缴费类型", "险种类型", "单位应缴金额"}, {"缴费类型", "险种", "单位应缴金额"},
                       {"缴费类型", "险种类型", "单位实缴金额"}, {"缴费类型", "险种", "单位实缴金额"}),
}
_PREAMBLE = ("单位编号", "统一信用代码", "费用所属期", "单位名称", "通知单据号", "征集批次号", "打印时间")
_FOOTER = re.compile(r"^(小计|合计|核定征集总额|应缴总额|应缴金额总计)")
_MONEY = ("unit_base", "unit_amount", "person_base", "person_amount", "interest", "late_fee", "other", "amount",
          "unit_rate", "person_rate")  # the rates are decimals too, read the same way


@attrs.frozen
class BillLine:
    """One row of the portal's bill; amounts in yuan, None where the bill prints nothing."""

    row: int
    label: str  # 险种类型 as printed ("" in the Hebei notice)
    payment_type: str  # 缴费类型 as printed
    start: Period
    end: Period
    persons: int | None = None
    unit_base: Decimal | None = None
    unit_amount: Decimal | None = None
    person_base: Decimal | None = None
    person_amount: Decimal | None = None
    interest: Decimal | None = None
    late_fee: Decimal | None = None
    other: Decimal | None = None
    amount: Decimal | None = None
    unit_rate: Decimal | None = None  # the rates the Jiangsu export prints (单位/个人缴费比例)
    person_rate: Decimal | None = None
    cert_no: str | None = None
    name: str = ""


@attrs.frozen
class PortalBill:
    """A portal's bill: its layout, the unit numbers it prints, its lines and printed total."""

    file: str
    layout: str
    units: tuple[str, ...]
    lines: tuple[BillLine, ...]
    total: Decimal | None

    @property
    def per_person(self) -> bool:
        """Whether the bill's rows are persons (a 证件号码 column)."""
        return any(line.cert_no for line in self.lines)


def _norm(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[（(]元[)）]$", "", text).rstrip(":：")


def _printed(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", "-", "—", "--") else text


def _layout(cells: Sequence[str]) -> str | None:
    names = {_norm(c) for c in cells}
    return next((name for name, sets in _SIGNATURE.items() if any(needed <= names for needed in sets)), None)


def _split(cell: str) -> tuple[str, str]:
    """``"单位编号: 3205…"`` → ``("单位编号", "3205…")``; a cell without a colon is all key."""
    key, _, rest = cell.strip().replace("：", ":").partition(":")
    return _norm(key), rest.strip()


def _preamble(cells: Sequence[str], found: dict[str, str]) -> None:
    """``单位编号: 3205…`` in one cell or in two neighbouring cells."""
    values = [c.strip() for c in cells if c.strip()]
    for i, cell in enumerate(values):
        key, value = _split(cell)
        if key not in _PREAMBLE or key in found:
            continue
        if not value and i + 1 < len(values) and _split(values[i + 1])[0] not in _PREAMBLE:
            value = values[i + 1]
        if value:
            found[key] = value


def _amount(text: str, file: str, row: int, column: str) -> Decimal | None:
    value = _printed(text)
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise InputError("invalid_amount", f"金额无法识别: {value!r}", file=file, row=row, column=column) from None
    if not amount.is_finite():
        raise InputError("invalid_amount", f"金额无法识别: {value!r}", file=file, row=row, column=column)
    return amount


def _periods(text: str, file: str, row: int, column: str) -> tuple[Period, Period]:
    parts = [p for p in re.split(r"\s*[-–—至~]\s*(?=\d{4})", text.strip()) if p]
    first = Period.parse(parts[0], field=column)
    last = Period.parse(parts[-1], field=column) if len(parts) > 1 else first
    if last < first:
        raise InputError("period_order", f"费款所属期起止颠倒: {text!r}", file=file, row=row, column=column)
    return first, last


def read_portal_bill(source: Source, name: str | None = None) -> PortalBill:
    """Read a portal export or notice (``.csv`` or ``.xlsx``); raises InputError naming what is wrong.

    ``source`` is a path or, for an upload, the file's bytes with its ``name`` (as
    :func:`~medins_core.io.table.read_table`: the same limits either way).
    """
    table = read_table(source, name=name)
    rows = [(1, table.header), *table.rows]
    found: dict[str, str] = {}
    for index, (number, cells) in enumerate(rows):
        layout = _layout(cells)
        if layout is not None:
            break
        _preamble(cells, found)
    else:
        raise InputError("unknown_layout", "未找到门户缴费明细或缴费通知单的表头 (缴费类型、金额等列)", file=table.file, row=1)
    columns = LAYOUTS[layout]
    header = [_norm(c) for c in cells]
    for name, raw in zip(header, cells):
        if name and name not in columns:
            raise InputError("unknown_column", f"未知的列「{raw.strip()}」", file=table.file, row=number, column=raw.strip())
    fields: dict[str, int] = {}
    for i, name in enumerate(header):
        field = columns.get(name) if name else None
        if field is not None:
            fields.setdefault(field, i)
    lines: list[BillLine] = []
    total: Decimal | None = None
    units = [found[k] for k in ("单位编号", "统一信用代码") if k in found]
    for number, cells in rows[index + 1 :]:
        first = next((c.strip() for c in cells if c.strip()), "")
        if _FOOTER.match(first):
            total = _footer_total(cells, table.file, number) or total
            continue
        line = _line(layout, fields, header, cells, number, table.file, found.get("费用所属期"))
        if line is not None:
            lines.append(line)
            if "unit" in fields and _printed(cells[fields["unit"]]):
                units.append(cells[fields["unit"]].strip())
    if not lines:
        raise InputError("empty_bill", "门户文件中没有缴费行", file=table.file)
    return PortalBill(table.file, layout, tuple(dict.fromkeys(units)), tuple(lines), total)


def _footer_total(cells: Sequence[str], file: str, row: int) -> Decimal | None:
    """The 核定征集总额 / 应缴总额 printed in a footer row, if readable."""
    values = [c.strip() for c in cells if c.strip()]
    for i, cell in enumerate(values):
        key, value = _split(cell)
        if key in ("核定征集总额", "应缴总额"):
            value = value or (values[i + 1] if i + 1 < len(values) else "")
            try:
                return _amount(value, file, row, key)
            except InputError:
                return None  # redacted or in words only: the lines are compared, not this
    return None


def _line(
    layout: str, fields: dict[str, int], header: list[str], cells: Sequence[str], number: int,
    file: str, notice_period: str | None,
) -> BillLine | None:  # fmt: skip
    def cell(field: str) -> str:
        i = fields.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def title(field: str) -> str:
        return header[fields[field]] if field in fields else field

    if all(_printed(cell(f)) is None for f in fields if f not in ("type", "unit")):
        return None  # a row with nothing printed (河北 当期应缴 - - -): nothing owed, nothing to compare
    if not _printed(cell("type")):
        raise InputError("missing_field", "缴费类型不能为空", file=file, row=number, column=title("type"))
    if layout == "suzhou_notice":
        if not notice_period:
            raise InputError("missing_period", "通知单上没有费用所属期", file=file, row=number, column="费用所属期")
        start, end = _periods(notice_period, file, number, "费用所属期")
    elif _printed(cell("period")):
        start, end = _periods(cell("period"), file, number, title("period"))
    elif _printed(cell("start")):
        start = _periods(cell("start"), file, number, title("start"))[0]
        end = _periods(cell("end"), file, number, title("end"))[0] if _printed(cell("end")) else start
    else:
        column = title("period") if "period" in fields else title("start") if "start" in fields else "费款所属期"
        raise InputError("missing_period", "缺少费款所属期", file=file, row=number, column=column)
    persons = _printed(cell("persons"))
    if persons is not None and not persons.isdigit():
        raise InputError("invalid_number", f"缴费人数无法识别: {persons!r}", file=file, row=number, column=title("persons"))
    money = {f: _amount(cell(f), file, number, title(f)) for f in _MONEY if f in fields}
    cert_no = _printed(cell("cert_no"))
    return BillLine(
        number, cell("line"), cell("type"), start, end, None if persons is None else int(persons),
        cert_no=None if cert_no is None else cert_no.upper(), name=cell("name"), **money,
    )  # fmt: skip
