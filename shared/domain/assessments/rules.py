"""Checks that need the instrument or the child; field names match the request body."""

from datetime import date
from typing import Any

from shared.domain.assessments.content import AssessmentContent
from shared.errors import field_error
from shared.instruments import InstrumentScale
from shared.ssda903 import date_problem


def rating_errors(body: AssessmentContent, scale: InstrumentScale) -> list[dict[str, Any]]:
    errors = []
    label = f"{scale.code} v{scale.version}"
    for domain in body.ratings.keys() - set(scale.domains):
        errors.append(field_error(f"ratings.{domain}", f"'{domain}' is not a domain of {label}"))
    for domain in scale.domains:
        rating = body.ratings.get(domain)
        if rating is None:
            errors.append(field_error(f"ratings.{domain}", "missing: rate it, or mark it not_assessed with a reason"))
            continue
        if rating.need is not None and rating.need not in scale.levels:
            errors.append(
                field_error(
                    f"ratings.{domain}.need", f"{rating.need} is outside the scale {scale.levels[0]}-{scale.levels[-1]}"
                )
            )
        if rating.strength is not None and rating.strength not in scale.strength_levels:
            errors.append(
                field_error(
                    f"ratings.{domain}.strength",
                    f"{rating.strength} is outside the strengths scale "
                    f"{scale.strength_levels[0]}-{scale.strength_levels[-1]}",
                )
            )
    return sorted(errors, key=lambda error: str(error["field"]))


def date_errors(assessed_on: date, date_of_birth: date, today: date) -> list[dict[str, Any]]:
    problem = date_problem(assessed_on, today, date_of_birth)
    return [] if problem is None else [field_error("assessed_on", problem)]
