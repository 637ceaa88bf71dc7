#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for the test of the SLURM profile (CI only: it
# writes /etc/slurm and /etc/munge and must run as root). Usage: slurm_local.sh start|stop.
# Why accounting (slurmdbd + MariaDB): snakemake-executor-plugin-slurm learns job states from
# `sacct`; without it jobs finish but Snakemake waits forever (../shared/notes/slurm_local.md).
set -euo pipefail
state=/tmp/vaebench-slurm          # pid files and logs of the daemons started here
cluster=vaebench
host="$(hostname)"

die() { echo "slurm_local: $*" >&2; exit 2; }

wait_for() {  # wait_for SECONDS COMMAND...: retry until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out waiting for: $*"
    sleep 1
  done
}

start_munge() {
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge /etc/munge
  install -d -o munge -g munge -m 755 /run/munge  # clients need to reach its socket
  if [ ! -s /etc/munge/munge.key ]; then
    head -c 1024 /dev/urandom > /etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  cp /run/munge/munged.pid "$state/munged.pid"
  wait_for 10 bash -c 'munge -n | unmunge'
}

start_mariadb() {
  install -d -o mysql -g mysql /run/mysqld
  # it runs as mysql: its own files go to /run/mysqld, its pid (from $!) to our state dir
  /usr/sbin/mariadbd --user=mysql --pid-file=/run/mysqld/mariadbd.pid \
    --log-error=/run/mysqld/mariadb.log --bind-address=127.0.0.1 </dev/null >/dev/null 2>&1 &
  echo $! > "$state/mariadbd.pid"
  wait_for 60 mysql -e 'select 1'
  mysql -e "create database if not exists slurm_acct_db;
            create user if not exists 'slurm'@'localhost' identified by 'slurm';
            grant all on slurm_acct_db.* to 'slurm'@'localhost'; flush privileges;"
}

write_slurm_conf() {
  local mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 8 / 10 / 1024 ))
  install -d /etc/slurm /var/spool/slurmctld /var/spool/slurmd
  cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
PidFile=$state/slurmdbd.pid
LogFile=$state/slurmdbd.log
CONF
  chmod 600 /etc/slurm/slurmdbd.conf
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=$cluster
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
NodeName=$host CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  [ "$(id -u)" = 0 ] || die "must run as root (it writes /etc/slurm and starts daemons)"
  command -v slurmctld >/dev/null || die "slurm-wlm not installed (apt-get install slurm-wlm munge slurmdbd mariadb-server)"
  mkdir -p "$state"
  start_munge
  start_mariadb
  write_slurm_conf
  slurmdbd
  wait_for 30 sacctmgr -n list cluster
  sacctmgr -i add cluster "$cluster" >/dev/null || true
  sacctmgr -i add account default Cluster="$cluster" >/dev/null || true
  sacctmgr -i add user root Account=default >/dev/null || true
  slurmctld
  slurmd
  wait_for 60 bash -c "sinfo -h -o %t | grep -qx idle"
  echo "slurm_local: node $host idle in partition main (state in $state)"
}

stop() {
  # reverse start order, each by the pid it recorded
  for daemon in slurmd slurmctld slurmdbd mariadbd munged; do
    local pidfile="$state/$daemon.pid"
    [ -s "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    fi
    rm -f "$pidfile"
  done
  echo "slurm_local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
