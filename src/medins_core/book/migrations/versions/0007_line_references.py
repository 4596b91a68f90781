"""on PostgreSQL, a line's references are checked once a statement, and what they refer to stays

Revision ID: 0007_line_references
Revises: 0006_compact_documents

A line refers to its revision, its person and its explanation. As foreign keys, PostgreSQL
checked each reference row by row, about 5 µs a key and a row: three quarters of the server's
work of storing a line. Instead, a trigger checks every line a statement inserts or updates,
in one query, and refuses the statement with foreign_key_violation (SQLSTATE 23503) when a line
refers to a row that does not exist. A foreign key also keeps the rows referred to; here the
rows of ``person``, ``assessment`` and ``line_basis`` cannot be deleted, truncated or given
another id (the book never does any of these), so a reference, once checked, stays true
without locking the row it refers to.

SQLite keeps the foreign keys (its check is an index lookup, without the per-row cost).
"""

from __future__ import annotations

from alembic import op

revision = '0007_line_references'
down_revision = '0006_compact_documents'
branch_labels = None
depends_on = None

# the foreign keys this replaces, as 0001 and 0005 made them: (column, table referred to, name)
KEYS = (
    ('assessment_id', 'assessment', 'assessment_line_assessment_id_fkey'),
    ('person_id', 'person', 'assessment_line_person_id_fkey'),
    ('basis_id', 'line_basis', 'fk_assessment_line_basis'),
)
KEPT = ('person', 'assessment', 'line_basis')

CHECK = """
CREATE FUNCTION medins_line_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT CASE
               WHEN NOT EXISTS (SELECT FROM assessment a WHERE a.id = n.assessment_id)
                   THEN format('assessment (id)=(%s)', n.assessment_id)
               WHEN NOT EXISTS (SELECT FROM person p WHERE p.id = n.person_id)
                   THEN format('person (id)=(%s)', n.person_id)
               ELSE format('line_basis (id)=(%s)', n.basis_id)
           END
      INTO missing
      FROM written n
     WHERE NOT EXISTS (SELECT FROM assessment a WHERE a.id = n.assessment_id)
        OR NOT EXISTS (SELECT FROM person p WHERE p.id = n.person_id)
        OR (n.basis_id IS NOT NULL AND NOT EXISTS (SELECT FROM line_basis b WHERE b.id = n.basis_id))
     LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('a line of assessment_line refers to %s, which is not in the book', missing);
    END IF;
    RETURN NULL;
END $$
"""

REFUSE = """
CREATE FUNCTION medins_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING
        MESSAGE = format('%s on %s is refused: lines of assessment_line may refer to its rows', TG_OP, TG_TABLE_NAME);
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for _, _, name in KEYS:
        op.drop_constraint(name, 'assessment_line', type_='foreignkey')
    op.execute(CHECK)
    op.execute(
        'CREATE TRIGGER medins_line_references AFTER INSERT ON assessment_line '
        'REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION medins_line_references()'
    )
    op.execute(
        'CREATE TRIGGER medins_line_references_changed AFTER UPDATE ON assessment_line '
        'REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION medins_line_references()'
    )
    op.execute(REFUSE)
    for table in KEPT:
        op.execute(
            f'CREATE TRIGGER medins_referred_rows_kept BEFORE UPDATE OF id OR DELETE OR TRUNCATE '
            f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION medins_refuse_change()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in KEPT:
        op.execute(f'DROP TRIGGER medins_referred_rows_kept ON {table}')
    op.execute('DROP TRIGGER medins_line_references_changed ON assessment_line')
    op.execute('DROP TRIGGER medins_line_references ON assessment_line')
    op.execute('DROP FUNCTION medins_refuse_change()')
    op.execute('DROP FUNCTION medins_line_references()')
    for column, table, name in KEYS:
        op.create_foreign_key(name, 'assessment_line', table, [column], ['id'])
