#!/usr/bin/env bash
# The Debian packages the test suite needs beyond the venv: Chromium and its driver (the report
# opened in a real browser) and a one-node SLURM cluster (the profile tested on a real cluster).
#
#   bash tests/system-packages.sh          install what is missing (root), quietly and idempotently
#   bash tests/system-packages.sh --check  exit 1 and print the apt-get command if anything is missing
#
# `make test` runs the first form. Run as a normal user with packages missing, it stops at once
# with the one command to run as root. Daemons are never started by the install (a policy-rc.d
# denies it for the duration): tests/slurm/cluster.sh starts them with the tests' own config.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

# command -> Debian package
declare -A NEEDS=(
    [chromium]=chromium [chromedriver]=chromium-driver
    [slurmctld]=slurmctld [slurmd]=slurmd [sbatch]=slurm-client [squeue]=slurm-client
    [munged]=munge
)

missing=()
for cmd in "${!NEEDS[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDS[$cmd]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d' | sort -u)
[[ ${#missing[@]} -eq 0 ]] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ ${1:-} == --check || $(id -u) -ne 0 ]]; then
    echo "The tests need Debian packages that are missing: ${missing[*]}." >&2
    echo "Run as root:  $command_line" >&2
    echo "(or run 'make test' as root: it installs them itself)" >&2
    exit 1
fi

echo "Installing the tests' Debian packages: ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d added_policy=0
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    added_policy=1
fi
log=$(mktemp)
rc=0
(
    export DEBIAN_FRONTEND=noninteractive
    install() {
        apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
    }
    install || { apt-get update -q && install; } # stale or missing package lists
) >"$log" 2>&1 || rc=$?
[[ $added_policy -eq 1 ]] && rm -f "$policy"
if [[ $rc -ne 0 ]]; then
    tail -n 20 "$log" >&2
    echo "apt-get install ${missing[*]} failed (exit $rc); full output in $log" >&2
    exit 1
fi
rm -f "$log"
