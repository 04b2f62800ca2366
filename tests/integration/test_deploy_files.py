"""No Docker engine runs here, so the deployment files are checked by reading them: the compose files
against the Compose specification's JSON schema, the Dockerfile's targets against what compose builds."""

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = [ROOT / "docker-compose.yml", ROOT / "deploy" / "compose.production.yml"]


def compose_schema() -> dict[str, Any]:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(schema_file.read_text())
    return schema


def validator() -> jsonschema.protocols.Validator:
    schema = compose_schema()
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_files_follow_the_compose_specification(path: Path) -> None:
    errors = [error.message for error in validator().iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_the_validator_catches_an_invalid_compose_file() -> None:
    broken = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    broken["services"]["api"]["ports"] = "not-a-list"
    broken["services"]["api"]["restart_policy"] = "always"
    assert len(list(validator().iter_errors(broken))) >= 2


def dockerfile_targets(dockerfile: Path) -> set[str]:
    return set(re.findall(r"^FROM \S+ AS (\S+)$", dockerfile.read_text(), flags=re.MULTILINE))


def test_every_build_names_a_dockerfile_target_that_exists() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    builds = [service["build"] for service in services.values() if "build" in service]
    assert {"api", "worker"} <= {build["target"] for build in builds}
    for build in builds:
        dockerfile = ROOT / build["context"] / build["dockerfile"]
        assert build["target"] in dockerfile_targets(dockerfile)


def test_the_images_run_as_a_non_root_user() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", text, flags=re.MULTILINE)
    assert users and all(not user.startswith(("root", "0")) for user in users)


def test_the_commands_name_modules_that_exist() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"] and (ROOT / "alembic.ini").exists()
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    modules = re.findall(r"\"(services(?:\.[a-z_]+)+)", text)
    assert modules == ["services.api.main", "services.scoring.worker"]
    for module in modules:
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
