"""The checks of a batch that need several rows: the same person twice, one start month per batch.

They read three things of each row (its certificate number, the months of a wage row, the
start month of an enrollment), from its request or, for a row that passed by columns, from
the columns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from medins_core.ids import mask_cert_no
from medins_core.io.templates import Template
from medins_core.operations import EnrollmentRequest, Problem, Request, WageDeclarationRequest
from medins_core.period import Period


def person_of(request: Request | None) -> tuple[str, tuple[int, int] | None, Period | None]:
    """What the checks across rows read of a row: certificate number, months, start month."""
    if request is None:
        return "", None, None
    start = request.start if isinstance(request, EnrollmentRequest) else None
    return getattr(request, "cert_no", "") or "", _span(request), start


def related_rows(
    kind: str,
    template: Template,
    numbers: Sequence[int],
    cert_nos: Sequence[str],
    spans: Sequence[tuple[int, int] | None],
    starts: Sequence[Period | None],
) -> Iterable[tuple[int, Problem]]:
    """Problems that only show across rows: (index of the row, problem)."""
    yield from _duplicates(kind, numbers, cert_nos, spans)
    if template.same_start:
        yield from _mixed_start(starts, template.same_start_source)


def _span(request: Request) -> tuple[int, int] | None:
    if isinstance(request, WageDeclarationRequest):
        if request.start is None or request.end is None:
            return None
        return request.start.index, max(request.start.index, request.end.index)
    return None


def _duplicates(
    kind: str,
    numbers: Sequence[int],
    cert_nos: Sequence[str],
    spans: Sequence[tuple[int, int] | None],
) -> Iterable[tuple[int, Problem]]:
    """The same person twice in one file: every occurrence fails, naming the others.

    In a wage declaration the same person may have rows for months that do not overlap.
    """
    repeated = {cert_no for cert_no, times in Counter(cert_nos).items() if times > 1 and cert_no}
    by_person: dict[str, list[int]] = {}
    for index, cert_no in enumerate(cert_nos):
        if cert_no in repeated:
            by_person.setdefault(cert_no, []).append(index)
    for cert_no, indexes in by_person.items():
        for index in indexes:
            others = [i for i in indexes if i != index and _overlap(spans[i], spans[index])]
            if not others:
                continue
            rows = "、".join(str(numbers[i]) for i in others)
            what = "申报月份重叠" if kind == "wages" else "重复"
            message = f"同一人员({mask_cert_no(cert_no)})在本文件中{what}：另见第 {rows} 行"
            yield index, Problem("duplicate_person", "cert_no", message)


def _overlap(span_a: tuple[int, int] | None, span_b: tuple[int, int] | None) -> bool:
    if span_a is None or span_b is None:
        return True
    return span_a[0] <= span_b[1] and span_b[0] <= span_a[1]


def _mixed_start(months: Sequence[Period | None], source: str) -> Iterable[tuple[int, Problem]]:
    """One start month per batch: rows whose month differs from the most common one fail.

    The most common month is the batch's (on a tie, the one of the earliest row), since that
    leaves the fewest rows to move to another upload.
    """
    # counted by month number: a Period hashes in Python, and every row has one
    counts = Counter(m.index for m in months if m is not None)
    if len(counts) < 2:
        return
    order = {m.index: i for i, m in reversed(list(enumerate(months))) if m is not None}
    batch = months[order[max(counts, key=lambda m: (counts[m], -order[m]))]]
    assert batch is not None
    for index, month in enumerate(months):
        if month is not None and month != batch:
            message = f"每次批量操作的人员需为同一参保时间：本文件多数为 {batch.iso}，本行为 {month.iso}，请分批上传"
            yield index, Problem("mixed_start_month", "start", message)
