"""Lines of any size written in the documented order with flat memory: spool, then merge.

The engine hands lines over chunk by chunk, each table ordered by period, line and
certificate number within itself only. The documented order (``docs/json.md``) is period,
then the region's line order, then certificate number across the whole roster. A
:class:`LineSpool` takes the tables as ``on_lines``, cuts them into runs of one period and
line (each sorted by certificate) and appends them to an Arrow IPC file in a private
temporary folder; :meth:`LineSpool.merged` then reads the runs back a block at a time and
merges them, so memory holds about one block per run whatever the roster's size.

Nothing reaches the output before the whole roster has been assessed: a refused row in the
last chunk leaves stdout empty, as with the reference engine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from medins_core.bulk._lines import LINE_SCHEMA
from medins_core.io.output import private_tempdir

#: Rows per stored block: memory while merging is about this many lines per run.
BLOCK_ROWS = 1 << 13
#: Lines per table handed to the writer.
OUT_ROWS = 1 << 16


class LineSpool:
    """Collects line tables (pass it as ``on_lines``) and gives them back in canonical order.

    Use it as a context manager: the spool file is removed on leaving the block.
    """

    def __init__(self) -> None:
        self._scratch = contextlib.ExitStack()
        folder = self._scratch.enter_context(private_tempdir("medins-lines-"))
        self._path = os.path.join(folder, "lines.arrow")
        self._sink: Any = pa.OSFile(self._path, "wb")
        self._writer: Any = pa.ipc.new_file(self._sink, LINE_SCHEMA)
        self._count = 0  # blocks written
        # (period, line) -> runs: blocks sorted by certificate, and the run's last certificate
        self._runs: dict[tuple[str, str], list[tuple[list[int], str]]] = {}
        self.lines = 0

    def __call__(self, table: Any) -> None:
        """Store one table of lines (ordered by period, line, certificate within itself)."""
        if not table.num_rows:
            return
        self.lines += table.num_rows
        period, insurance = table.column("period"), table.column("insurance")
        # the table is grouped by (period, line): cut where either changes
        changed = pc.or_(
            pc.not_equal(period.slice(1), period.slice(0, len(period) - 1)),
            pc.not_equal(insurance.slice(1), insurance.slice(0, len(insurance) - 1)),
        )
        cuts = [0, *(int(i) + 1 for i in pc.indices_nonzero(changed).to_pylist()), table.num_rows]
        cert = table.column("cert_no")
        for lo, hi in zip(cuts, cuts[1:]):
            key = (period[lo].as_py(), insurance[lo].as_py())
            blocks = []
            for start in range(lo, hi, BLOCK_ROWS):
                self._writer.write_table(table.slice(start, min(BLOCK_ROWS, hi - start)))
                blocks.append(self._count)
                self._count += 1
            runs = self._runs.setdefault(key, [])
            first, last = cert[lo].as_py(), cert[hi - 1].as_py()
            if runs and runs[-1][1] < first:  # follows the last run (the next rows of a chunk)
                runs[-1] = (runs[-1][0] + blocks, last)
            else:
                runs.append((blocks, last))

    def merged(self, line_order: Sequence[str]) -> Iterator[Any]:
        """Every line, in tables of about :data:`OUT_ROWS`, ordered by period, then the line
        order given (codes not in it last, by code), then certificate number."""
        self._writer.close()
        self._sink.close()
        rank = {code: i for i, code in enumerate(line_order)}
        keys = sorted(self._runs, key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
        with pa.OSFile(self._path, "rb") as source:
            reader = pa.ipc.open_file(source)
            pending: list[Any] = []
            size = 0
            for key in keys:
                for table in _merge_runs(reader, [blocks for blocks, _ in self._runs[key]]):
                    pending.append(table)
                    size += table.num_rows
                    if size >= OUT_ROWS:
                        yield pa.concat_tables(pending)
                        pending, size = [], 0
            if pending:
                yield pa.concat_tables(pending)

    def close(self) -> None:
        """Remove the spool file."""
        with contextlib.suppress(Exception):
            self._writer.close()
        self._sink.close()
        self._scratch.close()

    def __enter__(self) -> LineSpool:  # noqa: PYI034 (typing.Self needs Python 3.11)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _merge_runs(reader: Any, runs: list[list[int]]) -> Iterator[Any]:
    """The lines of runs (each sorted by certificate, stored as blocks), merged by certificate.

    Each round emits every loaded line up to the smallest last certificate of the loaded
    blocks: no line still unread can sort before it, since each run is sorted.
    """
    if len(runs) == 1:
        for block in runs[0]:
            yield pa.Table.from_batches([reader.get_batch(block)])
        return
    queues = [list(reversed(run)) for run in runs]
    loaded: list[Any] = [None] * len(runs)
    while True:
        for i, queue in enumerate(queues):
            if (loaded[i] is None or not loaded[i].num_rows) and queue:
                loaded[i] = pa.Table.from_batches([reader.get_batch(queue.pop())])
        live = [t for t in loaded if t is not None and t.num_rows]
        if not live:
            return
        bound = min(t.column("cert_no")[-1].as_py() for t in live)
        taken = []
        for i, table in enumerate(loaded):
            if table is None or not table.num_rows:
                continue
            n = pc.sum(pc.less_equal(table.column("cert_no"), bound)).as_py() or 0
            if n:
                taken.append(table.slice(0, n))
                loaded[i] = table.slice(n)
        joined = pa.concat_tables(taken)
        yield joined.take(pc.sort_indices(joined, sort_keys=[("cert_no", "ascending")]))
