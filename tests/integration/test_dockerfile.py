"""The Dockerfile, checked by reading it: slim non-root runtime images that carry the migrations, and a build
context that leaves out local state but not what the images copy."""

import fnmatch
import re

import pytest

from tests.integration.deploy_files import DOCKERIGNORE, ROOT, all_of, dockerfile_stages, effective, stage_chain


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
