"""The API as the shipped files start it (the Dockerfile's CMD: uvicorn with --no-access-log), its whole output
read: request paths and query strings carry children's ids and pseudonyms, and none may reach a log."""

import json
import uuid
from pathlib import Path

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child
from tests.integration.shipped import shipped_api


async def test_no_child_id_or_pseudonym_reaches_the_servers_output(
    settings: Settings, council: Council, tmp_path: Path
) -> None:
    child_id = f"X903-{uuid.uuid4().hex[:10]}"
    child_pseudonym = council.pseudonym(child_id)
    output = tmp_path / "api.log"
    async with shipped_api(settings, output) as api:
        await add_child(api, council.headers, child_id)
        read = await api.get(f"/v1/children/{child_id}", headers=council.headers)
        assert read.status_code == 200 and read.json()["pseudonym"] == child_pseudonym, read.text
        audit = await api.get("/v1/admin/audit", params={"child_id": child_id}, headers=council.admin)
        assert audit.status_code == 200 and audit.json()["items"], audit.text
        scores = await api.get(
            "/v1/scores/needs-summary", params={"child_pseudonym": child_pseudonym}, headers=council.bi
        )
        assert scores.status_code == 200, scores.text
    text = output.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    # The output was captured: the app's own line for each request is there, naming the route template.
    routes = {(line["method"], line["route"], line["status"]) for line in lines if line["event"] == "request"}
    assert {
        ("PUT", "/v1/children/{child_id}", 201),
        ("GET", "/v1/children/{child_id}", 200),
        ("GET", "/v1/admin/audit", 200),
        ("GET", "/v1/scores/needs-summary", 200),
    } <= routes, routes
    assert child_id not in text
    assert child_pseudonym not in text
