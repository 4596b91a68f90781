"""The bulk engine on a local Dask cluster (two worker processes) equals the single-process run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

from medins_core.bulk import assess_table
from medins_core.bulk.dask import _batch, assess_dask
from medins_core.errors import InputError, ParameterError
from medins_core.registry import load_registry

REGISTRY = load_registry(use_env=False)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def roster(persons: int) -> Any:
    return pd.DataFrame(
        {
            "cert_no": [f"32080219800101{i:04d}" if i % 5 else f"P{i}" for i in range(persons)],
            "name": [f"职工{i}" for i in range(persons)],
            "wage": [f"{2000 + i * 37 % 30000}.{i % 100:02d}" for i in range(persons)],
            "start": ["202103" if i % 10 == 0 else None for i in range(persons)],
            "end": ["202110" if i % 7 == 0 else None for i in range(persons)],
            "lines": ["310,510" if i % 4 == 0 else None for i in range(persons)],
        },
        dtype="string",
    )


@pytest.mark.parametrize("code", ["320800", "320500"])
def test_dask_equals_one_process(client: Any, code: str) -> None:
    rules = REGISTRY.region(code)
    frame = roster(4000)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if code == "320500":  # Suzhou's rates start in 2022-08: the same error either way
        with pytest.raises(ParameterError) as single_error:
            assess_table(table, rules, "202101", "202112", keep_lines=False)
        with pytest.raises(ParameterError) as caught:
            assess_dask(dd.from_pandas(frame, npartitions=4), rules, "202101", "202112")
        assert str(caught.value) == str(single_error.value)
        return
    single = assess_table(table, rules, "202101", "202112", keep_lines=False)
    result = assess_dask(dd.from_pandas(frame, npartitions=4), rules, "202101", "202112")
    assert result == single
    assert result.rows == 4000 and result.warnings and result.total > 0


def test_dask_finds_a_person_in_two_partitions(client: Any) -> None:
    frame = roster(100)
    frame.loc[90, "cert_no"] = frame.loc[3, "cert_no"]  # one partition's person again in another
    rules = REGISTRY.region("320800")
    with pytest.raises(InputError) as caught:
        assess_dask(dd.from_pandas(frame, npartitions=3), rules, "202101", "202103")
    assert caught.value.code == "duplicate_person"


def test_a_duplicate_comes_before_an_unknown_parameter(client: Any) -> None:
    """The canonical precedence (medins_core.plan): a person listed twice is the error,
    whichever partition holds either listing and whoever meets an unknown line."""
    frame = roster(60)
    frame.loc[50, "cert_no"] = "10000000000000000X"  # the smallest number: met first
    frame.loc[5, "cert_no"] = "10000000000000000X"
    frame.loc[50, "lines"] = "999"
    rules = REGISTRY.region("320800")
    with pytest.raises(InputError) as single:
        assess_table(pa.Table.from_pandas(frame, preserve_index=False), rules, "202101", chunk_rows=20)
    with pytest.raises(InputError) as caught:
        assess_dask(dd.from_pandas(frame, npartitions=3), rules, "202101")
    assert single.value.code == caught.value.code == "duplicate_person"
    frame.loc[5, "lines"] = "999"  # the first listing meets it too: still the duplicate
    with pytest.raises(InputError) as both:
        assess_dask(dd.from_pandas(frame, npartitions=3), rules, "202101")
    assert both.value.code == "duplicate_person"
    frame.loc[50, "cert_no"] = "10000000000000001X"  # no duplicate: the unknown line
    with pytest.raises(ParameterError):
        assess_dask(dd.from_pandas(frame, npartitions=3), rules, "202101")


def chunked(frame: Any, pieces: int) -> Any:
    """``frame`` with every column backed by several Arrow chunks, as pandas 3 reads a large CSV."""
    step = -(-len(frame) // pieces)
    columns = {}
    for name in frame.columns:
        values = pa.array(frame[name].to_numpy(dtype=object, na_value=None), type=pa.string())
        parts = [values.slice(i, step) for i in range(0, len(values), step)]
        columns[name] = pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.string()))
    return pd.DataFrame(columns)


def test_a_partition_whose_strings_are_in_several_arrow_chunks_is_read() -> None:
    # pandas 3 reads a large CSV (dtype=str) into columns of several Arrow chunks, which
    # RecordBatch.from_pandas refuses ("Cannot convert ChunkedArray to Array")
    frame = roster(4000)
    split = chunked(frame, 7)
    assert pa.Table.from_pandas(split, preserve_index=False).column("cert_no").num_chunks == 7
    expected = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks().to_batches()[0]
    assert _batch(split).equals(expected)
    assert _batch(split.iloc[:0]).num_rows == 0


def test_the_documented_read_csv_with_dtype_str_at_a_million_rows(client: Any, tmp_path: Any) -> None:
    """docs/bulk.md's example as written (``dd.read_csv(..., dtype=str)``) under pandas 3, at
    1,000,000 rows in many partitions: the total equals the single-process one to the fen."""
    import pyarrow.csv as pa_csv

    n = 1_000_000
    index = pa.array(range(n), pa.int64())
    table = pa.table({
        "cert_no": pa.compute.binary_join_element_wise("32080219800", pa.compute.cast(pa.compute.add(index, 1_000_000), pa.string()), ""),
        "name": pa.compute.binary_join_element_wise("职工", pa.compute.cast(index, pa.string()), ""),
        "wage": pa.compute.cast(pa.compute.add(pa.compute.multiply(pa.compute.bit_wise_and(index, 1023), 7), 3000), pa.string()),
    })  # fmt: skip
    path = tmp_path / "roster.csv"
    pa_csv.write_csv(table, path)
    rules = REGISTRY.region("320800")
    frame = dd.read_csv(path, dtype=str)  # as docs/bulk.md writes it
    distributed_result = assess_dask(frame, rules, "202101", "202112")
    local = assess_table(table, rules, "202101", "202112", keep_lines=False)
    assert (distributed_result.rows, distributed_result.total) == (n, local.total)
