"""insurance line codes up to 40 characters

Local lines have codes such as ``suzhou_supplementary`` (20 characters); the first schema
held 8, which PostgreSQL enforces (SQLite does not).

Revision ID: 0003_line_codes
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_line_codes'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = ("cover", "assessment_line")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('insurance', existing_type=sa.String(length=8), type_=sa.String(length=40),
                                  existing_nullable=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('insurance', existing_type=sa.String(length=40), type_=sa.String(length=8),
                                  existing_nullable=False)
