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

# The README's program, plus what a caller of the JSON API does: the session
# hands out jansson's json_t, which the program itself must json_decref().
cat > "$T/hello.c" <<'C'
#include <stdio.h>
#include <string.h>

#include <csess.h>

static void
hello(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct cs_session *s = cs_session(req);
	json_t *v = NULL;
	json_int_t n = 0;

	(void)arg;
	if (cs_session_pop(s, "visits", &v) == CS_OK) {
		n = json_integer_value(v);
		json_decref(v);
	}
	cs_session_set_new(s, "visits", json_integer(++n));
	cs_resp_printf(resp, "<p>Visit %lld</p>\n", (long long)n);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("%s %s %06x\n", CSESS_VERSION, cs_version(),
		    CSESS_VERSION_NUMBER);
		return 0;
	}
	return cs_session_serve(hello, NULL);
}
C
sed -e "s|^prefix=.*|prefix=$p|" "$p/lib/pkgconfig/csess.pc" > "$T/csess.pc"
export PKG_CONFIG_PATH=$T
# The sanitizer build's library needs its runtime in the program too.
san=
[ "${SAN:-}" = 1 ] && san="-fsanitize=address,undefined"

# Exactly the README's line (cc hello.c $(pkg-config --cflags --libs csess)
# -o hello), against the shared library; the loader finds it by
# LD_LIBRARY_PATH as it would in a system directory.
(cd "$T" && cc $san hello.c $(pkg-config --cflags --libs csess) -o hello) 2>"$T/cc.log"
t_eq "the README's build line links a program that uses json_t" 0 "$?"
[ -s "$T/cc.log" ] && cat "$T/cc.log"
t_match "...against the shared library" 'NEEDED.*libcsess\.so\.0' \
	"$(readelf -d "$T/hello" 2>/dev/null | grep libcsess)"

# The same with --static against an install that has only libcsess.a.
mkdir -p "$T/static/lib/pkgconfig"
cp -r "$p/include" "$T/static/"
cp "$p/lib/libcsess.a" "$T/static/lib/"
sed -e "s|^prefix=.*|prefix=$T/static|" "$p/lib/pkgconfig/csess.pc" > "$T/static/lib/pkgconfig/csess.pc"
(cd "$T" && PKG_CONFIG_PATH=$T/static/lib/pkgconfig \
	cc $san hello.c $(PKG_CONFIG_PATH=$T/static/lib/pkgconfig pkg-config --cflags --libs --static csess) \
	-o hello-static) 2>"$T/cc-static.log"
t_eq "pkg-config --static links the static library" 0 "$?"
[ -s "$T/cc-static.log" ] && cat "$T/cc-static.log"
t_eq "...which the program does not load at run time" "" \
	"$(readelf -d "$T/hello-static" 2>/dev/null | grep libcsess)"

want=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' Makefile)
t_eq "csess.pc carries the Makefile's VERSION" "$want" "$(pkg-config --modversion csess)"
t_eq "CSESS_VERSION, cs_version() and CSESS_VERSION_NUMBER agree with it" \
	"$want $want $(echo "$want" | awk -F. '{ printf "%02x%02x%02x", $1, $2, $3 }')" \
	"$(LD_LIBRARY_PATH=$p/lib "$T/hello" --version)"

export CSESS_SESSION_STORE=$T/s.mdb CSESS_SESSION_SYNC=none
for prog in hello hello-static; do
	out=$(REQUEST_METHOD=GET REQUEST_URI=/ LD_LIBRARY_PATH=$p/lib "$T/$prog" </dev/null | tr -d '\r')
	t_match "$prog serves a CGI request with a session" 'Set-Cookie: sessionid=[a-z0-9]{32}' "$out"
	sid=$(printf '%s\n' "$out" | sed -n 's/^Set-Cookie: sessionid=\([a-z0-9]*\);.*/\1/p')
	out=$(REQUEST_METHOD=GET REQUEST_URI=/ HTTP_COOKIE="sessionid=$sid" LD_LIBRARY_PATH=$p/lib \
		"$T/$prog" </dev/null)
	t_match "...which counts the second visit" 'Visit 2' "$out"
done
t_done
