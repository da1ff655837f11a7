/*
 * signed_cookie.c -- HttpResponse.set_signed_cookie and
 * HttpRequest.get_signed_cookie.
 *
 * The signer is Django's get_cookie_signer: a TimestampSigner keyed with
 * "django.http.cookies" || SECRET_KEY (each fallback key the same way).
 * The salt is the cookie name followed by the caller's salt (legacy, every
 * Django version), or Django 5.2.15+'s
 * "django.http.cookies.v2:<len(salt)>:<salt><name>", which keeps
 * ("ab", "c") apart from ("a", "bc").  csess writes legacy unless asked
 * for v2, because a v2 cookie is unreadable by Django before 5.2.15; it
 * reads both, v2 first, as 5.2.15+ does.
 */
#include <stdlib.h>
#include <string.h>

#include "csess/http.h"
#include "csess/sign.h"
#include "csess_test.h"

/* len(salt) as Python counts it: code points, not bytes. */
static size_t
py_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
cookie_salt(struct cs_buf *out, const char *name, const char *salt,
    enum cs_cookie_salt mode)
{
	if (salt == NULL)
		salt = "";
	if (mode == CS_COOKIE_SALT_V2)
		return cs_buf_printf(out, "django.http.cookies.v2:%zu:%s%s",
		    py_len(salt), salt, name);
	return cs_buf_printf(out, "%s%s", name, salt);
}

static int
cookie_signer(struct cs_signer *s, const struct cs_config *cfg,
    const char *salt)
{
	int rc;

	if ((rc = cs_signer_init(s, cfg)))
		return rc;
	s->key_prefix = CS_COOKIE_KEY_PREFIX;
	s->timestamp = true;
	s->salt = salt;
	return CS_OK;
}

int
csi_signed_cookie_value_at(struct cs_buf *out, const struct cs_config *cfg,
    const char *name, const char *value, const char *salt,
    enum cs_cookie_salt mode, int64_t now)
{
	struct cs_signer s;
	struct cs_buf full = {0};
	int rc;

	if (name == NULL || name[0] == '\0' || value == NULL)
		return CS_ERR_INVALID;
	if ((rc = cookie_salt(&full, name, salt, mode)))
		goto done;
	if ((rc = cookie_signer(&s, cfg, full.data)))
		goto done;
	rc = csi_sign_at(&s, value, strlen(value), now, out);
done:
	cs_buf_free(&full);
	return rc;
}

int
cs_signed_cookie_value(struct cs_buf *out, const struct cs_config *cfg,
    const char *name, const char *value, const char *salt,
    enum cs_cookie_salt mode)
{
	return csi_signed_cookie_value_at(out, cfg, name, value, salt, mode,
	    cs_now());
}

/* One cookie value under one salt form. */
static int
try_salt(struct cs_buf *out, const struct cs_config *cfg, const char *name,
    const char *salt, enum cs_cookie_salt mode, const char *v, size_t vlen,
    int64_t max_age, int64_t now)
{
	struct cs_signer s;
	struct cs_buf full = {0};
	int rc;

	if ((rc = cookie_salt(&full, name, salt, mode)) == CS_OK &&
	    (rc = cookie_signer(&s, cfg, full.data)) == CS_OK)
		rc = csi_unsign_at(&s, v, vlen, max_age, now, out);
	cs_buf_free(&full);
	return rc;
}

/* Django 5.2.15+: v2 first; legacy unless v2 verified but was too old. */
static int
try_value(struct cs_buf *out, const struct cs_config *cfg, const char *name,
    const char *salt, const char *v, size_t vlen, int64_t max_age,
    int64_t now)
{
	size_t mark = out->len;
	int rc;

	rc = try_salt(out, cfg, name, salt, CS_COOKIE_SALT_V2, v, vlen,
	    max_age, now);
	if (rc == CS_ERR_BAD_SIGNATURE)
		rc = try_salt(out, cfg, name, salt, CS_COOKIE_SALT_LEGACY, v,
		    vlen, max_age, now);
	if (rc && out->data) {
		out->len = mark;
		out->data[mark] = '\0';
	}
	return rc;
}

/*
 * Django's parse_cookie undoes Python's cookie quoting inside a quoted
 * value: \ooo (first digit 0-3) is the code point ooo, \X is X.  Django
 * 3.2 writes a value outside the cookie-octets that way (set_signed_cookie
 * of "a,b" sends "a\054b:..."), so its signature covers the unescaped
 * UTF-8.  Tried only after the bytes as sent fail: either form must verify.
 */
static int
py_unquote(struct cs_buf *out, const char *v, size_t n)
{
	unsigned cp;
	size_t i;
	int rc = CS_OK;

	for (i = 0; i < n && rc == CS_OK; i++) {
		if (v[i] != '\\' || i + 1 == n) {
			rc = cs_buf_putc(out, v[i]);
			continue;
		}
		if (i + 3 < n && v[i + 1] >= '0' && v[i + 1] <= '3' &&
		    v[i + 2] >= '0' && v[i + 2] <= '7' &&
		    v[i + 3] >= '0' && v[i + 3] <= '7') {
			cp = (unsigned)(v[i + 1] - '0') << 6 |
			    (unsigned)(v[i + 2] - '0') << 3 |
			    (unsigned)(v[i + 3] - '0');
			i += 3;
			if (cp < 0x80)
				rc = cs_buf_putc(out, (char)cp);
			else if ((rc = cs_buf_putc(out, (char)(0xc0 | cp >> 6))) ==
			    CS_OK)
				rc = cs_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
			continue;
		}
		rc = cs_buf_putc(out, v[++i]);
	}
	return rc;
}

/* The value as sent, then, for a quoted one with escapes, as Django reads it. */
static int
try_pair(struct cs_buf *out, const struct cs_config *cfg, const char *name,
    const char *salt, const struct cs_cookie_pair *p, int64_t max_age,
    int64_t now)
{
	struct cs_buf u = {0};
	int rc;

	rc = try_value(out, cfg, name, salt, p->value, p->value_len, max_age,
	    now);
	if (rc != CS_ERR_BAD_SIGNATURE || !(p->flags & CS_COOKIE_QUOTED) ||
	    memchr(p->value, '\\', p->value_len) == NULL)
		return rc;
	if (py_unquote(&u, p->value, p->value_len) == CS_OK)
		rc = try_value(out, cfg, name, salt, u.data, u.len, max_age,
		    now);
	cs_buf_free(&u);
	return rc;
}

int
csi_get_signed_cookie_at(struct cs_buf *out, const struct cs_config *cfg,
    const struct cs_cookies *cookies, const char *name, const char *salt,
    int64_t max_age, int64_t now)
{
	const struct cs_cookie_pair *p;
	size_t i;
	int rc, first = CS_ERR_NOT_FOUND;

	if (cfg->secret_key == NULL || cfg->secret_key[0] == '\0')
		return CS_ERR_CONFIG;
	for (i = 0; cookies && i < cookies->count; i++) {
		p = &cookies->pairs[i];
		if ((p->flags & CS_COOKIE_NAMELESS) || strcmp(p->name, name))
			continue;
		rc = try_pair(out, cfg, name, salt, p, max_age, now);
		if (rc == CS_OK)
			return CS_OK;
		if (rc != CS_ERR_BAD_SIGNATURE && rc != CS_ERR_EXPIRED)
			return rc;
		/* Report what the first (most specific) cookie had. */
		if (first == CS_ERR_NOT_FOUND)
			first = rc;
	}
	return first;
}

int
cs_get_signed_cookie(struct cs_buf *out, const struct cs_config *cfg,
    const struct cs_cookies *cookies, const char *name, const char *salt,
    int64_t max_age)
{
	return csi_get_signed_cookie_at(out, cfg, cookies, name, salt, max_age,
	    cs_now());
}

/* ---- on the request and the response ---------------------------------- */

/* The values handed out by cs_req_get_signed_cookie, freed with the request. */
struct kept {
	char	**v;
	size_t	  n;
};

static int kept_key;

static void
kept_free(void *p)
{
	struct kept *k = p;
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	free(k);
}

/* Keep s (stolen) until the request ends. */
static const char *
keep(struct cs_req *req, char *s)
{
	struct kept *k = cs_req_slot(req, &kept_key);
	char **v;

	if (k == NULL) {
		if ((k = calloc(1, sizeof(*k))) == NULL)
			goto fail;
		if (cs_req_set_slot(req, &kept_key, k, kept_free)) {
			free(k);
			goto fail;
		}
	}
	if ((v = realloc(k->v, (k->n + 1) * sizeof(*v))) == NULL)
		goto fail;
	k->v = v;
	k->v[k->n++] = s;
	return s;
fail:
	free(s);
	return NULL;
}

const char *
cs_req_get_signed_cookie(struct cs_req *req, const char *name,
    const char *def, const char *salt, int64_t max_age, int *err)
{
	const struct cs_cookies *cookies;
	struct cs_buf out = { 0 };
	const char *v;
	int dummy, rc;

	if (err == NULL)
		err = &dummy;
	if (name == NULL)
		return *err = CS_ERR_INVALID, def;
	if ((rc = cs_req_cookies(req, &cookies)) == CS_OK)
		rc = cs_get_signed_cookie(&out, cs_req_config(req), cookies,
		    name, salt, max_age);
	if (rc == CS_OK && cs_buf_append(&out, "", 0))
		rc = CS_ERR_NOMEM;
	if (rc == CS_OK && (v = keep(req, cs_buf_steal(&out))) == NULL)
		rc = CS_ERR_NOMEM;
	cs_buf_free(&out);
	*err = rc;
	return rc == CS_OK ? v : def;
}

int
cs_resp_set_signed_cookie(struct cs_resp *resp, const struct cs_req *req,
    const char *name, const char *value, const char *salt,
    const struct cs_set_cookie *c)
{
	const struct cs_config *cfg = cs_req_config(req);
	struct cs_set_cookie d = { .path = NULL };
	struct cs_buf signed_value = { 0 };
	int rc;

	if (cfg->secret_key == NULL || cfg->secret_key[0] == '\0')
		return CS_ERR_CONFIG;
	if (c != NULL)
		d = *c;
	d.name = name;
	if ((rc = cs_signed_cookie_value(&signed_value, cfg, name, value, salt,
	    cfg->signed_cookie_salt_v2 ? CS_COOKIE_SALT_V2 :
	    CS_COOKIE_SALT_LEGACY)) == CS_OK) {
		d.value = signed_value.data;
		rc = cs_resp_set_cookie(resp, &d);
	}
	cs_buf_free(&signed_value);
	return rc;
}
