"""The deployment files, checked by reading them: no Docker engine or cluster is needed.

The compose files are validated against the Compose specification's JSON schema (the copy vendored by
check-jsonschema), each compose build against the Dockerfile's targets, the commands the containers run
against the modules in this repository, and the Kubernetes manifests against what the images need."""

import copy
import fnmatch
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PRODUCTION = ROOT / "deploy" / "compose.production.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S = ROOT / "deploy" / "k8s"
K8S_FILES = ("api-deployment.yaml", "api-service.yaml", "worker-deployment.yaml", "migrate-job.yaml", "config.yaml")
APP_SERVICES = ("migrate", "api", "worker")
SECRET_KEYS = {"DATABASE_URL", "REDIS_URL", "PSEUDONYM_KEY"}
MIGRATE = ["alembic", "upgrade", "head"]


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name} is not a YAML mapping"
    return document


# ---- the Compose specification -------------------------------------------------------------------------


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


# ---- the Dockerfile ------------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def dockerfile_stages(path: Path = DOCKERFILE) -> dict[str, Stage]:
    """Stages by name (or index), each with its instructions; continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            words = [word for word in arguments.split() if not word.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else str(len(stages))
            current = stages[name] = Stage(name, words[0])
        elif keyword not in ("ARG", "#"):
            assert current is not None, f"{keyword} before the first FROM"
            current.instructions.append((keyword, arguments))
    return stages


def stage_chain(stages: dict[str, Stage], target: str) -> list[Stage]:
    """The target and the stages it is built FROM, nearest first."""
    chain = [stages[target]]
    while chain[-1].base in stages:
        chain.append(stages[chain[-1].base])
    return chain


def effective(stages: dict[str, Stage], target: str, keyword: str) -> str | None:
    for stage in stage_chain(stages, target):
        found = [arguments for name, arguments in stage.instructions if name == keyword]
        if found:
            return found[-1]
    return None


def all_of(stages: dict[str, Stage], target: str, keyword: str) -> list[str]:
    return [
        arguments for stage in stage_chain(stages, target) for name, arguments in stage.instructions if name == keyword
    ]


def exec_form(arguments: str | None) -> list[str]:
    assert arguments is not None
    parsed = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
    assert isinstance(parsed, list) and all(isinstance(word, str) for word in parsed), arguments
    return parsed


def compose_builds(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, service in load(path)["services"].items():
        if "build" in service:
            yield name, service["build"]


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


@pytest.mark.parametrize("target", ["api", "worker"])
def test_the_runtime_images_run_as_a_fixed_non_root_user(target: str) -> None:
    stages = dockerfile_stages()
    user = effective(stages, target, "USER")
    assert user is not None, f"{target} runs as root: no USER"
    uid, _, gid = user.partition(":")
    # Numeric, so Kubernetes' runAsNonRoot can verify it without looking names up.
    assert uid.isdigit() and int(uid) != 0, user
    assert not gid or (gid.isdigit() and int(gid) != 0), user


@pytest.mark.parametrize("target", ["api", "worker"])
def test_the_runtime_images_are_slim_and_carry_the_migrations(target: str) -> None:
    stages = dockerfile_stages()
    chain = stage_chain(stages, target)
    assert chain[-1].base.startswith("python:3.11-slim"), chain[-1].base
    assert "builder" not in [stage.name for stage in chain], "the runtime must not inherit the build stage"
    assert any(stage.base == "python:3.11-slim" for stage in stages.values() if stage.name == "builder")
    runs = " ".join(all_of(stages, target, "RUN"))
    assert not re.search(r"\b(gcc|g\+\+|build-essential|clang|make)\b", runs), runs
    environment = " ".join(all_of(stages, target, "ENV"))
    assert re.search(r"\bPYTHONDONTWRITEBYTECODE=1\b", environment)
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", environment)
    copied = [arguments.split() for arguments in all_of(stages, target, "COPY")]
    sources = {word for words in copied for word in words[:-1] if not word.startswith("--")}
    assert {"alembic.ini", "migrations"} <= sources, sources
    assert any("--from=builder" in words for words in copied), "the runtime does not take the builder's venv"


def test_the_api_image_exposes_its_port_and_checks_its_health() -> None:
    stages = dockerfile_stages()
    assert effective(stages, "api", "EXPOSE") == "8000"
    healthcheck = effective(stages, "api", "HEALTHCHECK") or ""
    assert "urllib" in healthcheck and "127.0.0.1:8000/healthz" in healthcheck, healthcheck


def dockerignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines())
    return [line.strip("/") for line in lines if line and not line.startswith("#")]


def test_the_build_context_leaves_out_local_state_but_not_what_the_image_copies() -> None:
    patterns = dockerignore_patterns()
    assert {".venv", ".git", ".data", "tests", "bench"} <= set(patterns), patterns
    assert any("__pycache__" in pattern for pattern in patterns)
    stages = dockerfile_stages()
    sources = {
        word
        for stage in stages.values()
        for name, arguments in stage.instructions
        if name in ("COPY", "ADD") and "--from=" not in arguments
        for word in arguments.split()[:-1]
        if not word.startswith("--")
    }
    assert {"pyproject.toml", "shared", "services", "alembic.ini", "migrations"} <= sources
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"
        ignored = [
            pattern for pattern in patterns if not pattern.startswith("!") and fnmatch.fnmatchcase(source, pattern)
        ]
        assert not ignored, f".dockerignore drops {source}, which the Dockerfile copies ({ignored})"


# ---- the commands name real modules ---------------------------------------------------------------------


def module_file(dotted: str) -> tuple[Path, str]:
    """`services.api.main:app` or `services.scoring.worker.WorkerSettings`: the file and the attribute."""
    module, _, attribute = dotted.partition(":")
    parts = module.split(".")
    if not attribute:
        parts, attribute = parts[:-1], parts[-1]
    return ROOT.joinpath(*parts).with_suffix(".py"), attribute


def assert_defines(dotted: str) -> None:
    path, attribute = module_file(dotted)
    assert path.is_file(), f"{dotted}: no {path.relative_to(ROOT)}"
    assert re.search(rf"^{re.escape(attribute)}\b[^=\n]*=", path.read_text(encoding="utf-8"), re.MULTILINE), (
        f"{path.relative_to(ROOT)} defines no {attribute}"
    )


def service_command(services: dict[str, Any], name: str) -> list[str]:
    """What a compose service runs: its own command, else its build target's CMD."""
    service = services[name]
    if "command" in service:
        command = service["command"]
        return command if isinstance(command, list) else shlex.split(command)
    return exec_form(effective(dockerfile_stages(), service["build"]["target"], "CMD"))


def assert_migrates(command: list[str]) -> None:
    assert command == MIGRATE, command
    ini = ROOT / "alembic.ini"
    assert ini.is_file()
    location = re.search(r"^script_location\s*=\s*(\S+)", ini.read_text(encoding="utf-8"), re.MULTILINE)
    assert location, "alembic.ini names no script_location"
    migrations = ROOT / location.group(1).replace("%(here)s", str(ROOT))
    assert (migrations / "env.py").is_file() and (migrations / "versions").is_dir(), migrations


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


# ---- the local stack and the production overrides -------------------------------------------------------


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


# ---- Kubernetes ----------------------------------------------------------------------------------------


def k8s_documents() -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for file_name in K8S_FILES:
        for document in yaml.safe_load_all((K8S / file_name).read_text(encoding="utf-8")):
            if document is None:
                continue
            assert isinstance(document, dict), file_name
            documents[f"{document['kind']}/{document['metadata']['name']}"] = document
    return documents


def k8s_containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    pod = document["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_every_manifest_is_namespace_agnostic_yaml_with_a_kind() -> None:
    assert sorted(path.name for path in K8S.glob("*.yaml")) == sorted(K8S_FILES)
    for file_name in K8S_FILES:
        documents = [doc for doc in yaml.safe_load_all((K8S / file_name).read_text(encoding="utf-8")) if doc]
        assert documents, f"{file_name} is empty"
        for document in documents:
            assert isinstance(document.get("apiVersion"), str) and document["apiVersion"], file_name
            assert isinstance(document.get("kind"), str) and document["kind"], file_name
            assert document["metadata"]["name"], file_name
            assert "namespace" not in document["metadata"], f"{file_name} pins a namespace"
            assert document["kind"] != "Secret", f"{file_name} creates a Secret: secrets are never committed"


def test_the_workloads_run_as_non_root_on_a_read_only_filesystem() -> None:
    workloads = {key: doc for key, doc in k8s_documents().items() if doc["kind"] in ("Deployment", "Job")}
    assert {"Deployment/needs-api", "Deployment/needs-worker", "Job/needs-migrate"} <= set(workloads)
    for key, document in workloads.items():
        pod_context = document["spec"]["template"]["spec"].get("securityContext", {})
        for container in k8s_containers(document):
            context = {**pod_context, **container.get("securityContext", {})}
            where = f"{key}/{container['name']}"
            assert context.get("runAsNonRoot") is True, where
            assert context.get("runAsUser", 1) != 0 and context.get("runAsGroup", 1) != 0, where
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("readOnlyRootFilesystem") is True, where
            assert "ALL" in context.get("capabilities", {}).get("drop", []), where
            assert container["resources"]["requests"] and container["resources"]["limits"], where


def test_the_api_deployment_probes_and_serves_its_port() -> None:
    documents = k8s_documents()
    deployment = documents["Deployment/needs-api"]
    assert deployment["spec"]["replicas"] == 2
    [container] = k8s_containers(deployment)
    [port] = container["ports"]
    assert port["containerPort"] == 8000
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert container[probe]["httpGet"]["path"] == path, probe
        assert container[probe]["httpGet"]["port"] in (port["containerPort"], port.get("name")), probe
    service = documents["Service/needs-api"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [service_port] = service["spec"]["ports"]
    assert service_port["targetPort"] in (port["containerPort"], port.get("name"))


def test_settings_come_from_the_configmap_and_the_unwritten_secret() -> None:
    documents = k8s_documents()
    config = documents["ConfigMap/needs-config"]["data"]
    assert config["ENVIRONMENT"] == "production"
    assert not SECRET_KEYS & set(config), "connection strings belong in the needs-secrets Secret"
    for key, document in documents.items():
        if document["kind"] not in ("Deployment", "Job"):
            continue
        for container in k8s_containers(document):
            config_maps = {
                source["configMapRef"]["name"] for source in container.get("envFrom", []) if "configMapRef" in source
            }
            assert "needs-config" in config_maps, key
            from_secret = {
                variable["name"]: variable["valueFrom"]["secretKeyRef"]
                for variable in container.get("env", [])
                if "secretKeyRef" in variable.get("valueFrom", {})
            }
            # The API also takes the scraper's token, optional: metrics are off without it.
            optional = {"METRICS_TOKEN"} if document["metadata"]["name"] == "needs-api" else set()
            assert set(from_secret) == SECRET_KEYS | optional, key
            for name, reference in from_secret.items():
                expected = {"name": "needs-secrets", "key": name} | ({"optional": True} if name in optional else {})
                assert reference == expected, key
            assert not any("value" in variable for variable in container.get("env", [])), f"{key} inlines a value"


async def address_counted(trusted: str, peer: str, forwarded_for: str) -> str:
    """The caller's address as the API sees it (and the failed-authentication throttle counts it) behind
    uvicorn's proxy headers middleware, which the image's uvicorn runs with FORWARDED_ALLOW_IPS."""
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["client"][0])

    async def unused(*_: Any) -> Any:
        raise AssertionError("the middleware only reads the request's scope")

    scope: Any = {"type": "http", "client": (peer, 50000), "headers": [(b"x-forwarded-for", forwarded_for.encode())]}
    await ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, unused, unused)
    [address] = seen
    return address


@pytest.mark.parametrize("pod", ["10.0.0.7", "10.244.1.23", "172.16.4.5", "192.168.1.9"])
async def test_no_pod_in_the_cluster_chooses_the_address_it_is_counted_as(pod: str) -> None:
    trusted = k8s_documents()["ConfigMap/needs-config"]["data"]["FORWARDED_ALLOW_IPS"]
    assert await address_counted(trusted, pod, forwarded_for="203.0.113.9") == pod


# ---- the first council and key, by the README's one command in each ------------------------------------


def readme_command(program: str) -> list[str]:
    """The README's one line that starts with `program`, as the shell splits it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith(program + " ")]
    return shlex.split(line)


def assert_creates_the_first_council_and_admin_key(command: list[str], target: str) -> None:
    """`python -m services.api.cli create-council … --admin-client …`, which the target's image can run."""
    from services.api.cli import create_council, parser

    assert command[:3] == ["python", "-m", "services.api.cli"], command
    stages = dockerfile_stages()
    assert effective(stages, target, "WORKDIR") == "/app" and "services ./services" in all_of(stages, target, "COPY")
    assert any("PYTHONPATH=/app" in env.split() for env in all_of(stages, target, "ENV")), target
    assert (ROOT / "services" / "api" / "cli.py").is_file()
    args = parser().parse_args(command[3:])
    assert args.run is create_council and args.admin_client, command


def test_compose_creates_the_first_council_and_key_with_the_api_service() -> None:
    command = readme_command("docker compose run")
    assert command[:4] == ["docker", "compose", "run", "--rm"], command
    services = load(COMPOSE)["services"]
    api = services[command[4]]
    # The api's image and settings, with the migrations run first: `compose run` starts what it depends on.
    assert api["build"]["target"] == "api" and "DATABASE_URL" in api["environment"], command[4]
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert_creates_the_first_council_and_admin_key(command[5:], api["build"]["target"])


def test_kubernetes_creates_the_first_council_and_key_in_a_running_api_pod() -> None:
    command = readme_command("kubectl")
    separator = command.index("--")
    assert command[:4] == ["kubectl", "-n", "NAMESPACE", "exec"] and command[4].startswith("deploy/"), command
    deployment = k8s_documents()[f"Deployment/{command[4].removeprefix('deploy/')}"]
    [container] = k8s_containers(deployment)
    # The pod already holds the database's secret and the pseudonym key the CLI needs.
    assert {variable["name"] for variable in container["env"]} >= SECRET_KEYS
    assert container["image"].startswith("needs-led-care-api:"), container["image"]
    assert_creates_the_first_council_and_admin_key(command[separator + 1 :], "api")
