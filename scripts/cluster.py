"""`make cluster`: the production shape on this machine. `make run` stays the single-process default.

    PostgreSQL   tracker store, callback requests, staff tables, handoffs   var/cluster/postgres
    Redis        Rasa's lock store: one conversation's turns in order,      var/cluster/redis
                 whichever replica each message reaches
    N replicas   `rasa run` (REPLICAS=2), each with its own action server
    nginx        in front of the replicas on RASA_PORT (5005)               var/cluster/nginx
    and, as make run: the demo website with the widget, the staff app, the retention job,
    the alert worker and the Telegram bot when configured, all pointed at nginx.

Debian's packages (postgresql, redis-server, nginx; `make cluster` installs them when
missing), each started as the current user with its own data directory under var/cluster/
and listening on loopback only. Every part but PostgreSQL (which pg_ctl runs as a daemon) is
started again when it stops, with back-off (scripts/supervisor.py).

Why a lock store: Rasa reads a conversation, runs the turn and appends its events. Two
replicas handling two messages of one conversation at once would each read the same history
and interleave their events; Rasa's in-memory lock store only orders turns within one process.
The Redis lock store makes every replica wait its turn (tests/cluster/).

Environment: REPLICAS (2), RASA_PORT (5005, nginx), CLUSTER_POSTGRES_PORT (5433),
CLUSTER_REDIS_PORT (6380), SITE_PORT, STAFF_PORT and the rest as make run (scripts/serve.py).
`Cluster` is also what the cluster tests and `make bench-cluster` start.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from scripts.local_services import Nginx, Postgres, Redis
from scripts.serve import (
    BIN, ROOT, free_port, keep_running, private_files, server_env, start, start_telegram_bridge, start_web_apps, stop,
    wait_until_up, widget_origins,
)
from scripts.supervisor import Supervisor

ENDPOINTS = """\
# Written by scripts/cluster.py for replica {number}: its own action server, the shared
# PostgreSQL tracker store (DATABASE_URL) and Redis as the lock store.
action_endpoint:
  url: "http://127.0.0.1:{actions_port}/webhook"
  headers:
    Authorization: Bearer ${{ACTION_SERVER_TOKEN}}
tracker_store:
  type: storage.tracker_store.UrlSQLTrackerStore
lock_store:
  type: storage.lock_store.AtomicRedisLockStore
  url: 127.0.0.1
  port: {redis_port}
  db: 1
  key_prefix: iop
"""


@dataclass
class Replica:
    number: int
    rasa_port: int
    actions_port: int
    endpoints: Path


@dataclass
class Cluster:
    """PostgreSQL, Redis, `replicas` Rasa servers with their action servers, and nginx in front."""

    directory: Path
    model: str
    replicas: int = 2
    port: int = field(default_factory=free_port)  # nginx: the assistant's address
    postgres_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    cors: List[str] = field(default_factory=list)
    extra_env: Dict[str, str] = field(default_factory=dict)
    say: object = print
    durable: bool = False  # PostgreSQL with fsync (make cluster); tests and benchmarks skip it

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.postgres = Postgres(self.directory / "postgres", self.postgres_port, durable=self.durable)
        self.redis = Redis(self.directory / "redis", self.redis_port)
        self.members = [
            Replica(number, free_port(), free_port(), self.directory / f"endpoints-{number}.yml")
            for number in range(1, self.replicas + 1)
        ]
        self.nginx = Nginx(self.directory / "nginx", self.port, [replica.rasa_port for replica in self.members])
        self.supervisor = Supervisor(start, say=lambda line: self.say(line))
        self.env: Dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.postgres.url

    def start(self) -> "Cluster":
        from channels.ownership import server_secret
        from storage.migrate import upgrade

        server_secret()  # made once, here, before the replicas race to make it
        self.directory.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        upgrade(self.postgres.url)
        # Behind nginx, which sets X-Forwarded-For to the address it saw (a client's own header
        # is replaced, not trusted): Sanic reads the client's address from it, one proxy deep,
        # so the per-client rate limits see clients, not nginx.
        #
        # A replica that dies mid-turn leaves its ticket in the conversation's lock: the next
        # message of that conversation waits until the ticket expires. Rasa's default lifetime
        # is 60 s, as long as nginx waits for a reply; 20 s is still far beyond a turn (p95
        # 2.5 s at 50 conversations on this machine), and the retry is answered.
        self.env = server_env({"DATABASE_URL": self.postgres.url, "SANIC_PROXIES_COUNT": "1",
                               "TICKET_LOCK_LIFETIME": "20", **self.extra_env})
        self.supervisor.start("Redis", self.redis.command(), self.env, self.directory / "redis.log")
        for replica in self.members:
            self.start_replica(replica)
        for replica in self.members:
            part = self.part(f"Rasa replica {replica.number}")
            wait_until_up(f"http://127.0.0.1:{replica.actions_port}/health", self.part(f"action server {replica.number}").process, 120)
            wait_until_up(f"http://127.0.0.1:{replica.rasa_port}/webhooks/rest/", part.process, 300)
        self.supervisor.start("nginx", self.nginx.command(), self.env, self.directory / "nginx.log")
        wait_until_up(f"{self.url}/webhooks/rest/", self.part("nginx").process, 30)
        return self

    def start_replica(self, replica: Replica) -> None:
        replica.endpoints.write_text(ENDPOINTS.format(number=replica.number, actions_port=replica.actions_port,
                                                      redis_port=self.redis_port))
        self.supervisor.start(
            f"action server {replica.number}",
            [str(BIN / "python"), "-m", "action_server", "--actions", "actions", "--port", str(replica.actions_port)],
            self.env, self.directory / f"actions-{replica.number}.log",
        )
        self.supervisor.start(
            f"Rasa replica {replica.number}",
            [str(BIN / "rasa"), "run", "--model", self.model, "--interface", "127.0.0.1",
             "--port", str(replica.rasa_port), "--credentials", str(ROOT / "credentials.yml"),
             "--endpoints", str(replica.endpoints), *(["--cors", *self.cors] if self.cors else [])],
            self.env, self.directory / f"rasa-{replica.number}.log",
        )

    def part(self, name: str):
        return next(part for part in self.supervisor.parts if part.name == name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a part (a fault, for the tests); the supervisor starts it again at its next check."""
        os.killpg(self.part(name).process.pid, sig)

    def watch(self) -> "Cluster":
        """Check on the parts every second in a thread of this process (as make cluster's loop
        does): one that stopped is started again with back-off. For the tests and benchmarks."""
        self._watching = threading.Event()

        def loop() -> None:
            while not self._watching.wait(1):
                self.supervisor.check()

        threading.Thread(target=loop, daemon=True).start()
        return self

    def stop(self) -> None:
        if getattr(self, "_watching", None):
            self._watching.set()
        stop(self.supervisor.processes)
        self.postgres.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("MODEL"), required=not os.environ.get("MODEL"))
    args = parser.parse_args(argv)
    site_port = os.environ.get("SITE_PORT", "8000")
    staff_port = os.environ.get("STAFF_PORT", "8001")
    rasa_port = os.environ.get("RASA_PORT", "5005")
    private_files()
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    cluster = Cluster(
        ROOT / "var" / "cluster", args.model, replicas=int(os.environ.get("REPLICAS", "2")), port=int(rasa_port),
        postgres_port=int(os.environ.get("CLUSTER_POSTGRES_PORT", "5433")),
        redis_port=int(os.environ.get("CLUSTER_REDIS_PORT", "6380")),
        cors=widget_origins(site_port), say=say, durable=True,
    )

    def shutdown(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        print(f"Starting PostgreSQL, Redis, {cluster.replicas} Rasa replicas and nginx (logs in var/cluster/)...",
              flush=True)
        cluster.start()
        os.environ["DATABASE_URL"] = cluster.database_url  # for the first-admin prompt below
        from staff_review.users import ensure_first_admin

        ensure_first_admin()
        start_web_apps(cluster.supervisor, cluster.env, site_port, staff_port, f"http://localhost:{rasa_port}", rasa_port)
        start_telegram_bridge(cluster.supervisor, cluster.env, rasa_port)
        print(
            f"\nThe cluster is ready: {cluster.replicas} Rasa replicas behind nginx.\n"
            f"  Assistant (nginx):  http://localhost:{rasa_port}/webhooks/rest/webhook\n"
            f"  Website:            http://localhost:{site_port}\n"
            f"  Staff review:       http://127.0.0.1:{staff_port}/\n"
            f"  Database:           {cluster.database_url}\n"
            f"  Staff accounts:     DATABASE_URL={cluster.database_url} make staff-user NAME=... ROLE=admin\n"
            "  Stop with Ctrl-C.\n",
            flush=True,
        )
        return keep_running(cluster.supervisor)
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
