"""The real workflow on a real one-node SLURM cluster, through profiles/slurm.

tests/slurm/cluster.sh starts the cluster (Debian's slurmctld, slurmd and munge on this machine;
`bash tests/slurm/cluster.sh install` puts them there). Without it the tests skip, except under
CI=true, where they fail: CI must exercise the SLURM path.

The run uses profiles/slurm as users do, plus a test profile written into the temporary
directory that (a) fits the profile's resource requests to the test node (no GPU, few CPUs, its
memory) and (b) sets what this accounting-less cluster needs (squeue instead of sacct).
"""

from __future__ import annotations

import collections
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CLUSTER = ROOT / "tests/slurm/cluster.sh"
PROFILE = ROOT / "profiles/slurm"
CONFIG = ROOT / ".test/config/config.yaml"
SLURM_DIR = Path(os.environ.get("EMBEDLAB_SLURM_DIR", "/var/lib/slurm-embedlab"))
SLURM_CONF = SLURM_DIR / "etc/slurm.conf"
VENV_BIN = Path(sys.executable).parent
SNAKEMAKE = str(VENV_BIN / "snakemake")
RUN_TIMEOUT_S = 900
# rules that run in the Snakemake process itself, not as SLURM jobs: input-only targets and any
# `localrules:` the workflow declares
LOCAL_RULES = {"all"}


def slurm_env() -> dict[str, str]:
    """The environment of Snakemake and so of its SLURM jobs (sbatch --export=ALL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SRUN_"))}
    env.pop("SNAKEMAKE_PROFILE", None)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", ""), "/usr/sbin", "/sbin"])
    env["SLURM_CONF"] = str(SLURM_CONF)
    return env


def cluster(command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CLUSTER), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=slurm_env(),
    )


def slurm(*args: str) -> str:
    out = subprocess.run(
        list(args), capture_output=True, text=True, check=False, env=slurm_env(), timeout=60
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
    cpus, mem, gres = slurm("sinfo", "-h", "-N", "-o", "%c %m %G").split()[:3]
    gpus = re.search(r"gpu(?::[^:,(]+)?:(\d+)", gres)
    yield {"cpus": int(cpus), "mem_mb": int(mem.rstrip("+")), "gpus": int(gpus[1]) if gpus else 0}
    if not was_running:
        stopped = cluster("stop")
        assert stopped.returncode == 0, stopped.stderr


def fit_to_node(resources: dict, node: dict[str, int]) -> dict:
    """One rule's resources as the test node can grant them: its GPUs, CPUs and memory."""
    fitted = dict(resources)
    wants_gpu = fitted.get("gpu") or fitted.get("gpu_model") or "gpu" in str(fitted.get("gres", ""))
    if wants_gpu and node["gpus"] < int(fitted.get("gpu") or 1):
        # the job runs on CPU here; 0 also overrides a gpu resource the rule itself declares
        fitted["gpu"] = 0
        for key in ("gpu_model", "cpus_per_gpu", "tasks_per_gpu"):
            fitted.pop(key, None)
        if "gpu" in str(fitted.get("gres", "")):
            fitted.pop("gres")
    if isinstance(fitted.get("cpus_per_task"), int):
        fitted["cpus_per_task"] = min(fitted["cpus_per_task"], node["cpus"])
    if isinstance(fitted.get("mem_mb"), int):
        fitted["mem_mb"] = min(fitted["mem_mb"], node["mem_mb"])
    return fitted


def write_test_profile(directory: Path, node: dict[str, int]) -> Path:
    """Given after profiles/slurm: replaces its resource entries with node-sized ones (a later
    profile replaces whole top-level entries, so both are copies of the real ones, fitted)."""
    real = yaml.safe_load((PROFILE / "profile.yaml").read_text())
    # one CPU per job (not its threads) where neither the rule nor the profile sets
    # cpus_per_task: the test node's two cores then run two jobs side by side, which halves
    # the run; each job still runs with the threads Snakemake gives it, as in the local run
    defaults = {"cpus_per_task": 1, **(real.get("default-resources") or {})}
    profile = {
        "default-resources": fit_to_node(defaults, node),
        "set-resources": {
            rule: fit_to_node(res, node) for rule, res in (real.get("set-resources") or {}).items()
        },
        # no accounting database on the test cluster: sacct fails, squeue sees finished jobs
        # for MinJobAge=600 s
        "slurm-status-command": "squeue",
        # no accounts either (in plugin 2.8.0 a no-op: it tries to guess one, then goes on)
        "slurm-no-account": True,
        # first status query after 2 s, not 40 s, then every second, not every 10 s: the
        # test's jobs take seconds
        "slurm-init-seconds-before-status-checks": 2,
        "seconds-between-status-checks": 1,
        # keep .snakemake/slurm_logs/<rule>/<wildcards>/<jobid>.log of successful jobs too
        "slurm-keep-successful-logs": True,
    }
    path = directory / "config.yaml"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return path


def run_snakemake(workdir: Path, *args: str) -> str:
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(CONFIG),
        *args,
    ]
    try:
        out = subprocess.run(
            cmd,
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
            env=slurm_env(),
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as timeout:
        log = (timeout.stdout or b"").decode() + (timeout.stderr or b"").decode()
        run_id = re.search(r"SLURM run ID: (\S+)", log)
        queue = ""
        if run_id:
            queue = subprocess.run(
                ["squeue", "-t", "all", f"--name={run_id.group(1)}", "-o", "%i %T %R %k"],
                capture_output=True,
                text=True,
                env=slurm_env(),
                check=False,
            ).stdout
            subprocess.run(["scancel", f"--name={run_id.group(1)}"], env=slurm_env(), check=False)
        raise AssertionError(
            f"snakemake did not finish in {RUN_TIMEOUT_S} s:\n{log}\nqueue:\n{queue}"
        ) from None
    log = out.stdout + out.stderr
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{log}")
    return log


def tree_digests(directory: Path) -> dict[str, str]:
    """Digests of the final results, not of the neighbors/<name>/chunk_<i>.h5 and
    images/<dataset>/shards/<i>.h5 files, whose number follows the split."""

    def split_part(parts: tuple[str, ...]) -> bool:
        return (parts[0] == "neighbors" and len(parts) == 3) or "shards" in parts

    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not split_part(path.relative_to(directory).parts)
    }


def test_workflow_runs_through_slurm_and_matches_a_local_run(
    slurm_node: dict[str, int], tiny_glove: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The local run is the session's shared tiny run (tests/conftest.py: tiny_finished), asked
    for only after the SLURM run, so that another worker builds it meanwhile. One chunk and one
    shard here (the tiny run has 3 of each): the results do not depend on the split, and fewer
    sbatch jobs keep the test short."""
    on_slurm = tmp_path / "slurm"
    on_slurm.mkdir()
    shutil.copy(tiny_glove, on_slurm / "glove.tiny.txt")
    test_profile = write_test_profile(tmp_path / "test-profile", slurm_node)

    log = run_snakemake(
        on_slurm, "--profile", str(PROFILE), "--profile", str(test_profile),
        "--config", "neighbors={chunks: 1}", "images={shards: 1}",
    )  # fmt: skip
    tiny_finished: Path = request.getfixturevalue("tiny_finished")

    # every job Snakemake did not run locally was a SLURM job, which completed
    run_id = re.search(r"^SLURM run ID: (\S+)$", log, re.M)
    assert run_id, log
    remote_rules = collections.Counter(re.findall(r"^rule (\w+):$", log, re.M))
    local_rules = collections.Counter(re.findall(r"^localrule (\w+):$", log, re.M))
    assert remote_rules, f"no job went to SLURM:\n{log}"
    assert set(local_rules) <= LOCAL_RULES, f"unexpected local jobs: {local_rules}"
    submitted = re.findall(r"^Job \d+ has been submitted with SLURM jobid (\d+) ", log, re.M)
    records = [
        line.split("|")
        for line in slurm(
            "squeue", "-h", "-t", "all", f"--name={run_id.group(1)}", "-o", "%i|%T|%k"
        ).splitlines()
    ]
    assert sorted(job_id for job_id, _, _ in records) == sorted(submitted), (records, log)
    assert {state for _, state, _ in records} == {"COMPLETED"}, records
    slurm_rules = collections.Counter(
        re.fullmatch(r"rule_(\w+?)(?:_wildcards_.*)?", comment).group(1)
        for _, _, comment in records
    )
    assert slurm_rules == remote_rules, (slurm_rules, remote_rules)
    slurm_logs = on_slurm / ".snakemake/slurm_logs"
    for job_id, _, comment in records:
        rule = re.fullmatch(r"rule_(\w+?)(?:_wildcards_.*)?", comment).group(1)
        assert list((slurm_logs / f"rule_{rule}").rglob(f"{job_id}.log")), (job_id, rule)

    # the same results, byte for byte, as a local run (the HDF5 stores embed no timestamps:
    # h5py creates datasets with track_times=False)
    slurm_results, local_results = (
        tree_digests(on_slurm / "results"),
        tree_digests(tiny_finished / "results"),
    )
    assert slurm_results, "no results"
    assert slurm_results == local_results
