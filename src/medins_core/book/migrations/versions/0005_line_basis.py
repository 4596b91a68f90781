"""what lines share is stored once: the values, limits and rounding behind a line

Revision ID: 0005_line_basis
Revises: 0004_unit_version

Every line of one insurance line and period used the same rates, fixed amounts, base limits
and rounding, with their sources. They are now kept once in ``line_basis`` and a line points
to them, keeping its own base (``base_fen``); lines stored before keep their whole
explanation in ``explain``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_line_basis'
down_revision = '0004_unit_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'line_basis',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest'),
    )
    with op.batch_alter_table('assessment_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('basis_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_assessment_line_basis', 'line_basis', ['basis_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('assessment_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assessment_line_basis', type_='foreignkey')
        batch_op.drop_column('basis_id')
        batch_op.drop_column('base_fen')
    op.drop_table('line_basis')
