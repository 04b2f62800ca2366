"""/docs works on a council network that reaches no CDN: Swagger UI's page, script, stylesheet and favicon all
come from the service, and a real browser that can reach nothing but localhost renders every operation."""

import asyncio
import re
import shutil
from pathlib import Path

import httpx

from shared.settings import Settings
from tests.integration.shipped import shipped_api

BROWSER_SECONDS = 120
# Every src and href of the page: what a browser fetches to show it.
ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


async def test_the_docs_page_and_every_asset_it_names_come_from_the_service(api: httpx.AsyncClient) -> None:
    page = await api.get("/docs")
    assert page.status_code == 200
    assert "//" not in page.text, "the page names another host, or a scheme-relative URL"
    assets = ASSET.findall(page.text)
    assert sorted(assets) == [
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    types = {}
    for asset in assets:
        response = await api.get(asset)
        assert response.status_code == 200, asset
        types[asset.rsplit(".", 1)[1]] = response.headers["content-type"].split(";")[0]
    assert types == {"png": "image/png", "js": "text/javascript", "css": "text/css"}
    assert (await api.get("/redoc")).status_code == 404


def operations(schema: dict[str, dict[str, dict[str, object]]]) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in methods}


async def rendered_operations(url: str) -> set[tuple[str, str]]:
    """The operations Swagger UI drew in headless Chromium, whose every request off this machine goes to a
    proxy on a closed local port and fails (loopback bypasses a proxy), so a CDN cannot be reached."""
    browser = shutil.which("chromium")
    assert browser is not None, "Debian's chromium is needed (make test installs it, as root)"
    process = await asyncio.create_subprocess_exec(
        browser,
        "--headless",
        "--no-sandbox",  # as root, Chromium refuses to start without it
        "--disable-gpu",
        "--proxy-server=127.0.0.1:9",
        "--virtual-time-budget=30000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    dom, _ = await asyncio.wait_for(process.communicate(), timeout=BROWSER_SECONDS)
    assert process.returncode == 0
    summaries = re.findall(
        r'opblock-summary-method">(\w+)</span>.*?opblock-summary-path" data-path="([^"]+)"', dom.decode(), re.DOTALL
    )
    return {(method, path) for method, path in summaries}


async def test_swagger_ui_renders_every_operation_in_a_browser_that_reaches_only_localhost(
    settings: Settings, tmp_path: Path
) -> None:
    async with shipped_api(settings, tmp_path / "api.log") as api:
        expected = operations((await api.get("/openapi.json")).json())
        drawn = await rendered_operations(str(api.base_url.join("/docs")))
    assert ("PUT", "/v1/assessments/{assessment_id}") in expected
    assert drawn == expected
