"""Two servers, one contract: the real EXACT server and `exact-desktop serve`, seeded alike.

The real EXACT comes from ../shared/exact-server/up.sh (purged first, so every session starts
from the same state; stopped with down.sh at the end) and is seeded by EXACT's own seed.py. The
embedded API gets the same team, product, types and image set through the Store (it takes no
team or product creates), and both get their slides through the same REST upload. A test that
takes `server` runs once against each.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from exact_desktop.demo.synthetic_slide import ensure_demo_slide
from exact_desktop.model import entities as e
from exact_desktop.model.entities import stored_id
from exact_desktop.rest.connection import Connection
from exact_desktop.server.passwords import hash_password
from exact_desktop.store.sqlite.store import SqliteStore
from tests.conftest import BOXES_TIFF, PROJECT, SMALL_SVS
from tests.server.conftest import start_server, stop_server

SHARED = PROJECT.parent / "shared"
EXACT_SERVER = SHARED / "exact-server"
USER, PASSWORD = "exact", "exact-contract"  # the embedded user; the real one is exact/exact
CONTRACT_SLIDE_SIZE = (3000, 2000)


@dataclass
class Target:
    name: str  # "exact" or "embedded"
    url: str
    user: str
    password: str
    token: str
    product: int
    image_set: int  # "Demo": small.svs, boxes.tiff, contract.svs
    faults_set: int = 0  # "Faults": contract.svs alone
    images: dict[str, int] = field(default_factory=dict)
    faults_image: int = 0
    team: int = 0

    def connection(self, url: str | None = None) -> Connection:
        return Connection(url or self.url, token=self.token)

    def env(self, url: str | None = None) -> dict[str, str]:
        """A CLI or worker environment for this server (secrets in the environment, not argv)."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("EXACT_") or k == "EXACT_DESKTOP_HOME"}
        return {**keep, "EXACT_URL": url or self.url, "EXACT_TOKEN": self.token, "PYTHONUNBUFFERED": "1"}

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session


def cli(target: Target, *args: str, url: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 600) -> tuple[int, Any, str]:  # fmt: skip
    """Runs `exact-desktop ARGS` against the target; (exit code, parsed stdout JSON or None, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "exact_desktop", *args], cwd=PROJECT, capture_output=True, text=True,
        env={**target.env(url), **(env or {})}, timeout=timeout,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    return done.returncode, json.loads(lines[-1]) if lines else None, done.stderr


def upload(target: Target, path: Path, name: str, image_set: int) -> int:
    """EXACT's multipart upload; an image of that name already in the set is reused."""
    session = target.session()
    listed = session.get(f"{target.url}/api/v1/images/images/", params={"image_set": image_set, "limit": 1000}).json()
    for image in listed["results"]:
        if image["name"] == name and image["image_set"] == image_set:
            return image["id"]
    with path.open("rb") as handle:
        answer = session.post(f"{target.url}/api/v1/images/images/", files={"file_path": (name, handle)},
                              data={"image_type": 0, "image_set": image_set}, timeout=300)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["results"][0]["id"]


def run_on_server(target: Target, name: str, *params: str) -> dict[str, int]:
    """Register the plugin on the target and run it on its image set (`plugin run --server`,
    params KEY=VALUE); image name -> its job."""
    code, _record, err = cli(
        target, "plugin", "register", name, "--server", target.url, "--product", str(target.product)
    )
    assert code == 0, err
    extra = [arg for p in params for arg in ("--param", p)]
    code, summary, err = cli(target, "plugin", "run", name, "--image-set", str(target.image_set), "--server",
                             target.url, "--run-again", "--workers", "1", *extra)  # fmt: skip
    assert code == 0, err
    assert summary["errors"] == [] and len(summary["jobs"]) == len(target.images), summary
    by_image = {i: image for image, i in target.images.items()}
    return {by_image[job["image"]]: job["job"] for job in summary["jobs"]}


@pytest.fixture(scope="session")
def contract_slide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3000 x 2000 synthetic H&E slide (mpp 0.25) with nuclei and tissue to find."""
    folder = tmp_path_factory.mktemp("contract-slide")
    return ensure_demo_slide(folder, "contract.svs", CONTRACT_SLIDE_SIZE, seed=7).slide


def _port_outside_the_ephemeral_range(first: int) -> int:
    """A free loopback port below the kernel's ephemeral range, counting up from `first`.

    up.sh's default PostgreSQL port (55432) lies inside Linux's ephemeral range (32768-60999):
    after a few hundred tests of loopback HTTP, a client socket in TIME_WAIT can hold it, and
    PostgreSQL then fails with "Address already in use" although nothing listens there.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(first, low):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port between {first} and the ephemeral range at {low}")


def _exact_env() -> dict[str, str]:
    return {**os.environ, "EXACT_PGPORT": str(_port_outside_the_ephemeral_range(25432))}


def _run_script(*args: str, timeout: float = 1800, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


@pytest.fixture(scope="session")
def exact_target(contract_slide: Path) -> Iterator[Target]:
    _run_script(EXACT_SERVER / "down.sh", "--purge")
    info = json.loads(_run_script(EXACT_SERVER / "up.sh", "--seed", env=_exact_env()).strip().splitlines()[-1])
    try:
        made = requests.post(f"{info['url']}/users/api/tokens/", json={"name": "contract tests"},
                             auth=(info["user"], info["password"]), timeout=60)  # fmt: skip
        assert made.status_code == 201, made.text
        target = Target("exact", info["url"], info["user"], info["password"], made.json()["token"],
                        info["product_id"], info["image_set_id"], images=dict(info["image_ids"]))  # fmt: skip
        session = target.session()
        faults = session.post(f"{target.url}/api/v1/images/image_sets/", json={
            "name": "Faults", "team": info["team_id"], "product_set": [target.product], "description": "fault tests",
            "images": [], "set_tags": [],
        }, timeout=60)  # fmt: skip
        assert faults.status_code == 201, faults.text
        target.faults_set = faults.json()["id"]
        target.team = info["team_id"]
        _finish(target, contract_slide)
        yield target
    finally:
        subprocess.run([str(EXACT_SERVER / "down.sh")], capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def embedded_target(tmp_path_factory: pytest.TempPathFactory, contract_slide: Path) -> Iterator[Target]:
    folder = tmp_path_factory.mktemp("embedded")
    db = folder / "project.db"
    store = SqliteStore(db)
    user = store.create(e.User(USER))
    store.set_password_hash(stored_id(user), hash_password(PASSWORD))
    team = store.create(e.Team("Demo Team"))
    store.create(e.TeamMembership(stored_id(team), stored_id(user), is_admin=True))
    product = store.create(e.Product("Demo", team=team.id))
    store.create(e.AnnotationType("Nucleus", 1, stored_id(product), color_code="#FF0000"))
    store.create(e.AnnotationType("Tissue", 5, stored_id(product), color_code="#00AA00", closed=True))
    demo = store.create(e.ImageSet("Demo", team=stored_id(team), product_set=[stored_id(product)]))
    faults = store.create(e.ImageSet("Faults", team=stored_id(team), product_set=[stored_id(product)]))
    store.close()
    process, first = start_server(db)
    try:
        target = Target("embedded", first["url"], USER, PASSWORD, first["token"], stored_id(product), stored_id(demo),
                        faults_set=stored_id(faults), team=stored_id(team))  # fmt: skip
        for path in (SMALL_SVS, BOXES_TIFF):
            target.images[path.name] = upload(target, path, path.name, target.image_set)
        _finish(target, contract_slide)
        yield target
    finally:
        stop_server(process)


def _finish(target: Target, slide: Path) -> None:
    target.images["contract.svs"] = upload(target, slide, "contract.svs", target.image_set)
    target.faults_image = upload(target, slide, "contract.svs", target.faults_set)


@pytest.fixture(params=["exact", "embedded"])
def server(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"{request.param}_target")
