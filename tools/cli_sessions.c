/*
 * cli_sessions.c -- "csess sessions ...": operate on the configured store.
 *
 *   list [--epoch] | show KEY | delete KEY | revoke-user NAME | stats |
 *   verify | clear-expired [--batch N] [--dry-run] [--verbose] | export |
 *   import FILE|-
 *
 * Only import may create the store: every other command opens an existing
 * one (a typo in SESSION_STORE is "no store at PATH", exit 2, not an empty
 * new store that answers "no sessions").
 * Exit 0 on success, 1 for a negative answer (no such session, an
 * inconsistent store, a sweep that stopped part-way), 2 for usage errors,
 * a store that cannot be opened or fails, and an engine that cannot do
 * what was asked ("engine X cannot list sessions").  Every command goes
 * through the engine interface (csess/store.h), never to an engine.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

struct ctx {
	struct cs_config	 cfg;
	struct cs_store		*store;
	bool			 cfg_loaded;
	const char		*cmd;
	const char		*what;	/* "list sessions": for "cannot ..." */
};

static int
unsupported(const struct ctx *c, const char *engine)
{
	return cli_fail("sessions %s: engine %s cannot %s", c->cmd, engine,
	    c->what);
}

/*
 * Load the settings and open the store.  An engine that lacks the
 * capabilities need says so before anything is opened; one that lacks an
 * optional operation answers CS_ERR_UNSUPPORTED later (store_fail).
 */
static int
ctx_open(struct ctx *c, const char *cmd, unsigned need, const char *what)
{
	const struct cs_store_ops *ops;
	char err[512];
	int rc;

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->what = what;
	if ((rc = cli_config(&c->cfg)) != CLI_OK) {
		cs_config_free(&c->cfg);
		return rc;
	}
	c->cfg_loaded = true;
	c->cfg.session_store_existing = strcmp(cmd, "import") != 0;
	if ((ops = cs_store_engine(&c->cfg)) != NULL &&
	    !cs_store_ops_has(ops, need))
		return unsupported(c, ops->name);
	if (cs_store_open(&c->store, &c->cfg, err, sizeof(err)) != CS_OK)
		return cli_fail("sessions %s: %s", cmd, err);
	return CLI_OK;
}

static void
ctx_close(struct ctx *c)
{
	cs_store_close(c->store);
	if (c->cfg_loaded)
		cs_config_free(&c->cfg);
}

/* A store failure mid-command: say what it was (never session data). */
static int
store_fail(struct ctx *c, const char *cmd, int rc)
{
	const char *why = cs_store_error(c->store);

	if (rc == CS_ERR_UNSUPPORTED)
		return unsupported(c, cs_store_name(c->store));
	if (rc == CS_ERR_STORE && why && *why)
		return cli_fail("sessions %s: %s: %s", cmd, cs_strerror(rc), why);
	return cli_fail("sessions %s: %s", cmd, cs_strerror(rc));
}

/* A user name as one tab-separated field: control bytes and backslash
 * as \xHH, so a name can never split or forge a line. */
static void
put_field(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			printf("\\x%02x", *p);
		else
			putchar(*p);
}

/* Seconds since the epoch as ISO 8601 UTC, or the number with --epoch. */
static void
put_time(int64_t t, bool epoch)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!epoch && gmtime_r(&tt, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		fputs(buf, stdout);
	else
		printf("%lld", (long long)t);
}

static int
list_one(void *arg, const struct cs_store_session *s)
{
	const bool *epoch = arg;

	printf("%s\t", s->key);
	put_time(s->expire, *epoch);
	putchar('\t');
	if (s->user)
		put_field(s->user);
	printf("\t%zu\n", s->data_len);
	return ferror(stdout) ? CS_ERR_IO : 0;
}

#define LIST_USAGE	"csess sessions list [--epoch]"

static int
cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "epoch", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args a;
	const char *v;
	bool epoch = false;
	struct ctx c;
	int o, rc;

	cli_args_init(&a, argc, argv, 1, opts, "sessions list", LIST_USAGE);
	while ((o = cli_arg(&a, &v)) != CLI_ARG_END) {
		if (o == 'e')
			epoch = true;
		else if (o == CLI_ARG_WORD)
			return cli_fail("sessions list: unexpected '%s' (usage: "
			    LIST_USAGE ")", v);
		else
			return cli_arg_status(o);
	}
	if ((rc = ctx_open(&c, argv[0], CS_STORE_ENUMERATE,
	    "list sessions")) == CLI_OK) {
		printf("key\texpire\tuser\tsize\n");
		if ((rc = cs_store_foreach(c.store, list_one, &epoch)) != CS_OK)
			rc = store_fail(&c, argv[0], rc);
	}
	ctx_close(&c);
	return rc;
}

static int
check_key(const char *cmd, const char *key)
{
	if (!cs_session_key_valid(key))
		return cli_fail("sessions %s: malformed session key (32 characters "
		    "a-z0-9)", cmd);
	return CLI_OK;
}

static void
print_json_string(const char *prefix, const char *v)
{
	json_t *j = json_string(v);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	printf("%s%s", prefix, t ? t : "null");
	free(t);
	json_decref(j);
}

static int
cmd_show(int argc, char **argv)
{
	const char *key;
	struct cs_record r;
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions show",
	    "csess sessions show KEY", 1, 1, &key)))
		return rc;
	if ((rc = check_key(argv[0], key)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], 0, "show a session")) != CLI_OK) {
		ctx_close(&c);
		return rc;
	}
	rc = cs_store_get(c.store, key, &r);
	if (rc == CS_ERR_NOT_FOUND) {
		fprintf(stderr, "csess: sessions show: no such session\n");
		rc = CLI_NO;
	} else if (rc != CS_OK)
		rc = store_fail(&c, argv[0], rc);
	else {
		printf("{\"key\":\"%s\",\"expire\":%lld,\"version\":%llu",
		    key, (long long)r.expire, (unsigned long long)r.version);
		if (r.user)
			print_json_string(",\"user\":", r.user);
		printf(",\"data\":%s}\n", r.data_len ? r.data : "{}");
		cs_record_free(&r);
		rc = CLI_OK;
	}
	ctx_close(&c);
	return rc;
}

static int
cmd_delete(int argc, char **argv)
{
	const char *key;
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions delete",
	    "csess sessions delete KEY", 1, 1, &key)))
		return rc;
	if ((rc = check_key(argv[0], key)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], 0, "delete a session by key")) ==
	    CLI_OK) {
		rc = cs_store_delete(c.store, key);
		if (rc == CS_ERR_NOT_FOUND) {
			fprintf(stderr, "csess: sessions delete: no such session\n");
			rc = CLI_NO;
		} else if (rc != CS_OK)
			rc = store_fail(&c, argv[0], rc);
	}
	ctx_close(&c);
	return rc;
}

/* False only when the users table answers that name is not there. */
static bool
known_user(const struct cs_config *cfg, const char *name)
{
	struct cs_user u;
	int rc = cs_user_get(cfg, name, &u);

	if (rc == CS_OK)
		cs_user_free(&u);
	return rc != CS_ERR_NOT_FOUND;
}

/*
 * Revoke every session of NAME; prints how many.  A name that has no
 * sessions and no user record is a negative answer: most likely a typo,
 * which "0" would hide.
 */
static int
cmd_revoke_user(int argc, char **argv)
{
	const char *name;
	uint64_t n;
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions revoke-user",
	    "csess sessions revoke-user NAME", 1, 1, &name)))
		return rc;
	if (name[0] == '\0' || strlen(name) > CS_LMDB_USER_MAX)
		return cli_fail("sessions revoke-user: user name must be 1 to %d "
		    "bytes", CS_LMDB_USER_MAX);
	if ((rc = ctx_open(&c, argv[0], CS_STORE_USER_INDEX,
	    "find a user's sessions")) == CLI_OK) {
		if ((rc = cs_store_revoke_user(c.store, name, &n)) != CS_OK)
			rc = store_fail(&c, argv[0], rc);
		else if (n == 0 && !known_user(&c.cfg, name))
			rc = cli_msg(CLI_NO, "sessions revoke-user: no such user "
			    "and no sessions of %s", name);
		else
			printf("%llu\n", (unsigned long long)n);
	}
	ctx_close(&c);
	return rc;
}

static void
print_stat(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	printf("%s\t%llu\n", name, (unsigned long long)value);
}

static int
cmd_stats(int argc, char **argv)
{
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions stats",
	    "csess sessions stats", 0, 0, NULL)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], 0, "report statistics")) == CLI_OK &&
	    (rc = cs_store_stats(c.store, cs_now(), print_stat, NULL)) != CS_OK)
		rc = store_fail(&c, argv[0], rc);
	ctx_close(&c);
	return rc;
}

static void
print_problem(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

/* What verify went through, from the engine's figures (when it has any). */
struct counted {
	uint64_t	sessions, entries;
	bool		known;
};

static void
count_stat(void *arg, const char *name, uint64_t value)
{
	struct counted *k = arg;

	if (!strcmp(name, "sessions")) {
		k->sessions = value;
		k->known = true;
	} else if (!strcmp(name, "expiry_entries") ||
	    !strcmp(name, "user_entries"))
		k->entries += value;
}

/* Problems (one a line), then one summary line; exit 1 when any. */
static int
cmd_verify(int argc, char **argv)
{
	struct counted k = { 0, 0, false };
	uint64_t problems;
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions verify",
	    "csess sessions verify", 0, 0, NULL)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], 0, "verify its store")) == CLI_OK) {
		rc = cs_store_verify(c.store, print_problem, NULL, &problems);
		if (rc != CS_OK)
			rc = store_fail(&c, argv[0], rc);
		else {
			if (cs_store_stats(c.store, cs_now(), count_stat, &k) ==
			    CS_OK && k.known)
				printf("%llu sessions, %llu index entries checked: ",
				    (unsigned long long)k.sessions,
				    (unsigned long long)k.entries);
			else
				printf("store checked: ");
			if (problems == 0)
				printf("OK\n");
			else {
				printf("%llu problem%s\n",
				    (unsigned long long)problems,
				    problems == 1 ? "" : "s");
				rc = cli_msg(CLI_NO, "sessions verify: %llu "
				    "inconsistencies", (unsigned long long)problems);
			}
		}
	}
	ctx_close(&c);
	return rc;
}

static bool
parse_count(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > 1000000)
		return false;
	*out = (size_t)v;
	return true;
}

#define CLEAR_USAGE	"csess sessions clear-expired [--batch N] [--dry-run] [--verbose]"

static int
clear_options(int argc, char **argv, size_t *batch, bool *dry, bool *verbose)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args a;
	const char *v;
	int o;

	cli_args_init(&a, argc, argv, 1, opts, "clear-expired", CLEAR_USAGE);
	while ((o = cli_arg(&a, &v)) != CLI_ARG_END) {
		if (o == 'n')
			*dry = true;
		else if (o == 'v')
			*verbose = true;
		else if (o == 'b' && !parse_count(v, batch))
			return cli_fail("clear-expired: --batch takes a number "
			    "from 1 to 1000000");
		else if (o == CLI_ARG_WORD)
			return cli_fail("clear-expired: unexpected '%s' (usage: "
			    CLEAR_USAGE ")", v);
		else if (o != 'b')
			return cli_arg_status(o);
	}
	return CLI_OK;
}

/* For cron: quiet on success; exit 1 when a batch failed part-way, 2 when
 * the store could not be opened at all. */
static int
cmd_clear_expired(int argc, char **argv)
{
	struct cs_sweep_stats st;
	size_t batch = 10000;	/* the lmdb engine's own default */
	bool dry = false, verbose = false;
	struct ctx c;
	int rc;

	if ((rc = clear_options(argc, argv, &batch, &dry, &verbose)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], 0, "clear expired sessions")) !=
	    CLI_OK) {
		ctx_close(&c);
		return CLI_USAGE;
	}
	rc = cs_store_clear_expired(c.store, cs_now(), batch, dry, &st);
	if (rc == CS_ERR_UNSUPPORTED) {
		ctx_close(&c);
		return cli_fail("clear-expired: engine %s keeps no expired "
		    "sessions", cs_store_name(c.store));
	}
	if (rc != CS_OK) {
		store_fail(&c, argv[0], rc);
		fprintf(stderr, "csess: clear-expired: stopped after removing "
		    "%llu sessions\n", (unsigned long long)st.removed);
		rc = CLI_NO;
	} else if (verbose)
		printf("%s %llu, remaining %llu, elapsed %.3fs\n",
		    dry ? "would remove" : "removed",
		    (unsigned long long)st.removed,
		    (unsigned long long)st.remaining, st.elapsed);
	ctx_close(&c);
	return rc;
}

static int
cmd_export(int argc, char **argv)
{
	struct ctx c;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions export",
	    "csess sessions export", 0, 0, NULL)))
		return rc;
	if ((rc = ctx_open(&c, argv[0], CS_STORE_ENUMERATE,
	    "export sessions")) == CLI_OK &&
	    (rc = cs_store_export(c.store, stdout)) != CS_OK)
		rc = store_fail(&c, argv[0], rc);
	ctx_close(&c);
	return rc;
}

static int
cmd_import(int argc, char **argv)
{
	const char *path;
	char err[512];
	uint64_t n;
	size_t bad;
	struct ctx c;
	FILE *f;
	int rc;

	if ((rc = cli_words(argc, argv, 1, "sessions import",
	    "csess sessions import FILE (- for stdin)", 1, 1, &path)))
		return rc;
	if (CLI_STDIN(path))
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL)
		return cli_fail("sessions import: %s: %s", path,
		    strerror(errno));
	if ((rc = ctx_open(&c, argv[0], 0, "import sessions")) == CLI_OK) {
		rc = cs_store_import(c.store, f, &n, &bad, err, sizeof(err));
		if (rc == CS_ERR_UNSUPPORTED)
			rc = store_fail(&c, argv[0], rc);
		else if (rc == CS_ERR_INVALID && bad > 0)
			rc = cli_fail("sessions import: line %zu: %s (nothing "
			    "imported)", bad, err);
		else if (rc != CS_OK)
			rc = cli_fail("sessions import: %s%s%s (%llu imported)",
			    cs_strerror(rc), *err ? ": " : "", err,
			    (unsigned long long)n);
		else
			printf("%llu\n", (unsigned long long)n);
	}
	ctx_close(&c);
	if (f != stdin)
		fclose(f);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int, char **);
} subs[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "delete", cmd_delete },
	{ "revoke-user", cmd_revoke_user },
	{ "stats", cmd_stats },
	{ "verify", cmd_verify },
	{ "clear-expired", cmd_clear_expired },
	{ "export", cmd_export },
	{ "import", cmd_import },
};

#define SESSIONS_USAGE	"csess sessions list [--epoch] | show KEY | delete KEY" \
	" | revoke-user NAME | stats | verify | clear-expired [--batch N]" \
	" [--dry-run] [--verbose] | export | import FILE|-"

int
cli_sessions(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		puts("usage: " SESSIONS_USAGE);
		return CLI_HELP;
	}
	if (argc < 2)
		return cli_fail("usage: " SESSIONS_USAGE);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	return cli_fail("sessions: unknown command '%s' (usage: "
	    SESSIONS_USAGE ")", argv[1]);
}
