"""wants, future story and visuals: wants records and analyses, story interview drafts and stories, story pictures,
and the AI usage log (tokens per user and feature)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DRAFT_ONLY = sa.text("status = 'draft'")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "ai_usage_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("feature", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ai_usage_log_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_usage_log")),
    )
    op.create_index("ix_ai_usage_log_user_created", "ai_usage_log", ["user_id", "created_at"])

    op.create_table(
        "wants_raw",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stream_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stream_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stream_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw_wants_stream", sa.Text(), nullable=False),
        sa.Column("future_me", sa.Text(), nullable=False),
        sa.Column("future_me_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw_envy", sa.Text(), nullable=True),
        sa.Column("raw_regrets", sa.Text(), nullable=True),
        sa.Column("raw_what_to_do_5y", sa.Text(), nullable=True),
        sa.Column("reverse_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_wants_raw_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wants_raw")),
    )
    op.create_index("ix_wants_raw_user_status_completed", "wants_raw", ["user_id", "status", "completed_at"])
    op.create_index("uq_wants_raw_one_draft_per_user", "wants_raw", ["user_id"], unique=True,
                    sqlite_where=DRAFT_ONLY, postgresql_where=DRAFT_ONLY)

    op.create_table(
        "wants_analysis",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("raw_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("generated_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_wants_analysis_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["raw_id"], ["wants_raw.id"], name=op.f("fk_wants_analysis_raw_id_wants_raw"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wants_analysis")),
    )
    op.create_index("ix_wants_analysis_user_created", "wants_analysis", ["user_id", "created_at"])
    op.create_index(op.f("ix_wants_analysis_raw_id"), "wants_analysis", ["raw_id"])

    op.create_table(
        "future_story_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_future_story_drafts_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_future_story_drafts_area_id_areas"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_future_story_drafts")),
        sa.UniqueConstraint("user_id", "area_id", name=op.f("uq_future_story_drafts_user_id_area_id")),
    )

    op.create_table(
        "future_stories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("full_text_3y", sa.Text(), nullable=False),
        sa.Column("full_text_5y", sa.Text(), nullable=False),
        sa.Column("by_area_3y", sa.JSON(), nullable=False),
        sa.Column("by_area_5y", sa.JSON(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("generated_by", sa.String(length=16), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_future_stories_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_future_stories")),
    )
    op.create_index("ix_future_stories_user_created", "future_stories", ["user_id", "created_at"])

    op.create_table(
        "visual_assets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("story_id", sa.Uuid(), nullable=False),
        sa.Column("image_key", sa.String(length=64), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_visual_assets_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["future_stories.id"],
                                name=op.f("fk_visual_assets_story_id_future_stories"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visual_assets")),
    )
    op.create_index("ix_visual_assets_user_story", "visual_assets", ["user_id", "story_id"])


def downgrade() -> None:
    op.drop_index("ix_visual_assets_user_story", table_name="visual_assets")
    op.drop_table("visual_assets")
    op.drop_index("ix_future_stories_user_created", table_name="future_stories")
    op.drop_table("future_stories")
    op.drop_table("future_story_drafts")
    op.drop_index(op.f("ix_wants_analysis_raw_id"), table_name="wants_analysis")
    op.drop_index("ix_wants_analysis_user_created", table_name="wants_analysis")
    op.drop_table("wants_analysis")
    op.drop_index("uq_wants_raw_one_draft_per_user", table_name="wants_raw")
    op.drop_index("ix_wants_raw_user_status_completed", table_name="wants_raw")
    op.drop_table("wants_raw")
    op.drop_index("ix_ai_usage_log_user_created", table_name="ai_usage_log")
    op.drop_table("ai_usage_log")
