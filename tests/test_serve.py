"""``medins serve`` as a client sees it: a real server on loopback, called over HTTP.

The Suzhou notice of 2022-08 (1300048.92) through POST /v1/assess; the walk-through of
docs/book.md through the book endpoints; keys scoped to their unit; one assessment for two
identical concurrent requests (SQLite, and PostgreSQL when MEDINS_TEST_PG_URL is set); every
error a JSON object with a 4xx; the OpenAPI document valid; a graceful stop.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from serve_server import Running, medins, serve
from test_book import person_id, registry_for, write_params

from medins_core.book import Book
from medins_core.book.keys import add_key
from medins_core.book.testing import URL_ENV
from medins_core.testing import roster_with_bases


UNIT, OTHER = "91210200MA0000000X", "91210200MA0000001Y"
ENROLL = (
    "证件类型,证件号码,姓名,性别,民族,出生日期,国家地区代码,申报工资,本次参保日期,手机号码\n"
    "居民身份证(户口簿),210202198503120012,王海,,,,,6000,2023/01/01,13800000001\n"
    "居民身份证(户口簿),210202199007040026,李娜,,,,,6000,2023/01/01,13800000002\n"
    "居民身份证(户口簿),210202197811200036,赵强,,,,,9000,2023/01/01,13800000003\n"
    "居民身份证(户口簿),21020219781120003X,钱多,,,,,7000,2023/01/01,13800000004\n"
)


def env_for(tmp: Path) -> dict[str, str]:
    return {**os.environ, "MEDINS_PARAMS": str(write_params(tmp / "params"))}


def book_with_units(db: str, tmp: Path) -> dict[str, str]:
    """Units UNIT and OTHER with a key each (labels 人事部 and 其他单位): uscc → key."""
    opened = Book(db, actor="cli", registry=registry_for(tmp / "params"))
    keys = {}
    for uscc, label, unit_no in ((UNIT, "人事部", "21020001"), (OTHER, "其他单位", "21020002")):
        opened.add_unit(uscc, f"单位{unit_no}", "210200", unit_no)
        keys[uscc] = add_key(opened, uscc, label)[1]
    opened.close()
    return keys


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, dict[str, str], str]]:
    tmp = tmp_path_factory.mktemp("serve")
    db = f"sqlite:///{tmp / 'book.db'}"
    keys = book_with_units(db, tmp)
    with serve(db, tmp, env=env_for(tmp)) as running:
        yield running, keys, db


def test_the_suzhou_notice_of_2022_08_over_http(server: tuple[Running, dict[str, str], str]) -> None:
    # jiangsu-suzhou-unit-hall-training.txt PART4.2: 1480 persons, 1,300,048.92
    bases = [8910] * 1286 + [8913] * 193
    bases.append(13190303 - sum(bases))
    rows = [{"cert_no": m.person.cert_no, "name": m.person.name, "wage": str(m.wages[0].wage)} for m in roster_with_bases(bases)]
    with server[0].client() as http:
        answer = http.post("/v1/assess", json={"region": "320500", "period": "2022-08", "rows": rows})
    assert answer.status_code == 200
    data = answer.json()
    assert (data["total"], data["total_upper"], data["persons"]) == ("1300048.92", "壹佰叁拾万零肆拾捌圆玖角贰分", 1480)


def test_assess_answers_what_the_command_line_prints(server: tuple[Running, dict[str, str], str], tmp_path: Path) -> None:
    example = Path(__file__).parents[1] / "src/medins_core/examples/suzhou_unit.csv"
    printed = json.loads(medins("assess", str(example), "--region", "320500", "--period", "2022-08", "--format", "json"))
    lines = example.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]  # Chinese headers, as the file
    with server[0].client() as http:
        answer = http.post("/v1/assess", json={"region": "320500", "period": "2022-08", "rows": rows})
    assert answer.json() == printed and printed["total"] == "9316.37"


def test_rows_get_the_roster_checks_with_row_numbers(server: tuple[Running, dict[str, str], str]) -> None:
    rows = [{"cert_no": person_id(0), "name": "甲", "wage": "6000"}, {"cert_no": person_id(0), "name": "乙", "wage": "-1"}]
    with server[0].client() as http:
        answer = http.post("/v1/assess", json={"region": "210200", "period": "2023-01", "rows": rows})
    assert answer.status_code == 422
    problems = {(p["row"], p["code"]) for p in answer.json()["problems"]}
    assert problems == {(3, "duplicate_person"), (3, "invalid_wage")}
    assert person_id(0) not in answer.text  # masked


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/v1/assess", b"{not json", 400, "invalid_request"),
        ("post", "/v1/assess", {"region": "999999", "period": "2023-01", "rows": [{}]}, 404, "unknown_region"),
        ("post", "/v1/assess", {"region": "210200", "period": "2023-13", "rows": [{}]}, 400, "invalid_period"),
        ("post", "/v1/assess", {"region": "210200", "period": "2999-01", "rows": [{}]}, 400, "period_too_late"),
        ("post", "/v1/assess", {"region": "210200", "period": "2023-01", "rows": []}, 422, "missing_column"),
        ("post", "/v1/assess", {"region": "210200", "period": "2023-01", "rows": [{}] * 200_001}, 413, "too_many_rows"),
        ("post", "/v1/assess", {"region": "210200", "period": "2023-01", "rows": [{"wage": 1.5}]}, 400, "invalid_request"),
        ("post", "/v1/assess", b"[" * 100_000 + b"]" * 100_000, 400, "invalid_request"),
        ("post", "/v1/check/enroll?region=320500", b"[" * 100_000 + b"]" * 100_000, 400, "input_too_deep"),
        ("get", "/v1/regions/320500/rates?period=x", None, 400, "invalid_period"),
        ("get", "/v1/retirement?birth=1966-01&group=male61", None, 400, "invalid_request"),
        ("get", "/v1/templates/nothing?region=320500", None, 404, "unknown_template"),
        ("post", "/v1/check/enroll?region=320500", {"rows": "x"}, 400, "invalid_request"),
        ("post", "/v1/check/enroll?region=320500", b"plain", 415, "unsupported_media_type"),
        ("post", f"/v1/units/{UNIT}/assessments", {"period": "2023-01"}, 401, "missing_key"),
        ("get", "/v1/nowhere", None, 404, "not_found"),
    ],
)  # fmt: skip
def test_every_error_is_json_with_a_code(
    server: tuple[Running, dict[str, str], str], method: str, path: str, body: Any, status: int, code: str
) -> None:
    with server[0].client() as http:
        if isinstance(body, bytes):
            answer = http.request(method, path, content=body, headers={"content-type": "application/json" if body[:1] in (b"{", b"[") else "text/plain"})
        else:
            answer = http.request(method, path, json=body)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert answer.json()["message"]


def test_a_body_past_the_upload_limit_is_413(server: tuple[Running, dict[str, str], str]) -> None:
    big = b"a" * (11 * 1024 * 1024)
    with server[0].client() as http:
        answer = http.post("/v1/check/enroll?region=320500", files={"file": ("big.csv", big)})
        streamed = http.post("/v1/assess", content=iter([big[: 6 << 20], big[6 << 20 :]]), headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["code"]) == (413, "body_too_large")
    assert (streamed.status_code, streamed.json()["code"]) == (413, "body_too_large")


def test_check_answers_rows_and_the_failure_list(server: tuple[Running, dict[str, str], str]) -> None:
    with server[0].client() as http:
        answer = http.post("/v1/check/enroll?region=210200&today=2023-01-10", files={"file": ("enroll.csv", ENROLL.encode())})
        as_rows = http.post("/v1/check/enroll?region=210200&today=2023-01-10", json={"rows": [
            {"cert_type": "居民身份证(户口簿)", "cert_no": "21020219781120003X", "name": "钱多", "wage": 7000,
             "start": "2023/01/01", "mobile": "13800000004"}]})  # fmt: skip
        failures = http.post("/v1/check/enroll?region=210200&today=2023-01-10&format=xlsx", files={"file": ("enroll.csv", ENROLL.encode())})
    data = answer.json()
    assert [r["row"] for r in data["passed"]] == [2, 3, 4]
    assert [(r["row"], r["problems"][0]["code"]) for r in data["failed"]] == [(5, "invalid_cert_no")]
    assert [(r["row"], r["problems"][0]["code"]) for r in as_rows.json()["failed"]] == [(2, "invalid_cert_no")]
    sheet = openpyxl.load_workbook(io.BytesIO(failures.content)).worksheets[0]
    assert [c.value for c in sheet[2]][1] == "21020219781120003X" and "校验位" in str([c.value for c in sheet[2]][-1])


def test_lines_is_the_old_name_of_insurance_and_both_are_refused(server: tuple[Running, dict[str, str], str]) -> None:
    rows = [{"cert_no": m.person.cert_no, "name": m.person.name, "wage": "5464"} for m in roster_with_bases([5464])]
    body = {"region": "320800", "period": "2022-02", "rows": rows}
    check = "/v1/check/enroll?region=210200&today=2023-01-10"
    queries = ("", "&insurance=999", "&lines=999", "&insurance=310&lines=310")  # 999: no such line
    with server[0].client() as http:
        new = http.post("/v1/assess", json={**body, "insurance": ["310"]})
        old = http.post("/v1/assess", json={**body, "lines": "310"})
        both = http.post("/v1/assess", json={**body, "insurance": "310", "lines": "310"})
        default = http.post("/v1/assess", json=body)
        checked = [http.post(check + query, files={"file": ("enroll.csv", ENROLL.encode())}) for query in queries]
        schema = http.get("/openapi.json").json()
    assert new.status_code == old.status_code == default.status_code == 200
    assert old.json() == new.json() != default.json()
    assert [t["insurance"] for t in new.json()["totals"]] == ["310"]
    assert (both.status_code, both.json()["code"], both.json()["field"]) == (422, "insurance_twice", "insurance")
    assert checked[0].status_code == 200
    assert checked[1].status_code == checked[2].status_code != 200 and checked[1].json() == checked[2].json()
    assert "999" in checked[1].json()["message"]
    assert (checked[3].status_code, checked[3].json()["code"]) == (422, "insurance_twice")
    assert schema["components"]["schemas"]["AssessBody"]["properties"]["lines"]["deprecated"] is True
    parameters = {p["name"]: p for p in schema["paths"]["/v1/check/{kind}"]["post"]["parameters"]}
    assert parameters["lines"].get("deprecated") is True and "deprecated" not in parameters["insurance"]


def test_templates_and_the_stateless_answers(server: tuple[Running, dict[str, str], str]) -> None:
    with server[0].client() as http:
        template = http.get("/v1/templates/enroll?region=210200")
        regions = http.get("/v1/regions").json()
        rates = http.get("/v1/regions/320500/rates?period=2022-08").json()
        retired = http.get("/v1/retirement?birth=1966-01&group=male60").json()
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert header[:3] == ["证件类型", "证件号码", "姓名"]
    assert {"320500", "210200"} <= {r["code"] for r in regions}
    unit_rate = next(v for v in rates["values"] if v["insurance"] == "310" and v["parameter"] == "unit_rate")
    assert unit_rate["value"] == "0.06" and unit_rate["status"] == "verified"
    assert (retired["retirement_month"], retired["delay_months"]) == ("202605", 4)


def test_a_month_in_the_life_of_a_unit(server: tuple[Running, dict[str, str], str], tmp_path: Path) -> None:
    running, keys, db = server
    with running.client(keys[UNIT]) as http:
        enrolled = http.post(f"/v1/units/{UNIT}/enrollments?today=2023-01-10", files={"file": ("enroll.csv", ENROLL.encode())})
        assert enrolled.status_code == 200 and len(enrolled.json()["changes"]) == 3
        assert [r["row"] for r in enrolled.json()["failed"]] == [5]
        wages = http.post(f"/v1/units/{UNIT}/wages?today=2023-01-20", json={"rows": [{
            "unit_no": "21020001", "person_no": "P2", "cert_type": "居民身份证(户口簿)", "name": "李娜",
            "cert_no": "210202199007040026", "retired_status": "在职", "start": "202302", "end": "202306",
            "old_wage": "6000", "wage": "7000"}]})  # fmt: skip
        assert wages.status_code == 200 and len(wages.json()["changes"]) == 1, wages.text
        first = http.post(f"/v1/units/{UNIT}/assessments", json={"period": "2023-01", "to": "2023-03"})
        assert (first.status_code, first.json()["kind"], first.json()["total"]) == (201, "original", "6500.00")
        again = http.post(f"/v1/units/{UNIT}/assessments", json={"period": "2023-01", "to": "2023-03"})
        assert (again.status_code, again.json()["kind"], again.json()["id"]) == (200, "existing", first.json()["id"])
        late = http.post(f"/v1/units/{UNIT}/enrollments?today=2023-02-15", json={"rows": [{
            "cert_type": "居民身份证(户口簿)", "cert_no": "210202199502080041", "name": "周平", "wage": "5000",
            "start": "2023/02/01", "mobile": "13800000005"}]})  # fmt: skip
        assert len(late.json()["changes"]) == 1
        supplement = http.post(f"/v1/units/{UNIT}/assessments", json={"period": "2023-01", "to": "2023-03"}).json()
        assert (supplement["kind"], supplement["supplements"], supplement["total"]) == ("supplementary", first.json()["id"], "1000.00")
        backpay = http.post(f"/v1/units/{UNIT}/assessments", json={"period": "2023-01", "type": "backpay"}).json()
        assert backpay["total"] == "2100.00"
        revoked = http.post(f"/v1/assessments/{backpay['id']}/revoke", json={"reason": "一月已正常核定，补缴重复"})
        assert (revoked.status_code, revoked.json()["kind"], revoked.json()["total"]) == (201, "reversal", "-2100.00")
        again = http.post(f"/v1/assessments/{backpay['id']}/revoke", json={"reason": "再次"})
        assert (again.status_code, again.json()["code"]) == (409, "already_revoked")
        notice = http.post(f"/v1/units/{UNIT}/notices")
        assert notice.status_code == 201
        made = notice.json()
        assert (made["total"], made["due"], len(made["assessments"])) == ("7500.00", "7500.00", 4)
        assert http.post(f"/v1/units/{UNIT}/notices").json()["code"] == "nothing_to_notice"
        paid = http.post(f"/v1/notices/{made['id']}/payments", json={"amount": "7500", "date": "2023-03-21"})
        assert (paid.status_code, paid.json()["due"]) == (201, "0.00")
        shown = http.get(f"/v1/notices/{made['id']}").json()
        assert (shown["paid"], shown["due"], shown["total_upper"]) == ("7500.00", "0.00", "柒仟伍佰圆整")
        suspended = http.post(f"/v1/units/{UNIT}/suspensions?today=2023-03-21", json={"rows": [{
            "cert_type": "居民身份证(户口簿)", "cert_no": "210202198503120012", "name": "王海",
            "end_date": "2023/03/31", "reason": "终止(解除)劳动关系"}]})  # fmt: skip
        assert len(suspended.json()["changes"]) == 1, suspended.text
        april = http.post(f"/v1/units/{UNIT}/assessments", json={"period": "2023-04"}).json()
        assert april["total"] == "2100.00"
    events = json.loads(medins("book", "log", "--db", db, "--unit", UNIT, "--format", "json", env=env_for(tmp_path)))
    written = [e for e in events if e["what"] in ("enroll_batch", "wages_batch", "assess", "revoke", "notice", "pay", "suspend_batch")]
    assert written and {e["actor"] for e in written} == {"人事部"}
    logged = [ln for ln in running.log_lines() if ln["path"] == f"/v1/units/{UNIT}/assessments" and ln["status"] in (200, 201)]
    assert logged and all((line["unit"], line["actor"]) == (UNIT, "人事部") for line in logged)
    assert {"method", "status", "duration_ms", "request_id"} <= set(logged[0])


def test_a_key_opens_its_own_unit_only(server: tuple[Running, dict[str, str], str]) -> None:
    running, keys, _db = server
    with running.client(keys[OTHER]) as other:
        made = other.post(f"/v1/units/{OTHER}/enrollments?today=2023-01-10", json={"rows": [{
            "cert_type": "居民身份证(户口簿)", "cert_no": person_id(7), "name": "乙", "wage": "6000",
            "start": "2023/01/01", "mobile": "13900000001"}]})  # fmt: skip
        assert len(made.json()["changes"]) == 1, made.text
        assessment = other.post(f"/v1/units/{OTHER}/assessments", json={"period": "2023-01"}).json()["id"]
        notice = other.post(f"/v1/units/{OTHER}/notices").json()["id"]
    with running.client(keys[UNIT]) as http:
        rows = {"rows": [{"cert_no": person_id(8)}]}
        answers = [
            http.post(f"/v1/units/{OTHER}/enrollments", json=rows),
            http.post(f"/v1/units/{OTHER}/suspensions", json=rows),
            http.post(f"/v1/units/{OTHER}/wages", json=rows),
            http.post(f"/v1/units/{OTHER}/assessments", json={"period": "2023-01"}),
            http.post(f"/v1/units/{OTHER}/notices"),
            http.post(f"/v1/assessments/{assessment}/revoke", json={"reason": "x"}),
            http.get(f"/v1/notices/{notice}"),
            http.post(f"/v1/notices/{notice}/payments", json={"amount": "1"}),
        ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert all(a.json()["code"].startswith("unknown_") for a in answers)
    with running.client("mk_not-a-key") as http:
        assert http.post(f"/v1/units/{UNIT}/notices").json()["code"] == "invalid_key"


def _race(running: Running, key: str, uscc: str) -> list[tuple[int, int, str]]:
    barrier = threading.Barrier(2)
    found: list[tuple[int, int, str]] = []

    def post() -> None:
        with running.client(key) as http:
            barrier.wait()
            answer = http.post(f"/v1/units/{uscc}/assessments", json={"period": "2023-01", "to": "2023-02"})
            found.append((answer.status_code, answer.json()["id"], answer.json()["kind"]))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(found)


def _concurrent_posts_store_one_assessment(db: str, tmp: Path) -> None:
    keys = book_with_units(db, tmp)
    with serve(db, tmp, "--workers", "2", env=env_for(tmp)) as running:
        with running.client(keys[UNIT]) as http:
            http.post(f"/v1/units/{UNIT}/enrollments?today=2023-01-10", files={"file": ("e.csv", ENROLL.encode())})
        found = _race(running, keys[UNIT], UNIT)
    assert [status for status, _, _ in found] == [200, 201], found
    assert found[0][1] == found[1][1] and {kind for _, _, kind in found} == {"existing", "original"}
    engine = sa.create_engine(db)
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM assessment").scalar() == 1
    engine.dispose()


def test_two_identical_concurrent_assessments_store_one(tmp_path: Path) -> None:
    _concurrent_posts_store_one_assessment(f"sqlite:///{tmp_path / 'race.db'}", tmp_path)


@pytest.mark.skipif(not os.environ.get(URL_ENV), reason=f"{URL_ENV} is not set")
def test_two_identical_concurrent_assessments_store_one_on_postgresql(tmp_path: Path) -> None:
    server_url = sa.make_url(os.environ[URL_ENV])
    name = f"serve_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        _concurrent_posts_store_one_assessment(server_url.set(database=name).render_as_string(hide_password=False), tmp_path)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def test_the_openapi_document_is_valid_and_documents_every_endpoint(server: tuple[Running, dict[str, str], str]) -> None:
    from openapi_spec_validator import validate

    with server[0].client() as http:
        document = http.get("/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for path in ("/v1/regions", "/v1/regions/{code}/rates", "/v1/assess", "/v1/check/{kind}", "/v1/templates/{kind}",
                 "/v1/retirement", "/v1/units/{uscc}/enrollments", "/v1/units/{uscc}/suspensions", "/v1/units/{uscc}/wages",
                 "/v1/units/{uscc}/assessments", "/v1/assessments/{id}/revoke", "/v1/units/{uscc}/notices",
                 "/v1/notices/{id}", "/v1/notices/{id}/payments", "/v1/units/{uscc}/compare",
                 *(f"/v1/units/{{uscc}}/queries/{kind}" for kind in ("persons", "contributions", "retiring", "arrears", "business")),
                 "/healthz", "/readyz"):  # fmt: skip
        assert path in paths
    for path, operations in paths.items():
        for operation in operations.values():
            errors = [s for s in operation["responses"] if s.startswith("4")]
            assert path in ("/healthz", "/readyz") or errors, path
            for status in errors:
                assert operation["responses"][status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
    assert "1482.30" in str(document["components"]["schemas"]["AssessmentOut"])
    assert "1300048.92" in str(paths["/v1/notices/{id}"]) and "1300048.92" in str(document["components"]["schemas"]["ComparisonOut"])
    assert {"application/json", "application/pdf", "text/html"} == set(paths["/v1/notices/{id}"]["get"]["responses"]["200"]["content"])


def test_require_key_ids_masked_in_the_log_readyz_and_a_graceful_stop(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    keys = book_with_units(db, tmp_path)
    with serve(db, tmp_path, "--require-key", env=env_for(tmp_path)) as running:
        with running.client() as http:
            assert (http.get("/v1/regions").status_code, http.get("/healthz").status_code) == (401, 200)
        with running.client(keys[UNIT]) as http:
            assert http.get("/v1/regions").status_code == 200
            http.get("/v1/regions/320506198503120116/rates?period=2022-08")
            http.get("/v1/regions/13800000001/rates?period=2022-08")
            assert http.get("/readyz").json() == {"status": "ready"}
        assert running.stop() == 0  # SIGTERM: a graceful stop
    text = running.log.read_text(encoding="utf-8")
    assert "320506198503120116" not in text and "13800000001" not in text and "3205**********0116" in text


def test_a_request_past_the_timeout_is_answered_503_and_the_server_goes_on(tmp_path: Path) -> None:
    rows = [{"cert_no": m.person.cert_no, "name": m.person.name, "wage": "8910"} for m in roster_with_bases([8910] * 5000)]
    with serve(f"sqlite:///{tmp_path / 't.db'}", tmp_path, "--timeout", "0.25") as running:
        with running.client() as http:
            slow = http.post("/v1/assess", json={"region": "320500", "period": "2022-08", "to": "2022-12", "rows": rows})
            assert (slow.status_code, slow.json()["code"]) == (503, "timeout")
            assert slow.headers["x-request-id"]


def test_a_database_that_cannot_be_opened_stops_the_start_with_a_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "medins_core.cli", "serve", "--db", "nosuchdb://x", "--port", "0"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "[invalid_db_url]" in done.stderr and "Traceback" not in done.stderr


def test_key_add_prints_the_key_once_and_the_book_keeps_only_its_hash(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    env = env_for(tmp_path)
    medins("book", "unit", "add", "--db", db, "--uscc", UNIT, "--name", "单位", "--region", "210200", env=env)
    made = json.loads(medins("book", "key", "add", "--db", db, "--unit", UNIT, "--label", "人事部", "--format", "json", env=env))
    assert made["key"].startswith("mk_") and len(made["key"]) > 40 and made["label"] == "人事部"
    engine = sa.create_engine(db)
    with engine.connect() as c:
        stored = c.exec_driver_sql("SELECT label, hash FROM api_key").all()
    engine.dispose()
    assert stored == [("人事部", hashlib.sha256(made["key"].encode()).hexdigest())]
    assert made["key"] not in (tmp_path / "keys.db").read_bytes().decode("latin-1")
    events = json.loads(medins("book", "log", "--db", db, "--unit", UNIT, "--format", "json", env=env))
    assert events[-1]["what"] == "key_add" and made["key"] not in json.dumps(events)
