"""The catalogue of problem codes of the operation checks: one entry per code.

Each :class:`CodeEntry` gives the code's severity, its meaning (the doc), the operations that
raise it, where the portal's words are fixed its default message, and where its wording comes
from: a source document and place, or medins's own words (:data:`MEDINS`). ``docs/codes.md`` is
generated from this table (``python docs/gen_tables.py``; a test fails when it is stale), and a
test checks that every code the checks raise is here. A region may word a message as its
portal does in its data: the ``messages`` rule, a table of code → text
(:func:`reword`).
"""

from __future__ import annotations

import attrs

from medins_core.operations.problems import Problem, Severity


#: The wording of a message no source gives: medins's own.
MEDINS = "medins"

#: Where a code's message comes from: a source's words (document and place), "after" a source
#: when medins words what the source says, else :data:`MEDINS`.
WORDING: dict[str, str] = {
    'missing_field': 'after liaoning-dalian-unit-hall-user-manual.txt 4.8.1 常见失败原因 ("开始年月不能为空", "结束年月不能为空", "工资不能为空"), applied to every field',
    'age_limit': 'jiangsu-suzhou-unit-hall-training.txt PART1 注意事项 5(5)',
    'start_too_early': 'after liaoning-dalian-unit-hall-user-manual.txt 4.6.2 第13项 ("最多允许往前选择三个月,如果需要再往前选择需要到经办机构窗口进行")',
    'start_not_open': 'jiangsu-suzhou-unit-hall-training.txt PART1 注意事项 5(3) (the window); after 1(1) "本次参保时间请如实填写,不可提前申报。" (two or more months ahead)',
    'requires_insurance': 'liaoning-dalian-unit-hall-user-manual.txt 4.6.2 第12项 (330 needs 310); 4.2.3 注意事项 3 (320)',
    'active_elsewhere': 'jiangsu-suzhou-unit-hall-training.txt PART1 注意事项 5(6) (灵活就业), 5(7) (其他单位, its beginning completed); medins for resident insurance',
    'not_active_here': 'jiangsu-suzhou-unit-hall-training.txt PART2 注意事项 1(1) (suspension); liaoning-dalian-unit-hall-user-manual.txt 4.8.1 常见失败原因 (wage declaration)',
    'retired_cannot_suspend': 'jiangsu-suzhou-unit-hall-training.txt PART2 注意事项 1(5)',
    'suspend_date_not_month_end': 'jiangsu-suzhou-unit-hall-training.txt PART2 注意事项 1(3)',
    'arrears_block_suspension': 'after liaoning-dalian-unit-hall-user-manual.txt 4.7.3 注意事项 2 ("2月份以后，职工在本单位存在欠费时不允许暂停参保")',
    'excluded_insurance': 'after hebei-qianan-unit-hall-procedures.txt 五 2 ("个人补收勾选险种时不能勾选长护险")',
    'business_period_closed': 'after hebei-qianan-unit-hall-procedures.txt 一 2(1)',
    'backpay_order': 'after liaoning-dalian-unit-hall-user-manual.txt 4.9.2 1–2 ("欠费补缴时需要先缴纳当月费用", "补缴时优先补最近一个月欠费账单")',
    'backpay_whole_month': 'after liaoning-dalian-unit-hall-user-manual.txt 4.9.2 3 ("通过单位网厅补缴时必须必须补缴欠费当月所有员工的欠费")',
    'unit_mismatch': 'liaoning-dalian-unit-hall-user-manual.txt 4.8.1 常见失败原因',
    'district_outside_region': 'liaoning-dalian-unit-hall-user-manual.txt 4.2.1 第8项',
    'declaration_closed': 'jiangsu-suzhou-unit-hall-training.txt PART3.1',
}


@attrs.frozen
class CodeEntry:
    """One problem code: severity, meaning, where it is raised, the portal's fixed words."""

    code: str
    severity: Severity
    doc: str
    operations: str
    message: str = ""
    wording: str = MEDINS


def _entry(code: str, severity: str, doc: str, operations: str, message: str = "") -> CodeEntry:
    return CodeEntry(code, Severity(severity), doc, operations, message, WORDING.get(code, MEDINS))



CATALOGUE: dict[str, CodeEntry] = {
    entry.code: entry
    for entry in (
        _entry(
            'missing_field',
            'error',
            'a required field is empty ("开始年月不能为空"); `field` names it',
            'all',
        ),
        _entry(
            'invalid_cert_no',
            'error',
            'a resident ID number (GB 11643) with a wrong length, structure, birth date or check character',
            'enrollment, suspension, wage declaration, back-pay, unit registration (legal representative)',
        ),
        _entry(
            'unknown_county',
            'warning',
            "the ID number's first six digits are in no year of the county table; numbers issued under old codes stay valid",
            'as `invalid_cert_no`',
        ),
        _entry(
            'birth_in_future',
            'error',
            'the birth date (declared, or read from the ID number) is after today',
            'enrollment and every ID check',
        ),
        _entry(
            'cert_birth_mismatch',
            'error',
            'the declared birth date differs from the one in the ID number',
            'enrollment',
        ),
        _entry(
            'cert_gender_mismatch',
            'error',
            'the declared gender differs from the one in the ID number (odd 17th digit = man)',
            'enrollment',
        ),
        _entry(
            'invalid_gender',
            'error',
            'the declared gender is not 男/女/1/2',
            'enrollment',
        ),
        _entry(
            'invalid_mobile',
            'error',
            'not a mainland mobile number (11 digits starting 13–19, optional +86)',
            'enrollment, unit registration',
        ),
        _entry(
            'invalid_uscc',
            'error',
            'a unified social credit code (GB 32100) with a wrong length, character or check character',
            'unit registration',
        ),
        _entry(
            'invalid_wage',
            'error',
            'a declared (or former) wage that is zero or negative',
            'enrollment, wage declaration',
        ),
        _entry(
            'unknown_insurance',
            'error',
            'an insurance line code the region does not know',
            'enrollment, back-pay, unit registration',
        ),
        _entry(
            'age_limit',
            'error',
            'the person has reached the age up to which the portal enrolls online ("女性50周岁不允许网办参保")',
            'enrollment',
            '女性50周岁不允许网办参保',
        ),
        _entry(
            'start_too_early',
            'error',
            'the enrollment start lies further back than the portal allows online',
            'enrollment',
        ),
        _entry(
            'start_not_open',
            'error',
            'the enrollment start is a month whose declaration window is not open yet ("当月结算期之前,参保日期不可选择为下个月!")',
            'enrollment',
            '当月结算期之前,参保日期不可选择为下个月!',
        ),
        _entry(
            'requires_insurance',
            'error',
            'a chosen line needs another one (330 needs 310), or a government unit did not choose a line it must (320)',
            'enrollment, unit registration',
        ),
        _entry(
            'active_elsewhere',
            'error',
            'the person has an active cover in another unit, in flexible employment or in resident insurance',
            'enrollment',
        ),
        _entry(
            'already_active',
            'error',
            'the person is already actively insured in this unit',
            'enrollment',
        ),
        _entry(
            'not_active_here',
            'error',
            'the person is not actively insured in this unit ("职工未在本单位下正常参保,无法办理!")',
            'suspension, wage declaration',
            '职工未在本单位下正常参保,无法办理!',
        ),
        _entry(
            'retired_cannot_suspend',
            'error',
            'a retired person cannot be suspended ("处理失败!退休人员不允许停保。")',
            'suspension',
            '处理失败!退休人员不允许停保。',
        ),
        _entry(
            'plugin_failed',
            'error',
            "the region's plugin raised in `medins_check`; the failure is reported once (`Registry.problems`) and the rest of the check still runs",
            'all',
        ),
        _entry(
            'suspend_date_not_month_end',
            'error',
            'the suspension date is neither the last day of last month nor that of this month ("减员时间范围是:上月末或本月末!")',
            'suspension',
            '减员时间范围是:上月末或本月末!',
        ),
        _entry(
            'arrears_block_suspension',
            'error',
            "the person has arrears in this unit and the month is after the region's limit",
            'suspension',
        ),
        _entry(
            'period_order',
            'error',
            "the start is after the end, or a line's month lies outside start–end",
            'wage declaration, back-pay',
        ),
        _entry(
            'outside_base_year',
            'warning',
            "a wage row's start and end lie in two base years (July–June)",
            'wage declaration',
        ),
        _entry(
            'wage_below_floor',
            'warning',
            'the wage is below the base floor; the message says which base is used',
            'wage declaration',
        ),
        _entry(
            'wage_above_ceiling',
            'warning',
            'the wage is above the base ceiling; the message says which base is used',
            'wage declaration',
        ),
        _entry(
            'period_in_future',
            'error',
            'back-pay of a month after the current one',
            'back-pay',
        ),
        _entry(
            'excluded_insurance',
            'error',
            'a line that personal back-pay may not include (Hebei: 410 长期照护保险)',
            'back-pay',
        ),
        _entry(
            'business_period_closed',
            'error',
            "a month outside the months the portal's business period lets a unit process",
            'back-pay (Hebei)',
        ),
        _entry(
            'assessment_order',
            'error',
            'a month with changes other than additions, assessed before the previous month is assessed and paid',
            'back-pay (Hebei)',
        ),
        _entry(
            'backpay_order',
            'error',
            'arrears paid out of order: the current month first, then the newest month first',
            'back-pay (Liaoning)',
        ),
        _entry(
            'backpay_whole_month',
            'error',
            "a month's arrears paid for only some of the persons who owe it",
            'back-pay (Liaoning)',
        ),
        _entry(
            'no_arrears',
            'error',
            'back-pay of a month, or a person in a month, with nothing owed',
            'back-pay (Liaoning)',
        ),
        _entry(
            'account_format',
            'error',
            "the unit's portal account breaks the region's length or character rules",
            'unit registration',
        ),
        _entry(
            'password_format',
            'error',
            "the password breaks the region's length or character rules (the message never shows it)",
            'unit registration',
        ),
        _entry(
            'nothing_changed',
            'warning',
            'the new record equals the old one: there is nothing to change',
            'change',
        ),
        _entry(
            'field_not_editable',
            'error',
            "a changed field the region does not let change online: not among its editable fields (\"仅可修改末尾有'铅笔图标'的指标项\") or among its fixed ones; `field` names it",
            'change',
        ),
        _entry(
            'key_field_in_non_key_change',
            'error',
            'a non-key change (非关键信息变更) changes a field the region lists as key information',
            'change',
        ),
        _entry(
            'change_kind_unknown',
            'warning',
            "the request does not say whether it is a key change and the region's key fields are not in its data, so the attachments it needs are not checked",
            'change',
        ),
        _entry(
            'editable_fields_unknown',
            'warning',
            'the region allows only the fields its page marks editable, but its sources do not list them (Henan), so the fields are not checked',
            'change',
        ),
        _entry(
            'attachment_missing',
            'error',
            'an attachment the business needs in the region (the stamped form of a key change) is not attached',
            'change, attachments',
        ),
        _entry(
            'attachment_empty',
            'error',
            'an attachment file with no bytes',
            'change, attachments',
        ),
        _entry(
            'attachment_type_mismatch',
            'error',
            "the file name's extension says one format and the content (magic bytes) another: a PDF renamed .jpg",
            'change, attachments',
        ),
        _entry(
            'attachment_format',
            'error',
            'the content is not a format the region takes (Henan: jpg or png)',
            'change, attachments',
        ),
        _entry(
            'attachment_too_large',
            'error',
            "larger than the operator's `attachment_max_bytes`, else than medins's own safety limit (20 MB, not a portal's)",
            'change, attachments',
        ),
        _entry(
            'attachment_unreadable',
            'error',
            'a PNG or JPEG whose header gives no width and height (damaged or truncated)',
            'change, attachments',
        ),
        _entry(
            'attachment_dimensions',
            'error',
            "an image's sides outside the operator's `attachment_min_side`/`attachment_max_side`, or more pixels than medins's safety limit (100 million)",
            'change, attachments',
        ),
        _entry(
            'invalid_unit_no',
            'error',
            "a unit number of the new form's length (Dalian: 26 digits) that does not begin with the region's prefix (210000210200 + the old number)",
            'enrollment, suspension, wage declaration (Liaoning)',
        ),
        _entry(
            'unit_mismatch',
            'error',
            'a wage row whose 单位编号 names another unit than the one declaring ("单位编号与选择的单位不一致，未查询到人员职工基本险有效参保信息。")',
            'wage declaration',
            '单位编号与选择的单位不一致，未查询到人员职工基本险有效参保信息。',
        ),
        _entry(
            'declaration_closed',
            'error',
            'a batch wage row outside the yearly declaration period ("工资年度申报模块,仅在年度申报时期开放相应模块功能"); the period comes from `context.declaration_open` or the `wage_declaration_months` rule',
            'wage declaration (Jiangsu batch)',
            '工资年度申报模块,仅在年度申报时期开放相应模块功能',
        ),
        _entry(
            'district_outside_region',
            'error',
            'the unit\'s 所属行政区 does not lie in its 医保区划 ("所属行政区必须与医保区划一致")',
            'unit registration (Liaoning)',
            '所属行政区必须与医保区划一致',
        ),
    )
}
"""Every code the operation checks answer, in the order of ``docs/codes.md``."""


def reword(problems: list[Problem], messages: dict[str, str] | None) -> list[Problem]:
    """``problems`` with the messages a region words its own way (code → text) replaced."""
    if not messages:
        return problems
    return [
        attrs.evolve(p, message=str(messages[p.code])) if p.code in messages else p
        for p in problems
    ]


def table() -> str:
    """The Markdown table of the catalogue, as ``docs/codes.md`` shows it."""
    rows = ["| code | severity | meaning | operations | wording |", "|---|---|---|---|---|"]
    rows += [
        f"| `{e.code}` | {e.severity.value} | {e.doc} | {e.operations} | "
        f"{'medins’s own' if e.wording == MEDINS else e.wording} |"
        for e in CATALOGUE.values()
    ]
    return "\n".join(rows)
