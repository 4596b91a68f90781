"""The unit book: a durable record of units' business, on SQLite by default or PostgreSQL.

* :class:`Book` opens (and migrates) a book and holds units, persons, covers and wages;
* :mod:`~medins_core.book.operations`: enrollment, suspension, wages and back-pay, single or
  in batches, through the region's checks with the book's context;
* :mod:`~medins_core.book.ledger`: assessment from the book (original, existing,
  supplementary);
* :mod:`~medins_core.book.notices`: revocation, notices, payments, arrears and explanations.

See docs/book.md.
"""

from __future__ import annotations

from medins_core.book.book import Book, UnitInfo
from medins_core.book.errors import BookRefusal
from medins_core.book.ledger import BookAssessment, assess_unit, assess_units
from medins_core.book.notices import arrears_of, explain, notice, pay, revoke
from medins_core.book.operations import (
    BatchOutcome,
    apply_file,
    apply_table,
    backpay,
    declare_wage,
    enroll,
    suspend,
)

__all__ = [
    "BatchOutcome",
    "Book",
    "BookAssessment",
    "BookRefusal",
    "UnitInfo",
    "apply_file",
    "apply_table",
    "arrears_of",
    "assess_unit",
    "assess_units",
    "backpay",
    "declare_wage",
    "enroll",
    "explain",
    "notice",
    "pay",
    "revoke",
    "suspend",
]
