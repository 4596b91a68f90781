"""JSON both ways through one cattrs converter: :func:`to_json` and :func:`from_json`.

Every result type (:class:`~medins_core.assessment.Assessment` and its lines, totals and
warnings) and every operation request type (``medins_core.operations``: requests, context,
:class:`Problem`) goes through the same :data:`converter`:

* money (Decimal) as a string; with at most two decimals exactly two (``"5000.00"``, as
  docs/json.md promises), otherwise every digit (``"0.075"``), so nothing is ever lost;
* :class:`~medins_core.period.Period` as ``"YYYYMM"``, dates as ISO ``"YYYY-MM-DD"``;
* enums as their values, tuples as lists;
* an :class:`Assessment` also carries ``total_upper`` (the total in Chinese capitals), which
  :func:`from_json` ignores; a :class:`~medins_core.retirement.Retirement` writes the month of
  birth as ``"YYYY-MM"``, as ``medins retirement`` always has.

``from_json(to_json(x), type(x)) == x`` for all of them (tested with hypothesis). A
:class:`~medins_core.operations.BackpayRequest` writes its ``person_months`` also under their
former name ``lines`` until the next release, and reads either.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Optional, TypeVar, Union

import cattrs

from medins_core.period import Period

T = TypeVar("T")

converter = cattrs.Converter()


def _decimal(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        text = f"{value:.2f}"  # exact: no digit is dropped (format_yuan's result, faster)
        return "0.00" if text == "-0.00" else text
    return str(value)


converter.register_unstructure_hook(Decimal, _decimal)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(str(value)))
# a count or an amount (a bill check's differing figure): JSON numbers are counts, strings money
for _number in (Union[int, Decimal], Optional[Union[int, Decimal]]):
    converter.register_structure_hook(
        _number, lambda value, _: value if value is None or isinstance(value, int) else Decimal(str(value))
    )
converter.register_unstructure_hook(Period, str)
converter.register_structure_hook(Period, lambda value, _: Period.parse(value))
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))


def _is_assessment(cls: Any) -> bool:
    from medins_core.assessment import Assessment

    return cls is Assessment


def _assessment_hook(cls: Any) -> Any:
    # lines are written by the result itself: from its columns when it keeps them so
    plain = cattrs.gen.make_dict_unstructure_fn(cls, converter, _lines=cattrs.gen.override(omit=True))

    def unstructure(result: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in plain(result).items():
            if key == "totals":
                data["lines"] = result.json_lines()
            elif key == "warnings":
                data["total_upper"] = result.total_upper
            data[key] = value
        return data

    return unstructure


def _assessment_structure(cls: Any) -> Any:
    from medins_core.assessment import AssessmentLine

    lines = tuple[AssessmentLine, ...]
    return cattrs.gen.make_dict_structure_fn(
        cls,
        converter,
        _lines=cattrs.gen.override(rename="lines", struct_hook=lambda value, _: converter.structure(value, lines)),
    )


converter.register_unstructure_hook_factory(_is_assessment, _assessment_hook)
converter.register_structure_hook_factory(_is_assessment, _assessment_structure)


def _is_retirement(cls: Any) -> bool:
    from medins_core.retirement import Retirement

    return cls is Retirement


def _retirement_hook(cls: Any) -> Any:
    plain = cattrs.gen.make_dict_unstructure_fn(cls, converter)

    def unstructure(result: Any) -> dict[str, Any]:
        return {**plain(result), "birth": result.birth.iso}  # the month of birth as YYYY-MM

    return unstructure


converter.register_unstructure_hook_factory(_is_retirement, _retirement_hook)


def _is_backpay(cls: Any) -> bool:
    from medins_core.operations import BackpayRequest

    return cls is BackpayRequest


def _backpay_hook(cls: Any) -> Any:
    plain = cattrs.gen.make_dict_unstructure_fn(cls, converter)

    def unstructure(request: Any) -> dict[str, Any]:
        data: dict[str, Any] = plain(request)
        data["lines"] = data["person_months"]  # the former name, written until the next release
        return data

    return unstructure


def _backpay_structure(cls: Any) -> Any:
    plain = cattrs.gen.make_dict_structure_fn(cls, converter)

    def structure(data: dict[str, Any], _: Any) -> Any:
        data = dict(data)
        former = data.pop("lines", None)  # what a release before person_months wrote
        if "person_months" not in data and former is not None:
            data["person_months"] = former
        return plain(data, cls)

    return structure


converter.register_unstructure_hook_factory(_is_backpay, _backpay_hook)
converter.register_structure_hook_factory(_is_backpay, _backpay_structure)


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data (dicts, lists, strings, numbers, None)."""
    return converter.unstructure(value)


def from_json(data: Any, cls: type[T]) -> T:
    """The ``cls`` that :func:`to_json` wrote as ``data``."""
    return converter.structure(data, cls)
