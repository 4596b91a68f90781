"""Chunks assessed in several threads: the same result and the same first error as one after
the other, in the roster's order; no thread outlives the call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")

from medins_core import bulk
from medins_core.assessment import assess
from medins_core.bulk import assess_file, assess_table, default_threads
from medins_core.bulk._engine import _in_order
from medins_core.errors import InputError
from medins_core.io.roster import read_roster
from medins_core.registry import load_registry

SUZHOU = load_registry(use_env=False).region("320500").rules


def roster(wages: list[str]) -> Any:
    return pa.table({
        "cert_no": [f"P{i:07d}" for i in range(len(wages))],
        "name": ["张三"] * len(wages),
        "wage": wages,
        "cert_type": ["护照"] * len(wages),
    })


def bulk_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(("medins-bulk", "medins-prefetch"))}


class ReadError(Exception):
    pass


def batches_then_error(count: int) -> Iterator[Any]:
    for i in range(count):
        yield pa.record_batch({"n": [i]})
    raise ReadError("the reader fails after the chunks before it")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_chunks_error_comes_before_a_later_read_error(threads: int) -> None:
    """Chunk 0 is bad and reading fails right after it: chunk 0's error is the first, as when
    each chunk is assessed before the next is read."""

    def work(batch: Any, first: int, number: int) -> int:
        if number == 0:
            raise InputError("invalid_wage", "bad", row=first + 1)
        return number

    chunks = _in_order(work, batches_then_error(1), threads)
    with pytest.raises(InputError, match="bad"):
        for _, outcome in chunks:
            outcome.result()
    chunks.close()
    # and when no chunk is bad, the read error still comes after every chunk read before it
    seen = []
    with pytest.raises(ReadError):
        for batch, outcome in _in_order(lambda b, first, n: (first, n), batches_then_error(4), threads):
            seen.append(outcome.result())
    assert seen == [(1, 0), (2, 1), (3, 2), (4, 3)]


@pytest.mark.parametrize("threads", [2, 3])
def test_chunks_are_assessed_in_worker_threads_and_the_threads_end(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    parsed_in: set[str] = set()
    parse = bulk.parse_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        parsed_in.add(threading.current_thread().name)
        return parse(*args, **kwargs)

    monkeypatch.setattr(bulk, "parse_batch", spy)
    wages = [str(5000 + i) for i in range(40)]
    one = assess_table(roster(wages), SUZHOU, "202208", chunk_rows=3, keep_lines=False, threads=1)
    several = assess_table(roster(wages), SUZHOU, "202208", chunk_rows=3, keep_lines=False, threads=threads)
    assert several == one
    assert parsed_in - {threading.current_thread().name} and all(
        name.startswith("medins-bulk") for name in parsed_in - {threading.current_thread().name}
    )
    assert not bulk_threads()
    with pytest.raises(InputError) as refused:  # chunk 5's bad wage, whichever thread met it first
        assess_table(roster([*wages[:16], "-1", *wages[17:]]), SUZHOU, "202208", chunk_rows=3, threads=threads)
    assert (refused.value.code, refused.value.row) == ("invalid_wage", 18)
    assert not bulk_threads()


def valid_id(i: int) -> str:
    from stdnum.cn import ric

    first17 = f"32050619800101{i:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    ("bad", "again"), [(None, None), (200, None), (None, (50, 250)), (200, (50, 250)), (260, (50, 250))]
)
def test_a_file_is_read_ahead_by_one_thread_and_gives_one_verdict(
    tmp_path: Path, bad: int | None, again: tuple[int, int] | None
) -> None:
    """A bad wage, a person listed twice in another chunk, both (the earlier row is named, as
    the roster reader names it), or neither: one verdict whatever the threads."""
    certs = [valid_id(i) for i in range(300)]
    if again is not None:
        certs[again[1]] = certs[again[0]]
    rows = [f"{cert},张{i},{0 if i == bad else 5000 + i}" for i, cert in enumerate(certs)]
    path = tmp_path / "roster.csv"
    path.write_text("证件号码,姓名,缴费工资\n" + "\n".join(rows) + "\n", "utf-8")
    try:
        expected: tuple[Any, ...] = ("assessed", assess(read_roster(path, rules=SUZHOU).members, SUZHOU, "202208").total)
    except InputError as exc:
        expected = (exc.code, exc.row)
    for threads in (1, 2, 3):
        try:
            result = assess_file(path, SUZHOU, "202208", chunk_rows=7, keep_lines=False, threads=threads)
            found: tuple[Any, ...] = ("assessed", result.total)
        except InputError as exc:
            found = (exc.code, exc.row)
        assert found == expected, threads
        assert not bulk_threads()


def test_default_threads_are_the_usable_cpus_within_the_bound() -> None:
    assert 1 <= default_threads() <= bulk.MAX_DEFAULT_THREADS
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="threads must be a whole number"):
            assess_table(roster(["5000"]), SUZHOU, "202208", threads=bad)
