"""The README's Power BI and pandas section, run: its Python snippet against a real API process, paging by
cursor; its Power BI query naming the fields a page really has."""

import asyncio
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import ROOT, Council
from tests.integration.helpers import assessment, run_worker, years_ago
from tests.integration.shipped import shipped_api

SECTION = "### Reading the feeds from Power BI and pandas"


def readme_blocks(language: str) -> list[str]:
    section = (ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


async def test_the_python_snippet_reads_every_page_from_a_real_api(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    [snippet] = readme_blocks("python")
    # Two children of 5-9, one of 10-15 with figures; one never assessed, in no figure.
    for child_id, age, assessed in (("A", 6, True), ("B", 8, True), ("C", 12, True), ("D", 13, False)):
        body = {"date_of_birth": years_ago(age).isoformat(), "sex": "F", "ethnicity": "WBRI", "uasc": False}
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
        if assessed:
            day = date.today() - timedelta(days=3)
            response = await api.post(
                "/v1/assessments", json=assessment(child_id, f"AS-{child_id}", day), headers=council.headers
            )
            assert response.status_code == 201, response.text
    await run_worker(settings, app)
    script = tmp_path / "snippet.py"
    script.write_text(snippet)
    async with shipped_api(settings, tmp_path / "api.log") as served:
        env = os.environ | {
            "API": str(served.base_url),
            "BI": council.bi["Authorization"].removeprefix("Bearer "),
            "PAGE_SIZE": "1",  # every row a page of its own: the cursor is followed
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert out.decode().splitlines() == ["10_15: 1 children with figures", "5_9: 2 children with figures"]


def test_the_power_bi_query_follows_the_page_fields_the_api_documents(app: FastAPI) -> None:
    [query] = readme_blocks("")
    page = app.openapi()["components"]["schemas"]["Page_NeedsSummaryRow_"]["properties"]
    for field in ("items", "has_more", "next_cursor"):
        assert f"[{field}]" in query and field in page, field
    assert 'RelativePath = "/v1/scores/needs-summary"' in query
    assert "computed_at" in app.openapi()["components"]["schemas"]["NeedsSummaryRow"]["properties"]
