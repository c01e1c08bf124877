"""versioned documents share one lifecycle: who retired a version and when

Placement policies gain ``retired_at`` (tables had it); both kinds gain ``retired_by_id``.
Existing data is kept. A policy already retired by the publication of its successor gets
that publication's time as its retirement time; other retirements stay unknown (NULL).

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


def upgrade():
    with op.batch_alter_table('equivalency_tables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_equivalency_tables_retired_by_id_users'), 'users', ['retired_by_id'], ['id'])

    with op.batch_alter_table('placement_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_placement_policies_retired_by_id_users'), 'users', ['retired_by_id'], ['id'])

    # Written without an alias on the updated table: SQLite accepts none there.
    op.execute(
        "UPDATE placement_policies SET retired_at = ("
        " SELECT successor.published_at FROM placement_policies AS successor"
        " WHERE successor.supersedes_id = placement_policies.id"
        " AND successor.status != 'draft'"
        " ORDER BY successor.version LIMIT 1)"
        " WHERE status = 'retired' AND retired_at IS NULL"
    )


def downgrade():
    with op.batch_alter_table('placement_policies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_placement_policies_retired_by_id_users'), type_='foreignkey')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('retired_by_id')

    with op.batch_alter_table('equivalency_tables', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_equivalency_tables_retired_by_id_users'), type_='foreignkey')
        batch_op.drop_column('retired_by_id')
