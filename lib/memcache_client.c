/*
 * memcache_client.c -- the memcached client of the cache engines, over
 * libmemcached (memcache.h).
 *
 * libmemcached is loaded with dlopen when a cache engine is first opened,
 * as lib/crypto.c loads libcrypto: it pulls in libstdc++, libsasl2 and
 * libcrypto, and a CGI program that keeps its sessions elsewhere must not
 * pay for mapping them at every start.  The prototypes come from the real
 * header (__typeof__), so a mismatch is a compile error.
 *
 * One memcached_st per store, used under a lock: libmemcached's handle is
 * not thread-safe, and a store may be shared by a process's threads.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmemcached/memcached.h>

#include "memcache.h"
#include "log.h"
#include "static_twin.h"

#define LIBMEMCACHED	"libmemcached.so.11"
#define MC_PORT		11211
#define TIMEOUT_MS	1000
/* memcached reads an expiry over 30 days as an absolute time. */
#define MC_RELATIVE_MAX	(30 * 86400)

static struct {
	__typeof__(&memcached_create)		create;
	__typeof__(&memcached_free)		free;
	__typeof__(&memcached_server_add)	server_add;
	__typeof__(&memcached_behavior_set)	behavior_set;
	__typeof__(&memcached_mget)		mget;
	__typeof__(&memcached_fetch_result)	fetch_result;
	__typeof__(&memcached_result_value)	result_value;
	__typeof__(&memcached_result_length)	result_length;
	__typeof__(&memcached_result_cas)	result_cas;
	__typeof__(&memcached_result_free)	result_free;
	__typeof__(&memcached_add)		add;
	__typeof__(&memcached_set)		set;
	__typeof__(&memcached_cas)		cas;
	__typeof__(&memcached_delete)		del;
	__typeof__(&memcached_strerror)		strerror;
	__typeof__(&memcached_last_error_message) last_error;
} mc;

static pthread_once_t mc_once = PTHREAD_ONCE_INIT;
static char load_error[256];
static bool loaded;

#define SYM(f)	{ "memcached_" #f, (void **)&mc.f }

static void
load(void)
{
	const struct { const char *name; void **slot; } syms[] = {
		SYM(create), SYM(free), SYM(server_add), SYM(behavior_set),
		SYM(mget), SYM(fetch_result), SYM(result_value),
		SYM(result_length), SYM(result_cas), SYM(result_free),
		SYM(add), SYM(set), SYM(cas), SYM(strerror),
		{ "memcached_delete", (void **)&mc.del },
		{ "memcached_last_error_message", (void **)&mc.last_error },
	};
	void *h, *p;
	size_t i;

	if (csi_static_program()) {
		snprintf(load_error, sizeof(load_error), "a statically linked "
		    "program cannot load %s (lib/static_twin.c)", LIBMEMCACHED);
		return;
	}
	if ((h = dlopen(LIBMEMCACHED, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s",
		    LIBMEMCACHED, dlerror());
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if ((p = dlsym(h, syms[i].name)) == NULL) {
			snprintf(load_error, sizeof(load_error), "%s lacks %s",
			    LIBMEMCACHED, syms[i].name);
			return;
		}
		memcpy(syms[i].slot, &p, sizeof(p));
	}
	loaded = true;
}

struct cs_mc {
	memcached_st	*m;
	pthread_mutex_t	 lock;
	char		*url;
	char		 err[512];
	bool		 down;		/* the last call failed: logged once */
};

static int
parse_fail(char *err, size_t errlen, const char *url, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "SESSION_CACHE_URL %s: %s", url, why);
	return CS_ERR_CONFIG;
}

/* One host[:port] or [v6][:port] of the list, added to m. */
static int
add_server(memcached_st *m, char *hp, const char *url, char *err,
    size_t errlen)
{
	char *host = hp, *port = NULL, *end;
	long p = MC_PORT;

	if (*hp == '[') {
		host = hp + 1;
		if ((end = strchr(host, ']')) == NULL)
			return parse_fail(err, errlen, url, "unclosed '['");
		*end = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return parse_fail(err, errlen, url, "junk after ']'");
	} else if ((port = strrchr(hp, ':')) != NULL)
		*port++ = '\0';
	if (*host == '\0' || strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != strlen(host))
		return parse_fail(err, errlen, url, "a server's host is empty "
		    "or not a name or address");
	if (port != NULL) {
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || p < 1 || p > 65535)
			return parse_fail(err, errlen, url, "a port is not 1-65535");
	}
	if (mc.server_add(m, host, (in_port_t)p) != MEMCACHED_SUCCESS)
		return parse_fail(err, errlen, url, "libmemcached refused a server");
	return CS_OK;
}

static int
add_servers(memcached_st *m, const char *url, char *err, size_t errlen)
{
	static const char scheme[] = "memcached://";
	char *list, *hp, *save = NULL;
	int rc = CS_OK, n = 0;

	if (strncmp(url, "redis://", 8) == 0)
		return parse_fail(err, errlen, url, "a Redis cache is not built "
		    "in: use SESSION_ENGINE = redis");
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return parse_fail(err, errlen, url, "must start memcached://");
	if ((list = strdup(url + sizeof(scheme) - 1)) == NULL)
		return CS_ERR_NOMEM;
	for (hp = strtok_r(list, ",", &save); hp && rc == CS_OK;
	    hp = strtok_r(NULL, ",", &save)) {
		if (++n > CS_MC_SERVERS_MAX)
			rc = parse_fail(err, errlen, url, "too many servers");
		else
			rc = add_server(m, hp, url, err, errlen);
	}
	free(list);
	if (rc == CS_OK && n == 0)
		rc = parse_fail(err, errlen, url, "no server");
	return rc;
}

int
csi_mc_open(struct cs_mc **out, const char *url, char *err, size_t errlen)
{
	struct cs_mc *c;
	int rc;

	*out = NULL;
	pthread_once(&mc_once, load);
	if (!loaded) {
		if (err && errlen)
			snprintf(err, errlen, "SESSION_CACHE_URL: %s", load_error);
		return CS_ERR_STORE;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CS_ERR_NOMEM;
	if ((c->url = strdup(url)) == NULL || (c->m = mc.create(NULL)) == NULL) {
		free(c->url);
		free(c);
		return CS_ERR_NOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	/* Ketama: adding or losing a server moves only its share of keys. */
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_KETAMA, 1);
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1);
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, TIMEOUT_MS);
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, TIMEOUT_MS);
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_SND_TIMEOUT, TIMEOUT_MS * 1000);
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, TIMEOUT_MS * 1000);
	/* A server that failed is tried again a second later, not after
	 * libmemcached's default pause. */
	mc.behavior_set(c->m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1);
	if ((rc = add_servers(c->m, url, err, errlen))) {
		csi_mc_close(c);
		return rc;
	}
	*out = c;
	return CS_OK;
}

void
csi_mc_close(struct cs_mc *c)
{
	if (c == NULL)
		return;
	mc.free(c->m);
	pthread_mutex_destroy(&c->lock);
	free(c->url);
	free(c);
}

const char *
csi_mc_error(struct cs_mc *c)
{
	return c ? c->err : "";
}

/* CS_ERR_STORE with the reason in c->err (the URL, never a value). */
static int
failed(struct cs_mc *c, const char *op, memcached_return_t r)
{
	const char *why = mc.last_error(c->m);

	snprintf(c->err, sizeof(c->err), "SESSION_CACHE_URL %s: %s: %s",
	    c->url, op, why && *why ? why : mc.strerror(c->m, r));
	/* One line per outage, not one per request of a FastCGI process. */
	if (!c->down)
		csi_log(CS_LOG_ERROR, "session store: %s", c->err);
	c->down = true;
	return CS_ERR_STORE;
}

/* A call that reached the servers ends the outage. */
static int
reached(struct cs_mc *c, int rc)
{
	if (rc != CS_ERR_STORE)
		c->down = false;
	return rc;
}

static time_t
exptime(int64_t expire)
{
	int64_t left = expire - cs_now();

	if (left < 1)
		left = 1;
	return (time_t)(left <= MC_RELATIVE_MAX ? left : expire);
}

int
csi_mc_get(struct cs_mc *c, const char *key, char **val, size_t *len,
    uint64_t *cas)
{
	const char *keys[1] = { key };
	size_t klen[1] = { strlen(key) };
	memcached_result_st *res;
	memcached_return_t r;
	int rc;

	*val = NULL;
	*len = 0;
	pthread_mutex_lock(&c->lock);
	if ((r = mc.mget(c->m, keys, klen, 1)) != MEMCACHED_SUCCESS) {
		rc = failed(c, "get", r);
		goto out;
	}
	res = mc.fetch_result(c->m, NULL, &r);
	if (res == NULL) {
		rc = r == MEMCACHED_END || r == MEMCACHED_NOTFOUND ?
		    reached(c, CS_ERR_NOT_FOUND) : failed(c, "get", r);
		goto out;
	}
	*len = mc.result_length(res);
	*cas = mc.result_cas(res);
	rc = CS_ERR_NOMEM;
	if ((*val = malloc(*len + 1)) != NULL) {
		memcpy(*val, mc.result_value(res), *len);
		(*val)[*len] = '\0';
		rc = CS_OK;
	}
	mc.result_free(res);
	reached(c, rc);
	/* Drain the end of the reply so the next command starts clean. */
	while ((res = mc.fetch_result(c->m, NULL, &r)) != NULL)
		mc.result_free(res);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

enum store_op { OP_ADD, OP_SET, OP_CAS };

static int
store(struct cs_mc *c, enum store_op op, const char *key, const char *val,
    size_t len, int64_t expire, uint64_t cas)
{
	size_t klen = strlen(key);
	time_t t = exptime(expire);
	memcached_return_t r;
	int rc = CS_OK;

	pthread_mutex_lock(&c->lock);
	if (op == OP_ADD)
		r = mc.add(c->m, key, klen, val, len, t, 0);
	else if (op == OP_SET)
		r = mc.set(c->m, key, klen, val, len, t, 0);
	else
		r = mc.cas(c->m, key, klen, val, len, t, 0, cas);
	if (r == MEMCACHED_NOTSTORED && op == OP_ADD)
		rc = CS_ERR_EXISTS;
	else if ((r == MEMCACHED_DATA_EXISTS || r == MEMCACHED_NOTFOUND ||
	    r == MEMCACHED_NOTSTORED) && op == OP_CAS)
		rc = CS_ERR_CONFLICT;
	else if (r != MEMCACHED_SUCCESS)
		rc = failed(c, op == OP_ADD ? "add" : op == OP_SET ? "set" :
		    "cas", r);
	reached(c, rc);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
csi_mc_add(struct cs_mc *c, const char *key, const char *val, size_t len,
    int64_t expire)
{
	return store(c, OP_ADD, key, val, len, expire, 0);
}

int
csi_mc_set(struct cs_mc *c, const char *key, const char *val, size_t len,
    int64_t expire)
{
	return store(c, OP_SET, key, val, len, expire, 0);
}

int
csi_mc_cas(struct cs_mc *c, const char *key, const char *val, size_t len,
    int64_t expire, uint64_t cas)
{
	return store(c, OP_CAS, key, val, len, expire, cas);
}

int
csi_mc_del(struct cs_mc *c, const char *key, bool *found)
{
	memcached_return_t r;
	int rc = CS_OK;

	pthread_mutex_lock(&c->lock);
	r = mc.del(c->m, key, strlen(key), 0);
	if (found)
		*found = r == MEMCACHED_SUCCESS;
	if (r != MEMCACHED_SUCCESS && r != MEMCACHED_NOTFOUND)
		rc = failed(c, "delete", r);
	reached(c, rc);
	pthread_mutex_unlock(&c->lock);
	return rc;
}
