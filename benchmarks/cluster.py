"""`make bench-cluster`: throughput and latency at 50 concurrent conversations through nginx,
for 1 and 2 Rasa replicas in the same run (scripts/cluster.py: PostgreSQL, Redis lock store,
each replica with its own action server), ending with the scaling line.

Both clusters run the same scripted conversations (benchmarks/conversations.py), one cluster
at a time, after one unmeasured warm-up conversation. Everything shares this machine's cores,
PostgreSQL and nginx included: the scaling says what a second replica buys here, not on two
machines.

    python -m benchmarks.cluster [--conversations 50]
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

from benchmarks.conversations import every_turn_of_ours, ours
from benchmarks.load import LoadResult, run_load
from channels.ownership import issue_token
from scripts.cluster import Cluster

CONCURRENCY = 50
MACHINE_SPEED = {"RATE_LIMIT_CONVERSATION": "100000/6000000", "RATE_LIMIT_CLIENT": "100000/6000000"}


def measure(model: str, replicas: int, conversations: int) -> LoadResult:
    directory = Path(tempfile.mkdtemp(prefix=f"iop-bench-cluster-{replicas}-", dir="/tmp"))
    secret = secrets.token_hex(32)
    cluster = Cluster(directory, model, replicas=replicas, extra_env={"CONVERSATION_SECRET": secret, **MACHINE_SPEED},
                      say=lambda line: print(f"  {line}", flush=True))
    try:
        print(f"Starting a cluster of {replicas} replica(s)...", flush=True)
        cluster.start()
        webhook = f"{cluster.url}/webhooks/rest/webhook"
        token_for = lambda sender: issue_token(sender, secret.encode())  # noqa: E731
        asyncio.run(run_load(webhook, ours, 1, 1, every_turn_of_ours, prefix="warmup", token_for=token_for))
        load = asyncio.run(run_load(webhook, ours, CONCURRENCY, conversations, every_turn_of_ours,
                                    prefix=f"cluster{replicas}", token_for=token_for))
        print(f"  {replicas} replica(s): {load.messages} messages, {load.throughput:.1f} msg/s, "
              f"p50 {load.percentile(50):.0f} ms, p95 {load.percentile(95):.0f} ms, {len(load.errors)} errors", flush=True)
        return load
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--conversations", type=int, default=50)
    args = parser.parse_args(argv)
    one = measure(args.model, 1, args.conversations)
    two = measure(args.model, 2, args.conversations)
    print("\n| replicas | messages | msg/s | p50 (ms) | p95 (ms) | errors |\n|---:|---:|---:|---:|---:|---:|")
    for replicas, load in ((1, one), (2, two)):
        print(f"| {replicas} | {load.messages} | {load.throughput:.1f} | {load.percentile(50):.0f} | "
              f"{load.percentile(95):.0f} | {len(load.errors)} |")
    print(f"\nscaling: 2 replicas / 1 replica = {two.throughput / one.throughput:.2f}x")
    return 1 if one.errors or two.errors else 0


if __name__ == "__main__":
    sys.exit(main())
