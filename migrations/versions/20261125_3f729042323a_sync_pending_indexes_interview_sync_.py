"""sync: pending indexes, interview sync hash, conflict fingerprint

Revision ID: 3f729042323a
Revises: 7167cfd032f6
Create Date: 2026-11-25 14:26:09.304616

Runs on SQLite (batch mode: tables are rebuilt, foreign keys are off during the
migration and checked before its commit) and on PostgreSQL. Column types are plain
SQLAlchemy types; never import the application's models here.

Partial indexes on the rows still to push (revision != synced_revision, synced = false):
a sync with nothing to do reads them instead of scanning the store. `interviews.sync_hash`
is the content hash of the device version central holds (idempotent resends);
`sync_conflicts.fingerprint` makes a conflict seen twice (a resent batch) one row.
Both new columns are nullable: existing rows migrate as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3f729042323a"
down_revision: str | Sequence[str] | None = "7167cfd032f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("synced = false"),
            postgresql_where=sa.text("synced = false"),
        )

    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_attempts_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )

    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_interviews_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )

    with op.batch_alter_table("paradata_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_paradata_events_pending",
            ["interview_id"],
            unique=False,
            sqlite_where=sa.text("synced = false"),
            postgresql_where=sa.text("synced = false"),
        )

    with op.batch_alter_table("remarks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_remarks_pending",
            ["interview_id"],
            unique=False,
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )

    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_sync_conflicts_fingerprint"), ["fingerprint"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_sync_conflicts_fingerprint"), type_="unique")
        batch_op.drop_column("fingerprint")

    with op.batch_alter_table("remarks", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_remarks_pending",
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )

    with op.batch_alter_table("paradata_events", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_paradata_events_pending",
            sqlite_where=sa.text("synced = false"),
            postgresql_where=sa.text("synced = false"),
        )

    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_interviews_pending",
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )
        batch_op.drop_column("sync_hash")

    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_call_attempts_pending",
            sqlite_where=sa.text("revision != synced_revision"),
            postgresql_where=sa.text("revision != synced_revision"),
        )

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_audit_log_pending",
            sqlite_where=sa.text("synced = false"),
            postgresql_where=sa.text("synced = false"),
        )
