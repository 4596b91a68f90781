"""Checked batch uploads: every row of a filled template through the business checks.

The portals answer a batch upload with a list of rows that passed and a list that failed, each
with its reason, and keep the failures for 24 hours. :func:`check_file` gives the same answer
at once and for good: it reads the file (:func:`~medins_core.io.table.read_table`), matches the
header to the region's template (:func:`~medins_core.io.template_files.match_header`), turns each
row into an operation request, runs it through :mod:`medins_core.operations` and then checks
the rows that depend on each other (the same person twice; one start month per batch where the
portal demands it). Every row is answered, whatever happens to the others.
:func:`write_failures` writes the failed rows back into the template with a reason column.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from medins_core.collector import collector_paused
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import InputError, MedinsError
from medins_core.ids import mask_text
from medins_core.io.batch_related import person_of, related_rows
from medins_core.io.batch_rows import RowParser
from medins_core.io.table import MAX_BYTES, MAX_ROWS, Table, read_table
from medins_core.io.template_files import match_header, write_template
from medins_core.io.templates import Template
from medins_core.operations import (
    CheckContext,
    Problem,
    Request,
    operation_of,
)
from medins_core.period import Period
from medins_core.region import Region

__all__ = [
    "CHECK_KINDS",
    "BatchOptions",
    "BatchResult",
    "RowResult",
    "check_file",
    "check_table",
    "failure_rows",
    "write_failures",
]

#: Template kinds that are business operations, and so can be checked.
CHECK_KINDS = ("enroll", "suspend", "wages", "change")


@attrs.frozen(init=False)
class BatchOptions:
    """What the portal's page asks besides the file.

    ``insurance`` are the insurance lines (险种) chosen for the whole upload (enrollment;
    default the region's default lines; ``lines=`` is its deprecated name), ``start``/``end``
    the months of a wage declaration whose template has no such columns (default: today's
    month, as the Dalian template's default), and ``context`` what the portal would look up
    (:class:`~medins_core.operations.CheckContext`). ``attachments_dir`` is where a change
    row's attachments are (default: the file's folder).
    """

    unit_no: str
    insurance: tuple[str, ...]
    government_unit: bool
    start: Period | None
    end: Period | None
    context: CheckContext
    attachments_dir: Path | None

    def __init__(
        self,
        unit_no: str = "",
        insurance: Sequence[str] = (),
        government_unit: bool = False,
        start: Period | None = None,
        end: Period | None = None,
        context: CheckContext | None = None,
        attachments_dir: Path | None = None,
        *,
        lines: Sequence[str] | None = None,
    ) -> None:
        codes = insurance_or_lines(tuple(insurance) or None, lines, "BatchOptions") or ()
        self.__attrs_init__(
            unit_no, tuple(codes), government_unit, start, end,
            CheckContext() if context is None else context, attachments_dir,
        )


@attrs.frozen
class RowResult:
    """One data row: its spreadsheet row number, its cells as read and every problem found."""

    row: int
    cells: tuple[str, ...]
    problems: tuple[Problem, ...]
    #: the request, or the parser that reads it from the cells when it is asked for (a row
    #: that passed by columns)
    _request: Request | RowParser | None = attrs.field(
        default=None, eq=False, repr=False, alias="request"
    )

    @property
    def request(self) -> Request | None:
        """The operation request read from the row (None when the row could not be read)."""
        found = self._request
        if isinstance(found, RowParser):
            found = found.request_of(self.cells)
            object.__setattr__(self, "_request", found)
        return found

    @property
    def passed(self) -> bool:
        """Whether the row has no error (warnings do not fail a row)."""
        return not self.problems or not any(p.is_error for p in self.problems)


@attrs.frozen
class BatchResult:
    """The answer to a batch upload: every row, passed or failed, in file order."""

    kind: str
    region: str
    file: str
    template: Template
    columns: Mapping[str, int]
    rows: tuple[RowResult, ...]

    @property
    def passed(self) -> tuple[RowResult, ...]:
        """The rows without errors."""
        return tuple(r for r in self.rows if r.passed)

    @property
    def failed(self) -> tuple[RowResult, ...]:
        """The rows with at least one error."""
        return tuple(r for r in self.rows if not r.passed)

    def values(self, row: RowResult) -> dict[str, str]:
        """A row's cells by template field (``cert_no``, ``wage`` …), as read."""
        return {
            field: row.cells[index] if index < len(row.cells) else ""
            for field, index in self.columns.items()
        }

    def column_title(self, field: str) -> str | None:
        """The column a problem's field is in, or None when the field is not a column."""
        column = self.template.column(field)
        return column.title if column is not None and field in self.columns else None

    def to_json(self) -> dict[str, object]:
        """``{"kind", "region", "file", "rows", "passed": [...], "failed": [...]}``.

        Each row has ``row`` (the spreadsheet row), ``values`` (by field); a passed row its
        ``warnings``, a failed row its ``problems`` (``code``, ``field``, ``column``,
        ``message``, ``severity``; warnings included).
        """

        def problem(p: Problem) -> dict[str, str | None]:
            return {
                "code": p.code,
                "field": p.field,
                "column": self.column_title(p.field),
                "message": mask_text(p.message),
                "severity": p.severity.value,
            }

        return {
            "kind": self.kind,
            "region": self.region,
            "file": self.file,
            "rows": len(self.rows),
            "passed": [
                {
                    "row": r.row,
                    "values": self.values(r),
                    "warnings": [problem(p) for p in r.problems],
                }
                for r in self.passed
            ],
            "failed": [
                {
                    "row": r.row,
                    "values": self.values(r),
                    "problems": [problem(p) for p in r.problems],
                }
                for r in self.failed
            ],
        }


def check_file(
    kind: str,
    path: str | Path,
    *,
    region: Region,
    today: datetime.date,
    options: BatchOptions = BatchOptions(),
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> BatchResult:
    """Read and check a filled template of ``kind`` (:data:`CHECK_KINDS`) for ``region``.

    Raises :class:`~medins_core.errors.InputError` when the file itself cannot be used (not a
    spreadsheet, too large, too many rows) and :class:`~medins_core.io.template_files.HeaderError`
    when row 1 is not the template's header; otherwise every row is answered.
    """
    with collector_paused():
        table = read_table(path, max_rows=max_rows, max_bytes=max_bytes, collect_cell_errors=True)
        if options.attachments_dir is None:
            options = attrs.evolve(options, attachments_dir=Path(path).parent)
        return check_table(kind, table, region=region, today=today, options=options)


def check_table(
    kind: str,
    table: Table,
    *,
    region: Region,
    today: datetime.date,
    options: BatchOptions = BatchOptions(),
    context_for: Callable[[Request], CheckContext] | None = None,
) -> BatchResult:
    """Check the rows of an already read table; see :func:`check_file`.

    ``context_for`` gives each row's own context (a book knows each person's covers);
    without it every row gets ``options.context``.
    """
    if kind not in CHECK_KINDS:
        raise InputError(
            "unknown_kind", f"无法检查 {kind!r}；可检查: {', '.join(CHECK_KINDS)}", field="kind"
        )
    with collector_paused():
        return _check_table(kind, table, region, today, options, context_for)


def _check_table(
    kind: str,
    table: Table,
    region: Region,
    today: datetime.date,
    options: BatchOptions,
    context_for: Callable[[Request], CheckContext] | None,
) -> BatchResult:
    rules = region.rules
    template = region.template(kind)
    columns = match_header(table, template)
    insurance = options.insurance or rules.default_lines
    if kind == "enroll" and not insurance:
        raise InputError(
            "missing_lines",
            f"{rules.name}({rules.code}) 的默认险种不在源文件中，请用 --insurance 指定参保险种",
            field="insurance",
        )
    parser = RowParser(
        kind, template, columns, rules, today, attrs.evolve(options, insurance=tuple(insurance))
    )
    cell_problems: dict[int, list[Problem]] = {}
    field_of = {table.header[index]: field for field, index in columns.items()}
    for error in table.problems:
        if error.row is not None:
            field = field_of.get(error.column or "", error.column or "")
            cell_problems.setdefault(error.row, []).append(
                Problem(error.code, field, error.message)
            )

    # rows the columns vouch for need no request of their own, unless a hook must see one
    dated = region.dated(today)
    numbers = [number for number, _ in table.rows]
    cells_of = [cells for _, cells in table.rows]
    try:
        passing = (
            parser.passing(cells_of, region=dated, today=today, context=options.context)
            if context_for is None
            else None
        )
    except MedinsError:  # the rows are then checked one by one, each failure its row's answer
        passing = None
    count = len(numbers)
    clean = passing.rows if passing is not None else [False] * count
    if cell_problems:
        clean = [ok and number not in cell_problems for ok, number in zip(clean, numbers)]
    problems: list[Sequence[Problem]] = [()] * count
    requests: list[Request | RowParser | None] = [parser if ok else None for ok in clean]
    # what the checks across rows read: certificate number, months (wages), start month
    cert_nos: list[str] = passing.cert_nos if passing is not None else [""] * count
    starts: list[Period | None] = passing.starts if passing is not None else [None] * count
    spans: list[tuple[int, int] | None] = [None] * count
    if dated.answers("medins_check"):
        for index in [i for i, ok in enumerate(clean) if ok]:
            request = parser.request_of(cells_of[index])
            assert request is not None
            requests[index] = request
            problems[index] = dated.reworded(
                dated.hook_problems(operation_of(request), request, today=today, context=options.context)
            )
    for index in [i for i, ok in enumerate(clean) if not ok]:
        found = list(cell_problems.get(numbers[index], ()))
        request = None
        try:
            request, parsed = parser.parse(cells_of[index], {p.field for p in found})
            found += parsed
            if request is not None:
                bad_fields = {p.field for p in found}
                found += [
                    p
                    for p in region.check(
                        request,
                        today=today,
                        context=context_for(request) if context_for else options.context,
                    )
                    if not (p.field in bad_fields and p.code == "missing_field")
                ]
        except MedinsError as exc:  # one unusable row is that row's answer, not the batch's end
            request = None
            found.append(Problem(exc.code, exc.field or "", exc.message))
        problems[index], requests[index] = found, request
        cert_nos[index], spans[index], starts[index] = person_of(request)
    for index, problem in related_rows(kind, template, numbers, cert_nos, spans, starts):
        problems[index] = (*problems[index], problem)
    rows = tuple(map(RowResult, numbers, cells_of, map(tuple, problems), requests))
    return BatchResult(kind, rules.code, table.file, template, columns, rows)


# --- the failure list ---------------------------------------------------------------------


def failure_rows(result: BatchResult) -> list[dict[str, str]]:
    """The failed rows as field → text, with ``reason`` joining every error of the row."""
    rows = []
    for row in result.failed:
        values = result.values(row)
        reasons = [
            f"{result.column_title(p.field) or p.field}：{mask_text(p.message)}"
            for p in row.problems
            if p.is_error
        ]
        values["reason"] = f"原第 {row.row} 行：" + "；".join(reasons)
        rows.append(values)
    return rows


def write_failures(result: BatchResult, path: str | Path) -> None:
    """Write the failed rows in the region's template with a 失败原因 column, atomically.

    The values are the file's own (full ID and phone numbers, as text); fix them and upload
    the file again (the reason column is ignored on reading).
    """
    write_template(result.template, path, failure_rows(result), reasons=True, region=result.region)
