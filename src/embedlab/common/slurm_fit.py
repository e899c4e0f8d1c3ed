"""Will the cluster's nodes ever run these jobs? SLURM leaves a job that asks more CPUs than any
node has pending forever (reason ``PartitionConfig``) and rejects a GPU request on a cluster
without GPU gres with a terse sbatch error; this says which rule, what it asks and what the
largest node has, before anything is submitted.

The CPUs a job asks are worked out as snakemake-executor-plugin-slurm does: ``cpus_per_task`` if
set, else ``cpus_per_gpu`` x GPUs for a GPU job that sets it, else the job's threads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# one line per node and partition: name|CPUs|memory MB|gres|partition ('*' marks the default)
SINFO_FORMAT = "%N|%c|%m|%G|%P"
# the heading of README.md that explains a SLURM run and the fixes (the message names it)
README_SECTION = "Run on a cluster"


@dataclass(frozen=True)
class Node:
    name: str
    cpus: int
    mem_mb: int
    gpus: int
    partition: str
    default: bool


@dataclass(frozen=True)
class Request:
    """What one job asks of a node."""

    rule: str
    cpus: int
    gpus: int
    mem_mb: int | None
    partition: str | None
    cpus_from: str  # "threads", "cpus_per_task" or "cpus_per_gpu": what to lower


def gpu_count(gres: str) -> int:
    """GPUs in a gres string: ``gpu:4``, ``gpu:a100:2(S:0-1)``, ``gpu:2,shard:8``; 0 for
    ``(null)`` or none."""
    total = 0
    for part in gres.split(","):
        match = re.fullmatch(r"gpu(?::[^:()]+)?:(\d+)(?:\(.*\))?", part.strip())
        if match:
            total += int(match[1])
    return total


def parse_sinfo(text: str) -> list[Node]:
    """Nodes from ``sinfo -h -N -o '%N|%c|%m|%G|%P'``."""
    nodes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, cpus, mem, gres, partition = line.split("|")
        nodes.append(
            Node(
                name=name,
                cpus=int(cpus.rstrip("+")),
                mem_mb=int(mem.rstrip("+")),
                gpus=gpu_count(gres),
                partition=partition.rstrip("*"),
                default=partition.endswith("*"),
            )
        )
    return nodes


def query_nodes(sinfo: str = "sinfo") -> list[Node]:
    """The cluster's nodes, as sinfo lists them."""
    exe = shutil.which(sinfo) or sinfo
    out = subprocess.run(
        [exe, "-h", "-N", "-o", SINFO_FORMAT], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"`sinfo` failed: {out.stderr.strip() or out.stdout.strip()}")
    return parse_sinfo(out.stdout)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None  # not yet known (e.g. a size that depends on an input still to be made)


def request_of(rule: str, resources: Mapping[str, Any]) -> Request:
    """The request of a job with these (evaluated) Snakemake resources; ``_cores`` = threads."""
    gres = str(resources.get("gres") or "")
    gpus = _int(resources.get("gpu")) or gpu_count(gres)
    threads = _int(resources.get("_cores")) or 1
    cpus, cpus_from = threads, "threads"
    if _int(resources.get("cpus_per_task")) is not None:
        cpus, cpus_from = max(1, _int(resources["cpus_per_task"]) or 0), "cpus_per_task"
    elif gpus and _int(resources.get("cpus_per_gpu")):
        cpus, cpus_from = (_int(resources["cpus_per_gpu"]) or 0) * gpus, "cpus_per_gpu"
    partition = resources.get("slurm_partition")
    return Request(
        rule=rule,
        cpus=cpus,
        gpus=gpus,
        mem_mb=_int(resources.get("mem_mb")),
        partition=str(partition) if partition else None,
        cpus_from=cpus_from,
    )


def _candidates(request: Request, nodes: list[Node]) -> tuple[str, list[Node]]:
    if request.partition:
        return f"partition {request.partition}", [
            n for n in nodes if n.partition == request.partition
        ]
    default = [n for n in nodes if n.default]
    return ("the default partition", default) if default else ("the cluster", nodes)


def _fits(request: Request, node: Node) -> bool:
    return (
        request.cpus <= node.cpus
        and request.gpus <= node.gpus
        and (request.mem_mb is None or request.mem_mb <= node.mem_mb)
    )


def unfit(requests: Iterable[Request], nodes: list[Node]) -> list[str]:
    """One line per rule that no node can run: the rule, its request, the largest node, the fix."""
    worst: dict[str, Request] = {}
    for request in requests:  # one line per rule: its first job that fits nowhere
        if request.rule not in worst and not any(
            _fits(request, n) for n in _candidates(request, nodes)[1]
        ):
            worst[request.rule] = request
    lines = []
    for rule, request in worst.items():
        where, pool = _candidates(request, nodes)
        if not pool:
            lines.append(f"rule {rule}: {where} has no nodes (sinfo lists none)")
            continue
        max_cpus = max(n.cpus for n in pool)
        max_gpus = max(n.gpus for n in pool)
        max_mem = max(n.mem_mb for n in pool)
        asks, fixes = [], []
        if request.cpus > max_cpus:
            asks.append(f"{request.cpus} CPUs")
            fixes.append(
                f"--set-threads {rule}={max_cpus}"
                if request.cpus_from == "threads"
                else f"--set-resources {rule}:{request.cpus_from}=<fewer>"
            )
        if request.gpus > max_gpus:
            asks.append(f"{request.gpus} GPU{'s' * (request.gpus > 1)}")
            gpu_parts = sorted({n.partition for n in nodes if n.gpus >= request.gpus})
            fixes.append(
                f"--set-resources {rule}:slurm_partition={gpu_parts[0]}"
                if gpu_parts
                else f"on a CPU-only cluster: --set-resources {rule}:gpu=0"
            )
        if request.mem_mb is not None and request.mem_mb > max_mem:
            asks.append(f"{request.mem_mb} MB of memory")
            fixes.append(f"--set-resources {rule}:mem_mb={max_mem}")
        if not asks:  # every limit is met by some node, but never all by the same one
            asks.append(f"{request.cpus} CPUs, {request.gpus} GPUs, {request.mem_mb} MB together")
        largest = max(pool, key=lambda n: (n.gpus, n.cpus, n.mem_mb))
        lines.append(
            f"rule {rule} asks {' and '.join(asks)}; the largest node in {where} "
            f"({largest.name}) has {max_cpus} CPUs, {max_gpus} GPUs, {max_mem} MB. "
            f"Fix: {'; '.join(fixes) or 'use a partition with bigger nodes (slurm_partition)'}"
        )
    return lines


def unfit_message(problems: list[str]) -> str:
    """What the start-up check says when `unfit` found problems."""
    return (
        "No SLURM node can run these jobs (they would wait forever or be rejected):\n  "
        + "\n  ".join(problems)
        + f"\nGive the fix on the command line (README.md, '{README_SECTION}')."
    )
