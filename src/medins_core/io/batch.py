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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from medins_core.deprecated import insurance_or_lines
from medins_core.errors import InputError, MedinsError
from medins_core.ids import mask_cert_no, mask_text
from medins_core.io.batch_rows import RowParser
from medins_core.io.table import MAX_BYTES, MAX_ROWS, Table, read_table
from medins_core.io.template_files import match_header, write_template
from medins_core.io.templates import Template
from medins_core.operations import (
    CheckContext,
    EnrollmentRequest,
    Problem,
    Request,
    WageDeclarationRequest,
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
    #: the operation request read from the row (None when the row could not be read)
    request: Request | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def passed(self) -> bool:
        """Whether the row has no error (warnings do not fail a row)."""
        return not any(p.is_error for p in self.problems)


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

    results: list[list[Problem]] = []
    requests: list[Request | None] = []
    for number, cells in table.rows:
        found = list(cell_problems.get(number, ()))
        request: Request | None = None
        try:
            request, problems = parser.parse(cells, {p.field for p in found})
            found += problems
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
        results.append(found)
        requests.append(request)
    numbers = [number for number, _ in table.rows]
    for index, problem in _related_rows(kind, template, numbers, requests):
        results[index].append(problem)
    rows = tuple(
        RowResult(number, cells, tuple(problems), request)
        for (number, cells), problems, request in zip(table.rows, results, requests)
    )
    return BatchResult(kind, rules.code, table.file, template, columns, rows)


def _related_rows(
    kind: str, template: Template, numbers: Sequence[int], requests: Sequence[Request | None]
) -> Iterable[tuple[int, Problem]]:
    """Problems that only show across rows: (index of the row, problem)."""
    yield from _duplicates(kind, numbers, requests)
    if template.same_start:
        yield from _mixed_start(numbers, requests, template.same_start_source)


def _span(request: Request) -> tuple[int, int] | None:
    if isinstance(request, WageDeclarationRequest):
        if request.start is None or request.end is None:
            return None
        return request.start.index, max(request.start.index, request.end.index)
    return None


def _duplicates(
    kind: str, numbers: Sequence[int], requests: Sequence[Request | None]
) -> Iterable[tuple[int, Problem]]:
    """The same person twice in one file: every occurrence fails, naming the others.

    In a wage declaration the same person may have rows for months that do not overlap.
    """
    by_person: dict[str, list[int]] = {}
    for index, request in enumerate(requests):
        cert_no = getattr(request, "cert_no", "")
        if cert_no:
            by_person.setdefault(cert_no, []).append(index)
    for cert_no, indexes in by_person.items():
        if len(indexes) < 2:
            continue
        for index in indexes:
            others = [i for i in indexes if i != index and _overlap(requests[i], requests[index])]
            if not others:
                continue
            rows = "、".join(str(numbers[i]) for i in others)
            what = "申报月份重叠" if kind == "wages" else "重复"
            message = f"同一人员({mask_cert_no(cert_no)})在本文件中{what}：另见第 {rows} 行"
            yield index, Problem("duplicate_person", "cert_no", message)


def _overlap(a: Request | None, b: Request | None) -> bool:
    span_a, span_b = (_span(a) if a else None), (_span(b) if b else None)
    if span_a is None or span_b is None:
        return True
    return span_a[0] <= span_b[1] and span_b[0] <= span_a[1]


def _mixed_start(
    numbers: Sequence[int], requests: Sequence[Request | None], source: str
) -> Iterable[tuple[int, Problem]]:
    """One start month per batch: rows whose month differs from the most common one fail.

    The most common month is the batch's (on a tie, the one of the earliest row), since that
    leaves the fewest rows to move to another upload.
    """
    months = [
        getattr(r, "start", None) if isinstance(r, EnrollmentRequest) else None for r in requests
    ]
    counts = Counter(m for m in months if m is not None)
    if len(counts) < 2:
        return
    order = {m: i for i, m in reversed(list(enumerate(months))) if m is not None}
    batch = max(counts, key=lambda m: (counts[m], -order[m]))
    for index, month in enumerate(months):
        if month is not None and month != batch:
            message = f"每次批量操作的人员需为同一参保时间：本文件多数为 {batch.iso}，本行为 {month.iso}，请分批上传"
            yield index, Problem("mixed_start_month", "start", message)


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
