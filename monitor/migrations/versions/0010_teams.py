"""Teams (issue 17): several teams share one archive, each sees only the sources it subscribes to.

- teams: one row per team; the team `default` (the plain feeds.yaml's team) is created
  here and is always id 1 (the first row of a new table on both databases).
- people, team_members: a person (argon2 login) belongs to one or more teams with a role
  (admin, editor, viewer).
- subscriptions: a team's view of a source — its own name, category, platforms, language
  and interval. Every existing source is subscribed by the default team under its name.
- sources.fetch_key: what is fetched (normalised URL, kind, the options that change the
  request or the parse), hashed; unique, so a source shared by teams is fetched once.
  Existing rows get `legacy:<id>` until the next `monitor config apply`/`monitor run`
  computes the real key (the options are only in the config, not in the table).
- team_id on corrections, deliveries and digests, backfilled to the default team;
  deliveries are unique per (team, target, item), digests per (team, target, period).

SQLite: no table that another table references with ON DELETE CASCADE is rebuilt (sources,
digests): with foreign keys on, dropping the old table in a batch rebuild would delete the
rows that point at it. Those get plain ADD COLUMNs (digests.team_id then has no foreign key
on SQLite; the default team is never deleted). corrections and deliveries, which nothing
references, are rebuilt in batch mode and get their foreign key.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROLES = "role IN ('admin', 'editor', 'viewer')"


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=60), nullable=True),
        sa.Column("created", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug", name="uq_teams_slug"),
    )
    op.create_table(
        "people",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(ROLES, name="ck_team_members_role"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person"], ["people.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "person"),
    )
    op.create_index("ix_team_members_person", "team_members", ["person"])
    op.create_table(
        "subscriptions",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "source_id"),
        sa.UniqueConstraint("team_id", "name", name="uq_subscriptions_team_name"),
    )
    op.create_index("ix_subscriptions_source", "subscriptions", ["source_id", "active"])

    teams = sa.table("teams", sa.column("slug", sa.String), sa.column("name", sa.String),
                     sa.column("created", monitor.store.schema.UTCDateTime()))
    op.execute(teams.insert().values(slug="default", name="Default", created=sa.func.current_timestamp()))
    team_id = bind.execute(sa.text("SELECT id FROM teams WHERE slug = 'default'")).scalar_one()
    op.execute(sa.text(
        "INSERT INTO subscriptions (team_id, source_id, name, category, platforms, language, interval_seconds, active) "
        "SELECT :team, id, name, category, '[]', language, NULL, active FROM sources").bindparams(team=team_id))

    # sources.fetch_key: NOT NULL with a placeholder default, made unique once every row has its own key.
    op.add_column("sources", sa.Column("fetch_key", sa.String(length=80), nullable=False, server_default=""))
    op.execute("UPDATE sources SET fetch_key = 'legacy:' || CAST(id AS VARCHAR(20))")
    op.create_index("uq_sources_fetch_key", "sources", ["fetch_key"], unique=True)
    if postgres:
        op.alter_column("sources", "fetch_key", server_default=None)

    default = sa.text(str(team_id))
    for table in ("corrections", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("team_id", sa.Integer(), nullable=False, server_default=default))
            batch.create_foreign_key(f"fk_{table}_team_id", "teams", ["team_id"], ["id"], ondelete="CASCADE")
            if table == "deliveries":
                batch.drop_constraint("uq_deliveries_target_item", type_="unique")
                batch.create_unique_constraint("uq_deliveries_team_target_item", ["team_id", "target", "item_id"])
    op.create_index("ix_corrections_team_item", "corrections", ["team_id", "item_id"])

    if postgres:
        op.add_column("digests", sa.Column("team_id", sa.Integer(), sa.ForeignKey(
            "teams.id", name="fk_digests_team_id", ondelete="CASCADE"), nullable=False, server_default=default))
    else:
        op.add_column("digests", sa.Column("team_id", sa.Integer(), nullable=False, server_default=default))
    op.drop_index("uq_digests_target_period", table_name="digests")
    op.create_index("uq_digests_team_target_period", "digests", ["team_id", "target", "period"], unique=True)
    if postgres:
        for sql in ROW_SECURITY:
            op.execute(sql)


# PostgreSQL's row-level security as a second guard behind monitor.teams.scope: a transaction that
# names its team (`SELECT set_config('lagebild.team', '<id>', true)`, monitor.teams.scope.guard) sees
# only items of that team's active subscriptions, whatever its query forgot. Without the setting
# everything is visible as before (the crawler, migrate-db, commands for the default team).
# Superusers bypass it; the deployment's own role does not (FORCE applies it to the table owner).
ROW_SECURITY = [
    "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE items FORCE ROW LEVEL SECURITY",
    "CREATE POLICY items_of_team ON items USING ("
    " coalesce(current_setting('lagebild.team', true), '') = ''"
    " OR source_id IN (SELECT source_id FROM subscriptions"
    "  WHERE team_id = NULLIF(current_setting('lagebild.team', true), '')::integer AND active))",
]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP POLICY IF EXISTS items_of_team ON items")
        op.execute("ALTER TABLE items NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE items DISABLE ROW LEVEL SECURITY")
    op.drop_index("uq_digests_team_target_period", table_name="digests")
    op.create_index("uq_digests_target_period", "digests", ["target", "period"], unique=True)
    if postgres:
        op.drop_constraint("fk_digests_team_id", "digests", type_="foreignkey")
    op.drop_column("digests", "team_id")
    op.drop_index("ix_corrections_team_item", table_name="corrections")
    for table in ("corrections", "deliveries"):
        with op.batch_alter_table(table) as batch:
            if table == "deliveries":
                batch.drop_constraint("uq_deliveries_team_target_item", type_="unique")
                batch.create_unique_constraint("uq_deliveries_target_item", ["target", "item_id"])
            batch.drop_constraint(f"fk_{table}_team_id", type_="foreignkey")
            batch.drop_column("team_id")
    op.drop_index("uq_sources_fetch_key", table_name="sources")
    op.drop_column("sources", "fetch_key")
    op.drop_index("ix_subscriptions_source", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index("ix_team_members_person", table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("people")
    op.drop_table("teams")
