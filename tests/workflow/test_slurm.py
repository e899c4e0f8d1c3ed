"""The real workflow on a real one-node SLURM cluster, through profiles/slurm.

tests/slurm/cluster.sh starts the cluster (Debian's slurmctld, slurmd and munge on this machine;
`bash tests/system-packages.sh` puts them there). Without root or the packages the tests fail,
naming the command: the SLURM path is part of what the suite proves.

The run uses the shipped profiles/slurm unchanged, plus only what this cluster needs (its
partition, squeue for job status, no account: `cluster_options`) and the README's one switch for
a cluster without GPUs (`CPU_ONLY`); the test node is small (this machine's CPUs, no GPU), so
nothing in the profile may ask more than such a node has.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

from tests.helpers import (
    FAULTS,
    MINI_CONFIG,
    ROOT,
    cluster,
    copy_mini_inputs,
    parsed_workflow,
    snakemake,
    snakemake_env,
    tree_digests,
)

pytestmark = pytest.mark.slow

PROFILE = ROOT / "profiles/slurm"
RUN_TIMEOUT_S = 900


def slurm(*args: str) -> str:
    out = subprocess.run(
        list(args), capture_output=True, text=True, check=False, env=snakemake_env(), timeout=60
    )
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


@pytest.fixture(scope="module")
def slurm_node() -> Iterator[dict[str, int]]:
    """A running cluster (started here, and stopped at the end, unless it was already up)."""

    def unavailable(reason: str) -> NoReturn:
        # a failure, not a skip: the SLURM path is part of what the suite proves
        pytest.fail(f"SLURM test cluster unavailable: {reason}", pytrace=False)

    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        unavailable(
            "it needs Linux and root. As root, run `make test` (it installs the Debian packages "
            "with tests/system-packages.sh), or `bash tests/system-packages.sh` and then this test"
        )
    was_running = cluster("status").returncode == 0
    try:
        started = cluster("start")
    except subprocess.TimeoutExpired:
        unavailable("tests/slurm/cluster.sh start did not finish in 300 s")
    if started.returncode != 0:
        unavailable(f"tests/slurm/cluster.sh start failed:\n{started.stdout}\n{started.stderr}")
    cpus, mem, gres, partition = slurm("sinfo", "-h", "-N", "-o", "%c %m %G %P").split()[:4]
    gpus = re.search(r"gpu(?::[^:,(]+)?:(\d+)", gres)
    yield {
        "cpus": int(cpus),
        "mem_mb": int(mem.rstrip("+")),
        "gpus": int(gpus[1]) if gpus else 0,
        "partition": partition.rstrip("*"),
    }
    if not was_running:
        stopped = cluster("stop")
        assert stopped.returncode == 0, stopped.stderr


def cluster_options(node: dict) -> list[str]:
    """What this test cluster needs beside the shipped profile, and nothing about its size: its
    partition (as a user gives it, with the profile's runtime and mem_mb repeated: a command-line
    --default-resources replaces the profile's), squeue for job status (no accounting database,
    so sacct fails), no account; plus status polling every second instead of every 10 s after
    40 s (timing only: the test's jobs take seconds) and the logs of successful jobs kept, which
    the test reads."""
    defaults = yaml.safe_load((PROFILE / "profile.yaml").read_text())["default-resources"]
    return [
        "--default-resources",
        *(f"{key}={value}" for key, value in defaults.items()),
        f"slurm_partition={node['partition']}",
        "--slurm-status-command", "squeue",
        "--slurm-no-account",
        "--slurm-init-seconds-before-status-checks", "2",
        "--seconds-between-status-checks", "1",
        "--slurm-keep-successful-logs",
    ]  # fmt: skip


# the README's one switch for a cluster without GPUs
CPU_ONLY = ["--set-resources", "extract_vgg16:gpu=0"]

# the image analyses run per subset (first, all): the cluster runs each rule once, for `all`
FIRST_SUBSET = "/analysis/first/"


def targets_and_local_rules(workdir: Path) -> tuple[list[str], set[str]]:
    """What the mini config's `all` asks for (its inputs, as Snakemake parses the workflow in
    `workdir`), less the `first` subset's analyses (their rules run for `all` too); and the
    rules that run in the Snakemake process itself, not as SLURM jobs (`localrule: True` or a
    `localrules:` directive): the target, downloads (compute nodes often have no internet),
    the listing of the images and the jobs of seconds."""
    with parsed_workflow(workdir, MINI_CONFIG) as workflow:
        wanted = list(workflow.get_rule("all").input)
        local = set(workflow._localrules)
    targets = [path for path in wanted if FIRST_SUBSET not in path]
    assert len(targets) < len(wanted), wanted
    return targets, local


def run_snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    env: dict[str, str] | None = None,
    pythonpath: tuple[Path, ...] = (),
) -> str:
    """The mini config in `workdir` through the shipped profile (no --cores: the profile's
    jobs); on a time-out, the run's SLURM jobs are cancelled and their states reported."""
    try:
        out = snakemake(
            workdir,
            *args,
            configfile=MINI_CONFIG,
            cores=None,
            check=False,
            env=env,
            pythonpath=pythonpath,
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as timeout:
        log = (timeout.stdout or b"").decode() + (timeout.stderr or b"").decode()
        run_id = re.search(r"SLURM run ID: (\S+)", log)
        queue = ""
        if run_id:
            queue = slurm("squeue", "-t", "all", f"--name={run_id.group(1)}", "-o", "%i %T %R %k")
            slurm("scancel", f"--name={run_id.group(1)}")
        raise AssertionError(
            f"snakemake did not finish in {RUN_TIMEOUT_S} s:\n{log}\nqueue:\n{queue}"
        ) from None
    log = out.stdout + out.stderr
    if check and out.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{log}")
    return log


def test_workflow_runs_through_slurm_and_matches_a_local_run(
    slurm_node: dict[str, int], tiny_glove: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The mini config (every rule, small inputs) through SLURM, compared with the session's
    local run of that config (tests/conftest.py: mini_finished, a project using the workflow as
    a module), asked for only after the SLURM run, so that another worker builds it
    meanwhile. Every rule runs, each image analysis for the `all` subset only (the node runs
    two-thread jobs one at a time)."""
    on_slurm = tmp_path / "slurm"
    on_slurm.mkdir()
    copy_mini_inputs(tiny_glove, on_slurm)
    targets, local_rule_names = targets_and_local_rules(on_slurm)
    # the merge fails once (injected from the test side: tests/faults): the profile's retry
    # resubmits it, with twice the memory
    fault = {"EMBEDLAB_FAULT": f"fail-once:neighbors_merge:{tmp_path / 'merge-failed'}"}
    log = run_snakemake(
        on_slurm,
        "--profile",
        str(PROFILE),
        *targets,  # after an option of one value (--configfile before it takes several)
        *cluster_options(slurm_node),
        *CPU_ONLY,
        env=fault,
        pythonpath=(FAULTS,),
    )
    assert (tmp_path / "merge-failed").exists(), "the injected failure did not fire"
    mini_finished: Path = request.getfixturevalue("mini_finished")

    # every job Snakemake did not run locally was a SLURM job, which completed
    run_id = re.search(r"^SLURM run ID: (\S+)$", log, re.M)
    assert run_id, log
    # Snakemake's own lines, without the job logs it prints for the failed attempt (inside them
    # the job step reports its rule as local)
    own = re.sub(r"^Logfile [^\n]*:\n=+\n.*?^=+\n", "", log, flags=re.M | re.S)
    remote_rules = collections.Counter(re.findall(r"^rule (\w+):$", own, re.M))
    local_rules = collections.Counter(re.findall(r"^localrule (\w+):$", own, re.M))
    assert remote_rules, f"no job went to SLURM:\n{log}"
    # the config's local rules ran here (the rest went to SLURM: checked below)
    assert {"all", "list_images", "compare_models"} <= local_rule_names, local_rule_names
    # (a rule that went to SLURM may show as local too: inside the failed attempt's log, where
    # the job step reports its rule as local)
    assert set(local_rules) - set(remote_rules) <= local_rule_names, local_rules
    submitted = re.findall(r"^Job \d+ has been submitted with SLURM jobid (\d+) ", log, re.M)
    records = [
        line.split("|")
        for line in slurm(
            "squeue", "-h", "-t", "all", f"--name={run_id.group(1)}", "-o", "%i|%T|%k|%m"
        ).splitlines()
    ]
    assert sorted(job_id for job_id, *_ in records) == sorted(submitted), (records, log)
    rule_of = {
        job_id: re.fullmatch(r"rule_(\w+?)(?:_wildcards_.*)?", comment).group(1)
        for job_id, _, comment, _ in records
    }
    failed = [(rule_of[job_id], state) for job_id, state, *_ in records if state != "COMPLETED"]
    assert failed == [("neighbors_merge", "FAILED")], records
    # the merge, by its job comment (rule and wildcards): it failed and was submitted again,
    # with twice the memory
    merges: dict[str, list[tuple[int, str, str]]] = {}
    for job_id, state, comment, mem in records:
        if rule_of[job_id] == "neighbors_merge":
            merges.setdefault(comment, []).append((int(job_id), state, mem))
    tries = sorted(sorted(jobs) for jobs in merges.values())
    assert [len(jobs) for jobs in tries] == [2], merges
    (_, first, first_mem), (_, second, second_mem) = next(jobs for jobs in tries if len(jobs) == 2)
    assert (first, second) == ("FAILED", "COMPLETED"), merges
    assert int(second_mem.rstrip("M")) == 2 * int(first_mem.rstrip("M")), merges
    slurm_rules = collections.Counter(rule_of.values())
    assert not set(slurm_rules) & local_rule_names, slurm_rules
    # (by rule: Snakemake prints a retried job's rule line more than once)
    assert set(slurm_rules) == set(remote_rules), (slurm_rules, remote_rules)
    slurm_logs = on_slurm / ".snakemake/slurm_logs"
    for job_id, rule in rule_of.items():
        assert list((slurm_logs / f"rule_{rule}").rglob(f"{job_id}.log")), (job_id, rule)

    # the same results, byte for byte, as a local run (the HDF5 stores embed no timestamps:
    # h5py creates datasets with track_times=False): all of them but the first subset's
    slurm_results, local_results = (
        tree_digests(on_slurm / "results"),
        tree_digests(mini_finished / "results"),
    )
    assert slurm_results, "no results"
    assert any(FIRST_SUBSET in f"/{path}" for path in local_results), sorted(local_results)
    assert slurm_results == {
        path: digest for path, digest in local_results.items() if FIRST_SUBSET not in f"/{path}"
    }


def test_start_check_names_what_no_node_can_run(
    slurm_node: dict, tiny_glove: Path, tmp_path: Path
) -> None:
    """Without the CPU-only switch, and with more threads than the node has CPUs, the run stops
    before submitting anything and names each rule, its request, the node and the fix."""
    if slurm_node["gpus"]:
        pytest.skip("the test node has a GPU")
    workdir = tmp_path / "check"
    workdir.mkdir()
    copy_mini_inputs(tiny_glove, workdir)  # not read: nothing runs
    too_many = slurm_node["cpus"] * 4
    log = run_snakemake(
        workdir,
        "--profile",
        str(PROFILE),
        *cluster_options(slurm_node),
        "--config",
        f"neighbors={{threads: {too_many}}}",
        check=False,
    )
    assert "No SLURM node can run these jobs" in log, log
    node = f"{slurm_node['cpus']} CPUs, 0 GPUs, {slurm_node['mem_mb']} MB"
    partition = slurm_node["partition"]
    assert (
        f"rule neighbors_chunk asks {too_many} CPUs; the largest node in partition {partition}"
        in log
    ), log
    assert f"{node}. Fix: --set-threads neighbors_chunk={slurm_node['cpus']}" in log, log
    assert "rule extract_vgg16 asks 1 GPU;" in log, log
    assert "Fix: on a CPU-only cluster: --set-resources extract_vgg16:gpu=0" in log, log
    assert "submitted with SLURM" not in log, log
    assert "Traceback" not in log, log
