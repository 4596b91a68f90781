"""Errors raised by medins.

Every error has a stable English ``code`` for programs and a Chinese ``message`` for the
person at the counter, plus where it happened (file, row, column, field) when that is known.
Messages never carry a full ID or phone number: callers mask them first (see :mod:`medins_core.ids`).
"""

from __future__ import annotations


class MedinsError(Exception):
    """Base class of every error medins raises on purpose."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.field = field
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:
        # keep the keyword arguments across pickling (multiprocess and Dask workers)
        return (_rebuild, (type(self), self.code, self.message, self.file, self.row, self.column, self.field))

    def where(self) -> str:
        """Where the problem is, in Chinese: ``文件 a.csv 第 3 行 列「姓名」``; empty when unknown."""
        parts = []
        if self.file is not None:
            parts.append(f"文件 {self.file}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column is not None:
            parts.append(f"列「{self.column}」")
        elif self.field is not None:
            parts.append(f"字段 {self.field}")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"[{self.code}] {where}: {self.message}" if where else f"[{self.code}] {self.message}"


def _rebuild(
    cls: type[MedinsError],
    code: str,
    message: str,
    file: str | None,
    row: int | None,
    column: str | None,
    field: str | None,
) -> MedinsError:
    return cls(code, message, file=file, row=row, column=column, field=field)


class InputError(MedinsError, ValueError):
    """The caller's input (a value, a roster row, a command-line argument) cannot be used."""


class FileProblems(InputError):
    """A file with several problems: :attr:`problems` lists each, the error itself is the first."""

    def __init__(self, file: str, problems: list[InputError]) -> None:
        self.problems = problems
        first = problems[0]
        more = f"（另有 {len(problems) - 1} 处错误）" if len(problems) > 1 else ""
        super().__init__(first.code, f"{first.message}{more}", file=file, row=first.row, column=first.column)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.file, self.problems))


class DataFileError(MedinsError, ValueError):
    """A parameter data file is malformed; ``field`` holds the dotted key of the bad value."""


class ParameterError(MedinsError, LookupError):
    """A parameter the computation needs is not known for that region and period."""


class RegionError(MedinsError, LookupError):
    """A region code that no plugin provides, or a conflict between plugins."""
