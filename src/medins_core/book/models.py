"""The tables of the unit book (SQLAlchemy 2, typed mappings).

Money is integer fen, periods are ``YYYYMM`` strings (they sort as periods), rates are
decimal strings: nothing here is a float. The constraints that keep the book right under
concurrent writers live in the schema: one unit per USCC, one person per certificate number,
one assessment per unit × periods × type × revision.
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Base(DeclarativeBase):
    """The declarative base of every book table."""


class UnitRow(Base):
    """A unit (参保单位): USCC, unit number, region, name."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    unit_no: Mapped[str] = mapped_column(String(40), default="")
    region: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    #: bumped in the same transaction as every write to the unit's covers or wages
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PersonRow(Base):
    """An insured person, known to the book through one or more units' covers."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(40), unique=True)
    cert_type: Mapped[str] = mapped_column(String(40), default="居民身份证")
    name: Mapped[str] = mapped_column(String(100))
    person_type: Mapped[str] = mapped_column(String(40), default="在职")


class CoverRow(Base):
    """One insurance line of a person in a unit, from ``start`` until ``end`` (inclusive)."""

    __tablename__ = "cover"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    insurance: Mapped[str] = mapped_column(String(40))
    start: Mapped[str] = mapped_column(String(7))
    end: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(2), default="1")
    __table_args__ = (UniqueConstraint("unit_id", "person_id", "insurance", "start"),)


class WageRow(Base):
    """A declared monthly wage of a person in a unit, in force from ``start``."""

    __tablename__ = "wage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    start: Mapped[str] = mapped_column(String(7))
    wage_fen: Mapped[int] = mapped_column(BigInteger, CheckConstraint("wage_fen >= 0"))
    __table_args__ = (UniqueConstraint("unit_id", "person_id", "start"),)


class NoticeRow(Base):
    """A payment notice (缴费通知单): the assessments it gathers point to it."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AssessmentRow(Base):
    """One revision of a unit's assessment for a range of periods and a payment type.

    Revision 0 is the original; later revisions are supplementary (difference lines) or
    reversals (撤销) of an earlier revision, named by ``supplements``. Its amounts are never
    edited; only its notice and the version it was last found current at are set later.
    """

    __tablename__ = "assessment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period_from: Mapped[str] = mapped_column(String(7))
    period_to: Mapped[str] = mapped_column(String(7))
    payment_type: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(14))
    supplements: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[str] = mapped_column(Text)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"), index=True)
    #: the unit's version and the rules' fingerprint this revision was last found current at
    unit_version: Mapped[int | None] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(64))
    created: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    lines: Mapped[list[LineRow]] = relationship(
        back_populates="assessment", order_by="LineRow.id", cascade="all"
    )
    __table_args__ = (
        UniqueConstraint("unit_id", "period_from", "period_to", "payment_type", "revision"),
        # one reversal per revision: two clerks revoking the same one write it once
        UniqueConstraint("supplements", "kind", name="uq_assessment_reversal"),
    )


class LineRow(Base):
    """One stored line: person × insurance × period with every value it used and their sources.

    On PostgreSQL its three references are not foreign keys but one check per statement, and
    the rows they refer to are kept (migration 0007): the same guard at a fifth of the cost.
    """

    __tablename__ = "assessment_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    insurance: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    unit_base_fen: Mapped[int] = mapped_column(BigInteger)
    unit_amount_fen: Mapped[int] = mapped_column(BigInteger)
    person_base_fen: Mapped[int] = mapped_column(BigInteger)
    person_amount_fen: Mapped[int] = mapped_column(BigInteger)
    transfer_fen: Mapped[int | None] = mapped_column(BigInteger)
    wage_fen: Mapped[int] = mapped_column(BigInteger)
    #: the base the line was assessed on (both sides share it), with ``basis_id`` the
    #: explanation; lines stored before revision 0005 keep their whole explanation in ``explain``
    base_fen: Mapped[int | None] = mapped_column(BigInteger)
    basis_id: Mapped[int | None] = mapped_column(ForeignKey("line_basis.id"))
    #: JSON, for lines stored before revision 0005 (and "{}" for a line with nothing to explain)
    explain: Mapped[str] = mapped_column(Text)
    assessment: Mapped[AssessmentRow] = relationship(back_populates="lines")


class BasisRow(Base):
    """What lines of one insurance line and period share: rates, fixed amounts, base limits and
    rounding, each with its source (JSON), stored once under its digest."""

    __tablename__ = "line_basis"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)


class PaymentRow(Base):
    """A payment (缴费到账) against a notice."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[datetime.date] = mapped_column()


class EventRow(Base):
    """The append-only log: who did what to which unit, when and why."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    what: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    why: Mapped[str] = mapped_column(Text, default="")


class ApiKeyRow(Base):
    """An API key of ``medins serve``: it opens one unit; only its SHA-256 hash is kept."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=_now)
