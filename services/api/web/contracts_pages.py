"""Contracts and their statements: for a provider's finance officer, its own contracts only (another's is a
404, as in the API) and the children placed with it; for the council's commissioners, every contract. Each
line shows its arithmetic."""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from services.api.web.inner_api import api_get, api_json, read_all
from services.api.web.render import page
from services.api.web.roles import Role
from services.api.web.signed_in import PersonDep

router = APIRouter(prefix="/web", include_in_schema=False)
CodePath = Annotated[str, Path(min_length=1, max_length=64)]
VersionQuery = Annotated[int | None, Query(ge=1)]


def contract_path(code: str) -> str:
    return f"/v1/contracts/{quote(code, safe='')}"


def statement_path(code: str, period_start: date) -> str:
    return f"{contract_path(code)}/statements/{period_start.isoformat()}"


@router.get("/contracts")
async def contracts(request: Request, person: PersonDep) -> Response:
    answer = await api_get(request, person, "/v1/contracts")
    return page(
        request,
        person,
        "contracts.html",
        title="Contracts and statements",
        contracts=answer.json(),
        link_to_api=answer.link,
    )


@router.get("/placed-children")
async def placed_children(request: Request, person: PersonDep) -> Response:
    """A provider's children placed with it now, by pseudonym, each linking to its journey with the provider."""
    rows, link = await read_all(request, person, "/v1/provider/children", {})
    return page(
        request, person, "placed_children.html", title="Children placed with you", children=rows, link_to_api=link
    )


@router.get("/contracts/{code}")
async def contract(request: Request, person: PersonDep, code: CodePath) -> Response:
    found = await api_json(request, person, contract_path(code))
    answer = await api_get(request, person, f"{contract_path(code)}/statements")
    return page(
        request,
        person,
        "contract.html",
        title=f"Contract {code}",
        contract=found,
        statements=answer.json(),
        link_to_api=answer.link,
    )


@router.get("/contracts/{code}/statements/{period_start}")
async def statement(
    request: Request, person: PersonDep, code: CodePath, period_start: date, version: VersionQuery = None
) -> Response:
    path = statement_path(code, period_start)
    answer = await api_get(request, person, path, {"version": version})
    versions = await api_get(request, person, f"{path}/versions")
    shown = answer.json()
    stays, stays_link = [], None
    if person.role is Role.PROVIDER_FINANCE:
        behind = {line["stay"] for line in shown["lines"]}
        every, stays_link = await read_all(request, person, "/v1/provider/stays", {})
        stays = [stay for stay in every if stay["stay"] in behind]
    return page(
        request,
        person,
        "statement.html",
        title=f"Statement {code} from {period_start.isoformat()}",
        code=code,
        statement=shown,
        link_to_api=answer.link,
        versions=versions.json(),
        versions_link=versions.link,
        stays=stays,
        stays_link=stays_link,
        csv_href=f"/web{path.removeprefix('/v1')}/csv" + (f"?version={version}" if version else ""),
    )


@router.get("/contracts/{code}/statements/{period_start}/csv")
async def statement_csv(
    request: Request, person: PersonDep, code: CodePath, period_start: date, version: VersionQuery = None
) -> Response:
    answer = await api_get(request, person, statement_path(code, period_start), {"version": version, "format": "csv"})
    headers = {"Content-Disposition": answer.disposition} if answer.disposition else {}
    return Response(answer.body, media_type=answer.content_type, headers=headers)
