"""Debian's chromium driven by Playwright for the web pages' tests: each page checked for console errors and
Content-Security-Policy refusals, run through axe-core (vendored here, never served by the service) and
saved as a screenshot under screenshots/ for a reviewer to look at."""

import json
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Page, Response, async_playwright

from tests.conftest import ROOT

AXE = (Path(__file__).parent / "axe.min.js").read_text()
SCREENSHOTS = ROOT / "screenshots"
# WCAG 2.2 A and AA, and axe's best practices; "serious" and "critical" fail a page.
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable is not None, "Debian's chromium is needed (make test installs it, as root)"
    async with async_playwright() as playwright:
        # Every request off this machine goes to a closed local port (loopback bypasses a proxy): no CDN.
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--proxy-server=127.0.0.1:9"]
        )
        try:
            yield browser
        finally:
            await browser.close()


class Watched:
    """A page with what went wrong collected: console errors (a CSP refusal is one), script errors, and any
    request but the page's own that failed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("response", self.response)

    def console(self, message: ConsoleMessage) -> None:
        # A failed load is reported again, with its address, by response().
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(message.text)

    def response(self, response: Response) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            self.problems.append(f"{response.status} {response.url}")


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(AXE)
    found = await page.evaluate(
        "async (rules) => (await axe.run(document, {runOnly: {type: 'tag', values: rules}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_RULES,
    )
    return [violation for violation in found if violation["impact"] in FAILING_IMPACTS]


def screenshot_name(role: str, path: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "_", f"{role}/{path}").strip("_") + ".png"


async def checked_page(watched: Watched, role: str) -> None:
    """The page now shown: no console error or CSP refusal, no serious accessibility violation; saved."""
    page = watched.page
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(
        path=SCREENSHOTS / screenshot_name(role, page.url.split("//", 1)[1].split("/", 1)[1]), full_page=True
    )
    violations = await serious_violations(page)
    assert not violations, f"{page.url}: {json.dumps(violations, indent=1)}"
    assert not watched.problems, f"{page.url}: {watched.problems}"
