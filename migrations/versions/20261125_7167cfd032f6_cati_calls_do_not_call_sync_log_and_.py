"""cati calls, do-not-call, sync log and conflicts

Revision ID: 7167cfd032f6
Revises: 9c68e019c768
Create Date: 2026-11-25 14:17:50.257380

Runs on SQLite (batch mode: tables are rebuilt, foreign keys are off during the
migration and checked before its commit) and on PostgreSQL. Column types are plain
SQLAlchemy types; never import the application's models here.

The new NOT NULL columns of `cases` get server defaults so that existing rows migrate.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "7167cfd032f6"
down_revision: str | Sequence[str] | None = "9c68e019c768"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("audience", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_log_audience"), ["audience"], unique=False)

    op.create_table(
        "sync_conflicts",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("device_payload", sa.JSON(), nullable=False),
        sa.Column("central_payload", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflicts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sync_conflicts_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "sync_log",
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("central", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("pushed", sa.JSON(), nullable=False),
        sa.Column("pulled", sa.JSON(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_log")),
    )
    op.create_table(
        "do_not_call",
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_do_not_call_added_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_do_not_call")),
        sa.UniqueConstraint("phone", name=op.f("uq_do_not_call_phone")),
    )
    op.create_table(
        "call_attempts",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("interviewer_id", sa.Uuid(), nullable=False),
        sa.Column("interview_id", sa.Uuid(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_hard", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("synced_revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_call_attempts_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_call_attempts_interview_id_interviews"),
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"], ["users.id"], name=op.f("fk_call_attempts_interviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_call_attempts_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempts")),
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_attempts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_attempts_interviewer_id"), ["interviewer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_attempts_survey_id"), ["survey_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phones", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("region", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("appointment_hard", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("appointment_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("final_disposition", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("do_not_call", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("lease_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_holder", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_cases_queue", ["survey_id", "final_disposition", "next_call_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_appointment_by_users"), "users", ["appointment_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_lease_user_id_users"), "users", ["lease_user_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_lease_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_cases_appointment_by_users"), type_="foreignkey")
        batch_op.drop_index("ix_cases_queue")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_user_id")
        batch_op.drop_column("lease_holder")
        batch_op.drop_column("lease_token")
        batch_op.drop_column("do_not_call")
        batch_op.drop_column("final_disposition")
        batch_op.drop_column("last_outcome")
        batch_op.drop_column("appointment_by")
        batch_op.drop_column("appointment_hard")
        batch_op.drop_column("appointment_at")
        batch_op.drop_column("next_call_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("region")
        batch_op.drop_column("phones")

    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempts_survey_id"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_interviewer_id"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_case_id"))

    op.drop_table("call_attempts")
    op.drop_table("do_not_call")
    op.drop_table("sync_log")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_entity_id"))
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_case_id"))

    op.drop_table("sync_conflicts")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_audience"))

    op.drop_table("change_log")
