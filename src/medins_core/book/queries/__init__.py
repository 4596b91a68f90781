"""The portals' queries, answered from the book: persons, contributions, retirement, arrears, business.

Each function reads one unit (by USCC) in one transaction and returns an attrs result that
:func:`medins_core.serialize.to_json` writes as JSON (full ID numbers: this is data) and whose
``listing()`` (or ``listings()``) gives the tables the command line prints (ID numbers masked)
and :func:`write_listings` writes to XLSX. They are the queries of the portals' 业务查询 menus
(jiangsu-unit-hall-user-manual.txt 3.9–3.16, jiangsu-suzhou-unit-hall-training.txt PART4.1 and
PART4.3); see docs/queries.md.
"""

from __future__ import annotations

from medins_core.book.queries.business import BusinessItem, BusinessResult, business
from medins_core.book.queries.contributions import (
    ArrearsPeriod,
    ArrearsResult,
    Contribution,
    ContributionsResult,
    NetLine,
    arrears,
    contributions,
    net_lines,
)
from medins_core.book.queries.listing import Listing, write_listings
from medins_core.book.queries.persons import (
    STATUSES,
    PersonCover,
    PersonsResult,
    RetiringPerson,
    RetiringResult,
    persons,
    retiring,
)

__all__ = [
    "STATUSES", "ArrearsPeriod", "ArrearsResult", "BusinessItem", "BusinessResult", "Contribution",
    "ContributionsResult", "Listing", "NetLine", "PersonCover", "PersonsResult", "RetiringPerson",
    "RetiringResult", "arrears", "business", "contributions", "net_lines", "persons", "retiring",
    "write_listings",
]  # fmt: skip
