"""Errors raised by medins.

Every error has a stable English ``code`` for programs and a Chinese ``message`` for the
person at the counter, plus where it happened (file, row, column, field) when that is known.
Messages never carry a full ID or phone number: every message, file name and column is
masked when the error is made (:func:`medins_core.ids.mask_text`).
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
        from medins_core.ids import mask_text  # here, not at the top: ids imports this module

        self.code = code
        # masked where every error is made, so no message can carry a full ID or mobile number
        self.message = mask_text(message)
        self.file = None if file is None else mask_text(file)
        self.row = row
        self.column = None if column is None else mask_text(column)
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


class InputTypeError(InputError, TypeError):
    """An input of the wrong type (a float column where money is expected)."""


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


class OutputError(MedinsError, OSError):
    """An output that cannot or must not be written (an input, a device, a full disk)."""


class Interrupted(MedinsError):
    """The command was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP); ``signal`` is its number."""

    def __init__(self, signal: int) -> None:
        self.signal = signal
        super().__init__("interrupted", f"已中断（信号 {signal}），未写入任何文件")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.signal,))
