"""telephone queue indexes

Revision ID: f4942f7b9414
Revises: 3f729042323a
Create Date: 2026-11-25 14:46:16.546359

Runs on SQLite (batch mode: tables are rebuilt, foreign keys are off during the
migration and checked before its commit) and on PostgreSQL. Column types are plain
SQLAlchemy types; never import the application's models here.

The telephone queue's claim reads cases in two orders (services/calling.py); each gets a
partial index over the open cases. Autogenerate cannot see the expression index on
SQLite, so it is written here by hand.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f4942f7b9414"
down_revision: str | Sequence[str] | None = "3f729042323a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_callable",
            ["survey_id", sa.text("priority DESC"), "attempts", "next_call_at", "id"],
            unique=False,
            postgresql_where=sa.text("final_disposition IS NULL AND NOT do_not_call"),
            sqlite_where=sa.text("final_disposition IS NULL AND NOT do_not_call"),
        )
        batch_op.create_index(
            "ix_cases_appointments",
            ["survey_id", "appointment_at"],
            unique=False,
            postgresql_where=sa.text("appointment_at IS NOT NULL AND final_disposition IS NULL"),
            sqlite_where=sa.text("appointment_at IS NOT NULL AND final_disposition IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_callable")
        batch_op.drop_index(
            "ix_cases_appointments",
            postgresql_where=sa.text("appointment_at IS NOT NULL AND final_disposition IS NULL"),
            sqlite_where=sa.text("appointment_at IS NOT NULL AND final_disposition IS NULL"),
        )
