#!/usr/bin/env bash
# A fresh machine has only what scripts/deps installs.  This suite checks,
# on whatever machine runs it, that everything the build, the suites and the
# demo load from the system comes from a package scripts/deps names (or a
# dependency of one): a package installed by hand on a developer's machine
# fails here instead of on a fresh CI machine.
#   - every server module the shipped configurations load (lighttpd's
#     mod_openssl was once missing: the HTTPS listener failed on a fresh
#     machine only);
#   - every command of `scripts/deps commands`.
. "$(dirname "$0")/../lib/harness.sh"

deps=$ROOT/scripts/deps

# Every package installed through the named ones: the names plus their
# installed dependency closure (virtual packages resolve to their provider).
closure() {
	# shellcheck disable=SC2046
	apt-cache depends --recurse --installed --no-recommends --no-suggests \
	    --no-conflicts --no-breaks --no-replaces --no-enhances \
	    $("$deps" packages check) 2>/dev/null | grep -v '^ ' | sed 's/:.*//' |
	    sort -u
}
closure >"$T/closure"
named=$("$deps" packages check | wc -l)
t_ok "scripts/deps names packages ($named) and their closure resolves" \
	test "$(wc -l <"$T/closure")" -gt "$named"

# owner FILE: the Debian package that installed FILE ("" when none).
owner() {
	local f
	f=$(readlink -f "$1") || return 0
	dpkg -S "$f" 2>/dev/null | head -n 1 | sed 's/:.*//; s/, .*//'
}

# t_from_deps WHAT FILE: FILE exists and a package of the closure owns it.
t_from_deps() {
	local what=$1 file=$2 pkg
	if [ ! -e "$file" ]; then
		t_fail "$what is installed by scripts/deps" "missing: $file"
		return
	fi
	pkg=$(owner "$file")
	if [ -z "$pkg" ]; then
		t_fail "$what comes from a Debian package" "no package owns $file"
	elif grep -qx -- "$pkg" "$T/closure"; then
		t_pass "$what comes from $pkg"
	else
		t_fail "$what comes from a package scripts/deps installs" \
			"$file belongs to $pkg, which scripts/deps does not name"
	fi
}

# Commands.
for c in $("$deps" commands); do
	path=$(command -v "$c" 2>/dev/null || true)
	t_from_deps "command $c" "${path:-$c}"
done

# lighttpd: every module the shipped configuration names, the commented
# HTTPS one included (the server suites enable it).  Modules lighttpd has
# built in have no file; lighttpd -tt (which loads every module) is the proof
# for those, and fails on a module that is neither built in nor installed.
if command -v lighttpd >/dev/null; then
	mods=$(grep -o '"mod_[a-z_0-9]*"' "$ROOT/lighttpd-example.conf" | tr -d '"' | sort -u)
	list=""
	for m in $mods; do
		list="$list\"$m\", "
		so=/usr/lib/lighttpd/$m.so
		[ -e "$so" ] && t_from_deps "lighttpd $m" "$so"
	done
	cat >"$T/lighttpd.conf" <<EOF
server.modules = ( ${list%, } )
server.document-root = "$T"
server.port = $(t_port)
server.bind = "127.0.0.1"
EOF
	out=$(lighttpd -tt -f "$T/lighttpd.conf" 2>&1); rc=$?
	if [ "$rc" -eq 0 ]; then
		t_pass "lighttpd loads every module the shipped config names"
	else
		t_fail "lighttpd loads every module the shipped config names" "$out"
	fi
else
	t_fail "lighttpd is installed by scripts/deps"
fi

# Apache: every LoadModule of the shipped configuration.
for so in $(awk '$1 == "LoadModule" { print $3 }' "$ROOT/apache-example.conf" | sort -u); do
	t_from_deps "apache $(basename "$so" .so)" "$so"
done

# nginx: dynamic modules, if the shipped configuration loads any.
for so in $(awk '$1 == "load_module" { gsub(";", "", $2); print $2 }' "$ROOT/nginx-example.conf"); do
	t_from_deps "nginx $(basename "$so" .so)" "$so"
done

t_done
