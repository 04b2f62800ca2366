"""Small-number suppression worked by hand: a count from 1 to the threshold is withheld, and so is another
wherever a total would give it back."""

from shared.domain.engines.suppression import Sum, withheld

LINK_SUMS = (
    Sum("children", ("need_fell", "need_not_fell")),
    Sum("need_fell", ("need_fell_improved", "need_fell_not_improved")),
    Sum("need_not_fell", ("need_not_fell_improved", "need_not_fell_not_improved")),
)
NOT_PUBLISHED = frozenset({"need_fell_not_improved", "need_not_fell_not_improved"})


def counts(children: int, fell: int, fell_improved: int, not_fell_improved: int) -> dict[str, int]:
    not_fell = children - fell
    return {
        "children": children,
        "need_fell": fell,
        "need_not_fell": not_fell,
        "need_fell_improved": fell_improved,
        "need_fell_not_improved": fell - fell_improved,
        "need_not_fell_improved": not_fell_improved,
        "need_not_fell_not_improved": not_fell - not_fell_improved,
    }


def test_large_counts_are_all_published() -> None:
    assert withheld(counts(40, 20, 12, 8), LINK_SUMS, 5, NOT_PUBLISHED) == set()


def test_a_small_count_and_the_part_that_would_give_it_back() -> None:
    # 3 children whose need did not fall: withheld; 12 - 9 would give them back, so the 9 goes too. The 1 who
    # improved among them is small itself.
    assert withheld(counts(12, 9, 7, 1), LINK_SUMS, 5, NOT_PUBLISHED) == {
        "need_not_fell",
        "need_fell",
        "need_not_fell_improved",
    }


def test_a_small_count_that_is_never_published_is_protected_too() -> None:
    # 10 whose need fell, 8 of them improved: the 2 who did not would be 10 - 8, so the 8 is withheld.
    assert withheld(counts(30, 10, 8, 12), LINK_SUMS, 5, NOT_PUBLISHED) == {"need_fell_improved"}


def test_zero_is_not_a_small_number_and_the_threshold_is_the_councils() -> None:
    assert withheld(counts(30, 30, 30, 0), LINK_SUMS, 5, NOT_PUBLISHED) == set()
    assert withheld(counts(20, 14, 9, 4), LINK_SUMS, 10, NOT_PUBLISHED) == {
        "need_fell_improved",
        "need_fell",
        "need_not_fell",
        "need_not_fell_improved",
    }


def test_slices_of_a_published_total_lose_the_next_smallest_beside_a_small_one() -> None:
    # Boys 3, girls 40, the council's 43 published elsewhere: the 3 is withheld, and the 40 with it.
    sums = (Sum("all", ("boys", "girls")),)
    assert withheld({"all": 43, "boys": 3, "girls": 40}, sums, 5) == {"boys", "girls"}
    three = (Sum("all", ("a", "b", "c")),)
    assert withheld({"all": 52, "a": 2, "b": 30, "c": 20}, three, 5) == {"a", "c"}
