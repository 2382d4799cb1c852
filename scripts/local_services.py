"""PostgreSQL, Redis and nginx on loopback, from Debian's packages, each with its own directory.

Used by `make cluster` (scripts/cluster.py: the production shape on one machine, under
var/cluster/) and by the tests (throwaway directories under /tmp). Each service runs as the
current user, with its data, sockets, logs and configuration in its own directory; nothing
of the system's own instances (if any) is used or touched. PostgreSQL refuses to run as root,
so as root it runs as the `postgres` system user the package creates, and its directory is
handed to that user.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import List, Optional, Sequence

DEBIAN_PACKAGES = {"postgresql": "initdb", "redis-server": "redis-server", "nginx": "nginx"}


def binary(name: str) -> str:
    found = (shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
             or next(iter(glob.glob(f"/usr/sbin/{name}")), None))
    if not found:
        package = next((package for package, command in DEBIAN_PACKAGES.items() if command == name), name)
        raise RuntimeError(f"{name} is not installed: `make cluster` and `make test` install it "
                           f"(apt-get install {package}).")
    return found


def wait_for_port(port: int, timeout: float, what: str) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start listening on port {port} within {timeout:.0f} s")


class Postgres:
    """A PostgreSQL cluster in `directory` (created on first start), listening on 127.0.0.1:`port`."""

    def __init__(self, directory: Path, port: int, database: str = "iop", durable: bool = False) -> None:
        # Throwaway servers (the tests, the benchmarks) skip fsync; make cluster's keeps it.
        self.directory, self.port, self.database, self.durable = Path(directory), port, database, durable
        self.data = self.directory / "pgdata"
        self.as_root = os.geteuid() == 0

    def _run(self, command: List[str], check: bool = True) -> subprocess.CompletedProcess:
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> "Postgres":
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.directory, "postgres", "postgres")
            # The postgres user must pass through the directories above (var/ is 0700): the
            # right to traverse, not to list or read; the files in them stay 0600.
            for parent in self.directory.parents:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            # Trust on loopback only: the cluster is the current user's, on this machine.
            self._run([binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"])
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        if not self.durable:
            options += " -c fsync=off"
        self._run([binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.directory / "postgres.log"),
                   "-w", "start"])
        if fresh:
            self._run([binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run([binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], check=False)

    def destroy(self) -> None:
        Postgres.stop(self)  # not a subclass's stop, which may destroy
        time.sleep(0.2)
        shutil.rmtree(self.directory, ignore_errors=True)


class Redis:
    """redis-server on 127.0.0.1:`port`, its files in `directory`; no persistence (locks only)."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = Path(directory), port
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> List[str]:
        """The foreground command (for a supervisor); its directory is made here."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return [binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"]

    def start(self) -> "Redis":
        command = self.command()
        with open(self.directory / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, 20, "Redis")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


NGINX_CONFIG = """\
# Written by scripts/local_services.py: nginx in front of the Rasa replicas, on loopback.
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;  # request lines carry conversation ids
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    client_max_body_size 64k;  # the REST channel refuses more than 48 KB itself
    # Bodies and replies stay in memory (as root, nginx's workers run as nobody, who
    # may not write temporary files here; and messages are health information).
    client_body_buffer_size 64k;
    proxy_max_temp_file_size 0;
    upstream rasa {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 60s;
            # A replica that refuses the connection is skipped; a request a replica
            # accepted is never sent to another (nginx retries no POST by default):
            # a message must not be read twice. The client gets the 502 and retries.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


class Nginx:
    """nginx on 127.0.0.1:`port`, balancing requests over the Rasa replicas' `upstream_ports`."""

    def __init__(self, directory: Path, port: int, upstream_ports: Sequence[int]) -> None:
        self.directory, self.port, self.upstream_ports = Path(directory), port, list(upstream_ports)
        self.process: Optional[subprocess.Popen] = None

    @property
    def config(self) -> Path:
        return self.directory / "nginx.conf"

    def write_config(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in self.upstream_ports)
        self.config.write_text(NGINX_CONFIG.format(directory=self.directory, servers=servers, port=self.port))

    def command(self) -> List[str]:
        """The foreground command (for a supervisor), with its configuration written."""
        self.write_config()
        return [binary("nginx"), "-c", str(self.config), "-p", str(self.directory), "-g", "daemon off;"]

    def start(self) -> "Nginx":
        command = self.command()
        with open(self.directory / "nginx.out", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, 20, "nginx")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
