"""questionnaire model cache

Revision ID: e91e2bc568f6
Revises: c3924be4f34a
Create Date: 2026-11-25 12:59:57.552209

Runs on SQLite (batch mode: tables are rebuilt, foreign keys are off during the
migration and checked before its commit) and on PostgreSQL. Column types are plain
SQLAlchemy types; never import the application's models here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e91e2bc568f6"
down_revision: str | Sequence[str] | None = "c3924be4f34a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_versions", schema=None) as batch_op:
        batch_op.drop_column("model_json")
