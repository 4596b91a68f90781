"""The assessment plan: every decision of an assessment that does not depend on the persons.

A :class:`Plan` is built once from (region, periods, the insurance selected, parts). It holds, per
insurance line, the runs of periods with equal parameters (:class:`Segment`: rates and fixed
amounts as Decimals and as exact integer-fen fractions, base limits, missing parameters and
provisional values), the rounding policy, the line order, and every warning and error text
(:mod:`medins_core.messages`). The reference engine (Decimal, per person) and the columnar
engine (integer fen, numpy) only do arithmetic on it.

Both engines report what they *reached*: for each insurance line, the periods in which at
least one person is charged it. From that alone :meth:`Plan.outcome` gives the warnings in one
canonical order (period, then base limits before the lines in line order) or raises the one
``parameter_unknown`` error listing every missing value, so the engines agree by construction.
Errors about persons have a canonical precedence, the same in both engines:
``no_default_lines``, then ``duplicate_person`` (smallest certificate number), then
``missing_wage`` (smallest period, then certificate number), then ``parameter_unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Protocol

import attrs

from medins_core import messages
from medins_core.datafile import BaseLimit, ParamValue, Status
from medins_core.deprecated import insurance_or_lines
from medins_core.errors import ParameterError
from medins_core.model import DEFAULT_LINES
from medins_core.money import RoundingPolicy
from medins_core.params import RegionRules
from medins_core.period import Period, PeriodLike

ZERO = Decimal(0)

#: The parameters a line's arithmetic looks up, in this order; those of a side that ``parts``
#: does not charge are zero and not looked up, and an unknown transfer rate is not an error.
LOOKED_UP = ("unit_rate", "person_rate", "unit_fixed", "person_fixed", "unit_transfer_rate", "person_transfer_rate")


class HasRules(Protocol):
    """A resolved region (data and hooks): the engines need only its rules."""

    @property
    def rules(self) -> RegionRules: ...


def rules_of(region: RegionRules | HasRules) -> RegionRules:
    """The :class:`RegionRules` of a region object, or the rules themselves."""
    return region if isinstance(region, RegionRules) else region.rules


@attrs.frozen
class LineRates:
    """The parameters of one insurance line in one period, as the computation needs them."""

    unit_rate: Decimal
    person_rate: Decimal
    unit_fixed: Decimal
    person_fixed: Decimal
    unit_transfer_rate: Decimal | None
    person_transfer_rate: Decimal | None
    used: tuple[ParamValue, ...]


@attrs.frozen
class FenRate:
    """One side of a line for integer arithmetic: ``(base_fen * num + fixed) / den`` fen, exactly."""

    num: int
    fixed: int
    den: int

    @classmethod
    def of(cls, rate: Decimal, fixed: Decimal = ZERO) -> FenRate:
        """The exact fraction of ``rate`` (per yuan of base) and ``fixed`` (yuan)."""
        r, f = Fraction(rate), Fraction(fixed) * 100
        den = lcm(r.denominator, f.denominator)
        return cls(r.numerator * (den // r.denominator), f.numerator * (den // f.denominator), den)


def fen(value: Decimal, what: str) -> int:
    """``value`` yuan as an int of fen; a value finer than the fen is an error."""
    exact = Fraction(value) * 100
    if exact.denominator != 1:
        raise ParameterError("unsupported_value", f"{what} 须精确到分: {value}", field=what)
    return int(exact)


@attrs.frozen(eq=False)
class Segment:
    """A run of periods (indices ``first``…``last``) in which one line's parameters and the
    base limits do not change. ``rates`` is None when ``missing`` names unknown parameters."""

    line: str
    first: int
    last: int
    limit: BaseLimit | None
    rates: LineRates | None
    missing: tuple[str, ...]

    @property
    def provisional(self) -> tuple[ParamValue, ...]:
        """The provisional values among those used, in the order they are warned of."""
        used = () if self.rates is None else self.rates.used
        return tuple(v for v in used if v.status is Status.PROVISIONAL)

    @property
    def floor(self) -> int | None:
        """The base floor in fen, or None."""
        floor = None if self.limit is None else self.limit.floor
        return None if floor is None else fen(floor, "floor")

    @property
    def ceiling(self) -> int | None:
        """The base ceiling in fen, or None."""
        ceiling = None if self.limit is None else self.limit.ceiling
        return None if ceiling is None else fen(ceiling, "ceiling")

    def fen_rates(self) -> tuple[FenRate, FenRate, FenRate | None, FenRate | None]:
        """Unit, person, unit transfer and person transfer sides as exact fen fractions."""
        r = self.rates
        assert r is not None, "no arithmetic on a segment with missing parameters"
        ut, pt = r.unit_transfer_rate, r.person_transfer_rate
        return (
            FenRate.of(r.unit_rate, r.unit_fixed),
            FenRate.of(r.person_rate, r.person_fixed),
            None if ut is None else FenRate.of(ut),
            None if pt is None else FenRate.of(pt),
        )


class Plan:
    """What an assessment decides before it looks at a person (see the module docstring).

    ``insurance`` selects the insurance lines (险种 codes) to assess, None for the region's
    defaults; ``lines=`` is its deprecated name.

    Segments are resolved per line on first use and kept; nothing else changes after
    construction.
    """

    def __init__(
        self,
        region: RegionRules | HasRules,
        start: PeriodLike,
        end: PeriodLike | None = None,
        insurance: Sequence[str] | None = None,
        parts: str = "both",
        *,
        lines: Sequence[str] | None = None,
    ) -> None:
        insurance = insurance_or_lines(insurance, lines, "Plan")
        rules = rules_of(region)
        self.rules = rules
        self.periods = Period.range(start, start if end is None else end)
        self.k0, self.k1 = self.periods[0].index, self.periods[-1].index
        self.unit = parts != "person"
        self.person = parts != "unit"
        self.selected: tuple[str, ...] | None = None
        if insurance is not None:
            for code in insurance:
                rules.line(code)  # an unknown code is an error naming the region
            self.selected = tuple(dict.fromkeys(insurance))
            rule = rules.rule("assessment_required_lines")
            left_out = [str(c) for c in (rule.value if rule is not None else ()) if c not in self.selected]
            if left_out:  # both engines build a plan first, so both refuse the same way
                raise messages.assessment_lines_required(rules, left_out)
        #: Lines of members without their own: the selected lines, else the region's defaults.
        self.defaults = rules.default_lines if self.selected is None else self.selected
        self.policy: RoundingPolicy = rules.rounding
        self.order = {code: i for i, code in enumerate(dict.fromkeys((*rules.default_lines, *rules.lines)))}
        self.by_name = {line.name: code for code, line in rules.lines.items()}
        self.limits = tuple(rules.base_limit(p) for p in self.periods)
        self._segments: dict[str, tuple[Segment, ...]] = {}
        self._at: dict[tuple[str, int], Segment] = {}
        self._covered: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its caches (sent to Dask workers)."""
        return {**self.__dict__, "_segments": {}, "_at": {}, "_covered": {}}

    def line_order(self, code: str) -> int:
        """Sort position of a line in lines and totals."""
        return self.order.get(code, len(self.order))

    def covered(self, written: Iterable[str]) -> tuple[str, ...]:
        """The lines a cover charges: names read as codes, ``*`` expanded, limited to the
        selected lines, deduplicated in order."""
        key = tuple(written)
        known = self._covered.get(key)
        if known is None:
            known = self._covered[key] = self._expand(key)
        return known

    def _expand(self, written: tuple[str, ...]) -> tuple[str, ...]:
        codes = (self.by_name.get(code, code) for code in written)
        found = [
            code
            for given in codes
            for code in (self.defaults if given == DEFAULT_LINES else (given,))
            if self.selected is None or code in self.selected
        ]
        return tuple(dict.fromkeys(found))

    def check_defaults(self, written: Iterable[str]) -> None:
        """Raise ``no_default_lines`` if a cover asks for defaults the region does not have."""
        if not self.defaults and DEFAULT_LINES in written:
            raise messages.no_default_lines(self.rules)

    # --- parameters -------------------------------------------------------------------

    def segments(self, line: str) -> tuple[Segment, ...]:
        """The runs of periods with constant parameters and base limits of ``line``."""
        found = self._segments.get(line)
        if found is None:
            runs: list[Segment] = []
            for period, limit in zip(self.periods, self.limits):
                rates, missing = self._rates(line, period)
                last = runs[-1] if runs else None
                if last is not None and (last.limit, last.rates, last.missing) == (limit, rates, missing):
                    runs[-1] = attrs.evolve(last, last=period.index)
                else:
                    runs.append(Segment(line, period.index, period.index, limit, rates, missing))
            found = self._segments[line] = tuple(runs)
        return found

    def segment(self, line: str, k: int) -> Segment:
        """The segment of ``line`` holding period index ``k``."""
        found = self._at.get((line, k))
        if found is None:
            found = self._at[(line, k)] = next(s for s in self.segments(line) if s.first <= k <= s.last)
        return found

    def _rates(self, line: str, period: Period) -> tuple[LineRates | None, tuple[str, ...]]:
        used: list[ParamValue] = []
        missing: list[str] = []
        values: dict[str, Decimal | None] = {}
        for name in LOOKED_UP:
            charged = self.unit if name.startswith("unit") else self.person
            needed = not name.endswith("transfer_rate")
            if not charged:
                values[name] = ZERO
                continue
            value = self.rules.value(line, name, period)
            if value is None:
                values[name] = None
                if needed:
                    missing.append(name)
            else:
                used.append(value)
                values[name] = value.value
        if missing:
            return None, tuple(missing)
        rates = LineRates(
            unit_rate=values["unit_rate"] or ZERO,
            person_rate=values["person_rate"] or ZERO,
            unit_fixed=values["unit_fixed"] or ZERO,
            person_fixed=values["person_fixed"] or ZERO,
            unit_transfer_rate=values["unit_transfer_rate"],
            person_transfer_rate=values["person_transfer_rate"],
            used=tuple(used),
        )
        return rates, ()

    # --- warnings and errors ------------------------------------------------------------

    def outcome(self, reached: Mapping[str, Iterable[int]]) -> tuple[messages.Warning, ...]:
        """The warnings of an assessment that charged each line in the periods ``reached``
        (line → period indices), in canonical order; raises ``parameter_unknown`` listing
        every missing value met."""
        reach = {line: set(ks) for line, ks in reached.items()}
        missing: list[tuple[str, str, int]] = []
        found: dict[tuple[str, str], messages.Warning] = {}

        def add(warning: messages.Warning) -> None:
            found.setdefault((warning.code, warning.message), warning)

        lines = sorted((line for line, ks in reach.items() if ks), key=self.line_order)
        for k, limit in zip(range(self.k0, self.k1 + 1), self.limits):
            charged = [line for line in lines if k in reach[line]]
            if charged and limit is None:
                add(messages.base_limits_unknown(self.rules))
            for line in charged:
                segment = self.segment(line, k)
                missing.extend((line, name, k) for name in segment.missing)
                for value in segment.provisional:
                    add(messages.provisional_value(self.rules, value))
        if missing:
            raise messages.parameter_unknown(self.rules, missing)
        through = self.rules.data_through
        if through is not None and self.periods[-1] > through:
            add(messages.beyond_data(self.rules))
        return tuple(found.values())

    def blocked(self, line: str, k: int) -> bool:
        """Whether ``line`` cannot be computed in period index ``k`` (a parameter is missing)."""
        return bool(self.segment(line, k).missing)
