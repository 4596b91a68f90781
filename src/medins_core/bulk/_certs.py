"""Certificate numbers in bulk: resident ID numbers as order-preserving integers, checked
vectorised, with the exact per-row check (the roster reader's) only for the rows flagged."""

from __future__ import annotations

import datetime
import functools
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from medins_core.bulk._arrow import (
    ZEROS,
    are_digits,
    as_string,
    digit_values,
    distinct,
    eight_digits,
    get_column,
    in_blocks,
    input_error,
    needs_cleaning,
    required_text,
    string_buffers,
)
from medins_core.bulk._resident import CERT_LENGTH, below, checked_ids, plausible_ids
from medins_core.codes import is_resident_id_type
from medins_core.errors import InputError
from medins_core.ids import mask_cert_no, parse_resident_id


def cert_codes(cert: Any) -> NDArray[np.int64]:
    """Order-preserving int64 codes of resident ID numbers; -1 for other certificate numbers.

    Seventeen digits and a last character 0-9 or X (in that order, as in code-point order)
    map to ``digits17 * 11 + last``: equal codes are equal strings and code order is string
    order, so duplicates and the smallest number are found with integer operations.
    """
    codes = in_blocks(_cert_codes, len(cert), cert)
    assert codes is not None
    return codes


def _cert_codes(cert: Any) -> NDArray[np.int64]:
    offsets, data = string_buffers(cert)
    codes = np.full(len(cert), -1, dtype=np.int64)
    lengths = np.diff(offsets)
    if not len(cert):
        return codes
    if (lengths == CERT_LENGTH).all():  # the usual case: read the bytes in place
        rows = None
        packed = data[offsets[0] : offsets[-1]]
        fast = _all_resident_ids(packed, len(cert))
        if fast is not None:
            return fast
    else:
        rows = np.flatnonzero(lengths == CERT_LENGTH)
        packed = data[(offsets[rows, None] + np.arange(CERT_LENGTH)).ravel()]
    count = len(packed) // CERT_LENGTH
    if not count:
        return codes
    high, ok_high = _eight_digits(packed, 0, count)
    low, ok_low = _eight_digits(packed, 8, count)
    tail = packed.reshape(count, CERT_LENGTH)[:, 16:].astype(np.int64) - ord("0")
    last = tail[:, 1]
    is_x = last == ord("X") - ord("0")
    ok = ok_high & ok_low & (tail[:, 0] >= 0) & (tail[:, 0] <= 9) & (((last >= 0) & (last <= 9)) | is_x)
    value = (high * 10**9 + low * 10 + tail[:, 0]) * 11 + np.where(is_x, 10, last)
    if rows is None:
        codes[ok] = value[ok]
    else:
        codes[rows[ok]] = value[ok]
    return codes


def _all_resident_ids(packed: NDArray[np.uint8], n: int) -> NDArray[np.int64] | None:
    """The codes of ``n`` 18-byte records when every one is a resident ID number (the usual
    case: checked for all at once, computed without masks); else None."""
    high, low = (
        np.ndarray((n,), dtype="<u8", buffer=packed, offset=at, strides=(CERT_LENGTH,)).copy() for at in (0, 8)
    )
    tail = np.ndarray((n,), dtype="<u2", buffer=packed, offset=16, strides=(CERT_LENGTH,))
    digit, last = (tail & 0xFF).astype(np.int64) - ord("0"), (tail >> 8).astype(np.int64) - ord("0")
    is_x = last == ord("X") - ord("0")
    high -= ZEROS
    low -= ZEROS
    if not (are_digits(high, low) and below(digit, 10).all() and (below(last, 10) | is_x).all()):
        return None
    code = digit_values(high)
    code *= 10**8
    code += digit_values(low)
    code *= 10
    code += digit
    code *= 11
    code += np.where(is_x, 10, last)
    return code


def _eight_digits(packed: NDArray[np.uint8], at: int, count: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Eight ASCII digits at byte ``at`` of each 18-byte record, as numbers (SWAR), and whether
    all eight are digits. The bytes are read as one little-endian uint64 per record."""
    words = np.ndarray((count,), dtype="<u8", buffer=packed, offset=at, strides=(CERT_LENGTH,)).copy()
    return eight_digits(words)


def _certificates(
    batch: Any, row0: int, checked: bool, today: datetime.date | None, row_of: NDArray[np.int64] | None = None
) -> tuple[Any, NDArray[np.int64], NDArray[np.int64] | None]:
    """Certificate numbers, their codes and (checked, when all are resident IDs and some is
    bad) the codes sorted.

    Checked, a person listed twice is refused here only when some number is bad too (to
    report the first bad row); else :class:`FileListing` finds it, at the end or at the next
    bad row (:func:`~medins_core.bulk._engine.run`): a sort a chunk saved."""
    plausible: NDArray[np.bool_] | None = None
    found = checked_ids(required_text(batch, "cert_no", row0), today) if checked else None
    if found is not None:  # the usual file: every number a resident ID number, read in one pass
        cert, codes, plausible = found
        if plausible.all():  # and a good one
            return cert, codes, None
    else:
        cert, codes = listed_certs(batch, row0)
        if checked:
            plausible = in_blocks(functools.partial(plausible_ids, today=today), len(cert), cert, codes)
    empty = pc.equal(cert, "").to_numpy(zero_copy_only=False) if (codes < 0).any() else np.zeros(len(cert), bool)
    flagged = empty
    if plausible is not None:
        flagged = empty | (_resident_rows(batch, len(cert)) & ~plausible)
    if checked and not flagged.any() and len(codes) and codes.min() >= 0:
        return cert, codes, None  # every number a good resident ID number
    ordered = np.sort(codes) if checked and len(codes) and codes.min() >= 0 else None
    duplicate = _duplicate(cert, ordered, row0, row_of) if checked else None
    if flagged.any():  # the exact checks, in row order, for the few rows flagged
        certs = cert.to_pylist()
        for i in np.flatnonzero(flagged):
            if duplicate is not None and duplicate.row is not None and duplicate.row <= row0 + int(i):
                raise duplicate  # the first bad row, as the reference reports it
            if not certs[i]:
                raise input_error("missing_field", "证件号码不能为空", "cert_no", row0 + int(i))
            try:
                birth = parse_resident_id(certs[i]).birth
            except InputError as exc:
                raise input_error(exc.code, exc.message, "cert_no", row0 + int(i)) from None
            if today is not None and birth > today:
                raise input_error("invalid_cert_no", f"证件号码中的出生日期晚于今天：{mask_cert_no(certs[i])}", "cert_no", row0 + int(i))
    if duplicate is not None:
        raise duplicate
    return cert, codes, ordered


def listed_certs(batch: Any, row0: int) -> tuple[Any, NDArray[np.int64]]:
    """The certificate numbers of a (canonical) batch as the roster reader reads them, stripped
    and upper-cased, and their codes; not yet checked."""
    cert = required_text(batch, "cert_no", row0)
    codes = cert_codes(cert)
    if (codes < 0).any() and needs_cleaning(cert):  # a resident ID number needs no cleaning
        cert = pc.utf8_upper(pc.utf8_trim_whitespace(cert))
        codes = cert_codes(cert)
    return cert, codes


def _duplicate(
    cert: Any, ordered: NDArray[np.int64] | None, row0: int, row_of: NDArray[np.int64] | None
) -> InputError | None:
    """The error for the first person listed twice in a batch, named as the reference does
    (across batches the engine finds it), or None."""
    if ordered is not None and not (ordered[1:] == ordered[:-1]).any():  # codes of resident IDs, sorted
        return None
    indices = pc.dictionary_encode(cert).indices.to_numpy(zero_copy_only=False)
    values, first = np.unique(indices, return_index=True)
    if len(values) == len(indices):
        return None
    later = np.ones(len(indices), dtype=bool)
    later[first] = False
    row = int(np.flatnonzero(later)[0])
    seen = int(first[np.searchsorted(values, indices[row])])
    # the error's row is the batch's (parse_batch numbers it); the message names the file's
    return listed_twice(cert[row].as_py(), row0 + row, row0 + seen if row_of is None else int(row_of[seen]))


def listed_twice(cert: str, row: int, first_row: int) -> InputError:
    """A person listed again at ``row``, worded as the roster reader words it."""
    return input_error("duplicate_person", f"与第 {first_row} 行是同一人员 ({mask_cert_no(cert)})", "cert_no", row)


class FileListing:
    """Where a file read in chunks lists each certificate number, to name both rows of a person
    listed twice as the roster reader does (in two chunks, or in one when parsing left it).

    Keeps each chunk's resident-ID codes in row order (8 bytes a row); other numbers in a dict.
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[NDArray[np.int64], NDArray[np.int64] | None, int]] = []
        self.others: dict[str, int] = {}  # number → first row
        self.repeats: list[tuple[int, int, str]] = []  # (row, first row, number) of other numbers

    def add(self, codes: NDArray[np.int64], cert: Any, row0: int, row_of: NDArray[np.int64] | None = None) -> None:
        """Record a parsed chunk whose first data row is ``row0`` (``row_of``: each row's
        number, when blank rows were skipped)."""
        self.chunks.append((codes, row_of, row0))
        other = other_numbers(codes)
        if other.size:
            for i, number in zip(other, cert.take(pa.array(other, type=pa.int64())).to_pylist()):
                row = row0 + int(i) if row_of is None else int(row_of[i])
                first = self.others.setdefault(number, row)
                if first != row:
                    self.repeats.append((row, first, number))

    def first_repeat(self) -> InputError | None:
        """The listing again with the smallest row, as the roster reader meets it first; or None."""
        found = list(self.repeats)
        if self.chunks:
            codes = np.concatenate([c for c, _, _ in self.chunks])
            rows = np.concatenate(
                [row0 + np.arange(len(c), dtype=np.int64) if at is None else at for c, at, row0 in self.chunks]
            )
            ids = codes >= 0
            codes, rows = codes[ids], rows[ids]
            order = np.argsort(codes, kind="stable")  # rows ascend within one number
            ordered = codes[order]
            same = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
            if same.size:
                again = order[same][np.argmin(rows[order[same]])]
                first = order[np.searchsorted(ordered, codes[again])]
                found.append((int(rows[again]), int(rows[first]), decode_cert(int(codes[again]))))
        if not found:
            return None
        row, first_row, number = min(found)
        return listed_twice(number, row, first_row)


def other_numbers(codes: NDArray[np.int64]) -> NDArray[np.intp]:
    """The rows whose number is no resident ID number (code -1): as a rule none, seen from
    the least code."""
    if not len(codes) or codes.min() >= 0:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(codes < 0)


def decode_cert(code: int) -> str:
    """The resident ID number behind a code of :func:`cert_codes`."""
    digits, last = divmod(code, 11)
    return f"{digits:017d}" + ("X" if last == 10 else str(last))


def _resident_rows(batch: Any, n: int) -> NDArray[np.bool_]:
    """Rows whose certificate is a resident ID: 证件类型 absent, empty or a resident ID name."""
    column = get_column(batch, "cert_type")
    if column is None:
        return np.ones(n, dtype=bool)
    values, indices, nulls = distinct(as_string(column, "cert_type"))
    resident = np.array([not v.strip() or is_resident_id_type(v) for v in values] or [True])
    result: NDArray[np.bool_] = resident[indices] | nulls
    return result
