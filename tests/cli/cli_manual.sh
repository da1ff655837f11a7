#!/usr/bin/env bash
# tests/cli/cli_manual.sh -- csess(1) and clear-expired(1) render without
# warnings and document every command and option the programs accept.
. "$(dirname "$0")/../lib/harness.sh"

for page in csess.1 clear-expired.1; do
	if command -v groff >/dev/null; then
		out=$(groff -mandoc -Tutf8 -ww -z "$ROOT/man/$page" 2>&1)
		t_eq "$page renders without groff warnings" "" "$out"
	else
		t_fail "groff is needed to check $page"
	fi
done

page=$(cat "$ROOT/man/csess.1")
# Every "csess COMMAND ..." line of --help: each command word and option.
while read -r word; do
	case "$page" in
	*"$word"*) t_pass "csess.1 documents $word" ;;
	*) t_fail "csess.1 documents $word" ;;
	esac
done < <("$CSESS" --help | sed -n 's/^  csess //p' | tr ' |[]' '\n\n\n\n' |
	grep -E '^(--[a-z-]+|[a-z][a-z-]+)$' | sed 's/^--/Fl -/' | sort -u)
for opt in batch dry-run verbose help; do
	grep -q "^\.Op Fl -$opt\|^\.It Fl -$opt" "$ROOT/man/clear-expired.1" &&
	    t_pass "clear-expired.1 documents --$opt" || t_fail "clear-expired.1 documents --$opt"
done
t_done
