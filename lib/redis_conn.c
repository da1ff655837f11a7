/*
 * redis_conn.c -- talking to Redis: the servers SESSION_REDIS_URL names
 * (one, or django-redis-sessions' weighted pool), or the primary the
 * sentinels of SESSION_REDIS_SENTINEL_LIST point at; connect and command
 * timeouts (SESSION_REDIS_SOCKET_TIMEOUT); one reconnect when a
 * connection broke (a restarted server, a failover).
 *
 * A failure is CS_ERR_STORE (503 above) and one logged line naming
 * Redis and the address, once per outage: a slow or dead Redis must
 * cost a request at most two timeouts, never a hang.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csess/base.h"
#include "redis_conn.h"
#include "log.h"

static const char *
why_of(redisContext *c)
{
	if (c == NULL)
		return "out of memory";
	return c->errstr[0] ? c->errstr : "connection failed";
}

static redisContext *
dial(const struct cs_redis_addr *a, struct timeval tv)
{
	redisContext *c;

	c = a->unix_socket ? redisConnectUnixWithTimeout(a->path, tv) :
	    redisConnectWithTimeout(a->host, a->port, tv);
	if (c != NULL && !c->err)
		redisSetTimeout(c, tv);
	return c;
}

/* A reply that is there and is not an error, else its text in why. */
static bool
reply_ok(redisContext *c, redisReply *r, char *why, size_t len)
{
	if (r == NULL) {
		snprintf(why, len, "%s", why_of(c));
		return false;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, len, "%.*s", (int)(r->len > 200 ? 200 : r->len),
		    r->str);
		return false;
	}
	return true;
}

/* SENTINEL get-master-addr-by-name: the first sentinel that knows. */
static int
ask_sentinels(struct cs_redis *r, struct cs_redis_addr *into)
{
	const char *argv[] = { "SENTINEL", "get-master-addr-by-name",
	    r->master_alias };
	char why[200] = "no sentinel answered", text[300];
	redisReply *rep;
	redisContext *c;
	long port;
	size_t i;

	for (i = 0; i < r->nsentinels; i++) {
		c = dial(&r->sentinels[i], r->timeout);
		if (c == NULL || c->err) {
			csi_redis_addr_text(&r->sentinels[i], text, sizeof(text));
			snprintf(why, sizeof(why), "sentinel %.100s: %.80s", text,
			    why_of(c));
			if (c)
				redisFree(c);
			continue;
		}
		rep = redisCommandArgv(c, 3, argv, NULL);
		if (reply_ok(c, rep, why, sizeof(why)) &&
		    rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
		    rep->element[0]->type == REDIS_REPLY_STRING &&
		    rep->element[1]->type == REDIS_REPLY_STRING &&
		    rep->element[0]->len < sizeof(into->host) &&
		    (port = strtol(rep->element[1]->str, NULL, 10)) > 0 &&
		    port < 65536) {
			memcpy(into->host, rep->element[0]->str,
			    rep->element[0]->len + 1);
			into->port = (int)port;
			freeReplyObject(rep);
			redisFree(c);
			return CS_OK;
		}
		if (rep && rep->type == REDIS_REPLY_NIL)
			snprintf(why, sizeof(why), "the sentinels do not know "
			    "a master named '%s'", r->master_alias);
		freeReplyObject(rep);
		redisFree(c);
	}
	snprintf(r->error, sizeof(r->error), "redis: %s", why);
	return CS_ERR_STORE;
}

/* AUTH and SELECT on a fresh connection. */
static bool
setup(redisContext *c, const struct cs_redis_addr *a, char *why, size_t len)
{
	char db[24];
	const char *argv[2];
	redisReply *rep;
	bool ok;

	if (a->password[0]) {
		argv[0] = "AUTH";
		argv[1] = a->password;
		rep = redisCommandArgv(c, 2, argv, NULL);
		ok = reply_ok(c, rep, why, len);
		freeReplyObject(rep);
		if (!ok)
			return false;
	}
	if (a->db == 0)
		return true;
	snprintf(db, sizeof(db), "%ld", a->db);
	argv[0] = "SELECT";
	argv[1] = db;
	rep = redisCommandArgv(c, 2, argv, NULL);
	ok = reply_ok(c, rep, why, len);
	freeReplyObject(rep);
	return ok;
}

static void
drop(struct cs_redis_server *s)
{
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
}

static int
fail(struct cs_redis *r, struct cs_redis_server *s, const char *why)
{
	char text[300];

	csi_redis_addr_text(&s->addr, text, sizeof(text));
	snprintf(r->error, sizeof(r->error), "redis %.260s: %.200s", text, why);
	if (!s->down_logged) {
		csi_log(CS_LOG_ERROR, "session store: %s", r->error);
		s->down_logged = true;
	}
	drop(s);
	return CS_ERR_STORE;
}

static int
connect_server(struct cs_redis *r, struct cs_redis_server *s)
{
	char why[200];

	if (r->sentinels != NULL && ask_sentinels(r, &s->addr)) {
		if (!s->down_logged) {
			csi_log(CS_LOG_ERROR, "session store: %s", r->error);
			s->down_logged = true;
		}
		return CS_ERR_STORE;
	}
	s->ctx = dial(&s->addr, r->timeout);
	if (s->ctx == NULL || s->ctx->err)
		return fail(r, s, why_of(s->ctx));
	if (!setup(s->ctx, &s->addr, why, sizeof(why)))
		return fail(r, s, why);
	return CS_OK;
}

/* A reply that says this connection is no use: the server became a
 * replica (failover) or is loading its data after a restart. */
static bool
stale_server(const redisReply *rep)
{
	return rep->type == REDIS_REPLY_ERROR &&
	    (!strncmp(rep->str, "READONLY", 8) || !strncmp(rep->str, "LOADING", 7) ||
	    !strncmp(rep->str, "MASTERDOWN", 10));
}

static int
cmd_locked(struct cs_redis *r, struct cs_redis_server *s, int argc,
    const char **argv, const size_t *lens, redisReply **out)
{
	char why[200];
	redisReply *rep;
	int tries, rc;

	for (tries = 0; tries < 2; tries++) {
		if (s->ctx == NULL) {
			if ((rc = connect_server(r, s)))
				return rc;
			/* A fresh connection is not retried: the server is
			 * down, not the connection broken. */
			tries = 1;
		}
		rep = redisCommandArgv(s->ctx, argc, argv, lens);
		if (rep != NULL && !stale_server(rep)) {
			if (!reply_ok(s->ctx, rep, why, sizeof(why))) {
				snprintf(r->error, sizeof(r->error),
				    "redis: %s", why);
				freeReplyObject(rep);
				return CS_ERR_STORE;
			}
			s->down_logged = false;
			*out = rep;
			return CS_OK;
		}
		reply_ok(s->ctx, rep, why, sizeof(why));
		freeReplyObject(rep);
		drop(s);
	}
	return fail(r, s, why);
}

/*
 * hiredis writes with write(2): a server that closed the connection would
 * kill the program with SIGPIPE.  A library must not change the process's
 * disposition, so the signal is blocked in this thread for the command
 * and a SIGPIPE it raised is taken back before the mask is restored.
 */
int
csi_redis_cmd(struct cs_redis *r, size_t i, int argc, const char **argv,
    const size_t *lens, redisReply **out)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe, old, pending;
	bool was_pending;
	int rc;

	*out = NULL;
	if (i >= r->nservers)
		i = 0;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	pthread_mutex_lock(&r->lock);
	rc = cmd_locked(r, &r->servers[i], argc, argv, lens, out);
	pthread_mutex_unlock(&r->lock);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE))
		while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
			continue;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int
csi_redis_scan(struct cs_redis *r, size_t i, const char *pattern,
    int (*fn)(void *, const char *, size_t), void *arg)
{
	char cursor[32] = "0";
	const char *argv[6] = { "SCAN", cursor, "MATCH", pattern, "COUNT",
	    "1000" };
	redisReply *rep, *keys;
	size_t k;
	int rc = CS_OK;

	do {
		if ((rc = csi_redis_cmd(r, i, 6, argv, NULL, &rep)))
			return rc;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->len >= sizeof(cursor)) {
			freeReplyObject(rep);
			return CS_ERR_STORE;
		}
		memcpy(cursor, rep->element[0]->str, rep->element[0]->len + 1);
		keys = rep->element[1];
		for (k = 0; rc == CS_OK && k < keys->elements; k++)
			rc = fn(arg, keys->element[k]->str, keys->element[k]->len);
		freeReplyObject(rep);
	} while (rc == CS_OK && strcmp(cursor, "0") != 0);
	return rc;
}

size_t
csi_redis_server_for(const struct cs_redis *r, const char *key)
{
	return csi_redis_pool_pick(r->weights, r->nservers, key);
}

static int
config_fail(char *err, size_t errlen, const char *name, const char *why)
{
	snprintf(err, errlen, "%s: %s", name, why);
	return CS_ERR_CONFIG;
}

int
csi_redis_init(struct cs_redis *r, const struct cs_config *cfg, char *err,
    size_t errlen)
{
	struct cs_redis_addr *a;
	const char *why;
	size_t n, i;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->timeout.tv_sec = cfg->session_redis_timeout_ms / 1000;
	r->timeout.tv_usec = (cfg->session_redis_timeout_ms % 1000) * 1000;
	if ((a = calloc(CS_REDIS_POOL_MAX, sizeof(*a))) == NULL)
		return CS_ERR_NOMEM;
	why = csi_redis_list_parse(cfg->session_redis_url ?
	    cfg->session_redis_url : "redis://127.0.0.1:6379/0", false, a,
	    CS_REDIS_POOL_MAX, &n);
	if (why) {
		free(a);
		return config_fail(err, errlen, "SESSION_REDIS_URL", why);
	}
	if ((r->servers = calloc(n, sizeof(*r->servers))) == NULL ||
	    (r->weights = calloc(n, sizeof(*r->weights))) == NULL) {
		free(a);
		return CS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		r->servers[i].addr = a[i];
		r->weights[i] = a[i].weight;
	}
	r->nservers = n;
	free(a);
	if (cfg->session_redis_sentinel_list == NULL)
		return CS_OK;
	if (n > 1)
		return config_fail(err, errlen, "SESSION_REDIS_SENTINEL_LIST",
		    "cannot be used with a pool in SESSION_REDIS_URL");
	if (cfg->session_redis_sentinel_master_alias == NULL)
		return config_fail(err, errlen,
		    "SESSION_REDIS_SENTINEL_MASTER_ALIAS",
		    "is required with SESSION_REDIS_SENTINEL_LIST");
	if ((r->master_alias = strdup(cfg->session_redis_sentinel_master_alias))
	    == NULL || (r->sentinels = calloc(CS_REDIS_POOL_MAX,
	    sizeof(*r->sentinels))) == NULL)
		return CS_ERR_NOMEM;
	why = csi_redis_list_parse(cfg->session_redis_sentinel_list, true,
	    r->sentinels, CS_REDIS_POOL_MAX, &r->nsentinels);
	if (why)
		return config_fail(err, errlen, "SESSION_REDIS_SENTINEL_LIST",
		    why);
	return CS_OK;
}

void
csi_redis_fini(struct cs_redis *r)
{
	size_t i;

	for (i = 0; i < r->nservers; i++)
		drop(&r->servers[i]);
	free(r->servers);
	free(r->weights);
	free(r->sentinels);
	free(r->master_alias);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof(*r));
}
