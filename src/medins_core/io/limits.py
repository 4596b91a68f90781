"""Every limit medins applies to what it reads and writes, declared once.

These are medins's own safety limits: :data:`MAX_BYTES` is the portal's limit for the batch
wage upload only, and medins's own everywhere else:
each is documented in docs/limits.md with what happens past it. Readers check what they can
before reading rows (size, declared extent, header) and refuse with a coded
:class:`~medins_core.errors.InputError`, never by running out of memory or time.
"""

from __future__ import annotations

__all__ = [
    "EXCEL_ROWS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_ATTACHMENT_PIXELS",
    "MAX_BYTES",
    "MAX_BULK_BYTES",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_NESTING",
    "MAX_ROWS",
    "MAX_STREAMED_CELLS",
    "MAX_UNZIPPED_BYTES",
    "MAX_YEARS_AHEAD",
]

#: 10 MB: the limit the source states for the batch wage upload (jiangsu-unit-hall-user-manual.txt
#: 3.8 "文件大小不能超过10M"); for every other file medins reads it is medins's own safety limit.
MAX_BYTES = 10 * 1024 * 1024
#: The most an XLSX may expand to (all entries together); more is a compressed bomb.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: Default limit on data rows of a roster or batch file; callers may raise or lower it.
MAX_ROWS = 200_000
#: The most cells (rows × columns, blanks included) a sheet may span.
MAX_CELLS = 20_000_000
#: The most cell elements of a sheet read by the streaming (openpyxl) fallback.
MAX_STREAMED_CELLS = 2_000_000
#: The most columns a row may have (templates have a few dozen).
MAX_COLUMNS = 1_000
#: The longest cell text: Excel's own limit of 32,767 characters per cell.
MAX_CELL_CHARS = 32_767
#: Excel's last row: no exported sheet may have more rows (header included).
EXCEL_ROWS = 1_048_576
#: The bulk reader's limit on a file's decompressed size (.csv.gz), and on a CSV/Parquet file.
MAX_BULK_BYTES = 4 * 1024 * 1024 * 1024
#: The deepest nesting of tables and arrays in a parameter overlay (TOML).
MAX_NESTING = 32
#: How many calendar years after today's a fee period may lie (``--period``/``--to``): a
#: later one (``2999-12``) is a typing mistake, refused with ``period_too_late``. Checked by
#: the command line against the system date, never inside the engine.
MAX_YEARS_AHEAD = 1
#: The largest attachment (a scanned form) checked when the region states no size: medins's own
#: safety limit, not a portal's (the sources give none); an operator sets attachment_max_bytes.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
#: The most pixels (width × height) an attachment's header may declare: medins's own guard
#: against an image that would take gigabytes to open, not a portal's limit.
MAX_ATTACHMENT_PIXELS = 100_000_000
