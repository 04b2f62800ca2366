"""The council's data: its imports with their row-level reports, and the recompute and import jobs with their
progress. While a job runs, the page reloads itself to show its progress (assets/refresh.js)."""

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.api.web.inner_api import api_get
from services.api.web.render import page
from services.api.web.signed_in import PersonDep

router = APIRouter(prefix="/web", include_in_schema=False)
RUNNING = ("queued", "running")


@router.get("/data")
async def data(request: Request, person: PersonDep) -> Response:
    imports = await api_get(request, person, "/v1/admin/imports")
    recomputes = await api_get(request, person, "/v1/admin/recomputes")
    imported, recomputed = imports.json(), recomputes.json()
    busy = any(job["state"] in RUNNING for job in imported + recomputed)
    return page(
        request,
        person,
        "data.html",
        title="Data and jobs",
        imports=imported,
        imports_link=imports.link,
        recomputes=recomputed,
        recomputes_link=recomputes.link,
        busy=busy,
    )


@router.get("/data/imports/{import_id}")
async def import_report(request: Request, person: PersonDep, import_id: uuid.UUID) -> Response:
    found = await api_get(request, person, f"/v1/admin/imports/{import_id}")
    report = await api_get(request, person, f"/v1/admin/imports/{import_id}/report")
    return page(
        request,
        person,
        "import.html",
        title="Import report",
        job=found.json(),
        link_to_api=found.link,
        report=report.json(),
        report_link=report.link,
    )
