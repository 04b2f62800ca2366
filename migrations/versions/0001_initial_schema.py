"""initial schema

Revision ID: 0001
Revises: 
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("figures_row_version_seq")))
    op.create_table('instruments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('compatible_with', sa.ARRAY(sa.Integer()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_instruments_code'))
    )
    op.create_table('local_authorities',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_authorities')),
    sa.UniqueConstraint('code', name=op.f('uq_local_authorities_code'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_api_keys_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_index(op.f('ix_api_keys_la_id'), 'api_keys', ['la_id'], unique=False)
    op.create_table('children',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.String(length=64), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('ethnicity', sa.String(length=4), nullable=False),
    sa.Column('uasc', sa.Boolean(), nullable=False),
    sa.Column('synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_children_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children')),
    sa.UniqueConstraint('la_id', 'child_id', name=op.f('uq_children_la_id'))
    )
    op.create_index(op.f('ix_children_la_id'), 'children', ['la_id'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_idempotency_records_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('la_id', 'key', name=op.f('uq_idempotency_records_la_id'))
    )
    op.create_table('providers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('ofsted_urn', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_providers_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('la_id', 'external_id', name=op.f('uq_providers_la_id'))
    )
    op.create_index(op.f('ix_providers_la_id'), 'providers', ['la_id'], unique=False)
    op.create_table('assessments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('child_pk', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('instrument_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['child_pk'], ['children.id'], name=op.f('fk_assessments_child_pk_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_assessments_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_assessments_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('la_id', 'external_id', name=op.f('uq_assessments_la_id')),
    sa.UniqueConstraint('recorded_seq', name=op.f('uq_assessments_recorded_seq'))
    )
    op.create_index(op.f('ix_assessments_child_pk'), 'assessments', ['child_pk'], unique=False)
    op.create_index(op.f('ix_assessments_la_id'), 'assessments', ['la_id'], unique=False)
    op.create_table('child_needs_trends',
    sa.Column('child_pk', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('instrument_code', sa.String(length=64), nullable=False),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('assessments_count', sa.Integer(), nullable=False),
    sa.Column('baseline_assessment_id', sa.Uuid(), nullable=False),
    sa.Column('latest_assessment_id', sa.Uuid(), nullable=False),
    sa.Column('assessment_ids', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('baseline_assessed_on', sa.Date(), nullable=False),
    sa.Column('latest_assessed_on', sa.Date(), nullable=False),
    sa.Column('total_need', sa.Integer(), nullable=False),
    sa.Column('max_need', sa.SmallInteger(), nullable=True),
    sa.Column('actionable_count', sa.SmallInteger(), nullable=False),
    sa.Column('intensive_count', sa.SmallInteger(), nullable=False),
    sa.Column('baseline_total_need', sa.Integer(), nullable=False),
    sa.Column('baseline_max_need', sa.SmallInteger(), nullable=True),
    sa.Column('baseline_actionable_count', sa.SmallInteger(), nullable=False),
    sa.Column('baseline_intensive_count', sa.SmallInteger(), nullable=False),
    sa.Column('resolved_needs', sa.ARRAY(sa.String()), nullable=False),
    sa.Column('new_needs', sa.ARRAY(sa.String()), nullable=False),
    sa.Column('mixed_progress', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.BigInteger(), server_default=sa.text("nextval('figures_row_version_seq')"), nullable=False),
    sa.ForeignKeyConstraint(['child_pk'], ['children.id'], name=op.f('fk_child_needs_trends_child_pk_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_child_needs_trends_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('child_pk', name=op.f('pk_child_needs_trends'))
    )
    op.create_index(op.f('ix_child_needs_trends_computed_at'), 'child_needs_trends', ['computed_at'], unique=False)
    op.create_index(op.f('ix_child_needs_trends_la_id'), 'child_needs_trends', ['la_id'], unique=False)
    op.create_index(op.f('ix_child_needs_trends_row_version'), 'child_needs_trends', ['row_version'], unique=False)
    op.create_table('domain_needs_trends',
    sa.Column('child_pk', sa.Uuid(), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('ratings_count', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.SmallInteger(), nullable=True),
    sa.Column('previous', sa.SmallInteger(), nullable=True),
    sa.Column('latest', sa.SmallInteger(), nullable=True),
    sa.Column('change_since_baseline', sa.SmallInteger(), nullable=True),
    sa.Column('change_since_previous', sa.SmallInteger(), nullable=True),
    sa.Column('slope_per_year', sa.Double(), nullable=True),
    sa.Column('direction', sa.String(length=20), nullable=False),
    sa.Column('first_assessed_on', sa.Date(), nullable=True),
    sa.Column('latest_assessed_on', sa.Date(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.BigInteger(), server_default=sa.text("nextval('figures_row_version_seq')"), nullable=False),
    sa.ForeignKeyConstraint(['child_pk'], ['children.id'], name=op.f('fk_domain_needs_trends_child_pk_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_domain_needs_trends_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('child_pk', 'domain', name=op.f('pk_domain_needs_trends'))
    )
    op.create_index(op.f('ix_domain_needs_trends_computed_at'), 'domain_needs_trends', ['computed_at'], unique=False)
    op.create_index(op.f('ix_domain_needs_trends_la_id'), 'domain_needs_trends', ['la_id'], unique=False)
    op.create_index(op.f('ix_domain_needs_trends_row_version'), 'domain_needs_trends', ['row_version'], unique=False)
    op.create_table('placements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('child_pk', sa.Uuid(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('rne', sa.String(length=2), nullable=False),
    sa.Column('legal_status', sa.String(length=2), nullable=False),
    sa.Column('cin', sa.String(length=2), nullable=False),
    sa.Column('place', sa.String(length=3), nullable=False),
    sa.Column('place_provider', sa.String(length=3), nullable=True),
    sa.Column('reason_ended', sa.String(length=3), nullable=True),
    sa.Column('reason_place_change', sa.String(length=6), nullable=True),
    sa.Column('postcode_sector', sa.String(length=6), nullable=True),
    sa.Column('urn', sa.String(length=16), nullable=True),
    sa.Column('weekly_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('funding_social_care', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('funding_health', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('funding_education', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date > start_date', name=op.f('ck_placements_ends_after_start')),
    sa.CheckConstraint('funding_social_care + funding_health + funding_education = 1', name=op.f('ck_placements_funding_sums_to_one')),
    sa.ForeignKeyConstraint(['child_pk'], ['children.id'], name=op.f('fk_placements_child_pk_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_placements_la_id_local_authorities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_placements_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements')),
    sa.UniqueConstraint('la_id', 'external_id', name=op.f('uq_placements_la_id'))
    )
    op.create_index(op.f('ix_placements_child_pk'), 'placements', ['child_pk'], unique=False)
    op.create_index(op.f('ix_placements_la_id'), 'placements', ['la_id'], unique=False)
    op.create_index(op.f('ix_placements_provider_id'), 'placements', ['provider_id'], unique=False)
    op.create_table('recompute_requests',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('la_id', sa.Uuid(), nullable=False),
    sa.Column('child_pk', sa.Uuid(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatch_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['child_pk'], ['children.id'], name=op.f('fk_recompute_requests_child_pk_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['la_id'], ['local_authorities.id'], name=op.f('fk_recompute_requests_la_id_local_authorities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recompute_requests'))
    )
    op.create_index('ix_recompute_requests_pending', 'recompute_requests', ['child_pk'], unique=False, postgresql_where=sa.text('done_at IS NULL'))
    op.create_index('ix_recompute_requests_undone', 'recompute_requests', ['requested_at'], unique=False, postgresql_where=sa.text('done_at IS NULL'))
    op.create_table('assessment_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('context', sa.String(length=32), nullable=False),
    sa.Column('assessor_role', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('narrative', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'final')", name=op.f('ck_assessment_versions_status')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_versions_assessment_id_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_versions')),
    sa.UniqueConstraint('assessment_id', 'version', name=op.f('uq_assessment_versions_assessment_id'))
    )
    op.create_table('ratings',
    sa.Column('assessment_version_id', sa.Uuid(), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('need', sa.SmallInteger(), nullable=True),
    sa.Column('strength', sa.SmallInteger(), nullable=True),
    sa.Column('not_assessed_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('(need IS NULL) = (not_assessed_reason IS NOT NULL)', name=op.f('ck_ratings_need_or_reason')),
    sa.ForeignKeyConstraint(['assessment_version_id'], ['assessment_versions.id'], name=op.f('fk_ratings_assessment_version_id_assessment_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_version_id', 'domain', name=op.f('pk_ratings'))
    )


def downgrade() -> None:
    op.drop_table('ratings')
    op.drop_table('assessment_versions')
    op.drop_index('ix_recompute_requests_undone', table_name='recompute_requests', postgresql_where=sa.text('done_at IS NULL'))
    op.drop_index('ix_recompute_requests_pending', table_name='recompute_requests', postgresql_where=sa.text('done_at IS NULL'))
    op.drop_table('recompute_requests')
    op.drop_index(op.f('ix_placements_provider_id'), table_name='placements')
    op.drop_index(op.f('ix_placements_la_id'), table_name='placements')
    op.drop_index(op.f('ix_placements_child_pk'), table_name='placements')
    op.drop_table('placements')
    op.drop_index(op.f('ix_domain_needs_trends_row_version'), table_name='domain_needs_trends')
    op.drop_index(op.f('ix_domain_needs_trends_la_id'), table_name='domain_needs_trends')
    op.drop_index(op.f('ix_domain_needs_trends_computed_at'), table_name='domain_needs_trends')
    op.drop_table('domain_needs_trends')
    op.drop_index(op.f('ix_child_needs_trends_row_version'), table_name='child_needs_trends')
    op.drop_index(op.f('ix_child_needs_trends_la_id'), table_name='child_needs_trends')
    op.drop_index(op.f('ix_child_needs_trends_computed_at'), table_name='child_needs_trends')
    op.drop_table('child_needs_trends')
    op.drop_index(op.f('ix_assessments_la_id'), table_name='assessments')
    op.drop_index(op.f('ix_assessments_child_pk'), table_name='assessments')
    op.drop_table('assessments')
    op.drop_index(op.f('ix_providers_la_id'), table_name='providers')
    op.drop_table('providers')
    op.drop_table('idempotency_records')
    op.drop_index(op.f('ix_children_la_id'), table_name='children')
    op.drop_table('children')
    op.drop_index(op.f('ix_api_keys_la_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('local_authorities')
    op.drop_table('instruments')
    op.execute(sa.schema.DropSequence(sa.Sequence("figures_row_version_seq")))
