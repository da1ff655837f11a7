# tests/lib/harness.sh -- tiny harness for the shell suites.
# Source it, call t_ok/t_eq/t_match per case, end with t_done (prints
# "N passed, N failed" and returns non-zero on failure).
# Binaries: $CSESS (bin/csess), $ROOT (repository), $T (a private temp dir,
# removed at exit together with any PIDs registered with t_cleanup_pid).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CSESS=${CSESS:-$ROOT/bin/csess}
T=$(mktemp -d "${TMPDIR:-/tmp}/csess-test.XXXXXX")
chmod 700 "$T"
_t_pass=0
_t_fail=0
_t_pids=()

t_cleanup_pid() { _t_pids+=("$1"); }

_t_cleanup() {
	local p
	for p in "${_t_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_t_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap _t_cleanup EXIT

t_pass() { _t_pass=$((_t_pass + 1)); echo "ok   - $1"; }
t_fail() { _t_fail=$((_t_fail + 1)); echo "FAIL - $1"; [ $# -gt 1 ] && printf '       %s\n' "${@:2}"; return 0; }

# t_eq NAME EXPECTED ACTUAL
t_eq() {
	if [ "$2" == "$3" ]; then t_pass "$1"; else t_fail "$1" "expected: $2" "actual:   $3"; fi
}

# t_match NAME REGEX ACTUAL
t_match() {
	if [[ "$3" =~ $2 ]]; then t_pass "$1"; else t_fail "$1" "expected to match: $2" "actual: $3"; fi
}

# t_no_match NAME REGEX ACTUAL
t_no_match() {
	if [[ "$3" =~ $2 ]]; then t_fail "$1" "expected not to match: $2" "actual: $3"; else t_pass "$1"; fi
}

# t_ok NAME CMD... (passes when CMD exits 0)
t_ok() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then t_pass "$name"; else t_fail "$name" "command failed: $*"; fi
}

# t_status NAME EXPECTED_STATUS CMD...
t_status() {
	local name=$1 want=$2; shift 2
	"$@" >/dev/null 2>&1
	local rc=$?
	if [ "$rc" -eq "$want" ]; then t_pass "$name"; else t_fail "$name" "exit $rc, expected $want: $*"; fi
}

# A free loopback TCP port.
t_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Wait until a TCP port on 127.0.0.1 accepts connections (up to ~10 s).
t_wait_port() {
	local i
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

t_done() {
	echo "$_t_pass passed, $_t_fail failed"
	[ "$_t_fail" -eq 0 ]
}
