"""The JSON of ``medins assess --format json`` written table by table, byte for byte.

``json.dump(result.to_json(), ensure_ascii=False, indent=2)`` needs every line as a Python
dict at once; this writes the same text from Arrow tables of lines as they come: the
envelope up to ``"lines": ``, each line built with Arrow string kernels, then the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from medins_core.bulk._lines import LINE_SCHEMA

_HOLE = "\x00lines\x00"  # json.dumps writes it as "\u0000lines\u0000", which no other value can
_ESCAPED = r'[\x00-\x1f"\\]'  # what json.dumps escapes with ensure_ascii=False


def envelope(data: dict[str, object]) -> tuple[str, str]:
    """The JSON text of ``data`` (its ``lines`` left out) before and after the lines array."""
    text = json.dumps({**data, "lines": _HOLE}, ensure_ascii=False, indent=2) + "\n"
    head, tail = text.split(json.dumps(_HOLE))
    return head, tail


def _values(column: Any) -> Any:
    """A column as JSON values: quoted strings (amounts as ``"458.96"``) or ``null``."""
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())  # decimal(38, 2) prints as format_yuan does
    if pc.any(pc.match_substring_regex(column, _ESCAPED)).as_py():  # rare: let json quote it
        return pa.array(["null" if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()])
    return pc.fill_null(pc.binary_join_element_wise('"', column, '"', ""), "null")


def _text(table: Any) -> memoryview:
    """The lines of ``table`` as the JSON array's items, each preceded by ``,\\n``."""
    parts: list[Any] = []
    for i, name in enumerate(LINE_SCHEMA.names):
        parts.append((",\n    {\n" if i == 0 else ",\n") + f'      "{name}": ')
        parts.append(_values(table.column(name)))
    parts.append("\n    }")
    rows = pc.binary_join_element_wise(*parts, "")
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    lo, hi = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return memoryview(rows.buffers()[2])[lo:hi]


def write_json(data: dict[str, object], tables: Iterable[Any], stream: IO[bytes]) -> int:
    """Write ``data`` (an assessment's JSON without lines) with ``tables`` as its lines,
    exactly as ``json.dump(..., ensure_ascii=False, indent=2)`` and a newline; returns the
    number of lines."""
    head, tail = envelope(data)
    stream.write(head.encode())
    count = 0
    for table in tables:
        if not table.num_rows:
            continue
        text = _text(table)
        stream.write(b"[\n" + text[2:] if not count else text)  # no comma before the first
        count += table.num_rows
    stream.write(b"\n  ]" if count else b"[]")
    stream.write(tail.encode())
    return count
