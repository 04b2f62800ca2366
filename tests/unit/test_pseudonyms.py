"""Pseudonyms: stable for a child, different across councils and keys, and the same shape always."""

import re
import uuid

from shared.pseudonyms import pseudonym

KEY = b"a-key-of-at-least-32-characters-long"
COUNCIL_A, COUNCIL_B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_a_child_keeps_its_pseudonym() -> None:
    assert pseudonym(KEY, COUNCIL_A, "C1") == pseudonym(KEY, COUNCIL_A, "C1")


def test_the_same_child_id_in_two_councils_or_under_two_keys_is_two_pseudonyms() -> None:
    names = {
        pseudonym(KEY, COUNCIL_A, "C1"),
        pseudonym(KEY, COUNCIL_B, "C1"),
        pseudonym(KEY + b"!", COUNCIL_A, "C1"),
        pseudonym(KEY, COUNCIL_A, "C2"),
    }
    assert len(names) == 4


def test_a_pseudonym_carries_nothing_of_the_id() -> None:
    name = pseudonym(KEY, COUNCIL_A, "LCS-0000123")
    assert re.fullmatch(r"ps_[0-9a-f]{24}", name)
    assert name != pseudonym(KEY, COUNCIL_A, "LCS-0000124")
