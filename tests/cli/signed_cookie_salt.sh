#!/usr/bin/env bash
# SIGNED_COOKIE_SALT chooses the salt csess writes signed cookies with:
# legacy (Django <= 5.2.14, the default) or v2 (Django 5.2.15+).  Reading
# always accepts both.
source "$(dirname "$0")/../lib/harness.sh"
export CSESS_SECRET_KEY=salt-test-secret-salt-test-secret-salt-test-secret
unset CSESS_CONFIG

legacy=$("$CSESS" signed-cookie set color blue | sed 's/;.*//')
v2=$(CSESS_SIGNED_COOKIE_SALT=v2 "$CSESS" signed-cookie set color blue | sed 's/;.*//')
t_match "legacy is the default" '^color=blue:' "$legacy"
t_match "v2 signs too" '^color=blue:' "$v2"
[ "${legacy#*:*:}" != "${v2#*:*:}" ] && t_pass "the two salts give different signatures" ||
	t_fail "the two salts give different signatures" "$legacy" "$v2"
t_eq "a legacy cookie reads back" blue "$(HTTP_COOKIE=$legacy "$CSESS" signed-cookie get color)"
t_eq "a v2 cookie reads back" blue "$(HTTP_COOKIE=$v2 "$CSESS" signed-cookie get color)"
err=$(CSESS_SIGNED_COOKIE_SALT=v3 "$CSESS" signed-cookie set color blue 2>&1); rc=$?
t_eq "a bad value is a usage error" 2 "$rc"
t_match "...naming the setting" 'SIGNED_COOKIE_SALT' "$err"
t_done
