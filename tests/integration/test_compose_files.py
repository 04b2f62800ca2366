"""The compose files, checked by reading them (no Docker engine is needed): validated against the Compose
specification's JSON schema (the copy vendored by check-jsonschema), each build against the Dockerfile's
targets, the commands the containers run against the modules in this repository."""

import copy
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.integration.deploy_files import (
    APP_SERVICES,
    COMPOSE,
    PRODUCTION,
    ROOT,
    SECRET_KEYS,
    assert_creates_the_first_council_and_admin_key,
    assert_defines,
    assert_migrates,
    compose_builds,
    dockerfile_stages,
    k8s_containers,
    k8s_documents,
    load,
    readme_command,
    service_command,
)


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.protocols.Validator:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(vendored.read_text(encoding="utf-8"))
    # The class the schema's $schema names (draft 2020-12 today, which `unevaluatedProperties` needs).
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator_class.check_schema(schema)
    return validator_class(schema)


def schema_errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


@pytest.mark.parametrize("path", [COMPOSE, PRODUCTION], ids=lambda path: path.name)
def test_compose_files_follow_the_compose_specification(
    compose_validator: jsonschema.protocols.Validator, path: Path
) -> None:
    document = load(path)
    assert "version" not in document, "the modern Compose spec has no top-level version"
    assert set(APP_SERVICES) <= set(document["services"])
    assert schema_errors(compose_validator, document) == []


def set_path(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "error_at"),
    [
        (("services", "api", "ports"), "not-a-list", "services/api/ports"),
        (("services", "api", "restart_policy"), "always", "services/api"),
        (("services", "api", "depends_on", "redis", "condition"), "service_ready", "services/api/depends_on"),
        (("services", "worker", "depends_on", "migrate"), {"required": False}, "services/worker/depends_on"),
        (("services", "redis", "image"), ["redis:7"], "services/redis/image"),
        (("volumes",), ["postgres-data"], "volumes"),
    ],
    ids=["ports-not-a-list", "unknown-key", "bad-condition", "condition-missing", "image-not-a-string", "volumes"],
)
def test_the_validator_rejects_a_broken_compose_file(
    compose_validator: jsonschema.protocols.Validator, path: tuple[str, ...], value: Any, error_at: str
) -> None:
    """The same document passes before the one change and fails after it, at the place changed."""
    document = load(COMPOSE)
    assert schema_errors(compose_validator, document) == []
    broken = copy.deepcopy(document)
    set_path(broken, path, value)
    errors = schema_errors(compose_validator, broken)
    assert errors, f"setting {'.'.join(path)} to {value!r} went unnoticed"
    assert any(error.startswith(error_at) for error in errors), errors


@pytest.mark.parametrize("path", [COMPOSE, PRODUCTION], ids=lambda path: path.name)
def test_every_compose_build_names_an_existing_dockerfile_and_target(path: Path) -> None:
    for name, build in compose_builds(path):
        # Relative paths in every compose file resolve against the project directory, the root here.
        context = ROOT / build.get("context", ".")
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert context.is_dir(), f"{name}: no build context {context}"
        assert dockerfile.is_file(), f"{name}: no Dockerfile at {dockerfile}"
        assert build.get("target") in dockerfile_stages(dockerfile), f"{name}: no stage {build.get('target')!r}"


def test_the_api_and_worker_are_built_from_their_own_targets() -> None:
    targets = dict((name, build["target"]) for name, build in compose_builds(COMPOSE))
    assert targets["api"] == "api"
    assert targets["worker"] == "worker"
    assert targets["migrate"] in ("api", "worker")


def test_the_entrypoint_modules_exist() -> None:
    services = load(COMPOSE)["services"]
    api = service_command(services, "api")
    assert api[:2] == ["uvicorn", "services.api.main:app"], api
    assert "--no-access-log" in api, "access logs would write children's ids from request paths"
    assert api[api.index("--port") + 1] == "8000"
    assert_defines(api[1])
    worker = service_command(services, "worker")
    assert worker == ["python", "-m", "services.scoring"], worker
    assert (ROOT / "services" / "scoring" / "__main__.py").is_file()
    worker_check = services["worker"]["healthcheck"]["test"]
    assert worker_check[1:] == ["python", "-m", "services.scoring.health"], worker_check
    assert (ROOT / "services" / "scoring" / "health.py").is_file()
    assert_migrates(service_command(services, "migrate"))
    assert_migrates(k8s_containers(k8s_documents()["Job/needs-migrate"])[0]["command"])


def test_the_local_stack_starts_in_order() -> None:
    services = load(COMPOSE)["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "healthz" in str(services["api"]["healthcheck"]["test"])
    for name in APP_SERVICES:
        assert services[name]["environment"]["ENVIRONMENT"] == "development", name


def test_production_takes_its_servers_from_the_environment_and_leaves_the_local_ones_off() -> None:
    local = load(COMPOSE)["services"]
    production = load(PRODUCTION)["services"]
    for name in APP_SERVICES:
        environment = production[name]["environment"]
        assert environment["ENVIRONMENT"] == "production", name
        for key in SECRET_KEYS:
            assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", environment[key]), f"{name}.{key}: {environment[key]}"
    for name in ("api", "worker"):
        assert production[name]["deploy"]["resources"]["limits"]["memory"], name
    disabled = {name for name, service in production.items() if service.get("profiles")}
    assert {"postgres", "redis"} <= disabled
    # Compose refuses to start a service whose required dependency is disabled by a profile.
    for name, service in local.items():
        for dependency in service.get("depends_on", {}):
            if dependency in disabled:
                override = production.get(name, {}).get("depends_on", {}).get(dependency, {})
                assert override.get("required") is False, f"{name} still requires {dependency} in production"


def test_every_deployment_restarts_the_api_and_the_worker() -> None:
    """A process that ends, whatever ended it, is started again (`make run` too: test_make_run)."""
    local = load(COMPOSE)["services"]
    production = load(PRODUCTION)["services"]
    manifests = k8s_documents()
    for name in ("api", "worker"):
        assert local[name].get("restart") in ("always", "unless-stopped"), name
        assert production[name].get("restart", local[name]["restart"]) in ("always", "unless-stopped"), name
        pod = manifests[f"Deployment/needs-{name}"]["spec"]["template"]["spec"]
        assert pod.get("restartPolicy", "Always") == "Always", name


def test_compose_creates_the_first_council_and_key_with_the_api_service() -> None:
    command = readme_command("docker compose run")
    assert command[:4] == ["docker", "compose", "run", "--rm"], command
    services = load(COMPOSE)["services"]
    api = services[command[4]]
    # The api's image and settings, with the migrations run first: `compose run` starts what it depends on.
    assert api["build"]["target"] == "api" and "DATABASE_URL" in api["environment"], command[4]
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert_creates_the_first_council_and_admin_key(command[5:], api["build"]["target"])
