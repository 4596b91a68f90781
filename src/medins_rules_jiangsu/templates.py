"""The Jiangsu portal's batch templates (批量模板), as its manual prints them.

Enrollment is the generic template with the portal's hinted headers and one start month per
upload; the wage declaration is the portal's own, pre-filled with every person. The other
kinds are not printed, so the engine's generic ones apply.
"""

from __future__ import annotations

import attrs

from medins_core.plugin import (
    CERT_NO_COLUMN,
    CERT_TYPE_COLUMN,
    GENERIC,
    MONEY_FMT,
    NAME_COLUMN,
    PERSON_STATES,
    TEXT_FMT,
    Kind,
    Template,
    TemplateColumn,
)

_JS = "jiangsu-unit-hall-user-manual.txt"
_SZ = "jiangsu-suzhou-unit-hall-training.txt"

# Row 1 of the enrollment template as printed (3.6.3); the other columns keep their names.
_ENROLL_TITLES = {
    "gender": "性别(证件类型为居民身份证时此项不用填写)",
    "ethnicity": "民族(不填默认汉族)",
    "birth": "出生日期(格式如2020/01/01证件类型为居民身份证时此项不用填写)",
    "country": "国家地区代码(不填默认中国)",
    "start": "本次参保日期(格式如2020/01/01; 不填默认当前时间)",
}

TEMPLATES: dict[str, Template] = {
    "enroll": attrs.evolve(
        GENERIC["enroll"],
        columns=tuple(
            attrs.evolve(c, portal_title=_ENROLL_TITLES.get(c.field, ""))
            for c in GENERIC["enroll"].columns
        ),
        source=f"{_JS} 3.6.3 职工批量增员申报模板 (表头原文)",
        same_start=True,
        same_start_source=f"{_SZ} PART1 3(3): 每次进行批量操作的人员,需确认为同一参保险种、同一参保时间",
    ),
    "wages": Template(
        "wages",
        "年度工资申报模板(在职)",
        (
            TemplateColumn(
                "person_no",
                "人员编号",
                fmt=TEXT_FMT,
                note="下载的模板中已有",
                source=f"{_JS} 3.8.3",
            ),
            CERT_TYPE_COLUMN,
            CERT_NO_COLUMN,
            attrs.evolve(NAME_COLUMN, title="人员姓名", aliases=("姓名",), source=f"{_JS} 3.8.3"),
            TemplateColumn(
                "retired_status",
                "人员状态",
                choices=PERSON_STATES,
                fmt="下拉选择",
                source=f"{_JS} 3.8.3",
            ),
            TemplateColumn(
                "wage",
                "工资",
                Kind.MONEY,
                required=False,
                fmt=MONEY_FMT,
                portal_title="工资(若有变动请修改)",
                note="只填需要修改工资的人员；空白表示不变",
                source=f"{_JS} 3.8.3: 填写需要修改人员的工资",
            ),
        ),
        source=f"{_JS} 3.8.3 年度工资申报模板(在职)",
        blank_skips="wage",
    ),
}
"""The templates the Jiangsu manual prints, by kind."""
