"""Payment by needs reduction, rules pbnr-v1 (domain.md §7), as pure functions of a contract, its
provider's placement episodes and the children's final assessments: no I/O, exact money."""

RULES_VERSION = "pbnr-v1"
