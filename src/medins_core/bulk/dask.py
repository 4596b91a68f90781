"""The bulk engine on Dask: each partition through the columnar engine, totals reduced exactly.

Needs the ``dask`` extra (``pip install 'medins[dask]'``)::

    import dask.dataframe as dd
    from distributed import Client
    from medins_core.bulk.dask import assess_dask

    client = Client(n_workers=4)                      # or the scheduler of a cluster
    frame = dd.read_csv("roster-*.csv", dtype=str)    # text columns: never float wages
    result = assess_dask(frame, rules, "2024-01", "2024-12")
    print(result.total, result.total_upper)

Every partition yields a small partial result (integer sums in fen per insurance line and
parameter segment, warnings and errors with where the reference engine would meet them, and
the partition's sorted certificate codes, to find a person listed in two partitions). The
partials are added on the client in partition order with Python ints, so the result equals
the single-process one exactly. Lines are not collected: a cluster job writes totals; run
:func:`medins_core.bulk.assess_file` with ``on_lines`` for line files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import dask.dataframe as dd
    import pandas as pd
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("medins_core.bulk.dask needs dask: pip install 'medins[dask]'") from exc
import pyarrow as pa

from medins_core.assessment import Parts, PaymentType
from medins_core.bulk._engine import Kernel
from medins_core.bulk._lines import BulkAssessment
from medins_core.bulk._partial import Duplicates, Partial, portable
from medins_core.bulk._read import parse_batch
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import MedinsError
from medins_core.params import RegionRules
from medins_core.period import PeriodLike
from medins_core.plan import HasRules

__all__ = ["assess_dask"]


def assess_dask(
    frame: dd.DataFrame,
    rules: RegionRules | HasRules,
    start: PeriodLike,
    end: PeriodLike | None = None,
    *,
    payment_type: PaymentType = PaymentType.REGULAR,
    insurance: Sequence[str] | None = None,
    parts: Parts = Parts.BOTH,
    lines: Sequence[str] | None = None,
) -> BulkAssessment:
    """Assess a roster held in a Dask DataFrame; the result has totals and no lines.

    Columns and options as for :func:`medins_core.bulk.assess_table` (``lines=`` is the
    deprecated name of ``insurance``); read text columns as strings
    (``dtype=str``). Results and errors are those of the single-process engine; row numbers in
    errors count within a partition.
    """
    kernel = Kernel(rules, start, end, insurance_or_lines(insurance, lines, "assess_dask"), parts)
    partials = frame.map_partitions(_partial, kernel, meta=pd.Series([], dtype=object))  # type: ignore[no-untyped-call]
    merged = Partial(duplicates=Duplicates())
    for part in partials.compute():  # in partition order
        merged.merge(part)
    assert merged.duplicates is not None
    return kernel.finish(merged, payment_type, merged.duplicates)


def _batch(frame: pd.DataFrame) -> pa.RecordBatch:
    """``frame`` as one Arrow batch. Under pandas 3 a string column may be backed by several
    Arrow chunks, which ``RecordBatch.from_pandas`` refuses; a table joins them first."""
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def _partial(frame: pd.DataFrame, kernel: Kernel, partition_info: dict[str, Any] | None = None) -> pd.Series:
    """One partition's partial result, as a one-element Series."""
    number = 0 if partition_info is None else int(partition_info.get("number", 0))
    try:
        rows = parse_batch(_batch(frame))
    except MedinsError as exc:  # a bad row: raised after merging, the first partition's first
        part = Partial(number=number, rows=len(frame))
        part.read_errors.append((number, portable(exc)))
        return pd.Series([part], dtype=object)
    duplicates = Duplicates()
    later = duplicates.within(rows, number)
    part, _ = kernel.process(rows, later, keep=False, number=number)
    part.duplicates = duplicates
    return pd.Series([part], dtype=object)
