"""The README's access table lists, for each client kind, exactly the scopes shared.access lets it hold."""

import re
from pathlib import Path

from shared.access import KIND_SCOPES, Kind, Scope

README = Path(__file__).resolve().parents[2] / "README.md"


def scopes_in(cell: str) -> set[str]:
    """`children:read/write` is both children:read and children:write."""
    named = set()
    for token in re.findall(r"`([a-z_]+:[a-z_/]+)`", cell):
        resource, _, actions = token.partition(":")
        named |= {f"{resource}:{action}" for action in actions.split("/")}
    return named


def access_table() -> dict[str, set[str]]:
    section = README.read_text(encoding="utf-8").split("## Access, audit and data protection", 1)[1]
    rows = re.findall(r"^\| `([a-z_]+)`[^|]*\| ([^|]+) \|", section.split("\n## ", 1)[0], re.MULTILINE)
    return {kind: scopes_in(cell) for kind, cell in rows}


def test_the_readme_lists_every_scope_each_kind_may_hold() -> None:
    table = access_table()
    assert set(table) == {kind.value for kind in Kind}
    for kind, scopes in KIND_SCOPES.items():
        assert table[kind.value] == {scope.value for scope in scopes}, kind.value


def test_the_comparison_reads_the_shorthand() -> None:
    named = scopes_in("`children:read/write`, `audit:read`: the log")
    assert named == {"children:read", "children:write", "audit:read"}
    assert {scope.value for scope in Scope} >= scopes_in("`statements:read`, `contracts:manage`")
