"""What the deployment-file tests share: where the files are, how a Dockerfile's stages, a compose service's
command and the Kubernetes documents are read, and the README's first-council commands checked."""

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


def readme_command(program: str) -> list[str]:
    """The README's one line that starts with `program`, as the shell splits it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith(program + " ")]
    return shlex.split(line)


def assert_creates_the_first_council_and_admin_key(command: list[str], target: str) -> None:
    """`python -m services.cli create-council … --admin-client …`, which the target's image can run."""
    from services.cli.commands import ACCESS, parser

    assert command[:3] == ["python", "-m", "services.cli"], command
    stages = dockerfile_stages()
    assert effective(stages, target, "WORKDIR") == "/app" and "services ./services" in all_of(stages, target, "COPY")
    assert any("PYTHONPATH=/app" in env.split() for env in all_of(stages, target, "ENV")), target
    assert (ROOT / "services" / "cli" / "__main__.py").is_file()
    args = parser().parse_args(command[3:])
    assert args.run == ACCESS.create_council and args.admin_client, command
