"""deploy/ (issue 10): the files an operator gets agree with each other and with the app.

Quick checks only; the build itself is deploy/check-build.sh, the Kubernetes schemas
deploy/check-kubernetes.sh, and the behaviour under load bench/chaos.py (`make chaos`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from laskutin.web_static import RESERVED

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_the_image_only_calls_scripts_that_exist() -> None:
    containerfile = (DEPLOY / "Containerfile").read_text()
    scripts = set(re.findall(r"deploy/[\w.-]+\.sh", containerfile))
    assert {"deploy/build-web.sh", "deploy/build-python.sh", "deploy/entrypoint.sh"} <= scripts
    for script in scripts:
        path = ROOT / script
        assert path.is_file(), script
        assert os.access(path, os.X_OK), f"{script} is not executable"
    assert re.search(r"^USER 10001", containerfile, re.MULTILINE), "runs as root"
    assert 'CMD ["serve"]' in containerfile


def test_the_image_installs_exactly_the_lock_without_dev_tools() -> None:
    script = (DEPLOY / "build-python.sh").read_text()
    assert "sync --frozen --no-dev" in script


def test_runtime_imports_are_runtime_dependencies() -> None:
    """The image has no dev group: a module the app imports must be a runtime dependency
    (httpx was only a dev one, and the image's app could not start)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = " ".join(project["project"]["dependencies"])
    dev_only = [
        re.split(r"[<>=\[ ]", dep, maxsplit=1)[0]
        for dep in project["dependency-groups"]["dev"]
        if re.split(r"[<>=\[ ]", dep, maxsplit=1)[0] not in runtime
    ]
    imported = set()
    for source in (ROOT / "src" / "laskutin").rglob("*.py"):
        for match in re.finditer(r"^(?:import|from) ([\w]+)", source.read_text(), re.MULTILINE):
            imported.add(match.group(1).replace("_", "-"))
    leaked = sorted(name for name in dev_only if name.replace("_", "-") in imported)
    assert leaked == [], f"imported by src/laskutin but only dev dependencies: {leaked}"


def test_the_load_balancer_sends_the_servers_own_paths_to_the_api() -> None:
    config = (DEPLOY / "haproxy.cfg").read_text()
    acl = " ".join(line for line in config.splitlines() if "acl api_path" in line)
    for root in RESERVED:
        assert f"{root}/" in acl or f" {root} " in f"{acl} ", root
    assert "uri /readyz" in config
    assert "option redispatch" in config
    assert "retry-on conn-failure" in config


def test_the_load_balancer_config_is_valid() -> None:
    haproxy = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None
    )
    if haproxy is None:
        pytest.skip("HAProxy is not installed (make cluster installs it)")
    env = {
        **os.environ,
        "LASKUTIN_LB_BIND": "127.0.0.1:1",
        "LASKUTIN_LB_STATS": "/tmp/laskutin-haproxy-check.sock",
        "LASKUTIN_API1": "127.0.0.1:2",
        "LASKUTIN_API2": "127.0.0.1:3",
        "LASKUTIN_API3": "127.0.0.1:4",
        "LASKUTIN_WEB": "127.0.0.1:5",
    }
    done = subprocess.run(
        [haproxy, "-c", "-f", str(DEPLOY / "haproxy.cfg")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_grace_period_covers_the_shutdown() -> None:
    """preStop + drain + timeout < terminationGracePeriodSeconds, with the ConfigMap's values."""
    api = (DEPLOY / "kubernetes" / "api.yaml").read_text()
    config = (DEPLOY / "kubernetes" / "configmap.yaml").read_text()

    def number(pattern: str, text: str) -> int:
        found = re.search(pattern, text)
        assert found, pattern
        return int(found.group(1))

    grace = number(r"terminationGracePeriodSeconds: (\d+)", api)
    pre_stop = number(r"sleep: \{seconds: (\d+)\}", api)
    drain = number(r'LASKUTIN_SHUTDOWN_DRAIN_SECONDS: "(\d+)"', config)
    timeout = number(r'LASKUTIN_SHUTDOWN_TIMEOUT_SECONDS: "(\d+)"', config)
    assert pre_stop + drain + timeout < grace
    assert "path: /readyz" in api
    assert "path: /healthz" in api
