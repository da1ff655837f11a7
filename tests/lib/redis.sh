# tests/lib/redis.sh -- real Redis servers and sentinels for the shell
# suites: each under $T on a loopback ephemeral port, registered with
# t_cleanup_pid and stopped by PID, never by name.  Source after harness.sh.

# redis_start NAME [extra redis-server arguments]: sets REDIS_PORT_<NAME>
# and REDIS_PID_<NAME>; returns non-zero when it does not answer.
redis_start() {
	local name=$1 port dir pid
	shift
	port=${REDIS_WANT_PORT:-$(t_port)}
	dir=$T/redis-$name
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
	    --dir "$dir" --logfile "$dir/log" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	t_cleanup_pid "$pid"
	printf -v "REDIS_PORT_$name" %s "$port"
	printf -v "REDIS_PID_$name" %s "$pid"
	redis_wait "$port"
}

# redis_wait PORT: until it answers PING (~10 s).
redis_wait() {
	local i
	for i in $(seq 1 100); do
		[ "$(redis_cli "$1" PING 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	return 1
}

# redis_cli PORT COMMAND...: one command through bash's /dev/tcp (RESP
# inline), its reply's first line without the type byte.
redis_cli() {
	local port=$1 line
	shift
	exec 7<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s\r\n' "$*" >&7
	IFS= read -r -t 5 line <&7
	case "$line" in
	\$-1*) line= ;;
	\$*) IFS= read -r -t 5 line <&7 ;;
	*) line=${line#?} ;;
	esac
	exec 7>&-
	printf '%s\n' "${line%$'\r'}"
}

# redis_stop_pid PID: stop one server we started.
redis_stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
