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
# inline), its reply's first line without the type byte (of an array:
# its first element).
redis_cli() {
	local port=$1 line
	shift
	exec 7<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s\r\n' "$*" >&7
	IFS= read -r -t 5 line <&7
	[ "${line:0:1}" = '*' ] && IFS= read -r -t 5 line <&7
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

# host NAME: a csess.conf (SECRET_KEY $secret, the Redis lines of
# $HOST_REDIS) and a lighttpd serving login, protected and logout through
# FastCGI for it; sets PORT_<NAME>.
host() {
	local h=$1 port pid
	port=$(t_port)
	mkdir -p "$T/$h/htdocs" "$T/$h/state/sockets"
	cat >"$T/$h/csess.conf" <<CONF
SECRET_KEY = $secret
SESSION_ENGINE = redis
$HOST_REDIS
SESSION_REDIS_PREFIX = twohosts
SESSION_REDIS_SOCKET_TIMEOUT = 0.5
SESSION_STORE = $T/$h/unused.mdb
PASSWORD_ITERATIONS = 1000
LOGIN_FAILURES_PER_USER = 3
CONF
	chmod 600 "$T/$h/csess.conf"
	"$ROOT/scripts/lighttpd-conf" --cgi-dir "$ROOT/cgi-bin" --fcgi-dir "$ROOT/fcgi" \
	    --config "$T/$h/csess.conf" --logs "$T/$h/state" --state "$T/$h/state" \
	    --docroot "$T/$h/htdocs" --port "$port" --no-user login protected logout \
	    >"$T/$h/lighttpd.conf" || return 1
	lighttpd -D -f "$T/$h/lighttpd.conf" 2>"$T/$h/stderr" &
	pid=$!
	t_cleanup_pid "$pid"
	printf -v "PORT_$h" %s "$port"
	t_wait_port "$port"
}
url() { local p="PORT_$1"; echo "http://127.0.0.1:${!p}$2"; }

# req HOST METHOD PATH JAR [curl args]: sets STATUS; body in $T/body.
req() {
	local h=$1 m=$2 p=$3 jar=$4
	shift 4
	STATUS=$(curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X "$m" \
	    -b "$jar" -c "$jar" "$@" "$(url "$h" "$p")")
}
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/body" | head -n 1; }
# login HOST USER PASSWORD JAR: GET the form, POST it; sets STATUS.
login() {
	req "$1" GET /login "$4"
	local tok
	tok=$(token)
	req "$1" POST /login "$4" --data "username=$2&password=$3&csrfmiddlewaretoken=$tok"
}

