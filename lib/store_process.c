/*
 * store_process.c -- one store per process, opened on first use
 * (cs_store_for_process, csess/store.h).
 *
 * An LMDB environment must not be used across fork(), and opening it per
 * request would cost a CGI program nothing but a FastCGI one a lot: so the
 * store is opened once per process, lazily (a request that never needs the
 * session never opens it), and opened again in the child of a fork().
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csess/store.h"
#include "log.h"
#include "util.h"

static struct {
	struct cs_store		*store;
	unsigned long		 gen;	/* csi_fork_gen() at open */
	const struct cs_config	*cfg;
	/* cfg may be freed and another allocated at the same address: the
	 * settings that choose the store are compared too. */
	char			*engine, *path, *file_path;
	bool			 atexit_done;
} proc;

static struct cs_store *override;
/* Threads of one process share the store; opening it is serialised. */
static pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;

void
cs_store_for_process_set(struct cs_store *store)
{
	override = store;
}

const struct cs_store_ops *
cs_store_for_process_ops(const struct cs_config *cfg)
{
	struct cs_store *o = override;

	if (o != NULL)
		return o->ops;
	return cfg != NULL ? cs_store_engine(cfg) : NULL;
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
proc_matches(const struct cs_config *cfg)
{
	return proc.store != NULL && proc.gen == csi_fork_gen() && proc.cfg == cfg &&
	    same_str(proc.engine, cfg->session_engine) &&
	    same_str(proc.path, cfg->session_store) &&
	    same_str(proc.file_path, cfg->session_file_path);
}

static void
proc_forget(void)
{
	free(proc.engine);
	free(proc.path);
	free(proc.file_path);
	proc.engine = proc.path = proc.file_path = NULL;
	proc.store = NULL;
	proc.cfg = NULL;
}

static void
proc_close(void)
{
	/* Only the process that opened it may close it. */
	if (proc.store != NULL && proc.gen == csi_fork_gen())
		cs_store_close(proc.store);
	proc_forget();
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

static int	proc_open(const struct cs_config *, struct cs_store **, char *,
		    size_t);

int
cs_store_for_process(const struct cs_config *cfg, struct cs_store **out,
    char *err, size_t errlen)
{
	int rc;

	*out = NULL;
	if (override != NULL) {
		*out = override;
		return CS_OK;
	}
	if (cfg == NULL)
		return CS_ERR_INVALID;
	pthread_mutex_lock(&proc_lock);
	rc = proc_open(cfg, out, err, errlen);
	pthread_mutex_unlock(&proc_lock);
	return rc;
}

static int
proc_open(const struct cs_config *cfg, struct cs_store **out, char *err,
    size_t errlen)
{
	char buf[256];
	bool fail = false;

	if (proc_matches(cfg)) {
		*out = proc.store;
		return CS_OK;
	}
	if (proc.gen != csi_fork_gen())
		/* Inherited across fork: abandon it, never touch it here. */
		proc_forget();
	else
		proc_close();
	if (err == NULL) {
		err = buf;
		errlen = sizeof(buf);
	}
	err[0] = '\0';
	if (cs_store_open(&proc.store, cfg, err, errlen) || proc.store == NULL) {
		proc.store = NULL;
		if (err == buf)
			csi_log(CS_LOG_ERROR, "session store: %s", buf);
		return CS_ERR_STORE;
	}
	proc.gen = csi_fork_gen();
	proc.cfg = cfg;
	proc.engine = dup_or_null(cfg->session_engine, &fail);
	proc.path = dup_or_null(cfg->session_store, &fail);
	proc.file_path = dup_or_null(cfg->session_file_path, &fail);
	if (fail) {
		proc_close();
		return CS_ERR_NOMEM;
	}
	if (!proc.atexit_done && atexit(proc_close) == 0)
		proc.atexit_done = true;
	*out = proc.store;
	return CS_OK;
}
