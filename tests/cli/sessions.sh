#!/usr/bin/env bash
# tests/cli/sessions.sh -- the "csess sessions" contract and bin/clear-expired:
# output formats, exit codes, import/export round trip, verify on a store
# whose index was damaged from outside, the sweep's quiet cron behaviour.
. "$(dirname "$0")/../lib/harness.sh"

CLEAR=${CLEAR:-$ROOT/bin/clear-expired}
export CSESS_SESSION_STORE=$T/db/sessions.mdb
export CSESS_SESSION_SYNC=none
unset CSESS_CONFIG CSESS_SESSION_ENGINE

now=$(date +%s)
A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
C=cccccccccccccccccccccccccccccccc
GONE=dddddddddddddddddddddddddddddddd

cat > "$T/in.jsonl" <<EOF
{"key": "$A", "expire": $((now + 3600)), "user": "alice", "data": {"_auth_user_id": "1", "n": 1}}
{"key": "$B", "expire": $((now + 3600)), "user": "alice", "data": {}}
{"key": "$C", "expire": $((now - 60)), "data": {"old": true}}

{"expire": $((now + 3600)), "user": "bob", "data": {"generated": "yes"}}
EOF

out=$("$CSESS" sessions import "$T/in.jsonl")
t_eq "import prints the number of sessions imported" "4" "$out"
t_eq "store file is created mode 0600" "600" "$(stat -c %a "$CSESS_SESSION_STORE")"
t_eq "lock file is created mode 0600" "600" "$(stat -c %a "$CSESS_SESSION_STORE-lock")"
t_eq "missing store directory is created 0700" "700" "$(stat -c %a "$T/db")"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
out=$("$CSESS" sessions list)
t_eq "list prints a header line" "key	expire	user	size" "$(head -n 1 <<<"$out")"
t_eq "list prints one line per session after it" "5" "$(printf '%s\n' "$out" | wc -l)"
t_match "list line is key, expiry (ISO 8601 UTC), user, data size" \
    "$A	$(iso $((now + 3600)))	alice	27" "$out"
t_match "generated key appears in list with its user" \
    $'[a-z0-9]{32}\t[0-9T:-]+Z\tbob\t' "$out"
out=$("$CSESS" sessions list --epoch)
t_match "list --epoch keeps the expiry as epoch seconds" \
    "$A	$((now + 3600))	alice	27" "$out"
t_eq "list --help prints its usage on stdout" "usage: csess sessions list [--epoch]" \
    "$("$CSESS" sessions list --help 2>&1)"
t_eq "list --help exits 0" "0" "$("$CSESS" sessions list --help >/dev/null; echo $?)"

out=$("$CSESS" sessions show "$A")
t_match "show prints the full record as JSON" \
    "^\{\"key\":\"$A\",\"expire\":$((now + 3600)),\"version\":[0-9]+,\"user\":\"alice\",\"data\":\{\"_auth_user_id\":\"1\",\"n\":1\}\}$" "$out"
t_status "show of a missing key exits 1" 1 "$CSESS" sessions show "$GONE"
t_status "show of a malformed key exits 2" 2 "$CSESS" sessions show "ABC"
t_status "show of an uppercase key exits 2" 2 "$CSESS" sessions show "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
t_status "show without a key exits 2" 2 "$CSESS" sessions show

out=$("$CSESS" sessions stats)
t_match "stats counts sessions" $'(^|\n)sessions\t4(\n|$)' "$out"
t_match "stats counts expired not yet swept" $'(^|\n)expired\t1(\n|$)' "$out"
t_match "stats shows the map size" $'(^|\n)map_size\t[0-9]+(\n|$)' "$out"
t_match "stats shows the file size" $'(^|\n)file_size\t[0-9]+(\n|$)' "$out"

t_status "verify of a consistent store exits 0" 0 "$CSESS" sessions verify
t_eq "verify of a consistent store prints one summary line" \
    "4 sessions, 7 index entries checked: OK" "$("$CSESS" sessions verify 2>&1)"

# Export, import into a second store, export again: same lines.
"$CSESS" sessions export > "$T/out1.jsonl"
t_eq "export writes one line per session" "4" "$(wc -l < "$T/out1.jsonl")"
out=$(CSESS_SESSION_STORE=$T/db2/s.mdb "$CSESS" sessions import - < "$T/out1.jsonl")
t_eq "import from stdin with -" "4" "$out"
CSESS_SESSION_STORE=$T/db2/s.mdb "$CSESS" sessions export > "$T/out2.jsonl"
t_eq "export/import round trip is lossless" "$(cat "$T/out1.jsonl")" "$(cat "$T/out2.jsonl")"

# A bad line anywhere: exit 2 naming the line, nothing imported.
printf '{"expire": %d, "data": {}}\n{"expire": "x", "data": {}}\n' $((now + 60)) > "$T/bad.jsonl"
err=$(CSESS_SESSION_STORE=$T/db3/s.mdb "$CSESS" sessions import "$T/bad.jsonl" 2>&1 >/dev/null)
rc=$?
t_eq "import of a bad line exits 2" "2" "$rc"
t_match "import error names the line number" "line 2" "$err"
t_eq "a failed import leaves nothing behind (only list's header)" "key	expire	user	size" \
    "$(CSESS_SESSION_STORE=$T/db3/s.mdb "$CSESS" sessions list)"
t_status "import of a missing file exits 2" 2 "$CSESS" sessions import "$T/nonexistent"

printf '{"key": "%s", "expire": %d, "user": "ev\\til\\nname\\\\", "data": {}}\n' \
    eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee $((now + 60)) |
    CSESS_SESSION_STORE=$T/db4/s.mdb "$CSESS" sessions import - >/dev/null
t_eq "list escapes control characters in user names" \
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee	$((now + 60))	ev\x09il\x0aname\x5c	2" \
    "$(CSESS_SESSION_STORE=$T/db4/s.mdb "$CSESS" sessions list --epoch | tail -n +2)"

# delete and revoke-user
t_status "delete of a present key exits 0" 0 "$CSESS" sessions delete "$B"
t_status "delete of a missing key exits 1" 1 "$CSESS" sessions delete "$B"
t_status "delete of a malformed key exits 2" 2 "$CSESS" sessions delete "b"
t_eq "revoke-user prints how many sessions went" "1" "$("$CSESS" sessions revoke-user alice)"
out=$("$CSESS" sessions revoke-user alice 2>"$T/err"); rc=$?
t_eq "revoke-user of a name with no user and no sessions is a negative answer (1)" "1 " "$rc $out"
t_eq "...with one line on stderr" "csess: sessions revoke-user: no such user and no sessions of alice" \
    "$(cat "$T/err")"
echo pw | CSESS_PASSWORD_ITERATIONS=1 "$CSESS" user add carol
t_eq "revoke-user of a user without sessions prints 0" "0" "$("$CSESS" sessions revoke-user carol)"
t_status "show of a revoked session exits 1" 1 "$CSESS" sessions show "$A"

# clear-expired: dry run, quiet by default, one summary line when verbose.
out=$("$CSESS" sessions clear-expired --dry-run --verbose)
t_match "dry run says what it would remove" "^would remove 1, remaining 1, elapsed [0-9.]+s$" "$out"
t_status "dry run leaves the expired session" 0 "$CSESS" sessions show "$C"
out=$("$CSESS" sessions clear-expired 2>&1)
rc=$?
t_eq "clear-expired exits 0 on success" "0" "$rc"
t_eq "clear-expired is quiet on success (cron)" "" "$out"
t_status "clear-expired removed the expired session" 1 "$CSESS" sessions show "$C"
out=$("$CLEAR" --verbose --batch 10)
t_match "bin/clear-expired --verbose prints one summary line" \
    "^removed 0, remaining 1, elapsed [0-9.]+s$" "$out"
t_status "clear-expired --batch 0 is a usage error" 2 "$CLEAR" --batch 0
t_status "clear-expired with an unknown option is a usage error" 2 "$CLEAR" --nope
touch "$T/file"
err=$(CSESS_SESSION_STORE=$T/file/s.mdb "$CLEAR" 2>&1)
rc=$?
t_eq "clear-expired exits 2 when the store cannot be opened" "2" "$rc"
t_match "and says why on stderr" "not a directory" "$err"
err=$(CSESS_SESSION_STORE=$T/file/s.mdb "$CSESS" sessions list 2>&1)
t_eq "list exits 2 when the store cannot be opened" "2" "$?"

# A 1 MiB store that may not grow, filled with sessions every other one of
# which has expired: the sweep's copy-on-write deletes need a copy of
# nearly every page (none of them empties), which it cannot get -> exit 1.
# (Had every session expired, its deletes, in key order, would empty pages
# as they go and free what the next ones need.)
export CSESS_SESSION_STORE=$T/full/s.mdb CSESS_SESSION_STORE_MAP_SIZE=1048576 \
    CSESS_SESSION_STORE_MAX_SIZE=1048576
pad=$(printf 'x%.0s' $(seq 1 190))
# Fill in ever smaller transactions so the last pages get used too.
for n in 20 5 1; do
	for i in $(seq 1 2000); do
		for j in $(seq 1 $n); do
			printf '{"expire": %d, "data": {"p": "%s"}}\n' \
			    $((now - 100 + j % 2 * 3700)) "$pad"
		done > "$T/chunk.jsonl"
		"$CSESS" sessions import "$T/chunk.jsonl" >/dev/null \
		    2>"$T/full.err" || break
	done
done
t_match "import into a store at SESSION_STORE_MAX_SIZE fails with the reason" \
    "SESSION_STORE_MAX_SIZE" "$(cat "$T/full.err")"
err=$("$CLEAR" --batch 1000 2>&1)
rc=$?
t_eq "clear-expired exits 1 when a batch fails part-way" "1" "$rc"
t_match "and reports how far it got" "stopped after removing" "$err"
export CSESS_SESSION_STORE_MAX_SIZE=8388608
t_status "with room to grow the same sweep succeeds" 0 "$CLEAR"
t_eq "and leaves no expired session behind" 0 \
    "$("$CSESS" sessions stats | awk '$1 == "expired" { print $2 }')"
t_eq "and every live one" "$("$CSESS" sessions list --epoch |
    awk -F '\t' -v now="$now" 'NR > 1 && $2 > now' | wc -l)" \
    "$("$CSESS" sessions stats | awk '$1 == "sessions" { print $2 }')"
unset CSESS_SESSION_STORE_MAP_SIZE CSESS_SESSION_STORE_MAX_SIZE

# verify finds damage done from outside (here with liblmdb's mdb_load).
export CSESS_SESSION_STORE=$T/db2/s.mdb
if command -v mdb_load >/dev/null; then
	# Entries without a session: one expired at 1 (what a sweep cut short
	# leaves: its business, not a problem), one in 2100 (damage).
	printf '\\00\\00\\00\\00\\00\\00\\00\\01%s\n\n\\00\\00\\00\\00\\f4\\86\\57\\00%s\n\n' \
	    gggggggggggggggggggggggggggggggg hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh |
	    mdb_load -n -T -s expiry "$CSESS_SESSION_STORE"
	printf 'mallory\\00%s\n\n' "$A" |
	    mdb_load -n -T -s user_sessions "$CSESS_SESSION_STORE"
	out=$("$CSESS" sessions verify 2>/dev/null)
	rc=$?
	t_eq "verify of a damaged store exits 1" "1" "$rc"
	t_match "verify reports an index entry without a session" \
	    "entry 4102444800 for missing session h{32}" "$out"
	t_no_match "but not an expired one, which the sweep drops" "g{32}" "$out"
	t_match "verify reports a user entry pointing at another user's session" \
	    "entry of mallory for session $A of another user" "$out"
	t_eq "verify reports each inconsistency on its own line, then a summary" "3" \
	    "$(printf '%s\n' "$out" | wc -l)"
	t_match "...that counts the problems" "checked: 2 problems$" "$(tail -n 1 <<<"$out")"
	expiry_keys() { mdb_dump -n -p -s expiry "$CSESS_SESSION_STORE" | grep -o '[gh]\{32\}'; }
	t_eq "both entries are stored" "g h" "$(expiry_keys | cut -c1 | xargs)"
	"$CSESS" sessions clear-expired
	t_eq "the sweep drops the expired one" "h" "$(expiry_keys | cut -c1 | xargs)"
	t_match "and leaves the rest to verify" \
	    "entry of mallory" "$("$CSESS" sessions verify 2>/dev/null)"
else
	t_fail "mdb_load (lmdb-utils) is needed for the verify tests"
fi

# A record damaged from outside (a user length of 65535, over the 255 a
# session may hold) is skipped by list and export and reported by verify.
export CSESS_SESSION_STORE=$T/db3/s.mdb
if command -v mdb_load >/dev/null; then
	"$CSESS" sessions import - <<<"{\"key\": \"$A\", \"expire\": $((now + 3600)), \"data\": {}}" >/dev/null
	{ printf '%s\n' eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
	  printf '\\00%.0s' $(seq 20); printf '\\ff\\ff'
	  head -c 65537 /dev/zero | tr '\0' u; echo; } |
	    mdb_load -n -T -s sessions "$CSESS_SESSION_STORE"
	out=$("$CSESS" sessions list)
	t_eq "list skips a record whose user length is damaged" "0 2" \
	    "$? $(printf '%s\n' "$out" | wc -l)"
	out=$("$CSESS" sessions export)
	t_eq "export skips it too" "0 1" "$? $(printf '%s\n' "$out" | wc -l)"
	out=$("$CSESS" sessions verify 2>/dev/null)
	t_eq "verify exits 1 on it" "1" "$?"
	t_match "and names it undecodable" "session e{32}: undecodable record" "$out"
fi

# Commands that need the lmdb engine say so.
err=$(CSESS_SESSION_ENGINE=signed_cookies "$CSESS" sessions list 2>&1)
t_eq "list under another engine exits 2" "2" "$?"
t_match "and names the engine" "signed_cookies" "$err"
t_match "and says what it cannot do" \
    "sessions list: engine signed_cookies cannot list sessions" "$err"
err=$(CSESS_SESSION_ENGINE=signed_cookies "$CSESS" sessions revoke-user alice 2>&1)
t_eq "revoke-user on an engine without a user index exits 2" "2" "$?"
t_match "and says so" "engine signed_cookies cannot find a user's sessions" "$err"
out=$(CSESS_SESSION_ENGINE=signed_cookies "$CSESS" sessions export 2>/dev/null)
t_eq "export on an engine that cannot enumerate exits 2, printing nothing" \
    "2 " "$? $out"
err=$(CSESS_SESSION_ENGINE=signed_cookies CSESS_SECRET_KEY=k "$CSESS" \
    sessions show "$A" 2>&1)
t_eq "show on an engine that keeps nothing exits 2" "2" "$?"
t_match "and says so" "engine signed_cookies cannot show a session" "$err"
t_status "clear-expired on it has nothing to do" 0 \
    env CSESS_SESSION_ENGINE=signed_cookies CSESS_SECRET_KEY=k \
    "$CSESS" sessions clear-expired
t_status "unknown subcommand exits 2" 2 "$CSESS" sessions frobnicate

# Inspecting commands open an existing store, never create one.
for cmd in "list" "show $A" "delete $A" "revoke-user alice" "stats" "verify" \
    "export" "clear-expired"; do
	err=$(CSESS_SESSION_STORE=$T/typo/s.mdb "$CSESS" sessions $cmd 2>&1 >/dev/null)
	t_eq "sessions $cmd on a missing store exits 2 naming it" \
	    "2 csess: sessions ${cmd%% *}: SESSION_STORE: no store at $T/typo/s.mdb" "$? $err"
done
err=$(CSESS_SESSION_STORE=$T/typo/s.mdb "$CLEAR" 2>&1 >/dev/null)
t_eq "bin/clear-expired on a missing store exits 2 naming it" \
    "2 csess: sessions clear-expired: SESSION_STORE: no store at $T/typo/s.mdb" "$? $err"
t_eq "...and none of them created it" "no" "$([ -e "$T/typo" ] && echo yes || echo no)"

# The export | import pipe, and the options convention.
echo '{"key": "ffffffffffffffffffffffffffffffff", "expire": 4102444800, "data": {}}' |
    CSESS_SESSION_STORE=$T/p1/s.mdb "$CSESS" sessions import - >/dev/null
out=$(CSESS_SESSION_STORE=$T/p1/s.mdb "$CSESS" sessions export |
    CSESS_SESSION_STORE=$T/p2/s.mdb "$CSESS" sessions import -)
t_eq "sessions export | sessions import - copies a store" "1" "$out"
t_match "...every session" "^ffffffffffffffffffffffffffffffff	2100-01-01T00:00:00Z	" \
    "$(CSESS_SESSION_STORE=$T/p2/s.mdb "$CSESS" sessions list | tail -n +2)"
t_match "clear-expired takes --batch=N" "^removed 0, " \
    "$(CSESS_SESSION_STORE=$T/p2/s.mdb "$CLEAR" --batch=5 --verbose)"
t_status "an abbreviated option is not an option (2)" 2 "$CLEAR" --verb
t_status "a value for a flag is a usage error (2)" 2 "$CLEAR" --dry-run=yes
t_status "an option missing its value is a usage error (2)" 2 "$CLEAR" --batch
for sub in list show delete revoke-user stats verify clear-expired export import; do
	out=$("$CSESS" sessions $sub --help 2>"$T/err"); rc=$?
	t_eq "sessions $sub --help prints its usage on stdout, exit 0" "0 usage: " \
	    "$rc ${out:0:7}$(cat "$T/err")"
done
t_status "sessions --help exits 0" 0 "$CSESS" sessions --help
t_status "bin/clear-expired --help exits 0" 0 "$CLEAR" --help
t_status "no subcommand exits 2" 2 "$CSESS" sessions

t_done
