#!/usr/bin/env bash
# make install into a staging directory, then build the README's example
# program against the installed header, library and csess.pc, and run it.
source "$(dirname "$0")/../lib/harness.sh"
cd "$ROOT"

make -s install SAN="${SAN:-}" PREFIX=/opt/csess DESTDIR="$T/stage" >"$T/install.log" 2>&1
t_eq "make install succeeds" 0 "$?"
p=$T/stage/opt/csess
for f in lib/libcsess.a lib/libcsess.so lib/pkgconfig/csess.pc include/csess.h bin/csess \
    bin/clear-expired lib/csess/cgi-bin/login share/man/man1/csess.1 share/man/man3/csess.3; do
	[ -e "$p/$f" ] && t_pass "installs $f" || t_fail "installs $f"
done
t_match "csess.pc names the install prefix" '^prefix=/opt/csess$' "$(grep '^prefix=' "$p/lib/pkgconfig/csess.pc")"
t_match "the shared library has a versioned soname" 'SONAME.*libcsess\.so\.0' \
	"$(readelf -d "$p/lib/libcsess.so" 2>/dev/null | grep SONAME)"

cat > "$T/hello.c" <<'C'
#include <csess.h>

static void
hello(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s = cs_session(req);
	int64_t n = 0;

	(void)arg;
	cs_session_get_int(s, "visits", &n);
	cs_session_set_int(s, "visits", ++n);
	cs_resp_printf(resp, "<p>Visit %lld</p>\n", (long long)n);
}

int
main(void)
{
	return cs_session_serve(hello, NULL);
}
C
flags=$(sed -e "s|^prefix=.*|prefix=$p|" "$p/lib/pkgconfig/csess.pc" > "$T/csess.pc" &&
	PKG_CONFIG_PATH=$T pkg-config --cflags --libs --static csess)
# The sanitizer build's library needs its runtime in the program too.
san=
[ "${SAN:-}" = 1 ] && san="-fsanitize=address,undefined"
cc -std=c11 -Wall -Wextra -Werror $san -o "$T/hello" "$T/hello.c" $flags -Wl,-rpath,"$p/lib" 2>"$T/cc.log"
t_eq "the README example builds with pkg-config" 0 "$?"
export CSESS_SESSION_STORE=$T/s.mdb CSESS_SESSION_SYNC=none
out=$(REQUEST_METHOD=GET REQUEST_URI=/ "$T/hello" </dev/null | tr -d '\r')
t_match "...and serves a CGI request with a session" 'Set-Cookie: sessionid=[a-z0-9]{32}' "$out"
sid=$(printf '%s\n' "$out" | sed -n 's/^Set-Cookie: sessionid=\([a-z0-9]*\);.*/\1/p')
out=$(REQUEST_METHOD=GET REQUEST_URI=/ HTTP_COOKIE="sessionid=$sid" "$T/hello" </dev/null)
t_match "...which counts the second visit" 'Visit 2' "$out"
[ -s "$T/cc.log" ] && cat "$T/cc.log"
t_done
