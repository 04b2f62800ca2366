"""What an operator is told about a schema that is not this release's."""

from shared.schema import migration_head, migrations, schema_problem


def test_at_head_there_is_nothing_to_say() -> None:
    assert schema_problem(migration_head()) is None


def test_a_database_never_migrated_is_told_to_migrate() -> None:
    problem = schema_problem(None)
    assert problem is not None and "no schema" in problem and "alembic upgrade head" in problem


def test_a_schema_behind_names_both_revisions_and_says_to_migrate() -> None:
    first = migrations().get_base()
    assert isinstance(first, str)
    problem = schema_problem(first)
    assert problem is not None and f"at {first}" in problem and f"needs {migration_head()}" in problem
    assert "alembic upgrade head" in problem


def test_a_schema_a_later_release_migrated_is_not_told_to_migrate() -> None:
    problem = schema_problem("9999")
    assert problem is not None and "at 9999" in problem and "does not know" in problem
    assert "alembic upgrade head" not in problem
