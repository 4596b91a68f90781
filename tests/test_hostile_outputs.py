"""The one output writer: what it refuses, and that a failure leaves nothing behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from medins_core.errors import FileProblems, OutputError
from medins_core.io.output import atomic_output, inputs_scope, note_input
from medins_core.io.roster import roster_from_rows
from medins_core.testing import make_resident_id


def test_a_full_disk_is_a_coded_error_and_leaves_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"before")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as caught, atomic_output(target) as stream:
        stream.write(b"after")
    assert caught.value.code == "disk_full"
    assert target.read_bytes() == b"before" and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_an_input_is_never_an_output(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("x")
    os.link(source, tmp_path / "hard.csv")
    with inputs_scope():
        note_input(source)
        for target in (source, tmp_path / "hard.csv", tmp_path / "." / "in.csv"):
            with pytest.raises(OutputError) as caught, atomic_output(target) as stream:
                stream.write(b"y")
            assert caught.value.code == "output_is_input"
    assert source.read_text() == "x"


@pytest.mark.parametrize(
    ("target", "code"),
    [("", "output_invalid"), ("full", "output_not_regular"), ("missing/x.xlsx", "output_dir_missing"),
     (".", "output_is_directory")],
)
def test_targets_that_are_not_a_regular_file_or_a_new_path(tmp_path: Path, target: str, code: str) -> None:
    path = str(tmp_path / target) if target else target
    if target == "full":  # a private device node, never the machine's own /dev/full
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        except PermissionError:
            os.mkfifo(path)
    with pytest.raises(OutputError) as caught, atomic_output(path) as stream:
        stream.write(b"y")
    assert caught.value.code == code


def test_rows_in_memory_get_the_roster_files_checks() -> None:
    good = make_resident_id()
    with pytest.raises(FileProblems) as caught:
        roster_from_rows([{"cert_no": "123", "name": "", "wage": "5000"}, {"cert_no": good, "name": "张三", "wage": "0"}])
    codes = [(p.code, p.row) for p in caught.value.problems]
    assert codes == [("invalid_cert_no", 2), ("missing_field", 2), ("invalid_wage", 3)]
    roster = roster_from_rows([{"证件号码": good, "姓名": "张三", "缴费工资": 5000}])
    assert [m.person.cert_no for m in roster.members] == [good]
