"""One reader per concept: gender, insurance-line cells."""

from __future__ import annotations

import pytest

from medins_core.codes import split_lines
from medins_core.ids import Gender


@pytest.mark.parametrize(("text", "gender"), [("1", Gender.MALE), (" 男 ", Gender.MALE), ("2", Gender.FEMALE), ("女", Gender.FEMALE)])
def test_gender_reads_codes_and_names(text: str, gender: Gender) -> None:
    assert Gender.parse(text) is gender


@pytest.mark.parametrize("text", ["", "M", "male", "3"])
def test_gender_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        Gender.parse(text)


def test_a_line_cell_splits_on_every_separator_once_each() -> None:
    assert split_lines("310,330，510、410;310；") == ("310", "330", "510", "410")
    assert split_lines("职工基本医疗保险、生育保险") == ("职工基本医疗保险", "生育保险")
    assert split_lines(None) == split_lines("") == split_lines(" , ") == ()
