"""an original assessment's document no longer repeats its stored lines

Revision ID: 0006_compact_documents
Revises: 0005_line_basis

An original revision's lines are all in ``assessment_line``; its document is now stored with
``"lines": {"stored": true, "zero": [...]}`` instead of the lines themselves, and the book puts
them back when it reads the document (medins_core.book.document). No table changes: this
revision marks the books that may hold such documents, so that an older medins, which would
return them without their lines, refuses to open them. Documents stored before are read as
they are.
"""

from __future__ import annotations

revision = '0006_compact_documents'
down_revision = '0005_line_basis'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
