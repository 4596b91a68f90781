"""Batch templates (批量模板): each portal's columns as data, written and read back.

The portals' batch uploads are Excel templates: the header on row 1 must not be changed, data
starts on row 2, every column is required unless marked (jiangsu-unit-hall-user-manual.txt
3.6–3.8). A :class:`Template` describes one: its columns with the portal's names, whether each
is required, its default, format, drop-down choices and source.

Which template a region uses is data: a province plugin answers the ``medins_template`` hook
with the templates its portal's own document prints, built from the public columns here, and
:data:`GENERIC` holds one per kind, drawn from all the sources, for the rest.
:func:`template_for` asks the plugins, then falls back to the generic one.

Field names are those of the requests in :mod:`medins_core.operations` (``cert_no``,
``start``, ``wage`` …), so a problem's ``field`` names its column. Reading and writing template
files is :mod:`medins_core.io.template_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from medins_core.codes import CertType
from medins_core.errors import InputError
from medins_core.io.xlsx import Kind


class HasTemplates(Protocol):
    """A region that answers its portal's templates (:class:`medins_core.region.Region`)."""

    def template(self, kind: str) -> Template:
        """The template of ``kind`` for this region."""

__all__ = [
    "CERT_NO_COLUMN",
    "CERT_TYPES",
    "CERT_TYPE_COLUMN",
    "DATE_FMT",
    "ETHNIC_GROUPS",
    "GENDERS",
    "GENERIC",
    "KINDS",
    "MONEY_FMT",
    "MONTH_FMT",
    "NAME_COLUMN",
    "PERSON_STATES",
    "REASON_TITLE",
    "TEXT_FMT",
    "HasTemplates",
    "Template",
    "TemplateColumn",
    "check_kind",
    "with_reasons",
    "template_for",
]

#: The template kinds: enrollment, suspension, wage declaration, reconciliation, information change.
KINDS = ("enroll", "suspend", "wages", "reconcile", "change")

#: The column a failure list adds after the template's columns.
REASON_TITLE = "失败原因"

# --- enumerations, with their sources -------------------------------------------------------

#: 证件类型 as the portals name them (GLOSSARY.md, NHSA psn_cert_type; the name of 01 as the
#: Jiangsu and Dalian templates print it, jiangsu-unit-hall-user-manual.txt 3.8.3).
CERT_TYPES = (
    CertType.RESIDENT_ID.zh,
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
    CertType.OTHER.zh,
)

#: 性别 (GB/T 2261.1).
GENDERS = ("男", "女")

#: 民族: the 56 groups in the order of GB/T 3304-1991, then its 其他 and 外国血统中国籍人士.
ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他", "外国血统中国籍人士",
)  # fmt: skip


#: 人员类型 / 退休状态 (GLOSSARY.md 人员类别, top level).
PERSON_STATES = ("在职", "退休")

_JS = "jiangsu-unit-hall-user-manual.txt"
_DL = "liaoning-dalian-unit-hall-user-manual.txt"
_SZ = "jiangsu-suzhou-unit-hall-training.txt"
_CHANGE_ROW = "medins: 每行变更一个指标项 (网厅逐条办理，未印出批量模板)"


@attrs.frozen
class TemplateColumn:
    """One column of a template.

    ``title`` is the column's name; ``portal_title`` the header text exactly as the portal's
    template prints it when the source gives one (with its hint in brackets), which is what
    is written so that the file uploads unchanged. Either is accepted on reading, as are
    ``aliases``. ``default`` is what an empty cell means (``today`` for today's date,
    ``this_month`` for today's month).
    """

    field: str
    title: str
    kind: Kind = Kind.TEXT
    required: bool = True
    default: str = ""
    choices: tuple[str, ...] = ()
    fmt: str = ""
    note: str = ""
    source: str = ""
    portal_title: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """The header text written on row 1."""
        return self.portal_title or self.title

    def titles(self) -> tuple[str, ...]:
        """Every header text that names this column."""
        return tuple(dict.fromkeys((self.header, self.title, *self.aliases)))


@attrs.frozen
class Template:
    """A batch template: kind, name, columns and what the portal asks of a whole batch.

    ``same_start``: every row of one upload must have the same start month (the insurance
    lines are chosen once for the whole upload, so they are the same anyway).
    ``blank_skips`` names a field whose empty cell means "no change for this person", so the
    row is not a request (the Jiangsu wage template is pre-filled with every person and only
    changed wages are typed in).
    """

    kind: str
    name: str
    columns: tuple[TemplateColumn, ...]
    source: str
    same_start: bool = False
    same_start_source: str = ""
    blank_skips: str = ""

    def column(self, field: str) -> TemplateColumn | None:
        """The column of ``field``, or None when the template has none."""
        return next((c for c in self.columns if c.field == field), None)


#: The size note of the 填写说明 sheet: the source states 10 MB for the wage upload only
#: (jiangsu-unit-hall-user-manual.txt 3.8); for the others it is medins's own limit.
SIZE_NOTE = {"wages": "文件不超过 10 MB (网厅要求)。", "": "文件不超过 10 MB (medins 的安全限制)。"}


# --- building blocks, for GENERIC and for the plugins' own templates -----------------------

_col = TemplateColumn  # short, for the tables below

#: The ``fmt`` of a date column, as the 填写说明 sheet states it.
DATE_FMT = "日期 YYYY/MM/DD"
#: The ``fmt`` of a month column.
MONTH_FMT = "年月 YYYYMM"
#: The ``fmt`` of an amount column.
MONEY_FMT = "金额(元)，最多两位小数"
#: The ``fmt`` of a text column (written as text, so an ID number stays text).
TEXT_FMT = "文本"

#: 证件类型, a drop-down of :data:`CERT_TYPES`; every template has it.
CERT_TYPE_COLUMN = _col(
    "cert_type", "证件类型", choices=CERT_TYPES, fmt="下拉选择",
    source=f"{_JS} 3.6.3; {_DL} 4.5.2 第3条: 模板中的证件类型需要根据下拉选项进行选择",
)  # fmt: skip
#: 证件号码, text; every template has it.
CERT_NO_COLUMN = _col(
    "cert_no", "证件号码", fmt=TEXT_FMT, note="18位居民身份证号码末位可为X；请勿以数字格式填写",
    source=f"{_JS} 3.6.3",
)  # fmt: skip
#: 姓名, text; every template has it (a portal may title it 人员姓名: ``attrs.evolve`` it).
NAME_COLUMN = _col("name", "姓名", fmt=TEXT_FMT, source=f"{_JS} 3.6.3")

GENERIC: dict[str, Template] = {
    "enroll": Template(
        "enroll",
        "职工批量增员申报模板",
        (
            CERT_TYPE_COLUMN,
            CERT_NO_COLUMN,
            NAME_COLUMN,
            _col(
                "gender",
                "性别",
                required=False,
                choices=GENDERS,
                fmt="下拉选择",
                note="证件类型为居民身份证时不用填写(由证件号码识别)，其他证件必填",
                source=f"{_JS} 3.6.3",
            ),
            _col(
                "ethnicity",
                "民族",
                required=False,
                default="汉族",
                choices=ETHNIC_GROUPS,
                fmt="下拉选择",
                note="不填默认汉族",
                source=f"{_JS} 3.6.3; {_DL} 4.6.2 第6项",
            ),
            _col(
                "birth",
                "出生日期",
                Kind.DATE,
                required=False,
                fmt=DATE_FMT,
                note="证件类型为居民身份证时不用填写(由证件号码识别)，其他证件必填",
                source=f"{_JS} 3.6.3",
            ),
            _col(
                "country",
                "国家地区代码",
                required=False,
                default="中国",
                fmt=TEXT_FMT,
                note="不填默认中国",
                source=f"{_JS} 3.6.3",
            ),
            _col(
                "wage",
                "申报工资",
                Kind.MONEY,
                fmt=MONEY_FMT,
                note="月工资，核定时按当年缴费基数上下限保底封顶",
                source=f"{_JS} 3.6.3; {_DL} 4.6.2 第10项",
            ),
            _col(
                "start",
                "本次参保日期",
                Kind.DATE,
                required=False,
                default="today",
                fmt=DATE_FMT,
                note="不填默认当前日期；按所在月份参保",
                source=f"{_JS} 3.6.3",
            ),
            _col(
                "mobile",
                "手机号码",
                fmt=TEXT_FMT,
                note="11位手机号码，请以文本格式填写",
                source=f"{_JS} 3.1.2 (*手机号码) 与 3.6.3",
            ),
        ),
        source=f"{_JS} 3.6.3 职工批量增员申报模板",
    ),
    "suspend": Template(
        "suspend",
        "职工批量减员申报模板",
        (
            CERT_TYPE_COLUMN,
            CERT_NO_COLUMN,
            NAME_COLUMN,
            _col(
                "end_date",
                "中断时间",
                Kind.DATE,
                fmt=DATE_FMT,
                note="减员(停保)日期",
                source=f"{_JS} 3.7.3: 中断时间格式为 YYYY/MM/DD; {_SZ} PART2: 减员时间范围是:上月末或本月末",
            ),
            _col(
                "reason",
                "中断原因",
                fmt=TEXT_FMT,
                note="文字; 源文件未列出下拉选项",
                source=f"{_JS} 3.7.3: 中断原因通过下拉列表选择 (选项未列出)",
            ),
            _col(
                "note",
                "备注",
                required=False,
                fmt=TEXT_FMT,
                source=f"{_JS} 3.2.2: 变更原因，变更时间，备注",
            ),
        ),
        source=f"{_JS} 3.7.3 职工批量减员申报模板 (列名据 3.2.2 与 3.7.3 整理，手册未印出模板表头)",
    ),
    "wages": Template(
        "wages",
        "职工缴费工资申报模板",
        (
            CERT_TYPE_COLUMN,
            CERT_NO_COLUMN,
            NAME_COLUMN,
            _col(
                "start",
                "开始年月",
                default="this_month",
                required=False,
                fmt=MONTH_FMT,
                note="不填默认当月",
                source=f"{_DL} 4.8.2 第7项; {_JS} 3.3.3: 开始时间",
            ),
            _col(
                "end",
                "结束年月",
                default="this_month",
                required=False,
                fmt=MONTH_FMT,
                note="不填默认当月",
                source=f"{_DL} 4.8.2 第8项; {_JS} 3.3.3: 结束时间",
            ),
            _col(
                "wage",
                "申报工资",
                Kind.MONEY,
                fmt=MONEY_FMT,
                source=f"{_DL} 4.8.2 第10项; {_JS} 3.3.3: 工资",
            ),
        ),
        source=f"{_DL} 4.8 与 {_JS} 3.3 (单人缴费申报) 的共同字段",
    ),
    "reconcile": Template(
        "reconcile",
        "人员信息比对模板",
        (CERT_TYPE_COLUMN, CERT_NO_COLUMN, NAME_COLUMN),
        source=f"{_DL} 4.5 人员信息比对 (模板列据 4.5.2 整理，手册未印出模板表头)",
    ),
    "change": Template(
        "change",
        "单位及职工信息变更模板",
        (
            _col("subject", "变更对象", choices=("单位", "职工"), fmt="下拉选择",
                 source="henan-unit-hall-guide.txt 经办服务 13–16"),
            _col("kind", "变更类型", required=False, choices=("关键信息变更", "非关键信息变更"),
                 fmt="下拉选择", note="不填时按统筹区的关键信息项判断",
                 source="henan-unit-hall-guide.txt 经办服务 13–16"),
            attrs.evolve(CERT_TYPE_COLUMN, required=False, note="变更对象为职工时填写，不填默认居民身份证"),
            attrs.evolve(CERT_NO_COLUMN, required=False, note="变更对象为职工时必填"),
            _col("uscc", "统一社会信用代码", required=False, fmt=TEXT_FMT, note="变更对象为单位时必填",
                 source="henan-unit-hall-guide.txt 单位用户注册"),
            _col("name", "名称", required=False, fmt=TEXT_FMT, note="职工姓名或单位名称",
                 source="henan-unit-hall-guide.txt 单位用户注册; jiangsu-unit-hall-user-manual.txt 3.5.2"),
            _col("item", "变更项目", note="页面上的指标项名称，如 手机号码、单位通讯地址",
                 source="henan-unit-hall-guide.txt 经办服务: 仅可修改末尾有“铅笔图标”的指标项"),
            _col("old", "原值", required=False, fmt=TEXT_FMT, source=_CHANGE_ROW),
            _col("new", "新值", required=False, fmt=TEXT_FMT, note="不填即清空该项", source=_CHANGE_ROW),
            _col("attachments", "附件", required=False, fmt=TEXT_FMT,
                 note="盖章纸质表等图片的文件名，多个以 ; 分隔，与本文件放在同一文件夹",
                 source="henan-unit-hall-guide.txt: 将扫描或拍照的带章纸质表作为附件上传"),
        ),
        source="medins: 网厅的信息变更是逐条办理的页面 (henan-unit-hall-guide.txt 经办服务 13–16)，未印出批量模板",
    ),
}
"""The template of each kind for a region whose portal document prints none."""


def check_kind(kind: str) -> str:
    """``kind`` when it is one of :data:`KINDS`, else an ``unknown_template`` error."""
    if kind not in KINDS:
        raise InputError(
            "unknown_template", f"未知的模板类型 {kind!r}；可用: {', '.join(KINDS)}", field="kind"
        )
    return kind


def template_for(kind: str, region: HasTemplates | None = None) -> Template:
    """The template of ``kind`` for ``region`` (its plugin's answer, else :data:`GENERIC`).

    Without a region the answer is the generic template.
    """
    check_kind(kind)
    return GENERIC[kind] if region is None else region.template(kind)


def with_reasons(template: Template, reasons: Sequence[str], source: str) -> Template:
    """``template`` with the suspension reasons a region's source names shown on its 中断原因
    column: as a hint, not a closed list ("…等原因": other reasons are accepted)."""
    column = template.column("reason")
    if column is None or not reasons:
        return template
    hinted = attrs.evolve(
        column, choices=(), note=f"如: {'、'.join(reasons)}等原因 (可填写其他原因)", source=source
    )
    return attrs.evolve(
        template, columns=tuple(hinted if c is column else c for c in template.columns)
    )
