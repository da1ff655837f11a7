#!/usr/bin/env bash
# The manual: every function the library exports has a page (or a link to
# its family's page) once installed, so `man cs_session_get_int` works;
# every page has the sections a reader looks for; groff renders each
# without a warning; and the EXAMPLES code of every section-3 page
# compiles against the installed headers' source (a broken example fails).
. "$(dirname "$0")/../lib/harness.sh"

cd "$ROOT" || exit 1
man=$T/inst/usr/share/man

# (1) Install, then look up every exported function's page.
make -s install DESTDIR="$T/inst" PREFIX=/usr >"$T/install.log" 2>&1
t_eq "make install DESTDIR=... succeeds" 0 $?

printf '#include "csess.h"\n' >"$T/all.c"
gcc -std=c11 -D_GNU_SOURCE -I"$ROOT/lib" -aux-info "$T/aux" -fsyntax-only "$T/all.c"
perl -ne 'print "$1\n" if m{^/\* \S*lib/csess(?:\.h|/\S+) \*/ extern [^(]*?\b(\w+) \(}' \
	"$T/aux" | sort -u >"$T/declared"
n=$(wc -l <"$T/declared")
t_ok "the public headers declare functions ($n)" test "$n" -gt 100
nopage=""
while read -r f; do
	p=$man/man3/$f.3
	# A link must lead to a real page (no dangling symlink).
	[ -f "$p" ] && [ -s "$(readlink -f "$p")" ] || nopage="$nopage $f"
done <"$T/declared"
t_eq "every public function has an installed page or link" "" "$nopage"

# Links come from the pages' NAME sections: a name on two pages would
# install one link over the other.
twice=$(for p in man/*.3; do sed -n 's/^\.Nm \([A-Za-z_0-9]*\).*/\1/p' "$p" | sort -u; done |
	sort | uniq -d | tr '\n' ' ')
t_eq "no name is under NAME on two pages" "" "$twice"
linked=$(find "$man/man3" -type l | wc -l)
t_ok "names other than a page's own are installed as links ($linked)" test "$linked" -gt 100

# Every name a page lists under NAME is installed (page or link).
unlinked=""
for p in man/*.3; do
	for nm in $(sed -n 's/^\.Nm \([A-Za-z_0-9]*\).*/\1/p' "$p" | sort -u); do
		[ -e "$man/man3/$nm.3" ] || unlinked="$unlinked $nm($p)"
	done
done
t_eq "every name under NAME is installed" "" "$unlinked"

if command -v man >/dev/null 2>&1; then
	w=$(MANPATH= man -M "$man" -w cs_session_get_int 2>&1)
	t_match "man -w finds a linked name (the link or its page)" "man3/cs_session_get(_int)?\.3$" "$w"
fi

# (2) Sections.
nosec=""
# (csess(1) and clear-expired(1) are checked for the first three here.)
for p in man/*.[13]; do
	for s in NAME SYNOPSIS DESCRIPTION; do
		grep -qx "\.Sh $s" "$p" || nosec="$nosec $p:$s"
	done
	case $p in
	*.3)	for s in "RETURN VALUES" EXAMPLES "SEE ALSO"; do
			grep -qx "\.Sh $s" "$p" || nosec="$nosec $p:$s"
		done ;;
	esac
done
t_eq "every page has NAME, SYNOPSIS, DESCRIPTION (section 3: RETURN VALUES, EXAMPLES, SEE ALSO)" "" "$nosec"

# csess(3) is the index: it names every other section-3 page.
unlisted=""
for p in man/cs_*.3; do
	grep -q "^\.It Xr $(basename "$p" .3) 3\$" man/csess.3 || unlisted="$unlisted $p"
done
t_eq "csess(3) lists every page" "" "$unlisted"

# (3) groff renders every page without a warning.
warned=""
for p in man/*.[13]; do
	out=$(groff -mandoc -Tutf8 -ww -z "$p" 2>&1)
	[ -z "$out" ] || { warned="$warned $p"; printf '%s: %s\n' "$p" "$out"; }
done
t_eq "groff -ww renders every page silently" "" "$warned"

# Cross-references to section 3 name installed pages.
dangling=""
for p in man/*.[13]; do
	for x in $(sed -n 's/^\.Xr \(cs_[a-z_0-9]*\|csess\) 3.*/\1/p' "$p"); do
		[ -e "$man/man3/$x.3" ] || dangling="$dangling $p->$x"
	done
done
t_eq "every .Xr to section 3 names an installed page" "" "$dangling"

# (4) The EXAMPLES of every section-3 page compile.  The first literal
# display after .Sh EXAMPLES is the code: roff escapes undone, the usual
# headers added, compiled with -Wall -Werror.
broken=""
ncomp=0
for p in man/*.3; do
	src=$T/ex_$(basename "$p" .3).c
	{
		printf '#include <errno.h>\n#include <stdbool.h>\n#include <stdint.h>\n'
		printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n'
		printf '#include <unistd.h>\n#include "csess.h"\n#line 1 "%s EXAMPLES"\n' "$p"
		awk '/^\.Sh EXAMPLES/ { ex = 1; next }
		     /^\.Sh / { ex = 0 }
		     ex && /^\.Bd -literal/ && !done { lit = 1; next }
		     lit && /^\.Ed/ { lit = 0; done = 1; next }
		     lit { print }' "$p" |
			sed -e 's/\\e/\\/g' -e 's/\\&//g' -e "s/\\\\(aq/'/g" -e 's/\\-/-/g'
	} >"$src"
	if ! grep -q . <(sed '1,/^#line/d' "$src"); then
		broken="$broken $p(no example)"
		continue
	fi
	if gcc -std=c11 -D_GNU_SOURCE -Wall -Werror -I"$ROOT/lib" -c -o "$src.o" "$src" \
	    >"$src.log" 2>&1; then
		ncomp=$((ncomp + 1))
	else
		broken="$broken $p"
		head -n 5 "$src.log"
	fi
done
t_eq "the EXAMPLES code of every section-3 page compiles ($ncomp)" "" "$broken"
t_done
