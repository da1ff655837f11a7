/*
 * session_expiry.c -- Django's expiry policy: set_expiry, get_expiry_age,
 * get_expiry_date, get_expire_at_browser_close.
 *
 * The per-session expiry lives in the data under "_session_expiry" as
 * Django 4.2+ keeps it: an int (seconds of inactivity, 0 = at browser
 * close) or an ISO-8601 string (an absolute time).  Django 3.2 could only
 * store the absolute form as a pickled datetime, which JSON cannot carry;
 * a session written by it therefore only ever holds the int.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "session_impl.h"
#include "util.h"

/* Exactly n digits at *p (advanced); -1 otherwise. */
static int
digits(const char **p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "HH:MM[:SS[.ffffff]]" into microseconds; false when malformed. */
static bool
parse_clock(const char **p, int64_t *us)
{
	int h, mi, sec = 0, frac = 0, nf = 0;

	if ((h = digits(p, 2)) < 0 || *(*p)++ != ':' ||
	    (mi = digits(p, 2)) < 0)
		return false;
	if (**p == ':') {
		(*p)++;
		if ((sec = digits(p, 2)) < 0)
			return false;
		if (**p == '.' || **p == ',') {
			(*p)++;
			while (isdigit((unsigned char)**p)) {
				if (nf < 6) {
					frac = frac * 10 + (**p - '0');
					nf++;
				}
				(*p)++;
			}
			if (nf == 0)
				return false;
			while (nf++ < 6)
				frac *= 10;
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*us = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
	return true;
}

/*
 * What datetime.isoformat() writes and fromisoformat() reads back:
 * "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|(+|-)HH:MM[:SS[.ffffff]]]".
 * No offset means UTC (Django keeps aware UTC datetimes with USE_TZ).
 * Fractions of a second are floored, as Django's day/second arithmetic.
 */
int
csi_iso8601_parse(const char *s, int64_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char *p = s;
	int64_t us = 0, off = 0, total;
	int y, m, d, sign;

	if ((y = digits(&p, 4)) < 1 || *p++ != '-' || (m = digits(&p, 2)) < 1 ||
	    m > 12 || *p++ != '-' || (d = digits(&p, 2)) < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return CS_ERR_INVALID;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!parse_clock(&p, &us))
			return CS_ERR_INVALID;
		if (*p == 'Z')
			p++;
		else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (!parse_clock(&p, &off))
				return CS_ERR_INVALID;
			off *= sign;
		}
	}
	if (*p != '\0')
		return CS_ERR_INVALID;
	total = csi_days_from_civil(y, m, d) * 86400 * 1000000 +
	    us - off;
	/* floor division: the fraction never rounds a time up */
	*t = total >= 0 ? total / 1000000 : -((-total + 999999) / 1000000);
	return CS_OK;
}

int
csi_iso8601_format(char *out, size_t outlen, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	int n;

	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999)
		return CS_ERR_INVALID;
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d+00:00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? CS_ERR_INVALID : CS_OK;
}

/*
 * The stored expiry: CS_OK with seconds (relative) or an epoch time
 * (*absolute); CS_ERR_NOT_FOUND when unset (absent or null);
 * CS_ERR_INVALID when it is something Django would not have written.
 */
int
csi_session_expiry_parse(const json_t *v, int64_t *n, bool *absolute)
{
	*n = 0;
	*absolute = false;
	if (v == NULL || json_is_null(v))
		return CS_ERR_NOT_FOUND;
	if (json_is_integer(v)) {
		*n = (int64_t)json_integer_value(v);
		return CS_OK;
	}
	if (json_is_real(v)) {
		double r = json_real_value(v);

		if (!(r > -1e15 && r < 1e15))
			return CS_ERR_INVALID;
		*n = (int64_t)r;
		return CS_OK;
	}
	if (json_is_string(v) &&
	    csi_iso8601_parse(json_string_value(v), n) == CS_OK) {
		*absolute = true;
		return CS_OK;
	}
	return CS_ERR_INVALID;
}

static int64_t
age_of(const struct cs_session *s, const json_t *v, int64_t now)
{
	int64_t n;
	bool abs;

	if (csi_session_expiry_parse(v, &n, &abs) || (!abs && n == 0))
		return s->cfg->session_cookie_age;
	return abs ? n - now : n;
}

/* now + n, saturated: an int expiry near the int64 limits must not wrap
 * a date into the past (or the future). */
static int64_t
add_sat(int64_t now, int64_t n)
{
	int64_t t;

	if (__builtin_add_overflow(now, n, &t))
		return n > 0 ? INT64_MAX : INT64_MIN;
	return t;
}

static int64_t
date_of(const struct cs_session *s, const json_t *v, int64_t now)
{
	int64_t n;
	bool abs;

	if (csi_session_expiry_parse(v, &n, &abs) || (!abs && n == 0))
		return add_sat(now, s->cfg->session_cookie_age);
	return abs ? n : add_sat(now, n);
}

int64_t
cs_session_get_expiry_age(struct cs_session *s)
{
	json_t *d = csi_session_data(s);

	return age_of(s, d ? json_object_get(d, CS_SESSION_EXPIRY_KEY) : NULL,
	    cs_now());
}

int64_t
cs_session_get_expiry_date(struct cs_session *s)
{
	json_t *d = csi_session_data(s);

	return date_of(s, d ? json_object_get(d, CS_SESSION_EXPIRY_KEY) : NULL,
	    cs_now());
}

/* What the store keeps as the record's expiry (Django's expire_date). */
int64_t
csi_session_expire_for_store(struct cs_session *s, int64_t now)
{
	return date_of(s, s->data ? json_object_get(s->data,
	    CS_SESSION_EXPIRY_KEY) : NULL, now);
}

bool
cs_session_get_expire_at_browser_close(struct cs_session *s)
{
	json_t *d = csi_session_data(s), *v;

	v = d ? json_object_get(d, CS_SESSION_EXPIRY_KEY) : NULL;
	if (v == NULL || json_is_null(v))
		return s->cfg->session_expire_at_browser_close;
	/* Python's "expiry == 0" is also true for 0.0 and False. */
	return (json_is_integer(v) && json_integer_value(v) == 0) ||
	    (json_is_real(v) && json_real_value(v) == 0.0) || json_is_false(v);
}

int
cs_session_set_expiry(struct cs_session *s, int64_t seconds)
{
	return cs_session_set_int(s, CS_SESSION_EXPIRY_KEY, seconds);
}

int
cs_session_set_expiry_at(struct cs_session *s, int64_t when)
{
	char iso[40];
	int rc;

	if ((rc = csi_iso8601_format(iso, sizeof(iso), when)))
		return rc;
	return cs_session_set_string(s, CS_SESSION_EXPIRY_KEY, iso);
}

int
cs_session_unset_expiry(struct cs_session *s)
{
	int rc = cs_session_delete(s, CS_SESSION_EXPIRY_KEY);

	return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}
