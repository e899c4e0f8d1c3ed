"""The start-up check of a SLURM run (embedlab.common.slurm_fit), on sinfo listings of clusters
other than the test cluster; tests/workflow/test_slurm.py runs it on the real one."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from snakemake_executor_plugin_slurm.partitions import get_job_cpu_requirement

from embedlab.common.slurm_fit import (
    README_SECTION,
    Request,
    gpu_count,
    parse_sinfo,
    request_of,
    unfit,
    unfit_message,
)
from tests.helpers import ROOT

# two partitions: a default CPU one with 4- and 16-CPU nodes, a GPU one
SINFO = """\
c1|4|16000|(null)|cpu*
c2|16|64000|(null)|cpu*
g1|32|256000|gpu:a100:4(S:0-1)|gpu
g2|8|128000|gpu:2,shard:8|gpu
"""


@pytest.mark.parametrize(
    ("gres", "gpus"),
    [
        ("(null)", 0),
        ("gpu:4", 4),
        ("gpu:a100:2(S:0-1)", 2),
        ("gpu:2,shard:8", 2),
        ("gpu:v100:1,gpu:a100:2", 3),
        ("shard:8", 0),
    ],
)
def test_gpu_count(gres: str, gpus: int) -> None:
    assert gpu_count(gres) == gpus


def test_parse_sinfo() -> None:
    nodes = parse_sinfo(SINFO)
    assert [(n.name, n.cpus, n.mem_mb, n.gpus, n.partition, n.default) for n in nodes] == [
        ("c1", 4, 16000, 0, "cpu", True),
        ("c2", 16, 64000, 0, "cpu", True),
        ("g1", 32, 256000, 4, "gpu", False),
        ("g2", 8, 128000, 2, "gpu", False),
    ]


@pytest.mark.parametrize(
    ("threads", "resources"),
    [
        (8, {}),
        (2, {"cpus_per_task": 6}),
        (2, {"gpu": 2, "cpus_per_gpu": 4}),
        (3, {"gpu": 1}),
        (2, {"gres": "gpu:a100:2", "cpus_per_gpu": 5}),
        (4, {"gpu": 0, "cpus_per_gpu": 4}),
    ],
)
def test_cpus_as_the_slurm_plugin_asks_them(threads: int, resources: dict) -> None:
    """The CPUs we check are the CPUs snakemake-executor-plugin-slurm puts on sbatch."""
    job = SimpleNamespace(threads=threads, resources={**resources, "_cores": threads})
    plugin_cpus, per = get_job_cpu_requirement(job)
    request = request_of("r", job.resources)
    assert request.cpus == plugin_cpus * (request.gpus if per == "gpu" else 1)


def test_everything_fits_says_nothing() -> None:
    nodes = parse_sinfo(SINFO)
    requests = [
        request_of("neighbors_chunk", {"_cores": 16, "mem_mb": 60000}),
        request_of("extract_vgg16", {"_cores": 4, "gpu": 4, "slurm_partition": "gpu"}),
    ]
    assert unfit(requests, nodes) == []


def test_each_rule_that_no_node_fits_is_named_with_the_largest_node_and_a_fix() -> None:
    nodes = parse_sinfo(SINFO)
    requests = [
        request_of("neighbors_chunk", {"_cores": 32}),
        request_of("neighbors_chunk", {"_cores": 32}),  # a second job of the same rule
        request_of("extract_vgg16", {"_cores": 2, "gpu": 1}),  # default partition: no GPUs
        request_of("big", {"_cores": 1, "mem_mb": 100000}),
        request_of("pinned", {"_cores": 1, "cpus_per_task": 64, "slurm_partition": "gpu"}),
    ]
    lines = unfit(requests, nodes)
    assert lines == [
        "rule neighbors_chunk asks 32 CPUs; the largest node in the default partition (c2) has "
        "16 CPUs, 0 GPUs, 64000 MB. Fix: --set-threads neighbors_chunk=16",
        "rule extract_vgg16 asks 1 GPU; the largest node in the default partition (c2) has "
        "16 CPUs, 0 GPUs, 64000 MB. Fix: --set-resources extract_vgg16:slurm_partition=gpu",
        "rule big asks 100000 MB of memory; the largest node in the default partition (c2) has "
        "16 CPUs, 0 GPUs, 64000 MB. Fix: --set-resources big:mem_mb=64000",
        "rule pinned asks 64 CPUs; the largest node in partition gpu (g1) has 32 CPUs, 4 GPUs, "
        "256000 MB. Fix: --set-resources pinned:cpus_per_task=<fewer>",
    ]


def test_cpu_only_cluster_suggests_the_documented_switch() -> None:
    nodes = parse_sinfo("n1|2|24105|(null)|debug*\n")
    [line] = unfit([request_of("extract_vgg16", {"_cores": 2, "gpu": 1})], nodes)
    assert line.endswith("Fix: on a CPU-only cluster: --set-resources extract_vgg16:gpu=0")


def test_limits_met_only_by_different_nodes() -> None:
    """16 CPUs (c2 has them) and 2 GPUs (only g-nodes have them) on no single node."""
    nodes = parse_sinfo("c2|16|64000|(null)|all*\ng2|8|128000|gpu:2|all*\n")
    request = Request("mixed", cpus=16, gpus=2, mem_mb=None, partition=None, cpus_from="threads")
    [line] = unfit([request], nodes)
    assert line.startswith("rule mixed asks 16 CPUs, 2 GPUs, None MB together;"), line


def test_unknown_memory_is_not_judged() -> None:
    """A size that depends on an input still to be made is not known before the run."""
    request = request_of("r", {"_cores": 1, "mem_mb": "<TBD>"})
    assert request.mem_mb is None
    assert unfit([request], parse_sinfo(SINFO)) == []


def test_partition_without_nodes() -> None:
    [line] = unfit([request_of("r", {"_cores": 1, "slurm_partition": "nope"})], parse_sinfo(SINFO))
    assert line == "rule r: partition nope has no nodes (sinfo lists none)"


def test_the_message_names_a_readme_section_and_the_fixes_the_profile_names() -> None:
    """The section the message points to exists, and it, the shipped profile's comment and the
    check suggest the same flags: for a CPU-only cluster, and for too many threads."""
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^#+ (.+)$", readme, re.M)
    assert README_SECTION in headings
    nodes = parse_sinfo("n1|4|16000|(null)|cpu*\n")
    requests = [
        request_of("neighbors_chunk", {"_cores": 8}),
        request_of("extract_vgg16", {"_cores": 2, "gpu": 1}),
    ]
    problems = unfit(requests, nodes)
    message = unfit_message(problems)
    assert message.endswith(f"(README.md, '{README_SECTION}').")
    fixes = [line.split("Fix: ")[1].removeprefix("on a CPU-only cluster: ") for line in problems]
    assert fixes == ["--set-threads neighbors_chunk=4", "--set-resources extract_vgg16:gpu=0"]
    profile = " ".join((ROOT / "profiles/slurm/profile.yaml").read_text().split())
    section = readme.split(f"## {README_SECTION}\n")[1].split("\n## ")[0]
    for fix in fixes:
        assert fix in profile, fix
    assert "--set-resources extract_vgg16:gpu=0" in section
    assert "--set-threads neighbors_chunk=" in section
