"""The SSDA903 tables, by the columns of their CSV form (as data-to-insight/csc-validator-be-903's
lac_validator/config.py lists them), and how a CSV is recognised by its header row rather than its name."""

from collections.abc import Mapping, Sequence

from shared.ssda903_files.records import FileRejected

HEADER, EPISODES, UASC = "header", "episodes", "uasc"
OC2, OC3, MISSING = "oc2", "oc3", "missing"  # the outcome tables: their measures are stored (outcome_rows.py)
OUTCOME_TABLES = frozenset({OC2, OC3, MISSING})

COLUMNS: Mapping[str, tuple[str, ...]] = {
    HEADER: ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    EPISODES: (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    UASC: ("CHILD", "SEX", "DOB", "DUC"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    OC2: (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    OC3: ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    MISSING: ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}

# What the reader needs of the tables it stores; the other tables' rows are only counted, so they need nothing,
# and columns never stored (UPN, MOTHER, MC_DOB, HOME_POST, DUC) may be left out.
REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    HEADER: ("CHILD", "SEX", "DOB", "ETHNIC"),
    EPISODES: tuple(column for column in COLUMNS[EPISODES] if column != "HOME_POST"),
    UASC: ("CHILD",),
    OC2: ("CHILD",),
    OC3: ("CHILD", "ACTIV"),
    MISSING: ("CHILD", "MISSING"),
}

# Every table has these, so they say nothing about which table a file holds.
_SHARED = frozenset({"CHILD", "DOB"})


def refuse_repeated_columns(file: str, columns: Sequence[str]) -> None:
    """FileRejected for a header row naming a column twice: which of the two a value belongs to is unknown."""
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise FileRejected(file, f"the header row names {', '.join(repeated)} more than once")


def recognise(file: str, columns: Sequence[str]) -> str:
    """The table whose columns the header row holds most of; FileRejected if none or two fit, or if the table
    the reader stores lacks a column it needs. Unknown extra columns are left for the caller to ignore."""
    refuse_repeated_columns(file, columns)
    present = set(columns)
    fits = {table: len(present & (set(names) - _SHARED)) for table, names in COLUMNS.items()}
    best = max(fits.values())
    tables = [table for table, fit in fits.items() if fit == best]
    if best == 0 or len(tables) > 1:
        found = ", ".join(columns) or "no columns"
        raise FileRejected(file, f"its header row ({found}) is not that of an SSDA903 table this service knows")
    table = tables[0]
    missing = [column for column in REQUIRED_COLUMNS.get(table, ()) if column not in present]
    if missing:
        raise FileRejected(file, f"it looks like the {table} table but its header row lacks {', '.join(missing)}")
    return table
