"""``medins serve``'s reports over HTTP: a notice printed, the five queries and the bill check.

A real server on loopback with a Suzhou unit holding the notice of 2022-08
(jiangsu-suzhou-unit-hall-training.txt PART4.2: 1480 persons, 核定征集总额 1300048.92): the
notice as PDF (read back with pdftotext) and HTML, each query the same JSON as
``medins book query … --format json``, the notice checked as the portal prints it and with a
changed rate, and another unit's key answered 404 on every one of these paths.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from serve_server import Running, medins, serve
from test_book import person_id, registry_for
from test_book_compare import NOTICE_FOOT, NOTICE_HEAD, NOTICE_ROWS, SUZHOU, SUZHOU_NO, seed, write
from test_assessment_figures import suzhou_notice_roster
from test_documents import pdf_text
from test_serve import UNIT, book_with_units, env_for

from medins_core import book
from medins_core.book.keys import add_key
from medins_core.period import Period
from medins_core.serve.errors import ApiRefusal
from medins_core.serve.reports import negotiated

Live = tuple[Running, dict[str, str], str, int]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The server, keys of UNIT, OTHER and SUZHOU (uscc → key), the database and the notice's id."""
    tmp = tmp_path_factory.mktemp("reports")
    db = f"sqlite:///{tmp / 'book.db'}"
    keys = book_with_units(db, tmp)
    opened = book.Book(db, actor="cli", registry=registry_for(tmp / "params"))
    opened.add_unit(SUZHOU, "苏州某医院", "320500", SUZHOU_NO)
    seed(opened, SUZHOU, [(m.person.cert_no, int(m.wages[0].wage)) for m in suzhou_notice_roster()], "202208")
    assert book.assess_unit(opened, SUZHOU, Period(2022, 8)).document["total"] == "1300048.92"
    notice_id = book.notice(opened, SUZHOU)["id"]
    keys[SUZHOU] = add_key(opened, SUZHOU, "财务科")[1]
    opened.close()
    with serve(db, tmp, env=env_for(tmp)) as running:
        yield running, keys, db, notice_id


def test_the_suzhou_notice_as_pdf_html_and_json(live: Live, tmp_path: Path) -> None:
    running, keys, _db, notice_id = live
    with running.client(keys[SUZHOU]) as http:
        pdf = http.get(f"/v1/notices/{notice_id}?format=pdf&date=2022-09-05")
        accepted = http.get(f"/v1/notices/{notice_id}", headers={"Accept": "text/html;q=0.5, application/pdf"})
        html = http.get(f"/v1/notices/{notice_id}", headers={"Accept": "text/html"})
        plain = http.get(f"/v1/notices/{notice_id}")
        refused = http.get(f"/v1/notices/{notice_id}", headers={"Accept": "image/png"})
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF") and accepted.content.startswith(b"%PDF")
    text = pdf_text(pdf.content, tmp_path)
    assert "核定征集总额: 1300048.92" in text and "壹佰叁拾万零肆拾捌圆玖角贰分" in text and "2022-09-05" in text
    assert html.headers["content-type"].startswith("text/html") and "1300048.92" in html.text and "苏州某医院" in html.text
    assert plain.json() == {
        "id": notice_id, "unit": SUZHOU, "assessments": [1], "total": "1300048.92",
        "total_upper": "壹佰叁拾万零肆拾捌圆玖角贰分", "paid": "0.00", "due": "1300048.92",
    }  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (406, "not_acceptable")


QUERIES = [
    ("persons", "date=2022-08&line=310", ["persons", "--date", "2022-08", "--line", "310"]),
    ("contributions", "period=2022-08", ["contributions", "--period", "2022-08"]),
    ("retiring", "from=2025-01&to=2060-12&female_group=female55", ["retiring", "--from", "2025-01", "--to", "2060-12", "--female-group", "female55"]),
    ("arrears", "", ["arrears"]),
    ("business", "status=pending", ["business", "--status", "pending"]),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "query", "argv"), QUERIES, ids=[q[0] for q in QUERIES])
def test_each_query_answers_what_the_command_line_prints(live: Live, kind: str, query: str, argv: list[str], tmp_path: Path) -> None:
    running, keys, db, _ = live
    with running.client(keys[SUZHOU]) as http:
        answer = http.get(f"/v1/units/{SUZHOU}/queries/{kind}?{query}")
    assert answer.status_code == 200, answer.text
    printed = json.loads(medins("book", "query", *argv, "--unit", SUZHOU, "--db", db, "--format", "json", env=env_for(tmp_path)))
    assert answer.json() == printed
    data = answer.json()
    if kind == "persons":
        assert len(data["persons"]) == 1480 and {p["status"] for p in data["persons"]} == {"active"}
    if kind == "contributions":
        assert data["total"] == "1300048.92"
        assert [(t["insurance"], t["persons"], t["unit_amount"], t["person_amount"]) for t in data["totals"] if t["insurance"] == "310"] == [
            ("310", 1480, "791418.18", "263806.06")]  # fmt: skip
    if kind == "arrears":
        assert (data["owed"], data["periods"][0]["persons"]) == ("1300048.92", 1480)
    if kind == "business":
        assert [(i["what"], i["detail"]["due"]) for i in data["items"]] == [("notice", "1300048.92")]


def test_a_query_as_xlsx_and_a_bad_period(live: Live) -> None:
    running, keys, _db, _ = live
    with running.client(keys[SUZHOU]) as http:
        table = http.get(f"/v1/units/{SUZHOU}/queries/arrears?format=xlsx")
        bad = http.get(f"/v1/units/{SUZHOU}/queries/contributions?period=2022-13")
    sheet = openpyxl.load_workbook(io.BytesIO(table.content)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["费款所属期", "应缴金额", "已缴金额", "欠费金额"] and rows[1][0] == "202208"
    assert [str(v) for v in rows[1][1:4]] == ["1300048.92", "0", "1300048.92"]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_period")


def _bill(rows: list[list[str]] = NOTICE_ROWS, head: list[list[str]] = NOTICE_HEAD) -> bytes:
    """The notice as the portal prints it, as CSV (test_book_compare's bills)."""
    all_rows = head + rows + NOTICE_FOOT
    width = max(len(r) for r in all_rows)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([r + [""] * (width - len(r)) for r in all_rows])
    return buffer.getvalue().encode("utf-8-sig")


def test_the_portals_notice_agrees_and_a_changed_rate_does_not(live: Live, tmp_path: Path) -> None:
    running, keys, db, _ = live
    changed = [list(r) for r in NOTICE_ROWS]
    changed[2][4], changed[2][8] = "857369.70", "1121175.76"  # 6.5% of 13,190,303.00 instead of 6%
    with running.client(keys[SUZHOU]) as http:
        same = http.post(f"/v1/units/{SUZHOU}/compare", files={"file": ("notice.csv", _bill())})
        other = http.post(f"/v1/units/{SUZHOU}/compare", files={"file": ("notice.csv", _bill(changed))})
        table = http.post(f"/v1/units/{SUZHOU}/compare?format=xlsx", files={"file": ("notice.csv", _bill(changed))})
    assert same.status_code == 200, same.text
    data = same.json()
    assert (data["agrees"], data["layout"], data["portal_total"], data["book_total"]) == (True, "suzhou_notice", "1300048.92", "1300048.92")
    assert data["counts"] == {"equal": 4, "different": 0, "only_portal": 0, "only_book": 0}
    printed = json.loads(medins("book", "compare", str(write(tmp_path / "notice.csv", NOTICE_HEAD + NOTICE_ROWS + NOTICE_FOOT)),
                                "--unit", SUZHOU, "--db", db, "--format", "json", env=env_for(tmp_path)))  # fmt: skip
    assert {**data, "file": "notice.csv"} == {**printed, "file": "notice.csv"}
    assert other.status_code == 200 and other.json()["agrees"] is False
    (basic,) = [line for line in other.json()["lines"] if line["status"] != "equal"]
    unit = next(d for d in basic["differences"] if d["field"] == "unit_amount")
    assert (basic["insurance"], basic["row"], unit["difference"], unit["cause"]) == ("310", 6, "65951.52", "rate")
    sheet = openpyxl.load_workbook(io.BytesIO(table.content)).worksheets[0]
    assert "不一致" in [c.value for c in sheet["A"]]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda h, r: h[0].__setitem__(1, "32059900000000000999"), 422, "unit_mismatch"),
        (lambda h, r: h[0].__setitem__(7, "202209"), 422, "not_assessed"),
        (lambda h, r: h[2].append("备注"), 400, "unknown_column"),
    ],
)
def test_a_bill_that_is_refused_is_a_coded_4xx(live: Live, change, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    running, keys, _db, _ = live
    head, rows = [list(r) for r in NOTICE_HEAD], [list(r) for r in NOTICE_ROWS]
    change(head, rows)
    with running.client(keys[SUZHOU]) as http:
        answer = http.post(f"/v1/units/{SUZHOU}/compare", files={"file": ("notice.csv", _bill(rows, head))})
        rows_sent = http.post(f"/v1/units/{SUZHOU}/compare", json={"rows": []})
        too_big = http.post(f"/v1/units/{SUZHOU}/compare", files={"file": ("big.csv", b"a" * (10 * 1024 * 1024 + 1))})
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert (rows_sent.status_code, rows_sent.json()["code"]) == (415, "unsupported_media_type")
    assert (too_big.status_code, too_big.json()["code"]) == (413, "file_too_large")


def test_another_units_key_gets_404_on_every_report_path(live: Live) -> None:
    running, keys, _db, notice_id = live
    with running.client(keys[UNIT]) as http:
        answers = [
            http.get(f"/v1/notices/{notice_id}"),
            http.get(f"/v1/notices/{notice_id}?format=pdf"),
            http.get(f"/v1/notices/{notice_id}", headers={"Accept": "text/html"}),
            *(http.get(f"/v1/units/{SUZHOU}/queries/{kind}?{query}") for kind, query, _ in QUERIES),
            http.get(f"/v1/units/{SUZHOU}/queries/arrears?format=xlsx"),
            http.post(f"/v1/units/{SUZHOU}/compare", files={"file": ("notice.csv", _bill())}),
        ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert all(a.json()["code"] in ("unknown_notice", "unknown_unit") for a in answers)
    assert all("1300048.92" not in a.text for a in answers)


def test_without_the_pdf_renderer_a_pdf_is_501_and_the_json_still_served(tmp_path: Path) -> None:
    stub = tmp_path / "stub" / "weasyprint"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("weasyprint is not installed")\n', encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'book.db'}"
    keys = book_with_units(db, tmp_path)
    opened = book.Book(db, actor="cli", registry=registry_for(tmp_path / "params"))
    seed(opened, UNIT, [(person_id(1), 6000)], "202301")
    book.assess_unit(opened, UNIT, Period(2023, 1))
    notice_id = book.notice(opened, UNIT)["id"]
    opened.close()
    env = {**env_for(tmp_path), "PYTHONPATH": str(stub.parent)}
    with serve(db, tmp_path, env=env) as running, running.client(keys[UNIT]) as http:
        pdf = http.get(f"/v1/notices/{notice_id}?format=pdf")
        html = http.get(f"/v1/notices/{notice_id}?format=html")
        plain = http.get(f"/v1/notices/{notice_id}")
    assert (pdf.status_code, pdf.json()["code"]) == (501, "documents_unavailable")
    assert html.status_code == 200 and plain.status_code == 200 and plain.json()["total"] in html.text


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        (None, "json"), ("*/*", "json"), ("application/pdf", "pdf"), ("text/html", "html"),
        ("text/html;q=0.5, application/pdf", "pdf"), ("application/pdf;q=0.2, application/json;q=0.9", "json"),
        ("image/png, text/*;q=0.1", "html"), ("application/pdf;q=0, */*;q=0.1", "json"),
    ],
)  # fmt: skip
def test_accept_chooses_the_highest_quality_format(accept: str | None, wanted: str) -> None:
    assert negotiated(accept) == wanted


@pytest.mark.parametrize("accept", ["image/png", "application/pdf;q=0", "text/csv, application/xml"])
def test_accepting_no_format_is_406(accept: str) -> None:
    with pytest.raises(ApiRefusal) as refused:
        negotiated(accept)
    assert (refused.value.status, refused.value.code) == (406, "not_acceptable")
