# Sourced by the benchmark scripts: refuse to measure while another agent is attached, start an
# agent in the background, wait until its probes are attached, stop it afterwards, and say why
# when it does not get that far. Expects $dir.

# agent_programs_loaded: the BPF programs loaded now that look like an agent's (tracepoint
# programs named as bpf/tusk.bpf.c and bpf/floor.bpf.c name theirs: enter_*, exit_*, floor_*,
# process_exit), one line per process that holds them attached: "pid PID (COMMAND, EXE): N
# programs: NAMES"; programs no process holds come last. Nothing when there are none. It asks the
# kernel, not the process list, so a copy of the binary under any name is found. Fails (status
# 1, the reason on stderr) when bpftool cannot list them.
agent_programs_loaded() {
  python3 - <<'EOF'
import json, os, subprocess, sys

def bpftool(*command):
    out = subprocess.run(["bpftool", "-j", *command], check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []

def agent_like(program):
    name = program.get("name", "")
    return program.get("type") == "tracepoint" and (name.startswith(("enter_", "exit_", "floor_")) or name == "process_exit")

def process(pid):
    def read(path, how):
        try:
            return how(path)
        except OSError:
            return "?"
    comm = read(f"/proc/{pid}/comm", lambda path: open(path).read().strip())
    return f"pid {pid} ({comm}, {read(f'/proc/{pid}/exe', os.readlink)})"

try:
    programs = {p["id"]: p for p in bpftool("prog", "show") if agent_like(p)}
    attached = bpftool("perf", "show")  # tracepoint attachments: the pid and fd holding each
except (OSError, ValueError, subprocess.CalledProcessError) as error:
    print(f"bpftool: {getattr(error, 'stderr', None) or error}".strip(), file=sys.stderr)
    sys.exit(1)
holders = {}
for attachment in attached:
    if attachment.get("prog_id") in programs:
        holders.setdefault(attachment["pid"], set()).add(attachment["prog_id"])
for id, program in programs.items():  # a bpftool built with pid support names the fd holders too
    for owner in program.get("pids", []):
        holders.setdefault(owner["pid"], set()).add(id)

def line(who, ids):
    print(f"  {who}: {len(ids)} programs: " + " ".join(programs[id]["name"] for id in sorted(ids)))

for pid, ids in sorted(holders.items()):
    line(process(pid), ids)
unheld = set(programs) - set().union(*holders.values())
if unheld:
    line("held by no process (pinned?)", unheld)
EOF
}

# refuse_if_agent_attached NAME: exits while another agent's programs are loaded (they would add
# their kernel work to every round), naming the processes that hold them.
refuse_if_agent_attached() {
  local found
  found=$(agent_programs_loaded) || {
    echo "$1: cannot tell whether another agent is attached (bpftool prog show / perf show, as root)" >&2
    exit 1
  }
  [ -z "$found" ] && return 0
  echo "$1: BPF programs like Tusk's are loaded; that agent would add its kernel work to every round:" >&2
  echo "$found" >&2
  exit 1
}

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
    grep -q -e "probes attached" -e "floor attached" "$dir/agent.log" 2>/dev/null && return 0
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
