"""Business operations on the book: single records and batch files, through the region's checks.

Each runs the checks of :mod:`medins_core.operations` with the context the book knows (the
person's active covers in every unit, the unit's arrears, the business period) and applies
what passes in one transaction. A batch reads the same Excel/CSV templates as ``medins check``:
its passing rows are applied together, the rest come back as the failure list; with
``dry_run`` the changes are worked out and then rolled back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from medins_core.assessment import PaymentType
from medins_core.book.book import Book
from medins_core.book.errors import refused_by_checks
from medins_core.book.ledger import BookAssessment, assess_unit
from medins_core.book.notices import arrears
from medins_core.book.regions import region_of, run_check
from medins_core.io.batch import BatchOptions, BatchResult, check_table
from medins_core.io.table import MAX_ROWS, Source, Table, read_table
from medins_core.operations import (
    BackpayRequest,
    EnrollmentRequest,
    Problem,
    Request,
    SuspensionRequest,
    WageDeclarationRequest,
)


def enroll(book: Book, uscc: str, request: EnrollmentRequest, *, today: datetime.date, why: str = "") -> list[Problem]:
    """Enroll one person (增员); refused with the check codes, else applied. Returns warnings."""
    return book.record(uscc, request, today=today, arrears=arrears, why=why)


def suspend(book: Book, uscc: str, request: SuspensionRequest, *, today: datetime.date, why: str = "") -> list[Problem]:
    """Suspend one person (减员/暂停参保): the covers end with the month of the date."""
    return book.record(uscc, request, today=today, arrears=arrears, why=why)


def declare_wage(
    book: Book, uscc: str, request: WageDeclarationRequest, *, today: datetime.date, why: str = ""
) -> list[Problem]:
    """Declare one person's wage from its start month (to its end month, if given)."""
    return book.record(uscc, request, today=today, arrears=arrears, why=why)


def backpay(book: Book, uscc: str, request: BackpayRequest, *, today: datetime.date) -> BookAssessment:
    """Check a back-pay (补缴) against the book and assess its months as type ``backpay``."""
    with book.transaction() as session:
        unit = book.unit(session, uscc)
        request = attrs.evolve(request, unit_no=unit.key)
        context = book.context(session, unit, request.cert_no or "", today, arrears(session, unit))
        problems = run_check(book.registry, unit.region, request, today=today, context=context)
    if any(p.is_error for p in problems):
        raise refused_by_checks(problems, request.cert_no or "")
    assert request.start is not None and request.end is not None  # required by the checks
    return assess_unit(book, uscc, request.start, request.end, payment_type=PaymentType.BACKPAY)


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


@attrs.frozen
class BatchOutcome:
    """A batch applied to the book: the checked rows and what changed (or would change)."""

    result: BatchResult
    changes: tuple[dict[str, object], ...]
    dry_run: bool

    def to_json(self) -> dict[str, Any]:
        """``medins check``'s JSON plus ``dry_run`` and ``changes`` (one per applied row)."""
        return {**self.result.to_json(), "dry_run": self.dry_run, "changes": list(self.changes)}


def apply_file(
    book: Book,
    kind: str,
    path: Source,
    uscc: str,
    *,
    today: datetime.date,
    options: BatchOptions = BatchOptions(),
    dry_run: bool = False,
    max_rows: int = MAX_ROWS,
    on_row: Callable[[int], None] | None = None,
    name: str | None = None,
) -> BatchOutcome:
    """Check a filled template of ``kind`` (enroll, suspend, wages) and apply its passing rows.

    ``path`` is a path, or an upload's bytes named ``name`` (see
    :func:`~medins_core.io.table.read_table`). ``on_row`` is called with each applied row's
    number (progress). The passing rows are applied in one transaction: a failure or a killed
    process leaves the book as it was.
    """
    table = read_table(path, max_rows=max_rows, collect_cell_errors=True, name=name)
    return apply_table(book, kind, table, uscc, today=today, options=options, dry_run=dry_run, on_row=on_row)


def apply_table(
    book: Book,
    kind: str,
    table: Table,
    uscc: str,
    *,
    today: datetime.date,
    options: BatchOptions = BatchOptions(),
    dry_run: bool = False,
    on_row: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """:func:`apply_file` for a table already read (a file, or rows sent as JSON)."""
    outcome: BatchOutcome | None = None
    try:
        with book.transaction() as session:
            unit = book.unit(session, uscc)
            owing = arrears(session, unit)

            def context_for(request: Request) -> Any:
                return book.context(session, unit, str(getattr(request, "cert_no", "")), today, owing)

            result = check_table(
                kind, table, region=region_of(book.registry, unit.region), today=today,
                options=attrs.evolve(options, unit_no=unit.key), context_for=context_for,
            )  # fmt: skip
            changes = []
            for row in result.passed:
                assert row.request is not None  # a passed row was read into a request
                changes.append({"row": row.row, **book.apply(session, unit, row.request)})
                if on_row is not None:
                    on_row(row.row)
            summary = {"file": Path(table.file).name, "applied": len(changes), "failed": len(result.failed)}
            book.log(session, unit, f"{kind}_batch", summary)
            outcome = BatchOutcome(result, tuple(changes), dry_run)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert outcome is not None
    return outcome
