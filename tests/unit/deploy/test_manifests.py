"""The deployment files validate against their schemas and agree with the code: images, commands, ports, probes,
environment variable names (Settings fields), the NATS node configs and the alert rules' metric names."""

from __future__ import annotations

import base64
import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import promql_parser
import pytest
import yaml
from kubernetes_validate.utils import latest_version
from prometheus_client import REGISTRY

import shared.heal  # registers its counters
import shared.metrics  # noqa: F401 - registers the metrics
from services.audit import signing
from services.audit.console.settings import ConsoleSettings
from shared.settings import SERVICE_PORTS, Settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
K8S = [doc for name in ("services.yaml", "nats.yaml")
       for doc in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text())]
SETTINGS_VARIABLES = {f"SW_{name.upper()}" for name in Settings.model_fields} | {
    f"SW_CONSOLE_{name.upper()}" for name in ConsoleSettings.model_fields}  # the audit console's own settings
IMAGE_TAG = "county-sw:0.1.0"


def command_of(service: str) -> list[str]:
    return ["uvicorn", f"services.{service}.main:make_app", "--factory", "--host", "0.0.0.0", "--port",
            str(SERVICE_PORTS[service]), "--no-proxy-headers"]  # as the launcher: SW_TRUSTED_PROXIES decides


def test_compose_validates_against_the_compose_specification() -> None:
    text = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(text.read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(COMPOSE))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


@pytest.mark.parametrize("doc", K8S, ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_kubernetes_manifest_validates_strictly(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, latest_version(), strict=True)


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_compose_runs_each_service_from_the_image_on_its_port_with_probes_and_known_variables(service: str) -> None:
    spec = COMPOSE["services"][service]
    port = str(SERVICE_PORTS[service])
    assert spec["image"].endswith(IMAGE_TAG)
    assert spec["command"] == command_of(service)
    assert spec["healthcheck"]["test"] == ["CMD", "python", "-m", "deploy.probe", port, "/healthz", "/readyz"]
    assert port in [str(p).split(":")[-1] for p in spec.get("ports", []) + spec.get("expose", [])]
    assert set(spec["environment"]) <= SETTINGS_VARIABLES
    for name, url in spec["environment"].items():  # the console reaches each service by its name and port
        if name.startswith("SW_CONSOLE_") and name.endswith("_URL"):
            called = name.removeprefix("SW_CONSOLE_").removesuffix("_URL").lower()
            assert url == f"http://{called}:{SERVICE_PORTS[called]}"
    assert spec["environment"]["SW_NATS_INBOX_PREFIX"] == f"_INBOX_{spec['environment']['SW_COUNTY_CODE']}_{service}"
    assert spec["environment"]["SW_SUBJECT_PREFIX"].endswith("." + spec["environment"]["SW_COUNTY_CODE"])
    seed = COMPOSE["secrets"][spec["secrets"][0]["source"]]["file"]
    assert seed.endswith(f"{spec['environment']['SW_COUNTY_CODE']}.{service}.nk")


def test_compose_has_three_nats_nodes_from_the_projects_configs_and_two_stations() -> None:
    nodes = {name: spec for name, spec in COMPOSE["services"].items() if name.startswith("sw-nats-")}
    assert sorted(nodes) == ["sw-nats-1", "sw-nats-2", "sw-nats-3"]
    for name, spec in nodes.items():
        conf = DEPLOY / "nats" / Path(spec["command"][-1]).name
        assert f"server_name: {name}" in conf.read_text()
        assert all(f"nats-route://{n}:6222" in conf.read_text() for n in nodes)
    assert COMPOSE["services"]["stations"]["deploy"]["replicas"] == 2
    assert set(COMPOSE["services"]["setup"]["environment"]) <= SETTINGS_VARIABLES


def deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"].removeprefix("sw-"): d for d in K8S if d["kind"] == "Deployment"}


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_kubernetes_runs_each_service_on_its_port_with_probes_replicas_resources_and_its_own_secret(
        service: str) -> None:
    deployment = deployments()[service]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = SERVICE_PORTS[service]
    assert container["image"].endswith(IMAGE_TAG) and container["command"] == command_of(service)
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    assert deployment["spec"]["replicas"] >= 2
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    names = {e["name"] for e in container["env"]}
    config = next(d for d in K8S if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sw-county")
    assert names | set(config["data"]) <= SETTINGS_VARIABLES
    secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
    assert secrets == {f"sw-{service}"}
    assert pod["volumes"][0]["secret"]["secretName"] == f"sw-{service}"


def test_kubernetes_runs_nats_as_three_nodes_of_the_projects_configuration() -> None:
    (statefulset,) = [d for d in K8S if d["kind"] == "StatefulSet"]
    assert statefulset["spec"]["replicas"] == 3
    conf = next(d for d in K8S if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sw-nats-config")
    text = conf["data"]["nats.conf"]
    node = (DEPLOY / "nats" / "cluster-node1.conf").read_text()
    for line in ("max_file_store", "sync_interval: always", "include ./province/access.conf", "name: sw-province"):
        assert line in text and line in node


def test_the_image_installs_only_the_runtime_dependencies_and_exposes_the_ports() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs and all("[" not in line for line in installs)  # no extras
    assert all(str(port) in text for port in SERVICE_PORTS.values())


def test_the_alert_rules_parse_and_name_only_metrics_the_services_export() -> None:
    rules = [r for group in yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())["groups"]
             for r in group["rules"]]
    exported = set(REGISTRY._names_to_collectors)
    named = set()
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        promql_parser.parse(rule["expr"])
        named |= set(re.findall(r"\b(sw_[a-z_]+)\b", rule["expr"]))
    assert named and named <= exported, named - exported
    watched = {"sw_relay_lag", "sw_consumer_pending", "sw_consumer_held", "sw_dlq_depth", "sw_loop_stalled_seconds",
               "sw_audit_checkpoint_age_seconds"}
    assert watched <= named


def settings_from(environment: dict[str, str]) -> Settings:
    """The settings a process would read from ``environment`` (secrets stand in as base64 of 32 bytes)."""
    values = {}
    for name, value in environment.items():
        value = str(value)
        if value.startswith("${") or value.startswith("REPLACE-ME"):
            value = base64.b64encode(b"x" * 32).decode()
        if not name.startswith("SW_CONSOLE_"):
            values[name.removeprefix("SW_").lower()] = value
    return Settings(**values)


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_each_services_environment_is_accepted_by_the_settings_in_prod(service: str) -> None:
    compose = settings_from(COMPOSE["services"][service]["environment"])
    (container,) = deployments()[service]["spec"]["template"]["spec"]["containers"]
    config = next(d for d in K8S if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sw-county")
    k8s = settings_from({**config["data"], **{e["name"]: e.get("value", "REPLACE-ME") for e in container["env"]}})
    for settings in (compose, k8s):
        assert settings.environment == "prod" and settings.event_county == settings.county_code
        assert settings.stream_replicas == 3 and len(settings.nats_url.split(",")) == 3
        # the ledger's signing key: audit alone holds it, and audit alone would refuse to start in prod without it
        assert bool(settings.audit_signing_key) == (service == "audit")
        if service == "audit":
            assert signing.configured_key(settings)
        else:
            assert "SW_AUDIT_SIGNING_KEY" not in (DEPLOY / "k8s" / "services.yaml").read_text().split(
                f"name: sw-{service}\ntype: Opaque", 1)[1].split("---", 1)[0]
