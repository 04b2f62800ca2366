"""The Kubernetes manifests, checked by reading them (no cluster is needed) against what the images need."""

from typing import Any

import pytest
import yaml
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.integration.deploy_files import (
    K8S,
    K8S_FILES,
    SECRET_KEYS,
    assert_creates_the_first_council_and_admin_key,
    k8s_containers,
    k8s_documents,
    readme_command,
)


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
