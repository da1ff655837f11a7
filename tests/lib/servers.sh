# tests/lib/servers.sh -- run csess programs under real web servers.
#
# Source after harness.sh.  Each server is started from the example config
# the repository ships (apache-example.conf, nginx-example.conf,
# lighttpd-example.conf) with its paths, port and program list substituted
# on a copy under $T: the shipped file is the tested file.  Everything a
# server writes stays under $T; servers listen on 127.0.0.1 only and are
# stopped by PID.
#
#   srv_available SERVER       0 when SERVER (apache|nginx|lighttpd) and its
#                              helpers are installed; else prints why
#   srv_start SERVER PROG...   starts SERVER with each PROG mounted twice:
#                              /NAME as FastCGI and /cgi-bin/NAME as CGI.
#                              PROG is a program name (cgi-bin/NAME and
#                              fcgi/NAME of the build) or a path to a binary.
#                              Sets BASE_URL (http://127.0.0.1:PORT); with
#                              SRV_TLS=1 also serves HTTPS, the example's
#                              TLS part enabled with a self-signed
#                              certificate, and sets TLS_URL.
#   srv_stop                   stops the running server and its programs,
#                              waits for them; 1 when a process survived
#   srv_csess ARGS...          runs bin/csess with the programs' CSESS_CONFIG
#                              as the programs' user (to add users, say)
#   srv_config_set NAME VALUE  sets a line of the programs' csess.conf (CGI
#                              sees it at once; FastCGI at the next start)
#   srv_leftovers              lists processes whose command line, working
#                              directory or open files are under $T
#                              (nothing when clean)
#   srv_logs                   prints the server's error logs (for failures)
#
# The gate: when "gate" is one of the PROGs, the example's gate part is on:
# /private/ serves the files of $SRV_PRIVATE ($SRV_DIR/private, made by
# srv_start, readable by the server) and the CGI programs named in
# $SRV_GATED ('|'-separated, default echo; they must be PROGs too) run at
# /cgi-bin/NAME behind the gate.
#
# One server runs at a time.  The programs' configuration ($SRV_CONF, with a
# random SECRET_KEY and an LMDB store in $SRV_DATA) is shared by every server
# a suite starts, so a session made under one is seen by the next.
#
# As root (CI), web servers drop privileges: the programs run as
# $SRV_USER (www-data), so the files they use are given to that user and
# $T is made traversable (mode 711) for it.  As another user, the programs
# run as that user.

SRV_EXAMPLES=${SRV_EXAMPLES:-$ROOT}
# At exit, stop a server still running (children included) before the
# harness removes $T.
trap 'srv_stop >/dev/null 2>&1; _t_cleanup' EXIT
# A suite killed by timeout or ^C still runs that (bash skips EXIT traps
# on a fatal signal without a trap of its own).
trap 'exit 143' TERM
trap 'exit 130' INT HUP
SRV_TOP=$T/srv
SRV_CONF=$SRV_TOP/csess.conf
SRV_DATA=$SRV_TOP/data
if [ "$(id -u)" -eq 0 ]; then
	SRV_USER=${SRV_USER:-www-data}
else
	SRV_USER=$(id -un)
fi
SRV_GROUP=$(id -gn "$SRV_USER")
SRV_NAME=
SRV_DIR=
SRV_PORT=
BASE_URL=
SRV_TLS=${SRV_TLS:-0}
TLS_PORT=
TLS_URL=
_srv_pids=()
_srv_seq=0
SRV_GATED=${SRV_GATED:-echo}
SRV_PRIVATE=

srv_available() {
	case "$1" in
	apache)
		command -v apache2 >/dev/null || { echo "apache2 not installed"; return 1; }
		[ -f /usr/lib/apache2/modules/mod_fcgid.so ] ||
			{ echo "mod_fcgid not installed (libapache2-mod-fcgid)"; return 1; } ;;
	nginx)
		command -v nginx >/dev/null || { echo "nginx not installed"; return 1; }
		command -v spawn-fcgi >/dev/null || { echo "spawn-fcgi not installed"; return 1; }
		command -v fcgiwrap >/dev/null || { echo "fcgiwrap not installed"; return 1; } ;;
	lighttpd)
		command -v lighttpd >/dev/null || { echo "lighttpd not installed"; return 1; }
		[ -f "$SRV_EXAMPLES/lighttpd-example.conf" ] ||
			{ echo "lighttpd-example.conf not in the tree"; return 1; } ;;
	*)
		echo "unknown server: $1"; return 1 ;;
	esac
}

# Run a command as the programs' user (a no-op switch when not root).
_srv_as_user() {
	if [ "$(id -u)" -eq 0 ] && [ "$SRV_USER" != root ]; then
		setpriv --reuid="$SRV_USER" --regid="$SRV_GROUP" --init-groups -- "$@"
	else
		"$@"
	fi
}

_srv_chown() {
	[ "$(id -u)" -eq 0 ] && chown "$@" 2>/dev/null
	return 0
}

# The programs' tree, made once per suite: their configuration and store.
# PBKDF2 at 1000 iterations keeps `csess user add` and logins fast here.
_srv_setup_top() {
	[ -d "$SRV_TOP" ] && return 0
	[ "$(id -u)" -eq 0 ] && chmod 711 "$T"
	mkdir -p "$SRV_TOP" "$SRV_DATA" || return 1
	chmod 755 "$SRV_TOP"
	chmod 700 "$SRV_DATA"
	_srv_chown "$SRV_USER:$SRV_GROUP" "$SRV_DATA"
	{
		echo "# csess configuration for the server suites"
		echo "SECRET_KEY = $(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
		echo "SESSION_STORE = $SRV_DATA/sessions.mdb"
		echo "PASSWORD_ITERATIONS = 1000"
	} >"$SRV_CONF"
	chmod 600 "$SRV_CONF"
	_srv_chown "$SRV_USER:$SRV_GROUP" "$SRV_CONF"
}

srv_config_set() {
	_srv_setup_top || return 1
	local lines
	lines=$(grep -v "^$1 *=" "$SRV_CONF")
	# Replaced by rename: a program starting meanwhile must never read a
	# half-written file (it would run without SECRET_KEY).  cp -p keeps
	# owner and mode.
	cp -p "$SRV_CONF" "$SRV_CONF.new" &&
	printf '%s\n%s = %s\n' "$lines" "$1" "$2" >"$SRV_CONF.new" &&
	mv -f "$SRV_CONF.new" "$SRV_CONF"
}

# A copy of the CLI the programs' user can run wherever the tree lives.
srv_csess() {
	_srv_setup_top || return 1
	if [ ! -x "$SRV_TOP/csess" ]; then
		cp "$CSESS" "$SRV_TOP/csess" && chmod 755 "$SRV_TOP/csess" || return 1
	fi
	_srv_as_user env CSESS_CONFIG="$SRV_CONF" "$SRV_TOP/csess" "$@"
}

# A self-signed certificate for 127.0.0.1, made once per suite.
_srv_tls_cert() {
	local d=$SRV_TOP/tls
	[ -s "$d/cert.pem" ] && return 0
	mkdir -p "$d" && chmod 700 "$d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 >"$d/openssl.log" 2>&1 || {
		cat "$d/openssl.log" >&2
		return 1
	}
}

# Copy the programs into $SRV_DIR/cgi-bin and $SRV_DIR/fcgi (the build's
# layout), readable by the programs' user wherever the tree lives.
# Sets _srv_names to the URL names, '|'-joined.
_srv_install_programs() {
	local p name src fsrc
	_srv_names=
	mkdir -p "$SRV_DIR/cgi-bin" "$SRV_DIR/fcgi" || return 1
	for p in "$@"; do
		case "$p" in
		*/*) src=$p; fsrc=$p ;;
		*) src=$ROOT/cgi-bin/$p; fsrc=$ROOT/fcgi/$p
		   [ -x "$fsrc" ] || fsrc=$src ;;
		esac
		name=${src##*/}
		if [ ! -x "$src" ]; then
			echo "srv_start: program not built: $src" >&2
			return 1
		fi
		cp "$src" "$SRV_DIR/cgi-bin/$name" && cp "$fsrc" "$SRV_DIR/fcgi/$name" || return 1
		chmod 755 "$SRV_DIR/cgi-bin/$name" "$SRV_DIR/fcgi/$name"
		_srv_names=${_srv_names:+$_srv_names|}$name
	done
	[ -n "$_srv_names" ] || { echo "srv_start: no programs given" >&2; return 1; }
}

# _srv_define FILE NAME VALUE: rewrite Apache's "Define NAME ..." line.
_srv_define() {
	local file=$1 name=$2 value=$3 line out= found=0
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ "$line" == "Define $name "* ]]; then
			line="Define $name $value"
			found=1
		fi
		out+=$line$'\n'
	done <"$file"
	[ "$found" -eq 1 ] || { echo "srv_start: no 'Define $name' in $file" >&2; return 1; }
	printf '%s' "$out" >"$file"
}

# _srv_replace FILE FROM TO: replace every literal FROM in FILE.
_srv_replace() {
	local s
	s=$(cat "$1"; echo x)
	s=${s%x}
	[[ "$s" == *"$2"* ]] || { echo "srv_start: '$2' not found in $1" >&2; return 1; }
	printf '%s' "${s//"$2"/"$3"}" >"$1"
}

# Fail when a substituted config still names a default path outside $T.
_srv_check_paths() {
	local bad
	bad=$(grep -v '^[[:space:]]*#' "$1" | grep -nE '/usr/local/lib/csess|/etc/csess|/run/csess|/var/lib/csess|/run/fcgiwrap\.socket|:8080\b|:8443\b')
	if [ -n "$bad" ]; then
		echo "srv_start: $1 still points outside the test dir:" >&2
		echo "$bad" >&2
		return 1
	fi
}

# Start a command in the background with its output in a log; remember PID.
_srv_spawn() {
	local log=$1; shift
	"$@" >>"$log" 2>&1 </dev/null &
	_srv_pids+=("$!")
	t_cleanup_pid "$!"
}

_srv_wait_socket() {
	local i
	for i in $(seq 1 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "srv_start: no socket $1" >&2
	return 1
}

# ---- Apache ------------------------------------------------------------
_srv_start_apache() {
	local conf=$SRV_DIR/apache.conf
	mkdir -p "$SRV_DIR/state" "$SRV_DIR/htdocs"
	cp "$SRV_EXAMPLES/apache-example.conf" "$conf" || return 1
	_srv_define "$conf" CSESS_LISTEN "127.0.0.1:$SRV_PORT" &&
	_srv_define "$conf" CSESS_CGI_DIR "$SRV_DIR/cgi-bin" &&
	_srv_define "$conf" CSESS_FCGI_DIR "$SRV_DIR/fcgi" &&
	_srv_define "$conf" CSESS_CONFIG "$SRV_CONF" &&
	_srv_define "$conf" CSESS_PROGRAMS "$_srv_names" &&
	_srv_define "$conf" CSESS_PRIVATE_DIR "$SRV_PRIVATE" &&
	_srv_define "$conf" CSESS_GATED "$SRV_GATED" &&
	_srv_define "$conf" CSESS_STATE "$SRV_DIR/state" &&
	_srv_define "$conf" CSESS_DOCROOT "$SRV_DIR/htdocs" &&
	_srv_define "$conf" CSESS_USER "$SRV_USER" &&
	_srv_define "$conf" CSESS_GROUP "$SRV_GROUP" &&
	_srv_define "$conf" CSESS_TLS_LISTEN "127.0.0.1:$TLS_PORT" &&
	_srv_define "$conf" CSESS_TLS_CERT "$SRV_TOP/tls/cert.pem" &&
	_srv_define "$conf" CSESS_TLS_KEY "$SRV_TOP/tls/key.pem" &&
	_srv_check_paths "$conf" || return 1
	SRV_LOGS=("$SRV_DIR/state/error.log" "$SRV_DIR/server.log")
	local tls=()
	[ "$SRV_TLS" = 1 ] && tls=(-DCSESS_TLS)
	_srv_spawn "$SRV_DIR/server.log" apache2 -f "$conf" -DFOREGROUND "${tls[@]}"
}

# ---- nginx -------------------------------------------------------------
_srv_start_nginx() {
	local conf=$SRV_DIR/nginx.conf run=$SRV_DIR/run p
	mkdir -p "$SRV_DIR/state" "$run"
	chmod 755 "$run"
	_srv_chown "$SRV_USER:$SRV_GROUP" "$run"
	cp "$SRV_EXAMPLES/nginx-example.conf" "$conf" || return 1
	_srv_replace "$conf" "127.0.0.1:8080" "127.0.0.1:$SRV_PORT" &&
	_srv_replace "$conf" "/var/lib/csess/nginx/" "$SRV_DIR/state/" &&
	_srv_replace "$conf" "/run/csess/" "$run/" &&
	_srv_replace "$conf" "/run/fcgiwrap.socket" "$run/fcgiwrap.sock" &&
	_srv_replace "$conf" "/usr/local/lib/csess/cgi-bin/" "$SRV_DIR/cgi-bin/" &&
	_srv_replace "$conf" "/etc/csess/csess.conf" "$SRV_CONF" &&
	_srv_replace "$conf" "(login|protected|logout)" "($_srv_names)" &&
	_srv_replace "$conf" "^/cgi-bin/(hello)\$" "^/cgi-bin/($SRV_GATED)\$" &&
	_srv_replace "$conf" "/var/www/private/" "$SRV_PRIVATE/" &&
	_srv_replace "$conf" "user www-data;" "user $SRV_USER $SRV_GROUP;" || return 1
	if [ "$SRV_TLS" = 1 ]; then
		# As a user would: uncomment the example's three ssl lines.
		_srv_replace "$conf" "#listen 127.0.0.1:8443 ssl;" "listen 127.0.0.1:$TLS_PORT ssl;" &&
		_srv_replace "$conf" "#ssl_certificate /etc/csess/tls/cert.pem;" \
		    "ssl_certificate $SRV_TOP/tls/cert.pem;" &&
		_srv_replace "$conf" "#ssl_certificate_key /etc/csess/tls/key.pem;" \
		    "ssl_certificate_key $SRV_TOP/tls/key.pem;" || return 1
	fi
	_srv_check_paths "$conf" || return 1
	# Without the gate among the programs, its part goes (as lighttpd-conf
	# drops it): its locations would answer 500 with no gate to ask.
	if [[ "|$_srv_names|" != *"|gate|"* ]]; then
		sed -i '/# ---- the gate /,/# ---- end of the gate/d' "$conf" || return 1
	fi
	[ "$(id -u)" -eq 0 ] || _srv_replace "$conf" "user $SRV_USER $SRV_GROUP;" "" || return 1
	SRV_LOGS=("$SRV_DIR/state/error.log" "$SRV_DIR/server.log" "$SRV_DIR/programs.log")

	# The FastCGI programs, as the example's comments start them (in the
	# foreground with -n, so each PID is the program itself), with only
	# CSESS_CONFIG in their environment.
	local who=()
	[ "$(id -u)" -eq 0 ] && who=(-U "$SRV_USER" -G "$SRV_GROUP" -u "$SRV_USER" -g "$SRV_GROUP")
	for p in ${_srv_names//|/ }; do
		_srv_spawn "$SRV_DIR/programs.log" env -i CSESS_CONFIG="$SRV_CONF" \
		    spawn-fcgi -n -s "$run/$p.sock" -M 0660 "${who[@]}" -- "$SRV_DIR/fcgi/$p"
	done
	# CGI: fcgiwrap, limited to the mounted programs.
	local only=()
	for p in ${_srv_names//|/ }; do only+=(-p "$SRV_DIR/cgi-bin/$p"); done
	_srv_spawn "$SRV_DIR/programs.log" env -i PATH=/usr/bin:/bin \
	    spawn-fcgi -n -s "$run/fcgiwrap.sock" -M 0660 "${who[@]}" -- \
	    "$(command -v fcgiwrap)" -f "${only[@]}"
	for p in ${_srv_names//|/ } fcgiwrap; do
		_srv_wait_socket "$run/$p.sock" || return 1
	done
	_srv_spawn "$SRV_DIR/server.log" nginx -c "$conf" -p "$SRV_DIR/state/" \
	    -e "$SRV_DIR/state/error.log" -g 'daemon off;'
}

# ---- lighttpd ------------------------------------------------------------
# Set up by scripts/lighttpd-conf, as scripts/demo does.  Started as root,
# lighttpd drops to $SRV_USER and spawns the FastCGI programs as that user,
# so their socket directory is theirs.
_srv_start_lighttpd() {
	local conf=$SRV_DIR/lighttpd.conf tls=() user=(--no-user)
	mkdir -p "$SRV_DIR/state/sockets" "$SRV_DIR/htdocs" || return 1
	_srv_chown -R "$SRV_USER:$SRV_GROUP" "$SRV_DIR/state"
	[ "$(id -u)" -eq 0 ] && user=(--user "$SRV_USER" --group "$SRV_GROUP")
	[ "$SRV_TLS" = 1 ] && tls=(--tls "$TLS_PORT" "$SRV_TOP/tls/cert.pem" "$SRV_TOP/tls/key.pem")
	CSESS_LIGHTTPD_EXAMPLE=$SRV_EXAMPLES/lighttpd-example.conf "$ROOT/scripts/lighttpd-conf" \
	    --cgi-dir "$SRV_DIR/cgi-bin" --fcgi-dir "$SRV_DIR/fcgi" --config "$SRV_CONF" \
	    --logs "$SRV_DIR/state" --state "$SRV_DIR/state" --docroot "$SRV_DIR/htdocs" \
	    --listen 127.0.0.1 --port "$SRV_PORT" "${user[@]}" "${tls[@]}" \
	    --private-dir "$SRV_PRIVATE" --gated "$SRV_GATED" \
	    ${_srv_names//|/ } >"$conf" &&
	_srv_check_paths "$conf" || return 1
	SRV_LOGS=("$SRV_DIR/state/error.log" "$SRV_DIR/server.log")
	_srv_spawn "$SRV_DIR/server.log" lighttpd -D -f "$conf"
}

# The port accepts before Apache has set up its signal handlers and
# children; a SIGTERM in that window kills the parent alone and orphans
# mod_cgid's daemon and mod_fcgid's manager.  Its "resuming normal
# operations" line comes after that setup.
_srv_ready() {
	local i
	[ "$SRV_NAME" = apache ] || return 0
	for i in $(seq 1 100); do
		grep -qs 'resuming normal operations' "$SRV_DIR/state/error.log" && return 0
		sleep 0.05
	done
	echo "srv_start: apache never said it was ready" >&2
	return 1
}

srv_start() {
	local server=$1; shift
	srv_available "$server" >/dev/null || { srv_available "$server" >&2; return 1; }
	[ -z "$SRV_NAME" ] || srv_stop
	_srv_setup_top || return 1
	_srv_seq=$((_srv_seq + 1))
	SRV_NAME=$server
	SRV_DIR=$SRV_TOP/$server-$_srv_seq
	SRV_PORT=$(t_port)
	BASE_URL=http://127.0.0.1:$SRV_PORT
	TLS_PORT=$(t_port)
	TLS_URL=
	if [ "$SRV_TLS" = 1 ]; then
		_srv_tls_cert || return 1
		TLS_URL=https://127.0.0.1:$TLS_PORT
	fi
	SRV_LOGS=()
	_srv_pids=()
	mkdir -p "$SRV_DIR" && chmod 755 "$SRV_DIR" || return 1
	SRV_PRIVATE=$SRV_DIR/private
	mkdir -p "$SRV_PRIVATE" && chmod 755 "$SRV_PRIVATE" || return 1
	_srv_install_programs "$@" || return 1
	if ! "_srv_start_$server" || ! t_wait_port "$SRV_PORT" ||
	    { [ -n "$TLS_URL" ] && ! t_wait_port "$TLS_PORT"; } || ! _srv_ready; then
		echo "srv_start: $server did not start" >&2
		srv_logs >&2
		srv_stop
		return 1
	fi
}

_srv_alive() {
	local p
	for p in "${_srv_pids[@]}"; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}

# A reaped PID may be reused: take it off the harness's exit-time kill list.
_srv_forget() {
	local i
	for i in "${!_t_pids[@]}"; do
		[ "${_t_pids[$i]}" = "$1" ] && unset '_t_pids[i]'
	done
}

srv_stop() {
	local p i rc=0
	[ -n "$SRV_NAME" ] || return 0
	# The server first (it stops its own children: Apache's workers, cgid
	# daemon and mod_fcgid's programs), then the programs beside it.
	for p in "${_srv_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 1 100); do
		_srv_alive || break
		sleep 0.1
	done
	for p in "${_srv_pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			echo "srv_stop: $SRV_NAME process $p ignored SIGTERM" >&2
			kill -KILL "$p" 2>/dev/null
			rc=1
		fi
		wait "$p" 2>/dev/null
		_srv_forget "$p"
	done
	# Children of the server (Apache's, mod_fcgid's) may take a moment more.
	for i in $(seq 1 50); do
		[ -z "$(srv_leftovers)" ] && break
		sleep 0.1
	done
	# Whatever is still there is a failure; report it, then end it (all
	# of these were started by this suite: they run from under $T).
	local left
	left=$(srv_leftovers)
	if [ -n "$left" ]; then
		echo "srv_stop: $SRV_NAME left processes behind:" >&2
		echo "$left" >&2
		for p in $(cut -d' ' -f1 <<<"$left"); do
			kill -KILL "$p" 2>/dev/null
		done
		rc=1
	fi
	SRV_NAME=
	_srv_pids=()
	return $rc
}

srv_leftovers() {
	local pid bash_exe
	bash_exe=$(readlink -f "$BASH")
	# Command lines and working directories under $T, and open files there
	# (an nginx worker rewrites its command line, but keeps its log open).
	# grep's own command line matches too but is gone by now; the shells
	# running this (which may hold $T files open) are not servers.
	{
		grep -lsF -- "$T/" /proc/[0-9]*/cmdline
		find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$T" -o -lname "$T/*" \) 2>/dev/null
		find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -lname "$T/*" 2>/dev/null
	} | sed -n 's|^/proc/\([0-9]*\)/.*|\1|p' | sort -un | while read -r pid; do
		[ "$pid" = "$$" ] && continue
		[ -r "/proc/$pid/cmdline" ] || continue
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$bash_exe" ] && continue
		echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
}

srv_logs() {
	local f
	for f in "${SRV_LOGS[@]}"; do
		[ -s "$f" ] || continue
		echo "--- $f"
		tail -n 30 "$f"
	done
}
