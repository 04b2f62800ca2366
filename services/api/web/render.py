"""Pages rendered from Jinja templates in GOV.UK Frontend's markup, with the navigation a person's role sees."""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from services.api.web.roles import ROLE_SCOPES
from services.api.web.sessions import Person
from shared.access import Scope

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# What each section needs; a role sees the sections its scopes reach.
SECTIONS = (
    ("/web/overview", "Council overview", Scope.SCORES_READ),
    ("/web/children", "Children", Scope.CHILDREN_READ),
    ("/web/decision-support", "Decision support", Scope.SCORES_READ),
    ("/web/contracts", "Contracts and statements", Scope.STATEMENTS_READ),
    ("/web/placed-children", "Children placed with you", Scope.FIGURES_READ),
    ("/web/data", "Data and jobs", Scope.RETURNS_IMPORT),
)


def may(person: Person, scope: Scope) -> bool:
    return scope in ROLE_SCOPES[person.role]


def sections(person: Person) -> list[tuple[str, str]]:
    return [(href, label) for href, label, scope in SECTIONS if may(person, scope)]


def money(value: Any) -> str:
    if value is None:
        return "none"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def percent(value: Any) -> str:
    return "withheld" if value is None else f"{float(value) * 100:.1f}%"


def words(value: Any) -> str:
    """A code as words: physical_health → Physical health."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def slice_values(figures: dict[str, Any], row: dict[str, Any]) -> list[Any]:
    """A sliced table's row's slice values, in the order of the slices asked."""
    return [row[name] for name in figures["slices"]["by"]]


TEMPLATES.filters.update(money=money, percent=percent, words=words)
TEMPLATES.globals.update(slice_values=slice_values)


def page(request: Request, person: Person | None, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(
        request=request,
        person=person,
        sections=sections(person) if person else [],
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status)
