"""Writing output files safely: one helper, :func:`atomic_output`, for every file medins writes.

A file is written to a temporary file in the target's folder, flushed to disk and renamed over
the target only when complete, so a failure or an interrupt leaves the target as it was and no
temporary file behind. Before anything is written the target is checked:

- it must be a new path or a regular file (never a device such as ``/dev/full``, a FIFO, a
  directory, or a symbolic link, whose rename would replace the link);
- its folder must exist;
- it must not be a file the same command reads (:func:`note_input` records those; compared by
  resolved path and by inode, so a hard link or another spelling of the path is caught).

Failures are :class:`~medins_core.errors.OutputError` with a code and a Chinese message.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from medins_core.errors import OutputError

__all__ = ["atomic_output", "check_output", "inputs_scope", "note_input", "private_tempdir"]

_INPUTS: ContextVar[frozenset[tuple[str, int, int]] | None] = ContextVar("medins_inputs", default=None)
#: Temporary files and folders not yet renamed or removed; :func:`cleanup` removes them.
_PENDING: set[str] = set()


def _identity(path: Path) -> tuple[str, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), info.st_dev, info.st_ino)


@contextlib.contextmanager
def inputs_scope() -> Iterator[None]:
    """Within the block, files passed to :func:`note_input` may not be written."""
    token = _INPUTS.set(frozenset())
    try:
        yield
    finally:
        _INPUTS.reset(token)


def note_input(path: str | Path) -> None:
    """Record ``path`` as an input of the running command (see :func:`inputs_scope`)."""
    inputs = _INPUTS.get()
    identity = _identity(Path(path))
    if inputs is not None and identity is not None:
        _INPUTS.set(inputs | {identity})


def _is_input(target: Path, info: os.stat_result | None) -> bool:
    inputs = _INPUTS.get() or frozenset()
    resolved = str(target.resolve())
    return any(
        path == resolved or (info is not None and (dev, ino) == (info.st_dev, info.st_ino))
        for path, dev, ino in inputs
    )


def check_output(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if medins may write it; raises OutputError if not."""
    text = str(path)
    if not text.strip():
        raise OutputError("output_invalid", "输出文件名为空")
    target = Path(text)
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError("output_invalid", f"无法访问输出文件: {exc.strerror}", file=text) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputError("output_is_directory", "输出路径是一个目录，请给出文件名", file=text)
        if stat.S_ISLNK(info.st_mode):
            raise OutputError("output_not_regular", "输出路径是符号链接，拒绝替换", file=text)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError("output_not_regular", "输出路径不是普通文件（设备、管道等），拒绝写入", file=text)
    if not target.parent.is_dir():
        raise OutputError("output_dir_missing", "输出文件所在的目录不存在", file=text)
    if _is_input(target, info):
        raise OutputError("output_is_input", "输出文件不能是本命令读取的输入文件，否则会覆盖它", file=text)
    return target


def _os_error(exc: OSError, file: str) -> OutputError:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return OutputError("disk_full", "磁盘空间不足，未写入文件", file=file)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError("output_denied", "没有写入权限", file=file)
    return OutputError("output_failed", f"写入失败: {exc.strerror or exc}", file=file)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only if the ``with`` block completes.

    The target is checked first (:func:`check_output`). The data goes to a temporary file in
    the same folder (so the rename is atomic on one file system), is flushed to disk, and is
    renamed over ``path``; on any exception or interrupt the temporary file is removed and
    ``path`` is untouched. OS errors (a full disk, no permission) become OutputError.
    """
    import tempfile  # here: a command that writes no file needs none

    target = check_output(path)
    file = str(path)
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _os_error(exc, file) from None
    _PENDING.add(temp)
    try:
        try:
            with os.fdopen(fd, "wb") as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
            check_output(path)  # nothing became a link, device or input meanwhile
            os.replace(temp, target)
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise _os_error(exc, file) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    finally:
        _PENDING.discard(temp)


@contextlib.contextmanager
def private_tempdir(prefix: str) -> Iterator[str]:
    """A temporary folder only the user can read (0700), removed on leaving the block.

    For scratch files that hold personal data (XlsxWriter's sheet XML); :func:`cleanup`
    removes it too if the process is stopped by a signal.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as scratch:
        os.chmod(scratch, 0o700)
        _PENDING.add(scratch)
        try:
            yield scratch
        finally:
            _PENDING.discard(scratch)


def cleanup() -> None:
    """Remove every temporary file and folder still pending (on an interrupt, at exit)."""
    import shutil

    for path in list(_PENDING):
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        _PENDING.discard(path)
