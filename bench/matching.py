"""Matching through the API (GET /v1/children/{id}/matches and POST /v1/matches) for a council of 500 providers,
each declaring up to 100 domain-levels: an instrument of 20 domains of levels 0-4, and per provider every domain
from level 0 to 3 or 4 (90 domain-levels on average). Prints the latency's p50 and p95 (target p95 under 200 ms)."""

import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.ingest import burst, council_with_children
from bench.scratch import run_on_scratch
from shared.access import Kind
from shared.settings import Settings

PROVIDERS = 500
DOMAINS = 20
CHILDREN = 100
ASKED = 400  # requests timed, half for children held, half for needs given
SHIPPED: dict[str, Any] = json.loads((Path(__file__).parents[1] / "shared/instruments/needs-v1.json").read_text())


def instrument() -> dict[str, Any]:
    """needs-v1's scales with 20 domains, two to each of ten outcome areas."""
    areas = [{"code": f"area_{n}", "label": f"Area {n}"} for n in range(DOMAINS // 2)]
    domains = [{"code": f"d{n:02d}", "label": f"Domain {n}", "outcome_area": f"area_{n // 2}"} for n in range(DOMAINS)]
    return SHIPPED | {"code": "bench-twenty", "title": "Twenty domains", "outcome_areas": areas, "domains": domains}


def offer(rng: random.Random) -> dict[str, Any]:
    meets = {f"d{n:02d}": list(range(rng.choice((4, 5)))) for n in range(DOMAINS)}
    return {
        "placement_group": rng.choice(("foster", "foster", "residential")),
        "weekly_cost": f"{rng.randint(650, 4500)}.00",
        "places": rng.randint(1, 6),
        "areas": [f"ZZ{rng.randint(1, 9)}"],
        "meets": meets,
    }


def levels(rng: random.Random) -> dict[str, int]:
    return {f"d{n:02d}": rng.choices(range(5), weights=(30, 25, 20, 15, 10))[0] for n in range(DOMAINS)}


def percentile(times: list[float], share: float) -> float:
    return statistics.quantiles(times, n=100)[round(share * 100) - 1]


async def timed(api: httpx.AsyncClient, request: httpx.Request) -> float:
    began = time.perf_counter()
    response = await api.send(request)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.text
    assert response.json()["providers"], "no provider matched"
    return elapsed


async def measure(settings: Settings) -> None:
    rng = random.Random(17)
    kinds = (Kind.CASE_MANAGEMENT, Kind.ADMIN)
    async with council_with_children(settings, "MATCHING", CHILDREN, kinds) as (_, api, keys):
        cms = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        admin = {"Authorization": f"Bearer {keys[Kind.ADMIN]}"}
        loaded = await api.post("/v1/admin/instruments", json=instrument(), headers=admin)
        assert loaded.status_code == 201, loaded.text
        for n in range(PROVIDERS):
            assert (await api.put(f"/v1/providers/BP{n}", json={"name": f"Provider {n}"}, headers=admin)).is_success
            declared = await api.put(f"/v1/providers/BP{n}/offer", json=offer(rng), headers=admin)
            assert declared.status_code == 200, declared.text
        for n in range(CHILDREN):
            ratings = {domain: {"need": level, "strength": 1} for domain, level in levels(rng).items()}
            body = {
                "external_id": f"A{n}",
                "child_id": f"C{n}",
                "assessed_on": "2025-06-01",
                "context": "placement_request",
                "assessor_role": "social_worker",
                "status": "final",
                "instrument_code": "bench-twenty",
                "ratings": ratings,
            }
            response = await api.post("/v1/assessments", json=body, headers=cms)
            assert response.status_code == 201, response.text
        await burst(settings)
        requests = [
            api.build_request("GET", f"/v1/children/C{n % CHILDREN}/matches", headers=cms)
            if n % 2 == 0
            else api.build_request("POST", "/v1/matches", json={"needs": levels(rng)}, headers=cms)
            for n in range(ASKED)
        ]
        for request in requests[:20]:  # warm
            await timed(api, request)
        times = [await timed(api, request) for request in requests]
    print(
        f"matching, {PROVIDERS} providers of up to {DOMAINS * 5} domain-levels, {ASKED} requests: "
        f"p50 {percentile(times, 0.5) * 1000:.1f} ms, p95 {percentile(times, 0.95) * 1000:.1f} ms"
    )


def main() -> None:
    run_on_scratch(measure)


if __name__ == "__main__":
    main()
