/*
 * config.c -- settings: CSESS_<NAME> environment > CSESS_CONFIG file >
 * Django's defaults.  Table-driven: one row per setting names its type,
 * where it lives in struct cs_config, its default and its bounds.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csess/config.h"
#include "csess/cookie.h"
#include "error.h"
#include "redis_url.h"

enum kind {
	K_STRING,	/* char *, may be unset (NULL) when default is NULL */
	K_NONEMPTY,	/* char *, must not be empty */
	K_PATH,		/* URL path: must start with '/' */
	K_INT,		/* int64_t within [min, max] */
	K_LONG,		/* long within [min, max] */
	K_SIZE,		/* size_t within [min, max] */
	K_BOOL,
	K_SECURE,	/* true/false/auto */
	K_SAMESITE,
	K_SYNC,
	K_ENGINE,
	K_LIST,		/* comma-separated strings */
	K_SALT,		/* legacy | v2 */
	K_FRAME,	/* DENY | SAMEORIGIN */
	K_REFERRER,	/* comma-separated Referrer-Policy tokens, empty: unset */
	K_COOP,		/* one Cross-Origin-Opener-Policy value, empty: unset */
	K_ADDRS,	/* char *: comma-separated IP addresses, may be empty */
	K_MILLIS	/* int64_t milliseconds, given in (decimal) seconds */
};

struct setting {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*def;
	int64_t		 min, max;
};

#define F(m)	offsetof(struct cs_config, m)
#define MAXI	INT64_MAX

static const struct setting settings[] = {
	{ "SECRET_KEY", K_STRING, F(secret_key), NULL, 0, 0 },
	{ "SECRET_KEY_FALLBACKS", K_LIST, F(secret_key_fallbacks), "", 0, 0 },
	{ "SESSION_ENGINE", K_ENGINE, F(session_engine), "lmdb", 0, 0 },
	{ "SESSION_STORE", K_NONEMPTY, F(session_store), "/var/lib/csess/sessions.mdb", 0, 0 },
	{ "SESSION_FILE_PATH", K_STRING, F(session_file_path), NULL, 0, 0 },
	{ "SESSION_REDIS_URL", K_NONEMPTY, F(session_redis_url), "redis://127.0.0.1:6379/0", 0, 0 },
	{ "SESSION_REDIS_PREFIX", K_STRING, F(session_redis_prefix), "", 0, 0 },
	{ "SESSION_REDIS_SOCKET_TIMEOUT", K_MILLIS, F(session_redis_timeout_ms), "0.1", 1, 3600000 },
	{ "SESSION_REDIS_SENTINEL_LIST", K_STRING, F(session_redis_sentinel_list), "", 0, 0 },
	{ "SESSION_REDIS_SENTINEL_MASTER_ALIAS", K_STRING, F(session_redis_sentinel_master_alias), "", 0, 0 },
	{ "SESSION_CACHE_URL", K_NONEMPTY, F(session_cache_url), "memcached://127.0.0.1:11211", 0, 0 },
	{ "SESSION_COOKIE_NAME", K_NONEMPTY, F(session_cookie_name), "sessionid", 0, 0 },
	{ "SESSION_COOKIE_AGE", K_INT, F(session_cookie_age), "1209600", 1, 400LL * 86400 * 100 },
	{ "SESSION_COOKIE_DOMAIN", K_STRING, F(session_cookie_domain), NULL, 0, 0 },
	{ "SESSION_COOKIE_PATH", K_PATH, F(session_cookie_path), "/", 0, 0 },
	{ "SESSION_COOKIE_SECURE", K_SECURE, F(session_cookie_secure), "false", 0, 0 },
	{ "SESSION_COOKIE_HTTPONLY", K_BOOL, F(session_cookie_httponly), "true", 0, 0 },
	{ "SESSION_COOKIE_SAMESITE", K_SAMESITE, F(session_cookie_samesite), "Lax", 0, 0 },
	{ "SESSION_SAVE_EVERY_REQUEST", K_BOOL, F(session_save_every_request), "false", 0, 0 },
	{ "SESSION_EXPIRE_AT_BROWSER_CLOSE", K_BOOL, F(session_expire_at_browser_close), "false", 0, 0 },
	{ "SESSION_SYNC", K_SYNC, F(session_sync), "full", 0, 0 },
	{ "SESSION_TOUCH_INTERVAL", K_INT, F(session_touch_interval), "60", 0, MAXI },
	{ "LOGIN_URL", K_PATH, F(login_url), "/login", 0, 0 },
	{ "LOGIN_REDIRECT_URL", K_PATH, F(login_redirect_url), "/protected", 0, 0 },
	{ "LOGOUT_REDIRECT_URL", K_PATH, F(logout_redirect_url), "/login", 0, 0 },
	{ "CSRF_COOKIE_NAME", K_NONEMPTY, F(csrf_cookie_name), "csrftoken", 0, 0 },
	{ "PASSWORD_ITERATIONS", K_LONG, F(password_iterations), "600000", 1, 100000000 },
	{ "PASSWORD_MAX_ITERATIONS", K_LONG, F(password_max_iterations), "10000000", 1, 0x7fffffff },
	{ "TRUSTED_PROXIES", K_ADDRS, F(trusted_proxies), "", 0, 0 },
	{ "LOGIN_FAILURES_PER_USER", K_LONG, F(login_failures_per_user), "5", 1, 1000000 },
	{ "LOGIN_FAILURES_PER_ADDRESS", K_LONG, F(login_failures_per_address), "50", 1, 1000000 },
	{ "LOGIN_FAILURE_WINDOW", K_INT, F(login_failure_window), "900", 1, 86400 * 365 },
	{ "TEMPLATE_DIR", K_STRING, F(template_dir), NULL, 0, 0 },
	{ "DATA_UPLOAD_MAX_MEMORY_SIZE", K_SIZE, F(data_upload_max_memory_size), "2621440", 0, 1LL << 32 },
	{ "X_FRAME_OPTIONS", K_FRAME, F(x_frame_options), "DENY", 0, 0 },
	{ "SECURE_CONTENT_TYPE_NOSNIFF", K_BOOL, F(secure_content_type_nosniff), "true", 0, 0 },
	{ "SECURE_REFERRER_POLICY", K_REFERRER, F(secure_referrer_policy), "same-origin", 0, 0 },
	{ "SECURE_CROSS_ORIGIN_OPENER_POLICY", K_COOP, F(secure_cross_origin_opener_policy),
	    "same-origin", 0, 0 },
	{ "COOKIE_HEADER_MAX_SIZE", K_SIZE, F(cookie_header_max_size), "8192", 64, 1 << 20 },
	{ "COOKIE_MAX_PAIRS", K_SIZE, F(cookie_max_pairs), "3000", 1, 100000 },
	{ "SESSION_STORE_MAP_SIZE", K_SIZE, F(session_store_map_size), "67108864", 1 << 20, 1LL << 40 },
	{ "SESSION_STORE_MAX_SIZE", K_SIZE, F(session_store_max_size), "4294967296", 1 << 20, 1LL << 44 },
	{ "SIGNING_ACCEPT_SHA1", K_BOOL, F(signing_accept_sha1), "false", 0, 0 },
	{ "SIGNED_COOKIE_SALT", K_SALT, F(signed_cookie_salt_v2), "legacy", 0, 0 },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

static const char *const engines[] = {
	"lmdb", "file", "signed_cookies", "redis", "cache", "cached_db", NULL
};

/* Django's REFERRER_POLICY_VALUES and CROSS_ORIGIN_OPENER_POLICY_VALUES. */
static const char *const referrer_policies[] = {
	"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url", NULL
};
static const char *const opener_policies[] = {
	"same-origin", "same-origin-allow-popups", "unsafe-none", NULL
};

static bool
one_of(const char *const *list, const char *v, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncmp(*list, v, len))
			return true;
	return false;
}

/* Every comma-separated token (spaces around it allowed) is in list. */
static bool
all_of(const char *const *list, const char *v)
{
	const char *end;
	size_t len;

	for (;; v = end + 1) {
		while (*v == ' ')
			v++;
		end = v + strcspn(v, ",");
		for (len = (size_t)(end - v); len && v[len - 1] == ' '; len--)
			continue;
		if (!one_of(list, v, len))
			return false;
		if (*end == '\0')
			return true;
	}
}

static int
fail(char *err, size_t errlen, const char *name, const char *why)
{
	snprintf(err, errlen, "%s: %s", name, why);
	return CS_ERR_CONFIG;
}

/*
 * The cookie settings must make a header the serializer writes: checked
 * here, so a bad one is a configuration error (csess check says so), not
 * a 500 on every request.
 */
static const char *
cookie_setting_why(size_t off, const char *v)
{
	struct cs_set_cookie c = { 0 };
	const char *why = NULL;

	if (off == F(session_cookie_name) || off == F(csrf_cookie_name))
		return cs_cookie_name_valid(v, strlen(v)) ? NULL :
		    "must be a cookie name (a token: no space, ';', '=', ',' or quote)";
	if (off != F(session_cookie_domain) && off != F(session_cookie_path))
		return NULL;
	c.name = "x";
	c.value = "x";
	if (off == F(session_cookie_domain))
		c.domain = v;
	else
		c.path = v;
	if (cs_set_cookie_validate(&c, 0, &why) == CS_OK)
		return NULL;
	return why ? why : "is not valid in a cookie";
}

static bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on", NULL };
	static const char *const no[] = { "false", "0", "no", "off", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return *out = true, true;
	for (i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i]))
			return *out = false, true;
	return false;
}

static bool
parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long n;

	if (*v == '\0' || isspace((unsigned char)*v))
		return false;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end != '\0' || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* Seconds with at most three decimals ("0.1", "2") as milliseconds. */
static bool
parse_millis(const char *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t whole = 0, frac = 0;
	const char *dot = strchr(v, '.');
	char buf[24];
	size_t wl = dot ? (size_t)(dot - v) : strlen(v), fl;

	if (wl >= sizeof(buf))
		return false;
	memcpy(buf, v, wl);
	buf[wl] = '\0';
	if (wl && !parse_int(buf, 0, 3600, &whole))
		return false;
	if (dot) {
		fl = strlen(dot + 1);
		if (fl == 0 || fl > 3 || strspn(dot + 1, "0123456789") != fl)
			return false;
		snprintf(buf, sizeof(buf), "%s000", dot + 1);
		buf[3] = '\0';
		frac = atoi(buf);
	} else if (wl == 0)
		return false;
	*out = whole * 1000 + frac;
	return *out >= min && *out <= max;
}

static int
set_list(struct cs_config *cfg, const char *v)
{
	char *copy, *tok, *save;
	char **list;
	size_t n = 0, cap = 1;
	const char *p;

	for (p = v; *p; p++)
		cap += *p == ',';
	if ((list = calloc(cap + 1, sizeof(*list))) == NULL)
		return CS_ERR_NOMEM;
	if ((copy = strdup(v)) == NULL) {
		free(list);
		return CS_ERR_NOMEM;
	}
	/* Owned by cfg from here on, so cs_config_free frees a partial list. */
	cfg->secret_key_fallbacks = list;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t len = strlen(tok);
		while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			tok[--len] = '\0';
		if (len && (list[n] = strdup(tok)) == NULL) {
			free(copy);
			return CS_ERR_NOMEM;
		}
		if (len)
			cfg->n_secret_key_fallbacks = ++n;
	}
	free(copy);
	return CS_OK;
}

static void
free_list(struct cs_config *cfg)
{
	size_t i;

	if (cfg->secret_key_fallbacks)
		for (i = 0; cfg->secret_key_fallbacks[i]; i++)
			free(cfg->secret_key_fallbacks[i]);
	free(cfg->secret_key_fallbacks);
	cfg->secret_key_fallbacks = NULL;
	cfg->n_secret_key_fallbacks = 0;
}

/* One IPv4 or IPv6 address of n bytes, as 16 bytes (IPv4 mapped). */
static bool
addr_parse(const char *s, size_t n, unsigned char out[16])
{
	char text[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, out) == 1)
		return true;
	memset(out, 0, 10);
	memset(out + 10, 0xff, 2);
	return inet_pton(AF_INET, text, out + 12) == 1;
}

/* The next comma-separated token of *list, blanks trimmed; false at the end. */
static bool
next_token(const char **list, const char **tok, size_t *len)
{
	const char *p = *list, *end;

	if (*p == '\0')
		return false;
	end = p + strcspn(p, ",");
	*list = *end ? end + 1 : end;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*tok = p;
	*len = (size_t)(end - p);
	return true;
}

static bool
addrs_valid(const char *list)
{
	unsigned char a[16];
	const char *tok;
	size_t len;

	while (next_token(&list, &tok, &len))
		if (!addr_parse(tok, len, a))
			return false;
	return true;
}

bool
cs_config_addr_listed(const char *list, const char *addr)
{
	unsigned char want[16], a[16];
	const char *tok;
	size_t len;

	if (list == NULL || addr == NULL ||
	    !addr_parse(addr, strlen(addr), want))
		return false;
	while (next_token(&list, &tok, &len))
		if (addr_parse(tok, len, a) && !memcmp(a, want, sizeof(a)))
			return true;
	return false;
}

/* Apply one value (v may be NULL only for a NULL default). */
static int
apply(struct cs_config *cfg, const struct setting *s, const char *v,
    char *err, size_t errlen)
{
	char *base = (char *)cfg + s->off;
	char **str = (char **)base;
	const char *why;
	int64_t n;
	bool b;
	int i;

	switch (s->kind) {
	case K_STRING:
	case K_NONEMPTY:
	case K_PATH:
	case K_ENGINE:
	case K_REFERRER:
	case K_COOP:
	case K_ADDRS:
		if (v == NULL) {
			free(*str);
			*str = NULL;
			return CS_OK;
		}
		if ((s->kind == K_NONEMPTY || s->kind == K_PATH || s->kind == K_ENGINE) &&
		    *v == '\0')
			return fail(err, errlen, s->name, "must not be empty");
		if (s->kind == K_PATH && *v != '/')
			return fail(err, errlen, s->name, "must be a path starting with '/'");
		if (s->kind == K_REFERRER && *v && !all_of(referrer_policies, v))
			return fail(err, errlen, s->name, "must be Referrer-Policy values "
			    "(e.g. same-origin, strict-origin-when-cross-origin), "
			    "comma-separated, or empty");
		if (s->kind == K_COOP && *v && !one_of(opener_policies, v, strlen(v)))
			return fail(err, errlen, s->name, "must be same-origin, "
			    "same-origin-allow-popups, unsafe-none or empty");
		if (s->kind == K_ADDRS && !addrs_valid(v))
			return fail(err, errlen, s->name,
			    "must be IP addresses separated by commas");
		if (s->kind == K_ENGINE) {
			for (i = 0; engines[i] && strcmp(engines[i], v); i++)
				continue;
			if (engines[i] == NULL)
				return fail(err, errlen, s->name, "must be one of lmdb, file, "
				    "signed_cookies, redis, cache, cached_db");
		}
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return fail(err, errlen, s->name, "contains a control character");
		if (*v && (why = cookie_setting_why(s->off, v)) != NULL)
			return fail(err, errlen, s->name, why);
		if (*v && (why = csi_redis_setting_why(s->name, v)) != NULL)
			return fail(err, errlen, s->name, why);
		free(*str);
		/* An empty optional string means "unset", as None in Django. */
		*str = (*v == '\0') ? NULL : strdup(v);
		return (*v && *str == NULL) ? CS_ERR_NOMEM : CS_OK;
	case K_INT:
		if (!parse_int(v, s->min, s->max, &n))
			goto range;
		*(int64_t *)base = n;
		return CS_OK;
	case K_LONG:
		if (!parse_int(v, s->min, s->max, &n))
			goto range;
		*(long *)base = (long)n;
		return CS_OK;
	case K_SIZE:
		if (!parse_int(v, s->min, s->max, &n))
			goto range;
		*(size_t *)base = (size_t)n;
		return CS_OK;
	case K_BOOL:
		if (!parse_bool(v, &b))
			return fail(err, errlen, s->name, "must be true or false");
		*(bool *)base = b;
		return CS_OK;
	case K_SECURE:
		if (!strcasecmp(v, "auto"))
			*(enum cs_secure *)base = CS_SECURE_AUTO;
		else if (parse_bool(v, &b))
			*(enum cs_secure *)base = b ? CS_SECURE_ON : CS_SECURE_OFF;
		else
			return fail(err, errlen, s->name, "must be true, false or auto");
		return CS_OK;
	case K_SAMESITE:
		if (*v == '\0' || !strcasecmp(v, "false") || !strcasecmp(v, "none_omit"))
			*(enum cs_samesite *)base = CS_SAMESITE_OMIT;
		else if (!strcasecmp(v, "strict"))
			*(enum cs_samesite *)base = CS_SAMESITE_STRICT;
		else if (!strcasecmp(v, "lax"))
			*(enum cs_samesite *)base = CS_SAMESITE_LAX;
		else if (!strcasecmp(v, "none"))
			*(enum cs_samesite *)base = CS_SAMESITE_NONE;
		else
			return fail(err, errlen, s->name, "must be Strict, Lax, None or empty");
		return CS_OK;
	case K_SYNC:
		if (!strcmp(v, "full"))
			*(enum cs_sync *)base = CS_SYNC_FULL;
		else if (!strcmp(v, "meta"))
			*(enum cs_sync *)base = CS_SYNC_META;
		else if (!strcmp(v, "none"))
			*(enum cs_sync *)base = CS_SYNC_NONE;
		else
			return fail(err, errlen, s->name, "must be full, meta or none");
		return CS_OK;
	case K_LIST:
		/* Older keys are keys: the same rule as SECRET_KEY. */
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return fail(err, errlen, s->name, "contains a control character");
		free_list(cfg);
		return set_list(cfg, v);
	case K_FRAME:
		/* Django upper-cases it. */
		if (!strcasecmp(v, "DENY"))
			*(enum cs_frame_options *)base = CS_FRAME_DENY;
		else if (!strcasecmp(v, "SAMEORIGIN"))
			*(enum cs_frame_options *)base = CS_FRAME_SAMEORIGIN;
		else
			return fail(err, errlen, s->name, "must be DENY or SAMEORIGIN");
		return CS_OK;
	case K_MILLIS:
		if (!parse_millis(v, s->min, s->max, &n))
			return fail(err, errlen, s->name, "must be seconds from "
			    "0.001 to 3600 (e.g. 0.1)");
		*(int64_t *)base = n;
		return CS_OK;
	case K_SALT:
		if (strcmp(v, "legacy") && strcmp(v, "v2"))
			return fail(err, errlen, s->name, "must be legacy or v2");
		*(bool *)base = !strcmp(v, "v2");
		return CS_OK;
	}
	return CS_ERR_INVALID;
range:
	snprintf(err, errlen, "%s: must be an integer from %lld to %lld", s->name,
	    (long long)s->min, (long long)s->max);
	return CS_ERR_CONFIG;
}

static const struct setting *
find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strlen(settings[i].name) == len && !strncmp(settings[i].name, name, len))
			return &settings[i];
	return NULL;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Strip one pair of matching quotes, so SECRET_KEY = "a b" works. */
static char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static int
load_file(struct cs_config *cfg, const char *path, char *const *envp,
    char *err, size_t errlen)
{
	char line[8192], *p, *eq, *name, *value;
	const struct setting *s;
	FILE *f;
	int lineno = 0, rc = CS_OK;
	size_t i, nlen;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "CSESS_CONFIG: cannot open %s: %s", path, strerror(errno));
		return CS_ERR_CONFIG;
	}
	while (rc == CS_OK && fgets(line, sizeof(line), f)) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = CS_ERR_CONFIG;
			break;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected NAME = value", path, lineno);
			rc = CS_ERR_CONFIG;
			break;
		}
		*eq = '\0';
		name = trim(p);
		value = unquote(trim(eq + 1));
		nlen = strlen(name);
		if ((s = find(name, nlen)) == NULL) {
			snprintf(err, errlen, "%s:%d: unknown setting %s", path, lineno, name);
			rc = CS_ERR_CONFIG;
			break;
		}
		/* The environment wins: skip what it sets. */
		for (i = 0; envp && envp[i]; i++)
			if (!strncmp(envp[i], "CSESS_", 6) && !strncmp(envp[i] + 6, name, nlen) &&
			    envp[i][6 + nlen] == '=')
				break;
		if (envp && envp[i])
			continue;
		rc = apply(cfg, s, value, err, errlen);
	}
	/* A read error (EISDIR, EIO) is not an empty file. */
	if (rc == CS_OK && ferror(f)) {
		snprintf(err, errlen, "CSESS_CONFIG: cannot read %s: %s", path, strerror(errno));
		rc = CS_ERR_CONFIG;
	}
	fclose(f);
	return rc;
}

static const char *
env_lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, n) && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

static int
load_env(struct cs_config *cfg, char *const *envp, char *err, size_t errlen)
{
	const struct setting *st;
	const char *file, *name, *eq;
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen)
		err[0] = '\0';
	for (i = 0; i < NSETTINGS; i++)
		if ((rc = apply(cfg, &settings[i], settings[i].def, err, errlen)))
			return rc;
	if ((file = env_lookup(envp, "CSESS_CONFIG")) != NULL && *file)
		if ((rc = load_file(cfg, file, envp, err, errlen)))
			return rc;
	/* One pass over the environment: a CGI process pays for this on every
	 * request, so do not scan it once per setting. */
	for (i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "CSESS_", 6) || (eq = strchr(envp[i], '=')) == NULL)
			continue;
		name = envp[i] + 6;
		if ((st = find(name, (size_t)(eq - name))) != NULL &&
		    (rc = apply(cfg, st, eq + 1, err, errlen)))
			return rc;
	}
	if (cfg->password_iterations > cfg->password_max_iterations)
		return fail(err, errlen, "PASSWORD_MAX_ITERATIONS",
		    "is below PASSWORD_ITERATIONS");
	return CS_OK;
}

int
cs_config_load_env(struct cs_config *cfg, char *const *envp, char *err, size_t errlen)
{
	char why[512];
	int rc;

	if ((rc = load_env(cfg, envp, why, sizeof(why))) != CS_OK)
		csi_error("%s", why);
	if (errlen)
		snprintf(err, errlen, "%s", rc != CS_OK ? why : "");
	return rc;
}

extern char **environ;

int
cs_config_load(struct cs_config *cfg, char *err, size_t errlen)
{
	return cs_config_load_env(cfg, environ, err, errlen);
}

void
cs_config_free(struct cs_config *cfg)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == K_STRING || settings[i].kind == K_NONEMPTY ||
		    settings[i].kind == K_PATH || settings[i].kind == K_ENGINE ||
		    settings[i].kind == K_REFERRER || settings[i].kind == K_COOP ||
		    settings[i].kind == K_ADDRS) {
			char **p = (char **)((char *)cfg + settings[i].off);
			free(*p);
			*p = NULL;
		}
	free_list(cfg);
}

int
cs_config_check(const struct cs_config *cfg,
    void (*warn)(void *, const char *, const char *), void *arg)
{
	int n = 0;

#define WARN(s, m)	do { warn(arg, s, m); n++; } while (0)
	if (cfg->secret_key == NULL)
		WARN("SECRET_KEY", "is not set: signing, CSRF and passwords need it");
	else if (strlen(cfg->secret_key) < 50 || !strncmp(cfg->secret_key, "django-insecure-", 16))
		WARN("SECRET_KEY", "is weak: use at least 50 random characters");
	if (cfg->session_cookie_secure == CS_SECURE_OFF)
		WARN("SESSION_COOKIE_SECURE", "is off: session cookies travel over plain HTTP "
		    "(use true, or auto behind HTTPS)");
	if (!cfg->session_cookie_httponly)
		WARN("SESSION_COOKIE_HTTPONLY", "is off: scripts can read the session cookie");
	if (cfg->session_cookie_samesite == CS_SAMESITE_NONE &&
	    cfg->session_cookie_secure == CS_SECURE_OFF)
		WARN("SESSION_COOKIE_SAMESITE", "None requires SESSION_COOKIE_SECURE: browsers "
		    "reject the cookie");
	if (cfg->session_sync == CS_SYNC_NONE)
		WARN("SESSION_SYNC", "none: an OS crash may lose the last logins");
	if (cfg->password_iterations < 600000)
		WARN("PASSWORD_ITERATIONS", "is below 600000 (Django 4.2's default)");
	if (!strncmp(cfg->session_cookie_name, "__Host-", 7) &&
	    (cfg->session_cookie_domain || strcmp(cfg->session_cookie_path, "/")))
		WARN("SESSION_COOKIE_NAME", "__Host- requires no domain and path /");
	if ((!strncasecmp(cfg->session_cookie_name, "__Host-", 7) ||
	    !strncasecmp(cfg->session_cookie_name, "__Secure-", 9)) &&
	    cfg->session_cookie_secure == CS_SECURE_OFF)
		WARN("SESSION_COOKIE_NAME", "a __Host- or __Secure- name requires "
		    "SESSION_COOKIE_SECURE (true, or auto behind HTTPS): the cookie "
		    "is refused otherwise");
	/* Django's security.W019, W006 and W022. */
	if (cfg->x_frame_options != CS_FRAME_DENY)
		WARN("X_FRAME_OPTIONS", "is not DENY: pages of this site may be framed by "
		    "each other");
	if (!cfg->secure_content_type_nosniff)
		WARN("SECURE_CONTENT_TYPE_NOSNIFF", "is off: browsers may sniff a page "
		    "as another type");
	if (cfg->secure_referrer_policy == NULL)
		WARN("SECURE_REFERRER_POLICY", "is empty: full URLs reach other sites "
		    "in the Referer header");
#undef WARN
	return n;
}
