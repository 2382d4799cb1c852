"""`make bench`: our assistant against Rasa's own example bot, measured in the same run.

Absolute times drift on a shared 2-core machine, so every figure is reported
next to the reference: the bot `rasa init --no-prompt` creates with the same
Rasa version, trained and served the same way (`rasa run`, REST channel, SQL
tracker store on SQLite). One bot runs at a time, the other's servers
stopped, so they never compete for the CPU.

For each bot: full training time, cold start (process start to the first
answered message), latency percentiles and throughput of scripted
conversations at 1, 10 and 50 at a time (benchmarks/conversations.py; same
number of turns for both), errors (any error fails the run), resident memory
of the servers after the load, and for ours the callback requests counted in
the database against those confirmed to the user, the cost of one turn as a
conversation grows (benchmarks/turn_cost.py) and the slowest of the longest
hostile messages (benchmarks/hostile_messages.py).

Writes bench/out/report.md and bench/out/latency.png, prints the table.

    python -m benchmarks.run [--quick]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from benchmarks import hostile_messages
from benchmarks.conversations import CONFIRM_TURN, Turn, every_turn_of_ours, ours, reference
from benchmarks.load import LoadResult, TokenFor, run_load
from benchmarks.turn_cost import cost_at
from channels.ownership import issue_token
from scripts.serve import free_port, server_env, start, stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
# (concurrency, conversations): enough messages for a p99 at each level.
LEVELS = [(1, 6), (10, 20), (50, 50)]
QUICK_LEVELS = [(1, 2), (10, 10), (50, 50)]


@dataclass
class BotRun:
    name: str
    training_s: float = 0.0
    model_mb: float = 0.0
    cold_start_s: float = 0.0
    loads: List[LoadResult] = field(default_factory=list)
    rss_mb: Dict[str, float] = field(default_factory=dict)  # by server
    callbacks_stored: Optional[int] = None
    callbacks_confirmed: Optional[int] = None
    turn_cost_ms: Dict[int, float] = field(default_factory=dict)  # by turn of one conversation (ours)
    slowest_hostile: tuple = (0.0, "")  # (ms, which) for the slowest 20,000-character hostile message (ours)

    @property
    def errors(self) -> List[str]:
        return [error for load in self.loads for error in load.errors]

    def at(self, concurrency: int) -> LoadResult:
        return next(load for load in self.loads if load.concurrency == concurrency)


def timed(command: List[str], cwd: Path, env: Dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with open(log, "ab") as output:
        subprocess.run(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """Resident memory of a process group (the server and any children), in MB."""
    total_kb = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def first_answer(
    webhook: str, process: subprocess.Popen, started: float, timeout: float = 300, token_for: Optional[TokenFor] = None
) -> float:
    """Seconds from `started` to the first message the bot answers."""
    sender = "bench-cold-start"
    body = json.dumps({"sender": sender, "message": "hello"}).encode()
    headers = {"Content-Type": "application/json"}
    if token_for:
        headers["Authorization"] = f"Bearer {token_for(sender)}"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        request = urllib.request.Request(webhook, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                if reply.status == 200 and json.loads(reply.read()):
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer within {timeout} s")


def serve_and_load(
    run: BotRun,
    rasa_command: List[str],
    env: Dict[str, str],
    port: int,
    workdir: Path,
    script: Callable[[int], List[Turn]],
    levels: List[tuple],
    actions_command: Optional[List[str]] = None,
    every_turn=None,
    token_for: Optional[TokenFor] = None,
) -> None:
    webhook = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    processes: Dict[str, subprocess.Popen] = {}
    try:
        started = time.perf_counter()
        if actions_command:
            processes["action server"] = start(actions_command, env, workdir / f"{run.name}-actions.log")
        processes["Rasa server"] = start(rasa_command, env, workdir / f"{run.name}-rasa.log")
        run.cold_start_s = first_answer(webhook, processes["Rasa server"], started, token_for=token_for)
        print(f"  {run.name}: answered {run.cold_start_s:.1f} s after start", flush=True)
        # One unmeasured conversation first: the first pass through every code path is slower.
        asyncio.run(run_load(webhook, script, 1, 1, every_turn, prefix=f"warmup-{run.name}", token_for=token_for))
        for concurrency, conversations in levels:
            load = asyncio.run(
                run_load(
                    webhook, script, concurrency, conversations, every_turn, prefix=f"bench-{run.name}", token_for=token_for
                )
            )
            run.loads.append(load)
            print(
                f"  {run.name}: {concurrency:>2} at a time, {load.messages} messages: p50 {load.percentile(50):.0f} ms, "
                f"{load.throughput:.1f} msg/s, {len(load.errors)} errors",
                flush=True,
            )
        if run.name == "ours":
            print("  ours: one conversation of 400 turns, for the cost of a turn as it grows...", flush=True)
            run.turn_cost_ms = cost_at(webhook, token_for)
            print("  ours: hostile messages of 20,000 characters...", flush=True)
            run.slowest_hostile = hostile_messages.slowest(webhook, token_for)
        run.rss_mb = {name: rss_mb(process.pid) for name, process in processes.items()}
    finally:
        stop(list(processes.values()))


def count_callbacks(database: Path, run: BotRun) -> None:
    with sqlite3.connect(database) as db:
        run.callbacks_stored = db.execute(
            "SELECT count(*) FROM callback_requests WHERE conversation_id LIKE 'bench-%'"
        ).fetchone()[0]
    run.callbacks_confirmed = sum(
        1 for load in run.loads for turns in load.answered.values() if turns >= CONFIRM_TURN
    )


def bench_ours(workdir: Path, levels: List[tuple]) -> BotRun:
    run = BotRun("ours")
    print("Training our assistant (rasa train --force)...", flush=True)
    models = workdir / "models"
    run.training_s = timed(
        [str(BIN / "rasa"), "train", "--force", "--out", str(models), "--fixed-model-name", "ours"],
        ROOT, server_env(), workdir / "ours-train.log",
    )
    run.model_mb = (models / "ours.tar.gz").stat().st_size / 1024 ** 2
    database = workdir / "ours.db"
    # The benchmark signs its conversations' tokens itself (it runs the
    # server, so it holds the secret), and sends at machine speed from one
    # address: the rate limits, made for people, would measure themselves.
    secret = secrets.token_hex(32)
    env = server_env(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "CONVERSATION_SECRET": secret,
            "RATE_LIMIT_CONVERSATION": "100000/6000000",
            "RATE_LIMIT_CLIENT": "100000/6000000",
        }
    )
    from storage.migrate import upgrade

    upgrade(f"sqlite:///{database}")  # as scripts/serve.py does before starting
    port, actions_port = free_port(), free_port()
    endpoints = workdir / "ours-endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        '  headers:\n    Authorization: Bearer ${ACTION_SERVER_TOKEN}\n'
        "tracker_store:\n  type: storage.tracker_store.UrlSQLTrackerStore\n"
    )
    print("Serving and loading our assistant...", flush=True)
    serve_and_load(
        run,
        [
            str(BIN / "rasa"), "run", "--model", str(models / "ours.tar.gz"), "--interface", "127.0.0.1",
            "--port", str(port), "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints),
        ],
        env, port, workdir, ours, levels,
        actions_command=[str(BIN / "python"), "-m", "action_server", "--actions", "actions", "--port", str(actions_port)],
        every_turn=every_turn_of_ours,
        token_for=lambda sender: issue_token(sender, secret.encode()),
    )
    count_callbacks(database, run)
    return run


def bench_reference(workdir: Path, levels: List[tuple]) -> BotRun:
    run = BotRun("reference")
    project = workdir / "reference"
    project.mkdir()
    print("Creating and training the reference bot (rasa init --no-prompt)...", flush=True)
    run.training_s = timed(
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], workdir, server_env(),
        workdir / "reference-train.log",
    )
    model = next((project / "models").glob("*.tar.gz"))
    run.model_mb = model.stat().st_size / 1024 ** 2
    database = workdir / "reference.db"
    endpoints = project / "bench-endpoints.yml"
    # The same tracker store as ours: Rasa's SQL store on an SQLite file.
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")
    credentials = project / "bench-credentials.yml"
    credentials.write_text("rest:\n")
    port = free_port()
    print("Serving and loading the reference bot...", flush=True)
    serve_and_load(
        run,
        [
            str(BIN / "rasa"), "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
            "--credentials", str(credentials), "--endpoints", str(endpoints),
        ],
        server_env(), port, workdir, reference, levels,
    )
    return run


# ---------------------------------------------------------------- report --

def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 ** 2:.0f} GB RAM, Python {platform.python_version()}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def table(ours_run: BotRun, ref: BotRun) -> str:
    rows = [
        ("full training (s)", f"{ours_run.training_s:.0f}", f"{ref.training_s:.0f}", ratio(ours_run.training_s, ref.training_s)),
        ("model file (MB)", f"{ours_run.model_mb:.1f}", f"{ref.model_mb:.1f}", ratio(ours_run.model_mb, ref.model_mb)),
        ("cold start to first answer (s)", f"{ours_run.cold_start_s:.1f}", f"{ref.cold_start_s:.1f}", ratio(ours_run.cold_start_s, ref.cold_start_s)),
    ]
    for load in ours_run.loads:
        other = ref.at(load.concurrency)
        c = load.concurrency
        for p in (50, 95, 99):
            rows.append((f"latency p{p} at {c} (ms)", f"{load.percentile(p):.0f}", f"{other.percentile(p):.0f}", ratio(load.percentile(p), other.percentile(p))))
        rows.append((f"messages/s at {c}", f"{load.throughput:.1f}", f"{other.throughput:.1f}", ratio(load.throughput, other.throughput)))
        rows.append((f"messages at {c} (conversations)", f"{load.messages} ({load.conversations})", f"{other.messages} ({other.conversations})", ""))
    rows.append(("errors", str(len(ours_run.errors)), str(len(ref.errors)), ""))
    rows.append(("Rasa server memory after load (MB)", f"{ours_run.rss_mb.get('Rasa server', 0):.0f}", f"{ref.rss_mb.get('Rasa server', 0):.0f}", ratio(ours_run.rss_mb.get("Rasa server", 0), ref.rss_mb.get("Rasa server", 0))))
    rows.append(("action server memory after load (MB)", f"{ours_run.rss_mb.get('action server', 0):.0f}", "(none)", ""))
    for turn, cost in sorted(ours_run.turn_cost_ms.items()):
        rows.append((f"one turn at turn {turn} of a conversation (ms)", f"{cost:.0f}", "", ""))
    if ours_run.slowest_hostile[1]:
        rows.append((f"slowest hostile message ({ours_run.slowest_hostile[1]}) (ms)",
                     f"{ours_run.slowest_hostile[0]:.0f}", "", ""))
    rows.append(("callback requests stored / confirmed", f"{ours_run.callbacks_stored} / {ours_run.callbacks_confirmed}", "", ""))
    lines = ["| measure | ours | reference | ours / reference |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def targets(ours_run: BotRun, ref: BotRun) -> List[tuple]:
    single, ref_single = ours_run.at(1), ref.at(1)
    busy, ref_busy = ours_run.at(50), ref.at(50)
    cost = ours_run.turn_cost_ms
    return [
        ("single-conversation p50 latency at most 0.8x the reference's",
         single.percentile(50) <= 0.8 * ref_single.percentile(50),
         f"{single.percentile(50):.0f} ms vs {ref_single.percentile(50):.0f} ms ({ratio(single.percentile(50), ref_single.percentile(50))})"),
        ("throughput at 50 conversations at least 0.7x the reference's",
         busy.throughput >= 0.7 * ref_busy.throughput,
         f"{busy.throughput:.1f} vs {ref_busy.throughput:.1f} msg/s ({ratio(busy.throughput, ref_busy.throughput)})"),
        ("zero errors", not ours_run.errors and not ref.errors, f"{len(ours_run.errors)} ours, {len(ref.errors)} reference"),
        ("zero lost callback requests", ours_run.callbacks_stored == ours_run.callbacks_confirmed,
         f"{ours_run.callbacks_stored} stored, {ours_run.callbacks_confirmed} confirmed to the user"),
        ("full training under 5 minutes", ours_run.training_s < 300, f"{ours_run.training_s:.0f} s"),
        ("cold start under 30 seconds", ours_run.cold_start_s < 30, f"{ours_run.cold_start_s:.1f} s"),
        ("Rasa server memory under 1.5 GB", ours_run.rss_mb.get("Rasa server", 0) < 1536,
         f"{ours_run.rss_mb.get('Rasa server', 0):.0f} MB"),
        ("a turn at turn 400 of a conversation costs at most 1.3x one at turn 10",
         cost.get(400, float("inf")) <= 1.3 * cost.get(10, 0),
         f"{cost.get(400, float('nan')):.0f} ms vs {cost.get(10, float('nan')):.0f} ms"),
        ("any hostile message of 20,000 characters answered within 3 s", ours_run.slowest_hostile[0] < 3000,
         f"{ours_run.slowest_hostile[0]:.0f} ms ({ours_run.slowest_hostile[1]})"),
    ]


def plot(ours_run: BotRun, ref: BotRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for run, colour in ((ours_run, "#1f5f8b"), (ref, "#b35c00")):
        levels = [load.concurrency for load in run.loads]
        for p, style in ((50, "-"), (95, "--"), (99, ":")):
            latency.plot(levels, [load.percentile(p) for load in run.loads], style, marker="o", color=colour, label=f"{run.name} p{p}")
        throughput.plot(levels, [load.throughput for load in run.loads], "-", marker="o", color=colour, label=run.name)
    latency.set(xscale="log", yscale="log", xlabel="conversations at a time", ylabel="latency (ms)", title="Latency percentiles")
    throughput.set(xscale="log", xlabel="conversations at a time", ylabel="messages per second", title="Throughput")
    throughput.set_ylim(bottom=0)
    for axes in (latency, throughput):
        axes.set_xticks([1, 10, 50])
        axes.set_xticklabels(["1", "10", "50"])
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def report(ours_run: BotRun, ref: BotRun) -> str:
    checks = targets(ours_run, ref)
    lines = [
        "# Benchmark: our assistant and Rasa's example bot, same run",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}.",
        "Both bots on Rasa 3.6.21, `rasa run` with the REST channel and the SQL tracker store on SQLite; "
        "ours also has its action server. Conversations: benchmarks/conversations.py "
        f"({len(ours(0))} turns each, for both bots).",
        "",
        table(ours_run, ref),
        "",
        "## Targets",
        "",
    ]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {name}: {detail}" for name, ok, detail in checks]
    errors = ours_run.errors + ref.errors
    if errors:
        lines += ["", "## Errors", ""] + [f"- {error}" for error in errors[:50]]
    lines += ["", "![Latency and throughput](latency.png)", ""]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer conversations at 1 and 10 (a smoke run)")
    args = parser.parse_args(argv)
    levels = QUICK_LEVELS if args.quick else LEVELS
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="iop-bench-"))
    try:
        ours_run = bench_ours(workdir, levels)
        ref = bench_reference(workdir, levels)
    except Exception:
        print(f"The benchmark failed; server logs are kept in {workdir}", file=sys.stderr)
        raise
    text = report(ours_run, ref)
    (OUT / "report.md").write_text(text)
    plot(ours_run, ref, OUT / "latency.png")
    print("\n" + text)
    print(f"Report: {OUT / 'report.md'}, plot: {OUT / 'latency.png'}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if ours_run.errors or ref.errors else 0


if __name__ == "__main__":
    sys.exit(main())
