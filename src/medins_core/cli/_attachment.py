"""``medins check attachment FILE…``: attachment files checked by their content, as a portal would.

Exit codes as ``check``: 0 every file passes and nothing required is missing, 1 some
problem, 2 a file cannot be read (or an unknown region).
"""

from __future__ import annotations

import argparse
import json

from medins_core.cli._common import registry_from
from medins_core.ids import mask_text
from medins_core.io.attachment_files import attachment_limit, read_attachment
from medins_core.operations import Attachment, Problem, check_attachment
from medins_core.operations.attachments import FORMATS, check_attachments, image_info, sniff


def _problem(p: Problem) -> dict[str, str]:
    return {"code": p.code, "message": mask_text(p.message), "severity": p.severity.value}


def _describe(attachment: Attachment) -> dict[str, object]:
    info = image_info(attachment.content)
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "format": sniff(attachment.content),
        "bytes": attachment.byte_size,
        "width": None if info is None else info.width,
        "height": None if info is None else info.height,
    }


def run(args: argparse.Namespace) -> int:
    """Check every file given; print the answer; exit 0, 1 or 2."""
    rules = registry_from(args).region(args.region).rules
    limit = attachment_limit(rules)
    files = [read_attachment(f, kind=args.attachment_kind, max_bytes=limit) for f in args.file]
    answers = [(path, a, check_attachment(a, rules=rules)) for path, a in zip(args.file, files)]
    # what the business needs but was not given (each file's own problems are above)
    missing = [
        p
        for p in check_attachments(files, rules=rules, purpose=args.purpose)
        if p.code == "attachment_missing"
    ]
    failed = missing or any(p.is_error for _, _, problems in answers for p in problems)
    if args.format == "json":
        out = {
            "region": rules.code,
            "for": args.purpose,
            "passed": not failed,
            "files": [
                {"file": path, **_describe(a), "problems": [_problem(p) for p in problems]}
                for path, a, problems in answers
            ],
            "missing": [_problem(p) for p in missing],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(_render(rules.name, rules.code, answers, missing, args.purpose))
    return 1 if failed else 0


def _render(
    name: str,
    code: str,
    answers: list[tuple[str, Attachment, list[Problem]]],
    missing: list[Problem],
    purpose: str | None,
) -> str:
    out = [f"附件检查 · {name}({code})" + (f" · {purpose}" if purpose else "")]
    for path, attachment, problems in answers:
        facts = _describe(attachment)
        what = FORMATS.get(str(facts["format"]), "无法识别的文件")
        size = f" {facts['width']}×{facts['height']}" if facts["width"] else ""
        mark = "未通过" if any(p.is_error for p in problems) else "通过"
        out.append(f"{mark}  {mask_text(path)}  {what}{size}  {facts['bytes']} 字节")
        out += [f"    [{p.code}] {mask_text(p.message)}" for p in problems]
    out += [f"未通过  [{p.code}] {mask_text(p.message)}" for p in missing]
    return "\n".join(out)
