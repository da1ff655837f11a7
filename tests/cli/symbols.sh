#!/usr/bin/env bash
# The library's sealed surface: lib/libcsess.so exports exactly the
# functions the installed headers (lib/csess.h, lib/csess/*.h) declare --
# nothing internal, no test hook, and no declared function that does not
# exist.  The list of declared functions comes from the compiler itself
# (gcc -aux-info), not from a pattern over the text.
. "$(dirname "$0")/../lib/harness.sh"

so=$ROOT/lib/libcsess.so
[ -f "$so" ] || { t_fail "lib/libcsess.so is built (make)"; t_done; exit; }

nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort -u >"$T/exported"
printf '#include "csess.h"\n' >"$T/all.c"
gcc -std=c11 -D_GNU_SOURCE -I"$ROOT/lib" -aux-info "$T/aux" -fsyntax-only "$T/all.c"
t_eq "the public headers compile on their own" 0 $?
# "/* lib/csess/x.h:12:NC */ extern int cs_name (...);" -- declared in an
# installed header, not defined there (static inline helpers are not symbols).
perl -ne 'print "$1\n" if m{^/\* \S*lib/csess(?:\.h|/\S+) \*/ extern [^(]*?\b(\w+) \(}' \
	"$T/aux" | sort -u >"$T/declared"

n_exp=$(wc -l <"$T/exported")
n_decl=$(wc -l <"$T/declared")
t_ok "the library exports functions ($n_exp)" test "$n_exp" -gt 100
extra=$(comm -23 "$T/exported" "$T/declared" | tr '\n' ' ')
t_eq "every exported symbol is declared in an installed header" "" "$extra"
missing=$(comm -13 "$T/exported" "$T/declared" | tr '\n' ' ')
t_eq "every function an installed header declares exists ($n_decl)" "" "$missing"
t_eq "every exported name has the cs_ prefix" "" "$(grep -v '^cs_' "$T/exported" | tr '\n' ' ')"

# A name tells its reach: a cs_ function of the library is public; the
# internal ones shared between its files are csi_.
nm --defined-only "$ROOT/lib/libcsess.a" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ { print $3 }' |
	grep '^cs_' | sort -u >"$T/archive_cs"
t_eq "every cs_ symbol of libcsess.a is exported (internal ones are csi_)" "" \
	"$(comm -23 "$T/archive_cs" "$T/exported" | tr '\n' ' ')"

# Test hooks are not part of the installed headers.
hooks=$(grep -ohE '\b(csi_clock_fix|csi_crypto_use|csi_session_store_set|cs_[a-z_]+_at)\b' \
	"$ROOT"/lib/csess.h "$ROOT"/lib/csess/*.h | grep -v '^cs_session_set_expiry_at$' | sort -u | tr '\n' ' ')
t_eq "no test hook in the installed headers" "" "$hooks"

# Installed headers include only each other and system headers.
inc=$(grep -h '^#include "' "$ROOT"/lib/csess/*.h | sed 's/#include "\(.*\)"/\1/' |
	while read -r h; do [ -f "$ROOT/lib/csess/$h" ] || echo "$h"; done | tr '\n' ' ')
t_eq "installed headers include no internal header" "" "$inc"

# The library reports only through its log hook (lib/log.c).
writers=$(grep -lE '\b(stderr|perror)\b' "$ROOT"/lib/*.c | grep -v '/log\.c$' | tr '\n' ' ')
t_eq "the library writes to stderr only through the log hook" "" "$writers"

# The static library carries the same interface: a program using only the
# public header links against either.
cat >"$T/use.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "csess.h"
int main(void) { return strcmp(cs_version(), CSESS_VERSION) != 0; }
EOF
# A sanitizer build's library needs the sanitizer runtime in the program.
san=
[ "${SAN:-}" = 1 ] && san="-fsanitize=address,undefined"
t_ok "a program on the public header links with libcsess.so" \
	gcc $san -I"$ROOT/lib" -o "$T/use" "$T/use.c" -L"$ROOT/lib" -lcsess
t_ok "...and runs, reporting the headers' version" env LD_LIBRARY_PATH="$ROOT/lib" "$T/use"
t_done
