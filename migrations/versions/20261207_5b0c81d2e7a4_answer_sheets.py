"""answer sheets: each interview's answers outside repeats in one row, for exports

Revision ID: 5b0c81d2e7a4
Revises: 342b24f2ad24
Create Date: 2026-12-07 14:30:00.000000

Runs on SQLite and on PostgreSQL. Column types are plain SQLAlchemy types; never import
the application's models here. The table starts empty: central writes an interview's
sheet whenever it takes a version of it, and an export reads the interviews that have
none (those synced before this revision, and every interview of a device's own store)
from their answer rows, with the same result.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5b0c81d2e7a4"
down_revision: str | Sequence[str] | None = "342b24f2ad24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_sheets",
        sa.Column("interview_id", sa.Uuid(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("answer_values", sa.Text(), nullable=False),
        sa.Column("specials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"],
            name=op.f("fk_answer_sheets_interview_id_interviews"),
        ),
        sa.PrimaryKeyConstraint("interview_id", name=op.f("pk_answer_sheets")),
    )


def downgrade() -> None:
    op.drop_table("answer_sheets")
