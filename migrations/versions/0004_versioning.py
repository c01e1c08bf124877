"""versioned documents share one lifecycle: who retired a version and when

Placement policies gain ``retired_at`` (tables had it); both kinds gain ``retired_by_id``.
Existing data is kept. A policy already retired by the publication of its successor gets
that publication's time as its retirement time; other retirements stay unknown (NULL).

No batch (copy-and-move) on SQLite: the portal enforces foreign keys and opens every
transaction with BEGIN IMMEDIATE, so the pragma cannot be switched off here, and dropping the
old copy of a table would cascade-delete the rows that reference it (rules, programmes).
SQLite's own ADD COLUMN ... REFERENCES and DROP COLUMN (3.35+) change the table in place.

Revision ID: 0004_versioning
Revises: 0003_name_tokens
Create Date: 2026-12-02 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_versioning'
down_revision = '0003_name_tokens'
branch_labels = None
depends_on = None


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def _add_user_reference(table, column):
    name = f'fk_{table}_{column}_users'
    if _sqlite():
        # ADD COLUMN with an inline reference: no batch copy of the table. Dropping the old
        # copy under PRAGMA foreign_keys would cascade-delete the rows that reference it.
        op.execute(
            f'ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES users (id)'
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, 'users', [column], ['id'])


def upgrade():
    _add_user_reference('equivalency_tables', 'retired_by_id')
    _add_user_reference('placement_policies', 'retired_by_id')
    op.add_column('placement_policies', sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))

    # Written without an alias on the updated table: SQLite accepts none there.
    op.execute(
        "UPDATE placement_policies SET retired_at = ("
        " SELECT successor.published_at FROM placement_policies AS successor"
        " WHERE successor.supersedes_id = placement_policies.id"
        " AND successor.status != 'draft'"
        " ORDER BY successor.version LIMIT 1)"
        " WHERE status = 'retired' AND retired_at IS NULL"
    )


def _drop_user_reference(table, column):
    if _sqlite():
        # Native DROP COLUMN (SQLite 3.35+), for the same reason: no copy of the table.
        op.drop_column(table, column)
    else:
        op.drop_constraint(f'fk_{table}_{column}_users', table, type_='foreignkey')
        op.drop_column(table, column)


def downgrade():
    op.drop_column('placement_policies', 'retired_at')
    _drop_user_reference('placement_policies', 'retired_by_id')
    _drop_user_reference('equivalency_tables', 'retired_by_id')
