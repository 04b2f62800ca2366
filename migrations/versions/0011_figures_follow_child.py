"""A child's figures go with the child by a statement trigger, not a foreign key checked per row.

A full recompute writes 84,000 child rows nationally; the key's check per row took most of a second.
Nothing is lost by it: every figures writer holds the figures lock and checks the child exists under
it, and an erasure takes the same lock before it deletes, so figures are never written for a child an
erasure has removed, and the trigger removes the figures of every child deleted, by erasure or with
its council.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOW = (
    """
CREATE FUNCTION child_figures_follow_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM child_needs_trends c USING gone WHERE c.child_pk = gone.id;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER child_figures_follow_child AFTER DELETE ON children
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION child_figures_follow_child()
""",
)


def upgrade() -> None:
    op.drop_constraint("fk_child_needs_trends_child_pk_children", "child_needs_trends", type_="foreignkey")
    for statement in FOLLOW:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER child_figures_follow_child ON children")
    op.execute("DROP FUNCTION child_figures_follow_child()")
    op.execute("DELETE FROM child_needs_trends c WHERE NOT EXISTS (SELECT 1 FROM children WHERE id = c.child_pk)")
    op.create_foreign_key(
        "fk_child_needs_trends_child_pk_children", "child_needs_trends", "children", ["child_pk"], ["id"],
        ondelete="CASCADE",
    )
