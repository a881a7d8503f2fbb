# Sourced by the benchmark scripts: start an agent in the background, wait until its probes are
# attached, stop it afterwards, and say why when it does not get that far. Expects $dir.

# agent_start NAME CMD...: runs CMD with stderr in $dir/agent.log; sets agent_pid once attached
# (up to 10 s), else prints why on stderr and exits.
agent_start() {
  local name=$1
  shift
  "$@" >/dev/null 2>"$dir/agent.log" &
  agent_pid=$!
  # runs in a subshell ($(...)): whatever ends it, the agent must not stay attached
  trap "kill -TERM $agent_pid 2>/dev/null || true" EXIT
  for _ in $(seq 100); do
    grep -q attached "$dir/agent.log" 2>/dev/null && return 0
    sleep 0.1
  done
  local status
  if kill -0 "$agent_pid" 2>/dev/null; then
    echo "$name: '$*' did not attach within 10 s (state: $(awk '/^State/ {print $2, $3}' "/proc/$agent_pid/status"))" >&2
  else
    wait "$agent_pid" && status=0 || status=$?
    echo "$name: '$*' exited with status $status before attaching" >&2
  fi
  cat "$dir/agent.log" >&2
  exit 1
}

# agent_stop NAME: SIGTERM and wait; an agent that already exited is reported, and the script stops.
agent_stop() {
  local status
  if ! kill -TERM "$agent_pid" 2>/dev/null; then
    wait "$agent_pid" && status=0 || status=$?
    echo "$1: the agent exited with status $status while pgbench ran" >&2
    cat "$dir/agent.log" >&2
    exit 1
  fi
  wait "$agent_pid" || true
}
