"""A unit's version, bumped by every write that changes what its assessment reads

Revision ID: 0004_unit_version
Revises: 0003_line_codes

An assessment records the unit's version and the fingerprint of the rules it used; asking
again with both unchanged returns it without assessing again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_unit_version'
down_revision = '0003_line_codes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('unit_version')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('version')
