"""Money: reading amounts and rates, rounding, and writing amounts (digits and 大写).

Amounts are always :class:`~decimal.Decimal` yuan; a float is refused everywhere because it
cannot hold 0.1 exactly.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from decimal import Decimal

import attrs

from medins_core.errors import InputError

__all__ = [
    "FEN",
    "ROUNDING_MODES",
    "ROUNDING_NAMES",
    "MoneyLike",
    "RoundingPolicy",
    "fen_text",
    "format_yuan",
    "rmb_upper",
    "to_fen",
    "to_money",
    "to_rate",
]

FEN = Decimal("0.01")
"""One fen (分), the smallest unit of an amount: the default rounding quantum."""

MoneyLike = Decimal | int | str
"""What :func:`to_money` and :func:`to_rate` accept."""

# Plain decimal with optional sign; thousands separators only in correct groups of three.
_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_RATE = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)


def _refuse_float(value: object, field: str, what: str) -> None:
    # bool is an int subclass, and True as an amount is a bug, not 1 yuan.
    if isinstance(value, (float, bool)):
        kind = type(value).__name__
        raise TypeError(
            f"{kind} is not accepted for {what}: field {field!r} got {value!r}; "
            "pass a Decimal or a string"
        )


def _to_decimal(
    value: object, field: str, what: str, pattern: re.Pattern[str], code: str, label: str
) -> Decimal:
    _refuse_float(value, field, what)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not pattern.fullmatch(text):
            raise InputError(code, f"{label}格式不正确: {value!r}", field=field)
        result = Decimal(text.replace(",", ""))
    else:
        raise TypeError(
            f"{type(value).__name__} is not accepted for {what}: field {field!r} got "
            f"{value!r}; pass a Decimal or a string"
        )
    if not result.is_finite():
        raise InputError(code, f"{label}格式不正确: {value!r}", field=field)
    return result


def to_money(value: MoneyLike, *, field: str = "amount") -> Decimal:
    """Read an amount of yuan as a Decimal, exactly as given (no rounding).

    Accepts a Decimal, an int, or a string such as ``"5737"``, ``" 12.5 "`` or ``"5,737.00"``
    (thousands separators in groups of three). A float or bool raises ``TypeError``; a string
    that is not an amount, NaN or Infinity raises :class:`InputError` (code ``invalid_amount``).
    """
    return _to_decimal(value, field, "money", _AMOUNT, "invalid_amount", "金额")


def to_rate(value: MoneyLike, *, field: str) -> Decimal:
    """Read a rate (e.g. ``"0.08"`` for 8%) as a Decimal, exactly as given.

    Like :func:`to_money` but without thousands separators; a bad value raises
    :class:`InputError` with code ``invalid_rate``. The range is the caller's to check.
    """
    return _to_decimal(value, field, "rates", _RATE, "invalid_rate", "费率")


#: Every decimal rounding mode a :class:`RoundingPolicy` accepts.
ROUNDING_MODES = frozenset(
    {
        decimal.ROUND_05UP,
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
    }
)
#: The name a region data file gives each mode (``rounding = { mode = "half_up" }``).
ROUNDING_NAMES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}
_STAGES = frozenset({"per_line", "per_total"})


def _check_mode(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ROUNDING_MODES:
        raise ValueError(f"{attribute.name} must be one of decimal's ROUND_* modes, got {value!r}")


def _check_stage(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in _STAGES:
        raise ValueError(f"{attribute.name} must be 'per_line' or 'per_total', got {value!r}")


def _check_quantum(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    # quantize() only looks at the exponent, so Decimal("0.05") would silently mean 0.01:
    # insist on a plain power of ten such as 0.01 or 1.
    if not isinstance(value, Decimal) or not value.is_finite() or value.as_tuple()[:2] != (0, (1,)):
        raise ValueError(
            f"{attribute.name} must be a power of ten such as Decimal('0.01'), got {value!r}"
        )


@attrs.frozen
class RoundingPolicy:
    """How amounts are rounded: the mode, the quantum, and at which stage.

    ``stage`` is ``"per_line"`` or ``"per_total"``:

    * ``"per_line"``: each person's line amount is rounded, and a total is the sum of the
      rounded lines, rounded again. This is Hebei's stated rule (先计算职工的缴费金额后进行四舍
      五入操作，后将全体职工缴费金额进行加和后再次四舍五入).
    * ``"per_total"``: lines are shown rounded, but a total is the sum of the unrounded line
      amounts, rounded once.

    The default (half-up to the fen, per line) is a deliberate, explicit choice; regions that
    differ must say so in their parameters rather than rely on it.
    """

    mode: str = attrs.field(default=decimal.ROUND_HALF_UP, validator=_check_mode)
    quantum: Decimal = attrs.field(default=FEN, validator=_check_quantum)
    stage: str = attrs.field(default="per_line", validator=_check_stage)

    def round(self, amount: Decimal) -> Decimal:
        """``amount`` quantized to :attr:`quantum` with :attr:`mode`."""
        return amount.quantize(self.quantum, rounding=self.mode)

    def total(self, line_amounts: Iterable[Decimal]) -> Decimal:
        """The rounded total of unrounded line amounts, following :attr:`stage`."""
        if self.stage == "per_line":
            return self.round(sum((self.round(a) for a in line_amounts), Decimal(0)))
        return self.round(sum(line_amounts, Decimal(0)))


#: The context of the engine's Decimal arithmetic: wide enough for any amount the engine
#: meets (rates have a few decimals, amounts under 10**18 fen) and trapping anything inexact
#: that would be a defect, whatever the caller's ``decimal.getcontext()`` says.
ENGINE_CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def engine_context() -> AbstractContextManager[decimal.Context]:
    """``with engine_context():`` runs Decimal arithmetic in :data:`ENGINE_CONTEXT`."""
    return decimal.localcontext(ENGINE_CONTEXT)


def _cents(amount: object, func: str) -> int:
    """``amount`` in fen as an exact int; ValueError if it has more than two decimals."""
    if isinstance(amount, (float, bool)):
        raise TypeError(f"{func}() does not accept {type(amount).__name__}; pass a Decimal")
    if isinstance(amount, int):
        return amount * 100
    if not isinstance(amount, Decimal):
        raise TypeError(f"{func}() needs a Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{func}() needs a finite amount, got {amount!r}")
    # Work on the digits directly: exact, whatever the current decimal context says.
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    number = int("".join(map(str, digits)))
    if number == 0:
        return 0
    # Bound the size first so that 10 ** exponent below stays small.
    if amount.adjusted() >= 18:
        raise ValueError(f"{func}() amount too large: {amount}")
    while number % 10 == 0:
        number //= 10
        exponent += 1
    if exponent < -2:
        raise ValueError(f"{func}() needs at most 2 decimals, got {amount}; round it first")
    cents: int = number * 10 ** (exponent + 2)  # int ** int is typed Any
    return -cents if sign else cents


def to_fen(amount: Decimal) -> int:
    """Yuan as exact integer fen (``Decimal("458.96")`` → 45896); ValueError beyond two decimals."""
    return _cents(amount, "to_fen")


_CENTS = tuple(f".{cents:02d}" for cents in range(100))


def fen_text(fen: int) -> str:
    """Integer fen written as :func:`format_yuan` writes yuan: ``45896`` → ``"458.96"``,
    ``-300`` → ``"-3.00"``; for many amounts at a time (no Decimal made)."""
    if fen >= 0:
        yuan, cents = divmod(fen, 100)
        return str(yuan) + _CENTS[cents]
    yuan, cents = divmod(-fen, 100)
    return "-" + str(yuan) + _CENTS[cents]


def format_yuan(amount: Decimal) -> str:
    """``amount`` with exactly two decimals and no separators: ``"1300048.92"``, ``"-3.00"``.

    The amount must already have at most two decimals (``ValueError`` otherwise: round it
    first with a :class:`RoundingPolicy`); -0 is written ``"0.00"``.
    """
    cents = _cents(amount, "format_yuan")
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(cents), 100)
    return f"{sign}{yuan}.{fen:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")


def _upper_below_10000(n: int) -> str:
    """1..9999 in capitals; one 零 for each run of zeros between non-zero digits."""
    text = str(n)
    out = []
    zero = False
    for i, ch in enumerate(text):
        d = int(ch)
        if d == 0:
            zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + _SMALL_UNITS[len(text) - 1 - i])
    return "".join(out)


def _upper_int(n: int) -> str:
    """1 <= n < 10**16 in capitals.

    Split at 亿 then at 万. A 零 goes before a lower section whose top digit is zero
    (壹佰叁拾万零肆拾捌, 壹亿零壹万), but trailing zeros of the higher section alone do not
    add one (壹拾万柒仟): the first of the forms the PBoC rules allow, and the common one.
    """
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= size:
            high, low = divmod(n, size)
            text = _upper_int(high) + unit
            if low:
                text += ("零" if low < size // 10 else "") + _upper_int(low)
            return text
    return _upper_below_10000(n)


def rmb_upper(amount: Decimal, *, yuan: str = "圆") -> str:
    """``amount`` in Chinese financial capitals (大写金额), for a payment notice.

    Follows the PBoC rules for writing amounts on bills (《正确填写票据和结算凭证的基本规定》):

    * 整 (never 正) after 圆 when there are no 角/分, and after 角 when there is no 分;
      nothing after 分: 壹仟肆佰零玖圆伍角整, 陆仟零柒圆壹角肆分.
    * One 零 for a zero or run of zeros inside the integer part (陆仟零柒), and before a
      万/亿 section whose top digit is zero (壹佰叁拾万零肆拾捌); none for zeros that only end
      a higher section (壹拾万柒仟, not 壹拾万零柒仟).
    * When the 圆 digit is zero and 角 is not, a 零 after 圆 (壹仟陆佰捌拾圆零叁角贰分); the
      rules allow it with or without, and banks commonly write it.
    * When 角 is zero and 分 is not, 零 after 圆 (叁佰贰拾伍圆零肆分).
    * Below one yuan only 角/分 are written (伍分, 伍角整); zero is 零圆整.
    * 拾 always has its digit (壹拾圆整); negative amounts start with 负.

    ``yuan`` is the unit character, 圆 (default) or 元. The amount must have at most two
    decimals (``ValueError``: round it first) and be below 10**16; a float raises ``TypeError``.
    """
    if yuan not in ("圆", "元"):
        raise ValueError(f"yuan must be '圆' or '元', got {yuan!r}")
    cents = _cents(amount, "rmb_upper")
    sign = "负" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    if whole >= 10**16:
        raise ValueError(f"rmb_upper() supports amounts below 10**16, got {amount}")
    jiao, fen = divmod(fraction, 10)

    if whole == 0:
        if fraction == 0:
            return "零" + yuan + "整"
        text = ""
    else:
        text = _upper_int(whole) + yuan
        if fraction == 0:
            return sign + text + "整"
        # 零 after 圆 when 角 is zero, or when the 圆 digit is zero (see docstring).
        if jiao == 0 or whole % 10 == 0:
            text += "零"
    if jiao:
        text += _DIGITS[jiao] + "角"
    text += _DIGITS[fen] + "分" if fen else "整"
    return sign + text
