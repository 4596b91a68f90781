"""Roster sources for the bulk engine: Arrow tables, chunks, and CSV/Parquet files read safely.

Reading a file is bounded (see docs/limits.md) and every library error becomes a coded
:class:`~medins_core.errors.InputError` whose text never echoes a row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import queue
import threading
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from medins_core.bulk._arrow import is_ascii, is_utf8
from medins_core.bulk._read import _FIELD_OF, TableLike
from medins_core.errors import InputError
from medins_core.io.limits import MAX_BULK_BYTES
from medins_core.io.output import note_input

MIXED_ENCODING = "文件中有无效的 UTF-8 字节（混入了其他编码的文字），请统一另存为 UTF-8"

# --- sources ---------------------------------------------------------------------------


def iter_batches(source: TableLike, chunk_rows: int) -> Iterator[Any]:
    """Record batches of at most about ``chunk_rows`` rows from a table, a batch or chunks.

    Small batches are joined so that the per-chunk overhead stays small.
    """
    pending: list[Any] = []
    size = 0
    for batch in _flatten(source, chunk_rows):
        if batch.num_rows >= chunk_rows // 2:  # big enough on its own: joining would copy it
            if pending:
                yield _join(pending)
                pending, size = [], 0
            yield batch
            continue
        pending.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:
            yield _join(pending)
            pending, size = [], 0
    if pending:
        yield _join(pending)


def _flatten(source: TableLike, chunk_rows: int) -> Iterator[Any]:
    if isinstance(source, pa.Table):
        yield from source.to_batches(max_chunksize=chunk_rows)
    elif isinstance(source, pa.RecordBatch):
        for offset in range(0, max(source.num_rows, 1), chunk_rows):
            yield source.slice(offset, chunk_rows)
    else:
        for item in source:
            if not isinstance(item, (pa.Table, pa.RecordBatch)):
                raise TypeError(f"expected Arrow tables or record batches, got {type(item).__name__}")
            yield from _flatten(item, chunk_rows)


def _join(batches: list[Any]) -> Any:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _file_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return "parquet"
    if ".csv" in suffixes or ".txt" in suffixes:
        return "csv"
    raise InputError("unsupported_file", f"不支持的文件类型: {path.name}（应为 .csv 或 .parquet）", file=str(path))


def file_rows(path: str | Path) -> int | None:
    """The number of rows of a Parquet file (from its footer); None for CSV (unknown up front)."""
    path = Path(path)
    if _file_kind(path) == "parquet":
        with _read_errors(path):
            return int(pq.ParquetFile(path).metadata.num_rows)
    return None


#: The largest block the CSV reader reads at once; a row must fit in one (so it bounds a row).
MAX_BLOCK_BYTES = 32 * 1024 * 1024
#: The largest block it reads at first: one block makes one chunk, as joining smaller blocks
#: to chunks costs more than a smaller block saves (the 1M × 12 benchmark file is read in
#: about 6 % less time in 5 MB blocks than in 2 MB blocks joined). A longer row gets
#: MAX_BLOCK_BYTES.
READ_BLOCK_BYTES = 8 * 1024 * 1024


def read_file(
    path: str | Path, *, chunk_rows: int, encoding: str = "utf8", read_ahead: bool = False
) -> Iterator[Any]:
    """Record batches of a CSV (optionally compressed, e.g. ``.csv.gz``) or Parquet roster;
    with ``read_ahead``, a thread reads the next chunks while the caller assesses these (the
    readers release the GIL: a file is assessed in about two thirds of the time).

    Only the columns in :data:`COLUMNS` are read, all CSV columns as text, so no value is
    ever inferred as a float. Memory stays at about one chunk whatever the file's size: a
    block read at once is at most :data:`MAX_BLOCK_BYTES`, the decompressed file at most
    :data:`~medins_core.io.limits.MAX_BULK_BYTES`. A UTF-8 CSV that is not UTF-8 is read as
    GB18030 (as the reference path does) unless it is mostly UTF-8 (``mixed_encoding``).
    Every problem (damaged, truncated or empty file, a row of the wrong width) is an
    InputError with a code, naming the file and, where known, the row.
    """
    path = Path(path)
    kind = _file_kind(path)
    if not path.is_file():
        raise InputError("file_missing", f"文件不存在: {path}", file=str(path))
    note_input(path)
    with _read_errors(path):
        batches = _read_file(path, kind, chunk_rows, encoding)
        yield from _prefetch(batches) if read_ahead else batches


def _refuse_unknown(path: Path, names: Sequence[str]) -> None:
    """As the roster reader: a misnamed column is an error, not silently left out."""
    unknown = [n for n in names if n.strip() and n.strip() not in _FIELD_OF]
    if unknown:
        raise InputError("unknown_column", f"无法识别的列「{unknown[0]}」", file=str(path), row=1, column=unknown[0])


def _read_file(path: Path, kind: str, chunk_rows: int, encoding: str) -> Iterator[Any]:
    if kind == "parquet":
        parquet = pq.ParquetFile(path)
        _refuse_unknown(path, parquet.schema_arrow.names)
        names = [n for n in parquet.schema_arrow.names if n.strip() in _FIELD_OF]
        yield from parquet.iter_batches(batch_size=chunk_rows, columns=names)
        return
    encoding = _csv_encoding(path, encoding)
    header = _csv_names(path, encoding)
    if not header:
        raise InputError("empty_file", "文件为空", file=str(path))
    _refuse_unknown(path, header)
    present = [n for n in header if n.strip() in _FIELD_OF]
    types = {n: pa.int64() if _FIELD_OF[n.strip()] == "wage_fen" else pa.string() for n in present}
    block = max(1 << 14, min(READ_BLOCK_BYTES, chunk_rows * _csv_row_bytes(path)))
    rows = 0
    for batch in iter_batches(_csv_blocks(path, encoding, present, types, block), chunk_rows):
        rows += batch.num_rows
        yield batch
    if not rows:
        raise InputError("empty_roster", "花名册没有数据行", file=str(path), row=2)


def _csv_blocks(path: Path, encoding: str, present: list[str], types: dict[str, Any], block: int) -> Iterator[Any]:
    """The record batches of a CSV file read ``block`` bytes at a time; when a row is longer,
    the file is read again in blocks of :data:`MAX_BLOCK_BYTES`, from the row it stopped at."""
    done = 0
    for size in (block, MAX_BLOCK_BYTES):
        skip = done
        try:
            reader = pa_csv.open_csv(  # reads the first block
                _bounded_stream(path),
                # Arrow's own read-ahead threads give the first chunk after 60 ms instead of
                # 27 (1M × 12) and save nothing: with threads, medins reads ahead (read_file)
                read_options=pa_csv.ReadOptions(block_size=size, encoding=encoding, use_threads=False),
                # text is checked to be UTF-8 here, where most columns are ASCII: a quarter
                # of the reader's time otherwise
                convert_options=pa_csv.ConvertOptions(
                    column_types=types,
                    include_columns=present,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=False,
                ),
            )
            with reader:
                for batch in reader:
                    _check_utf8(batch, path)
                    if skip:  # read before
                        batch, skip = batch.slice(skip), max(skip - batch.num_rows, 0)
                    if batch.num_rows:
                        done += batch.num_rows
                        yield batch
            return
        except pa.ArrowInvalid as exc:
            if size >= MAX_BLOCK_BYTES or "straddling" not in str(exc):
                raise


def _check_utf8(batch: Any, path: Path) -> None:
    """Refuse text that is not UTF-8, as the CSV reader would have (``mixed_encoding``)."""
    for column in batch.columns:
        if pa.types.is_string(column.type) and not is_ascii(column) and not is_utf8(column):
            raise InputError("mixed_encoding", MIXED_ENCODING, file=str(path))


def _bounded_stream(path: Path) -> Any:
    """The file's decompressed bytes, refused past MAX_BULK_BYTES (a compressed bomb)."""
    raw = pa.input_stream(str(path), compression="detect")
    if not str(path).lower().endswith((".gz", ".bz2", ".zst", ".lz4", ".br")):
        if path.stat().st_size > MAX_BULK_BYTES:
            raise InputError("file_too_large", f"文件超过 {MAX_BULK_BYTES >> 30} GB 上限", file=str(path))
        return raw

    class Bounded(io.RawIOBase):
        seen = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            data = raw.read(len(buffer))
            self.seen += len(data)
            if self.seen > MAX_BULK_BYTES:
                raise InputError("file_too_large", f"文件解压后超过 {MAX_BULK_BYTES >> 30} GB 上限", file=str(path))
            buffer[: len(data)] = data
            return len(data)

        def close(self) -> None:
            raw.close()
            super().close()

    return pa.PythonFile(io.BufferedReader(Bounded(), 1 << 20), mode="r")


def _csv_encoding(path: Path, encoding: str) -> str:
    """``encoding``, or GB18030 for a file said to be UTF-8 whose first MB is clearly not."""
    if encoding.lower().replace("-", "") != "utf8":
        return encoding
    with pa.input_stream(str(path), compression="detect") as stream:
        head = stream.read(1 << 20)
    if b"\x00" in head:
        row = head.count(b"\n", 0, head.index(b"\x00")) + 1
        raise InputError("bad_csv", "CSV 格式错误（含空字符）", file=str(path), row=row)
    try:
        head.decode("utf-8")
        return encoding
    except UnicodeDecodeError as exc:
        if len(head) == 1 << 20 and exc.start >= len(head) - 3:
            return encoding  # a character cut at the end of the sample
        bad = exc.start
    loose = head.decode("utf-8", errors="replace")
    broken = loose.count("\ufffd")
    if sum(1 for c in loose if c > "\x7f") - broken >= broken:
        raise InputError(
            "mixed_encoding",
            f"文件是 UTF-8 编码，但第 {bad} 字节处有无效字节（混入了其他编码的文字），请统一另存为 UTF-8",
            file=str(path),
            row=head.count(b"\n", 0, bad) + 1,
        )
    return "gb18030"


@contextlib.contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """Library errors while reading ``path`` as coded InputErrors; their text, which may
    echo a row (names, ID numbers), is not passed on."""
    file = str(path)
    try:
        yield
    except InputError:
        raise
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError) as exc:
        text = str(exc)
        if "Expected" in text and "columns" in text:
            row = _ragged_row(path)
            raise InputError("row_width", "该行的单元格数与表头不同（金额中的千分位逗号等须加引号或去掉）", file=file, row=row) from None
        if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text or "decode" in text:
            raise InputError("mixed_encoding", MIXED_ENCODING, file=file) from None
        if "Empty CSV" in text:
            raise InputError("empty_file", "文件为空", file=file) from None
        if "straddling" in text or "block" in text:
            raise InputError("cell_too_long", "有一行或一个单元格过长，已拒绝", file=file) from None
        if "Parquet" in text or "parquet" in text or "magic" in text:
            raise InputError("unsupported_format", "文件不是有效的 Parquet 文件", file=file) from None
        raise InputError("unsupported_format", f"无法读取文件（{type(exc).__name__}）", file=file) from None
    except csv.Error:
        raise InputError("cell_too_long", "表头过长或格式错误，已拒绝", file=file, row=1) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError("file_unreadable", f"无法读取文件，可能已损坏或被截断（{type(exc).__name__}）", file=file) from None


def _ragged_row(path: Path) -> int | None:
    """The first row whose width differs from the header's (the slow path, only on error)."""
    with contextlib.suppress(Exception):
        with pa.input_stream(str(path), compression="detect") as stream:
            text = io.TextIOWrapper(io.BufferedReader(_Raw(stream)), encoding="utf-8", errors="replace", newline="")
            width = None
            for number, cells in enumerate(csv.reader(text), start=1):
                if width is None:
                    width = len(cells)
                elif cells and len(cells) != width:
                    return number
    return None


class _Raw(io.RawIOBase):
    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _prefetch(batches: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """``batches``, produced by a background thread up to ``depth`` ahead."""
    ahead: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():  # the consumer may have stopped reading: do not block on it
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(("batch", batch)):
                    return
            put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(("error", exc))

    worker = threading.Thread(target=produce, name="medins-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = ahead.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _csv_names(path: Path, encoding: str) -> list[str]:
    """The header of a CSV file (a UTF-8 byte order mark is dropped)."""
    with pa.input_stream(str(path), compression="detect") as stream:
        head = stream.read(1 << 20)
    utf8 = encoding.lower().replace("-", "") == "utf8"
    end = head.find(b"\n") if utf8 else -1  # in UTF-8 the first line ends there or before
    lines = head[: len(head) if end < 0 else end + 1].decode("utf-8-sig" if utf8 else encoding, errors="replace").splitlines()
    return next(csv.reader(lines[:1]), [])


def _csv_row_bytes(path: Path) -> int:
    with pa.input_stream(str(path), compression="detect") as stream:
        head = stream.read(1 << 16)
    lines = head.count(b"\n")
    return max(16, len(head) // lines) if lines else 64
