"""one paradata sequence per interview

Revision ID: 9c68e019c768
Revises: e91e2bc568f6
Create Date: 2026-11-25 13:36:54.658468

Runs on SQLite (batch mode: tables are rebuilt, foreign keys are off during the
migration and checked before its commit) and on PostgreSQL. Column types are plain
SQLAlchemy types; never import the application's models here.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "9c68e019c768"
down_revision: str | Sequence[str] | None = "e91e2bc568f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("paradata_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paradata_interview_seq"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_paradata_events_interview_id_seq"), ["interview_id", "seq"]
        )


def downgrade() -> None:
    with op.batch_alter_table("paradata_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_paradata_events_interview_id_seq"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_paradata_interview_seq"), ["interview_id", "seq"], unique=False
        )
