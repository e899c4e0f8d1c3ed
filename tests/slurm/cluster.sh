#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for tests/workflow/test_slurm.py and for trying the
# SLURM profile by hand. Needs root and Debian's slurm packages (22.05 on bookworm).
#
#   bash tests/slurm/cluster.sh install   tests/system-packages.sh: slurmctld slurmd slurm-client munge
#                                         (and the other Debian packages the tests need)
#   bash tests/slurm/cluster.sh start     write slurm.conf, start munged, slurmctld, slurmd,
#                                         wait until the node is idle (idempotent)
#   bash tests/slurm/cluster.sh stop      cancel jobs, stop the daemons this script started
#   bash tests/slurm/cluster.sh status    daemons, node state, queue
#
# Everything lives under $EMBEDLAB_SLURM_DIR (default /var/lib/slurm-embedlab): etc/slurm.conf,
# state/, spool/, run/ (pid files), log/. /etc/slurm/slurm.conf is made a symlink to that
# config (only if no other slurm.conf is there), so that sinfo, sbatch and squeue find it
# without SLURM_CONF; `status` prints the SLURM_CONF to export otherwise.
# Settings (environment): EMBEDLAB_SLURM_DIR, EMBEDLAB_SLURM_TIMEOUT (seconds to wait for an
# idle node, default 60).
set -euo pipefail

DIR=${EMBEDLAB_SLURM_DIR:-/var/lib/slurm-embedlab}
TIMEOUT=${EMBEDLAB_SLURM_TIMEOUT:-60}
CONF=$DIR/etc/slurm.conf
SYSTEM_CONF=/etc/slurm/slurm.conf
MUNGE_KEY=/etc/munge/munge.key
PACKAGES=(slurmctld slurmd slurm-client munge)
MARKER="# Written by embedlab tests/slurm/cluster.sh"
export SLURM_CONF=$CONF
export PATH=$PATH:/usr/sbin:/sbin

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and runs the SLURM daemons)"; }

installed() {
    local bin
    for bin in slurmctld slurmd sinfo sbatch squeue scontrol munged munge unmunge; do
        command -v "$bin" >/dev/null 2>&1 || return 1
    done
}

cmd_install() { # the tests' Debian packages, SLURM and munge among them (idempotent)
    need_root
    bash "$(dirname "${BASH_SOURCE[0]}")/../system-packages.sh"
    installed || die "installed ${PACKAGES[*]} but the commands are still missing"
}

# --- processes ------------------------------------------------------------------------------

pid_alive() { [[ -n ${1:-} && -d /proc/$1 ]] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# the pid in a pid file, if that process is alive and runs the named program
pid_of() {
    local file=$1 name=$2 pid
    [[ -r $file ]] || return 1
    pid=$( { tr -dc '0-9' <"$file"; } 2>/dev/null) || return 1
    pid_alive "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
    echo "$pid"
}

# processes whose command line mentions our state directory (our daemons, even without pid file)
ours_by_cmdline() {
    local d pid
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ $pid -eq $$ ]] && continue
        if { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -qF -- "$DIR/"; then
            case $(cat "$d/comm" 2>/dev/null) in
                slurmctld | slurmd | munged) echo "$pid" ;;
            esac
        fi
    done
}

stop_pids() { # TERM, wait up to 15 s, then KILL
    local pids=("$@") pid i
    [[ ${#pids[@]} -gt 0 ]] || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do
        local alive=0
        for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
        [[ $alive -eq 0 ]] && return 0
        sleep 0.2
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.5
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

# --- configuration --------------------------------------------------------------------------

node_name() { hostname -s; }

# "CPUs=2 Boards=1 ... RealMemory=24105" for this machine, as slurmd itself will see it
node_hardware() {
    local line
    line=$(slurmd -C 2>/dev/null | head -1 || true)
    if [[ $line == NodeName=* ]]; then
        echo "${line#NodeName=* }"
    else
        echo "CPUs=$(nproc) RealMemory=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))"
    fi
}

gpu_count() { # NVIDIA device files /dev/nvidia0, /dev/nvidia1, ...
    local n=0 f
    for f in /dev/nvidia[0-9]*; do [[ -c $f ]] && n=$((n + 1)); done
    echo "$n"
}

write_config() { # writes $1 (slurm.conf) and, with GPUs, gres.conf beside it
    local out=$1 node gpus gres_node="" gres_types="# no GPUs on this machine: no GresTypes"
    node=$(node_name)
    gpus=$(gpu_count)
    if [[ $gpus -gt 0 ]]; then
        gres_node=" Gres=gpu:$gpus"
        gres_types="GresTypes=gpu"
        printf '%s\nNodeName=%s Name=gpu File=/dev/nvidia[0-%d]\n' "$MARKER" "$node" $((gpus - 1)) \
            >"$(dirname "$out")/gres.conf"
    else
        rm -f "$(dirname "$out")/gres.conf"
    fi
    cat >"$out" <<EOF
$MARKER
# A one-node test cluster: the controller and the compute node are this machine.
ClusterName=embedlab
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# no cgroups, no accounting database: plain process tracking, sacct does not work
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# finished jobs stay visible to squeue/scontrol for 10 minutes (Snakemake's squeue status
# queries and the tests read them)
MinJobAge=600
ReturnToService=2
KillWait=5
InactiveLimit=0
Waittime=0
$gres_types
NodeName=$node NodeAddr=127.0.0.1 $(node_hardware)$gres_node State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

link_system_conf() {
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    if [[ -L $SYSTEM_CONF || ! -e $SYSTEM_CONF ]]; then
        ln -sfn "$CONF" "$SYSTEM_CONF"
    elif ! grep -qF "$MARKER" "$SYSTEM_CONF"; then
        say "note: $SYSTEM_CONF belongs to another cluster and is left alone;"
        say "      export SLURM_CONF=$CONF to reach this one"
    fi
}

# --- daemons --------------------------------------------------------------------------------

node_state() { sinfo -h -N -n "$(node_name)" -o %t 2>/dev/null | head -1; }

running() { pid_of "$DIR/run/slurmctld.pid" slurmctld >/dev/null && pid_of "$DIR/run/slurmd.pid" slurmd >/dev/null; }

show_logs() {
    local f
    say "--- diagnostics ---"
    sinfo -N -l 2>&1 | sed 's/^/  sinfo: /' >&2 || true
    sinfo -R 2>&1 | sed 's/^/  sinfo -R: /' >&2 || true
    for f in "$DIR/munge/munged.log" "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" \
        "$DIR/log/slurmctld.out" "$DIR/log/slurmd.out"; do
        [[ -s $f ]] || continue
        say "--- last lines of $f ---"
        tail -n 40 "$f" >&2
    done
}

start_munge() {
    if munge_works; then
        if pid_of "$DIR/munge/munged.pid" munged >/dev/null; then
            say "munged already running (ours)"
        else
            say "munged already running (not started by this script; it is used as it is)"
        fi
        return 0
    fi
    if [[ ! -s $MUNGE_KEY ]]; then
        say "creating munge key $MUNGE_KEY"
        mkdir -p "$(dirname "$MUNGE_KEY")"
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$MUNGE_KEY" --force
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
        fi
    fi
    chown munge:munge "$(dirname "$MUNGE_KEY")" "$MUNGE_KEY"
    chmod 700 "$(dirname "$MUNGE_KEY")"
    chmod 600 "$MUNGE_KEY"
    mkdir -p /run/munge "$DIR/munge"
    chown munge:munge /run/munge "$DIR/munge"
    chmod 755 /run/munge
    chmod 700 "$DIR/munge"
    # as the munge user, like the packaged service; --force: start even over a stale socket
    # or lock that an unclean stop left behind
    runuser -u munge -- munged --force --key-file="$MUNGE_KEY" --pid-file="$DIR/munge/munged.pid" \
        --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" ||
        {
            show_logs
            die "munged did not start"
        }
    local i
    for ((i = 0; i < 50; i++)); do
        munge_works && return 0
        sleep 0.2
    done
    show_logs
    die "munged started but munge -n | unmunge fails"
}

wait_idle() {
    local deadline=$((SECONDS + TIMEOUT)) state resumed=0
    while ((SECONDS < deadline)); do
        state=$(node_state || true)
        case $state in
            idle | mix | alloc | comp) return 0 ;;
            down* | drain* | drng* | fail*)
                # a node that kept a DOWN state from before (e.g. after an unclean stop)
                if [[ $resumed -eq 0 ]]; then
                    scontrol update NodeName="$(node_name)" State=RESUME >/dev/null 2>&1 || true
                    resumed=1
                fi
                ;;
        esac
        running || break
        sleep 0.5
    done
    show_logs
    say "error: node $(node_name) is not idle after ${TIMEOUT}s (state: '${state:-no answer}')"
    return 1
}

cmd_start() {
    need_root
    installed || die "slurm is not installed: run 'bash $0 install' first"
    mkdir -p "$DIR"/{etc,state,spool,run,log}
    chmod 755 "$DIR"
    local new=$DIR/etc/slurm.conf.new
    write_config "$new"
    if running && munge_works && cmp -s "$new" "$CONF"; then
        rm -f "$new"
        link_system_conf
        wait_idle || exit 1
        say "already running: node $(node_name) $(node_state)"
        return 0
    fi
    # anything left from before (changed config, a dead daemon, an unclean stop): start anew
    stop_daemons quiet
    mv -f "$new" "$CONF"
    link_system_conf
    local f # fresh logs, so that a failure shows this start's messages (one older copy kept)
    for f in "$DIR"/log/*.log "$DIR"/log/*.out "$DIR/munge/munged.log"; do
        [[ -e $f ]] && mv -f "$f" "$f.old"
    done
    start_munge
    # -c / -c: start from clean state (no jobs or node states kept from an earlier run)
    slurmctld -c -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 || {
        show_logs
        die "slurmctld did not start"
    }
    slurmd -c -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 || {
        show_logs
        die "slurmd did not start"
    }
    if ! wait_idle; then
        stop_daemons quiet # leave nothing running after a failed start
        exit 1
    fi
    say "started: node $(node_name) $(node_state) ($(grep -o 'CPUs=[0-9]*' "$CONF"), $(grep -o 'RealMemory=[0-9]*' "$CONF"), $(gpu_count) GPUs); config $CONF"
}

stop_daemons() { # $1=quiet: no messages when nothing runs
    local ctld slurmd_pid munged_pid pids=() stepd=()
    ctld=$(pid_of "$DIR/run/slurmctld.pid" slurmctld || true)
    slurmd_pid=$(pid_of "$DIR/run/slurmd.pid" slurmd || true)
    if [[ -n $ctld ]]; then
        # cancel whatever still runs, so that no job step outlives the cluster
        local jobs
        jobs=$(squeue -h -t PD,R,CG,S -o %i 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            say "cancelling jobs: ${jobs//$'\n'/ }"
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            local i
            for ((i = 0; i < 50; i++)); do
                [[ -z $(squeue -h -t R,CG -o %i 2>/dev/null || true) ]] && break
                sleep 0.2
            done
        fi
    fi
    [[ -n $slurmd_pid ]] && pids+=("$slurmd_pid")
    [[ -n $ctld ]] && pids+=("$ctld")
    munged_pid=$(pid_of "$DIR/munge/munged.pid" munged || true)
    [[ -n $munged_pid ]] && pids+=("$munged_pid")
    # daemons of ours whose pid file is gone (an unclean stop)
    local p
    for p in $(ours_by_cmdline); do
        [[ " ${pids[*]} " == *" $p "* ]] || pids+=("$p")
    done
    # job steps left behind by a slurmd that was killed (only one slurmd can serve port 6818,
    # and it was ours)
    if [[ -n $slurmd_pid ]]; then
        for p in /proc/[0-9]*; do
            [[ $(readlink "$p/exe" 2>/dev/null) == */slurmstepd ]] && stepd+=("${p#/proc/}")
        done
    fi
    if [[ ${#pids[@]} -eq 0 && ${#stepd[@]} -eq 0 ]]; then
        [[ ${1:-} == quiet ]] || say "not running"
        return 0
    fi
    say "stopping pids ${pids[*]} ${stepd[*]}"
    stop_pids "${pids[@]}" "${stepd[@]}"
    rm -f "$DIR"/run/*.pid "$DIR/munge/munged.pid"
}

cmd_stop() {
    need_root
    stop_daemons
}

cmd_status() {
    local name pid rc=0
    for name in munged slurmctld slurmd; do
        local pidfile=$DIR/run/$name.pid
        [[ $name == munged ]] && pidfile=$DIR/munge/munged.pid
        if pid=$(pid_of "$pidfile" "$name"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: not running (no live pid in $pidfile)"
            rc=1
        fi
    done
    if munge_works; then
        echo "munge: credentials work"
    else
        echo "munge: not working"
        rc=1
    fi
    echo "config: $CONF$([[ -e $CONF ]] || echo ' (missing)')"
    if [[ $(readlink "$SYSTEM_CONF" 2>/dev/null) != "$CONF" ]]; then
        echo "clients: export SLURM_CONF=$CONF"
    fi
    if [[ $rc -eq 0 ]]; then
        sinfo -N -l || rc=1
        squeue -t all || true
    fi
    return $rc
}

case ${1:-} in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 install|start|stop|status" >&2
        exit 2
        ;;
esac
