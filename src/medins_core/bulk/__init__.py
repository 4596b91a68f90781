"""Bulk assessment: the reference engine's result, to the fen, for tens of millions of person-months.

:func:`medins_core.assessment.assess` is the reference: one Python object per person, line and
month, Decimal arithmetic. This package computes the same lines, totals and warnings from a
columnar roster (Arrow tables, record batches, CSV or Parquet files read in chunks) with
integer fen arithmetic on numpy arrays. See ``docs/bulk.md``.

Needs the ``bulk`` extra (numpy, pyarrow); :mod:`medins_core.bulk.dask` needs ``dask``.

A roster has one row per person; the columns are in :data:`COLUMNS`. A row is the member
``Member.simple(cert_no, name, wage, insurance=..., start=start, end=end)`` of the reference:
one wage for every period, and the same cover on each of its lines.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import io
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

try:
    import numpy  # noqa: F401
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("medins_core.bulk needs numpy and pyarrow: pip install 'medins[bulk]'") from exc

from medins_core.assessment import Parts, PaymentType
from medins_core.bulk._certs import FileListing
from medins_core.bulk._engine import Kernel, run
from medins_core.bulk._json import write_json
from medins_core.bulk._lines import LINE_SCHEMA, MONEY, BulkAssessment, yuan
from medins_core.bulk._read import (
    COLUMNS,
    OPEN_END,
    OPEN_START,
    TableLike,
    canonical,
    parse_batch,
)
from medins_core.bulk._source import file_rows, iter_batches, read_file
from medins_core.bulk._spool import LineSpool
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import MedinsError
from medins_core.io.output import atomic_output
from medins_core.model import Member, Person
from medins_core.params import RegionRules
from medins_core.period import Period, PeriodLike
from medins_core.plan import HasRules
from medins_core.render import FORMULA_PREFIXES, TEXT_FIELDS

__all__ = [
    "COLUMNS",
    "DEFAULT_CHUNK_ROWS",
    "FILE_CHUNK_ROWS",
    "LINE_SCHEMA",
    "MAX_DEFAULT_THREADS",
    "MONEY",
    "BulkAssessment",
    "LineCsvWriter",
    "LineSink",
    "LineSpool",
    "Progress",
    "assess_file",
    "assess_table",
    "default_threads",
    "file_rows",
    "to_members",
    "write_lines",
]

#: Rows per chunk: a few hundred MB of working memory at most, whatever the input's size.
DEFAULT_CHUNK_ROWS = 1 << 18
#: Rows per chunk of a file: half as many, since a file's chunk also carries its text through
#: the roster checks (the 1 M × 12 benchmark file is assessed about 8 % faster so).
FILE_CHUNK_ROWS = 1 << 17

#: Threads a roster of several chunks is assessed in unless told: the CPUs this process may
#: use, at most this many (each thread holds a chunk, so memory grows with them).
MAX_DEFAULT_THREADS = 4


def default_threads() -> int:
    """The threads :func:`assess_table` and :func:`assess_file` use unless told."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(usable, MAX_DEFAULT_THREADS))


def _threads(threads: int | None) -> int:
    if threads is None:
        return default_threads()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a whole number from 1, not {threads!r}")
    return threads


#: A progress callback: called after each chunk with the number of roster rows done so far.
Progress = Callable[[int], object]

#: A lines callback: called with each Arrow table of lines (schema :data:`LINE_SCHEMA`).
LineSink = Callable[[Any], object]


def assess_table(
    data: TableLike,
    rules: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    *,
    payment_type: PaymentType = PaymentType.REGULAR,
    insurance: Sequence[str] | None = None,
    parts: Parts = Parts.BOTH,
    progress: Progress | None = None,
    keep_lines: bool = True,
    on_lines: LineSink | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    lines: Sequence[str] | None = None,
    threads: int | None = None,
) -> BulkAssessment:
    """Assess a roster given as Arrow data: what :func:`~medins_core.assessment.assess` gives.

    ``data`` is a ``pyarrow.Table``, a ``RecordBatch``, or an iterable of them (chunks, read
    one at a time). ``start``, ``end``, ``payment_type``, ``insurance`` (deprecated: ``lines``)
    and ``parts`` mean what they mean for ``assess``; errors are the same (ParameterError,
    InputError, RegionError).

    ``keep_lines`` keeps every line in the result's ``lines`` table, in the reference order
    (needed for :meth:`BulkAssessment.to_assessment`); turn it off for big rosters and pass
    ``on_lines`` to receive the lines chunk by chunk instead (each table is ordered by period,
    line and certificate number, but tables are not merged with each other). ``progress`` is
    called with the number of rows done after each chunk.

    A roster of several chunks is parsed and, for totals only, assessed in ``threads`` threads
    (default :func:`default_threads`; 1: one chunk after the other, in this thread): the
    result and the first error are the same whatever their number.
    """
    kernel = Kernel(rules, start, end, insurance_or_lines(insurance, lines, "assess_table"), parts)
    return run(
        kernel,
        iter_batches(data, chunk_rows),
        payment_type=payment_type,
        progress=progress,
        keep_lines=keep_lines,
        on_lines=on_lines,
        parse=parse_batch,
        threads=_threads(threads),
    )


def assess_file(
    path: str | Path,
    rules: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    *,
    payment_type: PaymentType = PaymentType.REGULAR,
    insurance: Sequence[str] | None = None,
    parts: Parts = Parts.BOTH,
    progress: Progress | None = None,
    keep_lines: bool = True,
    on_lines: LineSink | None = None,
    chunk_rows: int = FILE_CHUNK_ROWS,
    encoding: str = "utf8",
    today: datetime.date | None = None,
    lines: Sequence[str] | None = None,
    threads: int | None = None,
) -> BulkAssessment:
    """Assess a roster file (``.csv``, ``.csv.gz``, ``.parquet``) read in chunks of ``chunk_rows``.

    Rows get the checks :func:`~medins_core.io.roster.read_roster` makes (ID numbers, names,
    wages above 0; with ``today``, no birth date after it), with the same codes and row
    numbers (the header is row 1). Every problem reading the file is an InputError with a
    code (see docs/limits.md).

    As :func:`assess_table`, but of ``threads``, one reads the file ahead while the others
    assess. Memory stays at about one chunk a thread unless ``keep_lines``. Every CSV column is
    read as text (a wage is never parsed as a float); ``encoding`` is the CSV's text encoding
    (e.g. ``"gb18030"``). Errors about the file's content name the file and the row (the
    header is row 1, as in the reference path).
    """
    kernel = Kernel(rules, start, end, insurance_or_lines(insurance, lines, "assess_file"), parts)
    threads = _threads(threads)
    try:
        return run(
            kernel,
            read_file(path, chunk_rows=chunk_rows, encoding=encoding, read_ahead=threads > 1),
            payment_type=payment_type,
            progress=progress,
            keep_lines=keep_lines,
            on_lines=on_lines,
            # a file gets the roster reader's checks, so both paths give one verdict
            parse=functools.partial(parse_batch, roster_checks=True, today=today),
            listing=FileListing(),
            threads=max(threads - 1, 1),  # the reader is one
        )
    except MedinsError as exc:
        if exc.file is None and exc.row is not None:
            exc.file = str(path)
        raise


def to_members(
    data: TableLike, rules: RegionRules | None = None, *, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> list[Member]:
    """The roster as reference-engine members: what the bulk engine assesses, row by row.

    Each row is ``Member.simple(cert_no, name, wage, insurance=..., start=..., end=...,
    person_type=...)`` with ``person_no`` set; line names are read as codes with ``rules``.
    Use it to run :func:`~medins_core.assessment.assess` on the same data.
    """
    by_name = {} if rules is None else {line.name: code for code, line in rules.lines.items()}
    members = []
    done = 0
    for batch in iter_batches(data, chunk_rows):
        batch = canonical(batch)
        rows = parse_batch(batch, done + 1).clean_names()
        done += len(rows)
        index = batch.schema.get_field_index("person_type")
        types = [None] * len(rows) if index < 0 else batch.column(index).to_pylist()
        person_nos = [None] * len(rows) if rows.person_no is None else rows.person_no.to_pylist()
        certs, names = rows.cert.to_pylist(), rows.name.to_pylist()
        for i in range(len(rows)):
            start = None if rows.start[i] == OPEN_START else Period.from_index(int(rows.start[i]))
            end = None if rows.end[i] == OPEN_END else Period.from_index(int(rows.end[i]))
            person = Person(certs[i], names[i], person_type=types[i] or "在职", person_no=person_nos[i])
            codes = dict.fromkeys(by_name.get(c) or c for c in rows.patterns[rows.pattern[i]])
            members.append(Member.one_wage(person, yuan(int(rows.wage[i])), insurance=codes, start=start, end=end))
    return members


class _Aborted(Exception):
    """Thrown into an output to drop it."""


_FORMULA = "^[" + re.escape("".join(FORMULA_PREFIXES)) + "]"


def _neutralised(table: Any) -> Any:
    """``table`` with text cells that start as a formula prefixed by ``'`` (amounts untouched)."""
    for name in TEXT_FIELDS:
        index = table.schema.get_field_index(name)
        column = table.column(index)
        mask = pc.match_substring_regex(column, _FORMULA)
        if pc.any(mask).as_py():
            fixed = pc.if_else(mask, pc.binary_join_element_wise("'", column, ""), column)
            table = table.set_column(index, name, fixed)
    return table


class LineCsvWriter:
    """Writes lines as CSV while they are computed: pass it as ``on_lines``.

    The format is that of ``medins assess --format csv`` (:func:`medins_core.render.write_lines_csv`):
    the fields of :data:`LINE_SCHEMA`, a header row, amounts such as ``458.96``, an empty
    cell for an unknown account transfer, quotes only where needed.

    ``target`` is a path or a binary stream. Use it as a context manager: a path is written
    under a ``.part`` name and moved into place when the assessment completes, and removed if
    it raises, so a failed run leaves no partial file (a stream cannot be taken back).
    """

    def __init__(self, target: str | Path | IO[bytes]) -> None:
        self.path = Path(target) if isinstance(target, (str, Path)) else None
        self._stream: IO[bytes] | None = None if isinstance(target, (str, Path)) else target
        self._output: contextlib.ExitStack | None = None
        self._started = False
        self.lines = 0

    def _open(self) -> IO[bytes]:
        stream = self._stream
        if stream is None:
            assert self.path is not None
            self._output = contextlib.ExitStack()
            stream = self._stream = self._output.enter_context(atomic_output(self.path))
        if not self._started:
            stream.write((",".join(LINE_SCHEMA.names) + "\n").encode())
            self._started = True
        return stream

    def __call__(self, table: Any) -> None:
        """Append one table of lines (schema :data:`LINE_SCHEMA`); text fields are
        neutralised as :func:`medins_core.render.csv_text` does."""
        stream = self._open()
        table = _neutralised(table)
        try:  # Arrow is fast but quotes every string; unquoted is what csv.writer writes
            sink = pa.BufferOutputStream()
            pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
            stream.write(sink.getvalue().to_pybytes())
        except pa.ArrowInvalid:  # a value that needs quotes: let the csv module quote it
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            columns = [table.column(name).cast(pa.string()).to_pylist() for name in LINE_SCHEMA.names]
            writer.writerows([["" if v is None else v for v in row] for row in zip(*columns)])
            stream.write(text.getvalue().encode())
        self.lines += table.num_rows

    def close(self) -> None:
        """Finish (a header only when there were no lines) and move a file into place."""
        self._open()
        if self._output is not None:
            output, self._output, self._stream = self._output, None, None
            output.close()

    def abort(self) -> None:
        """Drop a partial file."""
        if self._output is not None:
            output, self._output, self._stream = self._output, None, None
            with contextlib.suppress(_Aborted):
                output.__exit__(_Aborted, _Aborted(), None)

    def __enter__(self) -> LineCsvWriter:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_lines(result: BulkAssessment, spool: LineSpool, fmt: str, stream: IO[bytes]) -> int:
    """Write the lines collected in ``spool`` (passed as ``on_lines`` to get ``result``) to
    ``stream`` in the documented order, as ``medins assess --format csv`` (``fmt="csv"``, via
    :class:`LineCsvWriter`) or ``--format json`` (``fmt="json"``: the whole result, byte for
    byte what ``json.dump(result.to_json(), ensure_ascii=False, indent=2)`` and a newline
    give with every line kept). Memory stays at a few blocks of lines; returns the count."""
    tables = spool.merged([t.insurance for t in result.totals])
    if fmt == "json":
        return write_json(result.to_json(), tables, stream)
    writer = LineCsvWriter(stream)
    for table in tables:
        writer(table)
    writer.close()
    return writer.lines
