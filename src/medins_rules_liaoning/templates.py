"""The Dalian portal's batch templates (批量模板), as its manual prints them.

Only the wage declaration's columns are printed (4.8.1, 4.8.2); the other kinds are not, so
the engine's generic ones apply.
"""

from __future__ import annotations

import attrs

from medins_core.plugin import (
    CERT_NO_COLUMN,
    CERT_TYPE_COLUMN,
    MONEY_FMT,
    MONTH_FMT,
    NAME_COLUMN,
    PERSON_STATES,
    TEXT_FMT,
    Kind,
    Template,
    TemplateColumn,
)

_DL = "liaoning-dalian-unit-hall-user-manual.txt"

TEMPLATES: dict[str, Template] = {
    "wages": Template(
        "wages",
        "职工缴费工资申报模板",
        (
            TemplateColumn(
                "unit_no",
                "单位编号",
                fmt=TEXT_FMT,
                note="下载模板中存在默认值",
                source=f"{_DL} 4.8.2 第1项",
            ),
            TemplateColumn(
                "person_no",
                "人员编号",
                fmt=TEXT_FMT,
                note="下载模板中存在默认值",
                source=f"{_DL} 4.8.2 第2项",
            ),
            attrs.evolve(CERT_TYPE_COLUMN, source=f"{_DL} 4.8.2 第3项"),
            attrs.evolve(
                NAME_COLUMN, title="人员姓名", aliases=("姓名",), source=f"{_DL} 4.8.2 第4项"
            ),
            attrs.evolve(CERT_NO_COLUMN, source=f"{_DL} 4.8.2 第5项"),
            TemplateColumn(
                "retired_status",
                "退休状态",
                choices=PERSON_STATES,
                fmt="下拉选择",
                source=f"{_DL} 4.8.2 第6项",
            ),
            TemplateColumn(
                "start",
                "开始年月",
                fmt=MONTH_FMT,
                note="系统默认是当月，此处可填写每年年初1月",
                source=f"{_DL} 4.8.2 第7项",
            ),
            TemplateColumn(
                "end",
                "结束年月",
                fmt=MONTH_FMT,
                note="系统默认是当月，此处可填写每年年末12月",
                source=f"{_DL} 4.8.2 第8项",
            ),
            TemplateColumn(
                "old_wage",
                "原工资",
                Kind.MONEY,
                fmt=MONEY_FMT,
                note="已参保时填写过的会默认带出；空白需填写",
                source=f"{_DL} 4.8.2 第9项",
            ),
            TemplateColumn(
                "wage", "申报工资", Kind.MONEY, fmt=MONEY_FMT, source=f"{_DL} 4.8.2 第10项"
            ),
        ),
        source=f"{_DL} 4.8.1 模板 与 4.8.2 模板字段以及含义 (所有字段都是必填项)",
    ),
}
"""The templates the Dalian manual prints, by kind."""
