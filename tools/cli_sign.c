/*
 * cli_sign.c -- csess sign / unsign / dumps / loads / signed-cookie /
 * password: Django's signing, signed cookies and password hashes from the
 * shell, with SECRET_KEY (and SECRET_KEY_FALLBACKS) from the configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csess_test.h"

#define STDIN_MAX	65536	/* a password or a value, not a file */

#define SIGN_USAGE	"csess sign [--salt S] [--timestamp] VALUE|-"
#define UNSIGN_USAGE	"csess unsign [--salt S] [--timestamp] [--max-age N] SIGNED|-"
#define DUMPS_USAGE	"csess dumps [--salt S] [--compress] JSON|-"
#define LOADS_USAGE	"csess loads [--salt S] [--max-age N] TOKEN|-"
#define SCSET_USAGE	"csess signed-cookie set NAME VALUE [--salt S] " \
	"[--max-age N] [--expires HTTP-DATE] [--path P] [--domain D] " \
	"[--secure] [--httponly] [--samesite S] [--partitioned]"
#define SCGET_USAGE	"csess signed-cookie get NAME [--salt S] [--max-age N]"

/* Options the signing commands share; NULL/-1 when not given. */
struct opts {
	const char	*salt;
	int64_t		 max_age;
	long		 iterations;
	bool		 timestamp;
	bool		 compress;
	const char	*words[2];
	int		 nwords;
};

enum {
	O_SALT = 1, O_TIMESTAMP = 2, O_MAX_AGE = 4, O_COMPRESS = 8,
	O_ITERATIONS = 16
};

static int
parse_count(const char *opt, const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return cli_fail("%s needs a whole number", opt);
	v = strtoll(s, &end, 10);
	if (errno || *end || v > max)
		return cli_fail("%s needs a whole number up to %lld", opt,
		    (long long)max);
	*out = v;
	return CLI_OK;
}

/*
 * argv[first..): the options in allowed, and at most maxwords other words,
 * by the shared convention (cli_args.c).  A word "-" is read from stdin
 * (one line, its newline dropped) for the commands that take a value.
 */
static int
parse_opts(int argc, char **argv, int first, unsigned allowed, int maxwords,
    const char *usage, struct opts *o)
{
	static const struct { struct option opt; unsigned bit; } all[] = {
		{ { "salt", required_argument, NULL, 's' }, O_SALT },
		{ { "timestamp", no_argument, NULL, 't' }, O_TIMESTAMP },
		{ { "max-age", required_argument, NULL, 'm' }, O_MAX_AGE },
		{ { "compress", no_argument, NULL, 'c' }, O_COMPRESS },
		{ { "iterations", required_argument, NULL, 'i' }, O_ITERATIONS },
	};
	struct option opts[sizeof(all) / sizeof(all[0]) + 1];
	struct cli_args a;
	const char *v;
	int64_t n;
	size_t i, k = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->max_age = -1;
	o->iterations = -1;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (allowed & all[i].bit)
			opts[k++] = all[i].opt;
	memset(&opts[k], 0, sizeof(opts[k]));
	cli_args_init(&a, argc, argv, first, opts, argv[0], usage);
	while ((c = cli_arg(&a, &v)) != CLI_ARG_END) {
		switch (c) {
		case CLI_ARG_WORD:
			if (o->nwords >= maxwords)
				return cli_fail("%s: too many arguments (usage: %s)",
				    argv[0], usage);
			o->words[o->nwords++] = v;
			break;
		case 's':
			o->salt = v;
			break;
		case 't':
			o->timestamp = true;
			break;
		case 'c':
			o->compress = true;
			break;
		case 'm':
			if (parse_count("--max-age", v, INT64_MAX / 2, &o->max_age))
				return CLI_USAGE;
			break;
		case 'i':
			if (parse_count("--iterations", v, 100000000, &n))
				return CLI_USAGE;
			if (n < 1)
				return cli_fail("--iterations must be at least 1");
			o->iterations = (long)n;
			break;
		default:
			return cli_arg_status(c);
		}
	}
	return CLI_OK;
}

/* The value operand: itself, or for "-" one line of stdin (kept in buf). */
static int
value_of(const char *cmd, const char *word, struct cs_buf *buf,
    const char **val, size_t *len)
{
	int rc;

	if (!CLI_STDIN(word)) {
		*val = word;
		*len = strlen(word);
		return CLI_OK;
	}
	if ((rc = cli_read_stdin(buf, STDIN_MAX)) != CS_OK)
		return cli_fail("%s: cannot read the value from stdin: %s", cmd,
		    cs_strerror(rc));
	cli_chomp(buf);
	*val = buf->data;
	*len = buf->len;
	return CLI_OK;
}

/* Load the configuration and a signer keyed with SECRET_KEY. */
static int
load_signer(struct cs_config *cfg, struct cs_signer *s)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = cli_config(cfg)) != CLI_OK)
		return rc;
	if (cs_signer_init(s, cfg) != CS_OK)
		return cli_fail("SECRET_KEY is not set (set CSESS_SECRET_KEY "
		    "or SECRET_KEY in the CSESS_CONFIG file)");
	return CLI_OK;
}

/* Map a library answer to the exit status, with one line on stderr. */
static int
answer(const char *cmd, int rc)
{
	switch (rc) {
	case CS_OK:
		return CLI_OK;
	case CS_ERR_BAD_SIGNATURE:
		fprintf(stderr, "csess: %s: bad signature\n", cmd);
		return CLI_NO;
	case CS_ERR_EXPIRED:
		fprintf(stderr, "csess: %s: signature expired\n", cmd);
		return CLI_NO;
	case CS_ERR_NOT_FOUND:
		fprintf(stderr, "csess: %s: not found\n", cmd);
		return CLI_NO;
	case CS_ERR_CRYPTO:
		return cli_fail("%s: %s", cmd, cs_crypto_error()[0] ?
		    cs_crypto_error() : cs_strerror(rc));
	case CS_ERR_CONFIG:
		return cli_fail("%s: SECRET_KEY is not set", cmd);
	default:
		return cli_fail("%s: %s", cmd, cs_strerror(rc));
	}
}

static int
print(const struct cs_buf *b)
{
	if (fwrite(b->data ? b->data : "", 1, b->len, stdout) != b->len ||
	    putchar('\n') == EOF || fflush(stdout) == EOF)
		return cli_fail("cannot write the output");
	return CLI_OK;
}

/* Run the command's step, print its result, clean up. */
static int
finish(const char *cmd, int rc, struct cs_buf *out, struct cs_config *cfg)
{
	int ex = answer(cmd, rc);

	if (ex == CLI_OK)
		ex = print(out);
	cs_buf_free(out);
	cs_config_free(cfg);
	return ex;
}

int
cli_sign(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf in = {0};
	const char *val;
	size_t len;
	struct cs_signer s;
	struct cs_buf out = {0};
	struct opts o;
	int rc;

	if ((rc = parse_opts(argc, argv, 1, O_SALT | O_TIMESTAMP, 1,
	    SIGN_USAGE, &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: " SIGN_USAGE);
	if ((rc = load_signer(&cfg, &s)) ||
	    (rc = value_of("sign", o.words[0], &in, &val, &len))) {
		cs_config_free(&cfg);
		return rc;
	}
	s.salt = o.salt;
	s.timestamp = o.timestamp;
	rc = cs_sign(&s, val, len, &out);
	cs_buf_free(&in);
	return finish("sign", rc, &out, &cfg);
}

int
cli_unsign(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf in = {0};
	const char *val;
	size_t len;
	struct cs_signer s;
	struct cs_buf out = {0};
	struct opts o;
	int rc;

	if ((rc = parse_opts(argc, argv, 1, O_SALT | O_TIMESTAMP | O_MAX_AGE,
	    1, UNSIGN_USAGE, &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: " UNSIGN_USAGE);
	/* Django's plain Signer has no max_age: say so rather than ignore it. */
	if (o.max_age >= 0 && !o.timestamp)
		return cli_fail("unsign: --max-age needs --timestamp");
	if ((rc = load_signer(&cfg, &s)) ||
	    (rc = value_of("unsign", o.words[0], &in, &val, &len))) {
		cs_config_free(&cfg);
		return rc;
	}
	s.salt = o.salt;
	s.timestamp = o.timestamp;
	rc = cs_unsign(&s, val, len, o.max_age, &out);
	cs_buf_free(&in);
	return finish("unsign", rc, &out, &cfg);
}

int
cli_dumps(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf in = {0};
	const char *val;
	size_t len;
	struct cs_signer s;
	struct cs_buf out = {0};
	struct opts o;
	int rc;

	if ((rc = parse_opts(argc, argv, 1, O_SALT | O_COMPRESS, 1,
	    DUMPS_USAGE, &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: " DUMPS_USAGE);
	if ((rc = load_signer(&cfg, &s)) ||
	    (rc = value_of("dumps", o.words[0], &in, &val, &len))) {
		cs_config_free(&cfg);
		return rc;
	}
	s.salt = o.salt;
	rc = cs_dumps(&s, val, len, o.compress, &out);
	cs_buf_free(&in);
	if (rc == CS_ERR_INVALID) {
		cs_config_free(&cfg);
		return cli_fail("dumps: not valid JSON");
	}
	return finish("dumps", rc, &out, &cfg);
}

int
cli_loads(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf in = {0};
	const char *val;
	size_t len;
	struct cs_signer s;
	struct cs_buf out = {0};
	struct opts o;
	int rc;

	if ((rc = parse_opts(argc, argv, 1, O_SALT | O_MAX_AGE, 1,
	    LOADS_USAGE, &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: " LOADS_USAGE);
	if ((rc = load_signer(&cfg, &s)) ||
	    (rc = value_of("loads", o.words[0], &in, &val, &len))) {
		cs_config_free(&cfg);
		return rc;
	}
	s.salt = o.salt;
	rc = cs_loads(&s, val, len, o.max_age, &out);
	cs_buf_free(&in);
	if (rc == CS_ERR_INVALID) {
		/* It verified, so it is ours, but it does not decode. */
		cs_config_free(&cfg);
		cs_buf_free(&out);
		return cli_fail("loads: signed payload is not valid JSON");
	}
	return finish("loads", rc, &out, &cfg);
}

/* signed-cookie get NAME [--salt S] [--max-age N]: from HTTP_COOKIE. */
static int
signed_cookie_get(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_signer s;
	struct cs_cookie_limits lim;
	struct cs_cookies jar;
	struct cs_buf out = {0};
	struct opts o;
	const char *hdr;
	int rc;

	if ((rc = parse_opts(argc, argv, 2, O_SALT | O_MAX_AGE, 1,
	    SCGET_USAGE, &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: " SCGET_USAGE);
	if ((rc = load_signer(&cfg, &s))) {
		cs_config_free(&cfg);
		return rc;
	}
	if ((hdr = getenv("HTTP_COOKIE")) == NULL)
		hdr = "";
	memset(&lim, 0, sizeof(lim));
	lim.max_header = cfg.cookie_header_max_size;
	lim.max_pairs = cfg.cookie_max_pairs;
	memset(&jar, 0, sizeof(jar));
	if ((rc = cs_cookies_parse(&jar, hdr, strlen(hdr), &lim)) != CS_OK) {
		cs_config_free(&cfg);
		return cli_fail("signed-cookie get: HTTP_COOKIE: %s",
		    cs_strerror(rc));
	}
	rc = cs_get_signed_cookie(&out, &cfg, &jar, o.words[0], o.salt,
	    o.max_age);
	cs_cookies_free(&jar);
	return finish("signed-cookie get", rc, &out, &cfg);
}

/*
 * signed-cookie set NAME VALUE [--salt S] [cookie options]: --salt is
 * taken out here, the rest goes to the shared cookie option parser.
 */
static int
signed_cookie_set(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_signer s;
	struct cs_set_cookie c;
	struct cs_buf val = {0}, out = {0};
	char *words[2];
	const char *salt = NULL;
	int64_t now;
	int nwords, rc;

	memset(&c, 0, sizeof(c));
	/* Django's set_signed_cookie passes set_cookie's default, path='/'. */
	c.path = "/";
	if ((rc = cli_cookie_options(argc, argv, 2, &c, &salt,
	    "signed-cookie set", SCSET_USAGE, words, 2, &nwords)) != CLI_OK)
		return rc;
	if (nwords != 2)
		return cli_fail("usage: " SCSET_USAGE);
	if (words[0][0] == '\0')
		return cli_fail("signed-cookie set: the cookie name is empty");
	if ((rc = load_signer(&cfg, &s))) {
		cs_config_free(&cfg);
		return rc;
	}
	/* SIGNED_COOKIE_SALT: legacy (default) is readable by every Django version, v2 by 5.2.15+. */
	/* One clock reading: the timestamp and expires agree, as in Django. */
	now = cs_now();
	rc = csi_signed_cookie_value_at(&val, &cfg, words[0], words[1], salt,
	    cfg.signed_cookie_salt_v2 ? CS_COOKIE_SALT_V2 : CS_COOKIE_SALT_LEGACY,
	    now);
	if (rc == CS_OK) {
		const char *why = NULL;

		c.name = words[0];
		c.value = val.data;
		/* Say what is wrong, as cookie set does. */
		if (cs_set_cookie_validate(&c, now, &why) != CS_OK ||
		    (rc = cs_set_cookie_format(&out, &c, now)) == CS_ERR_INVALID) {
			cs_buf_free(&val);
			cs_buf_free(&out);
			cs_config_free(&cfg);
			return cli_fail("signed-cookie set: %s",
			    why ? why : "not a valid cookie");
		}
	}
	cs_buf_free(&val);
	return finish("signed-cookie set", rc, &out, &cfg);
}

int
cli_signed_cookie(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		puts("usage: " SCGET_USAGE "\n       " SCSET_USAGE);
		return CLI_HELP;
	}
	if (argc >= 2 && !strcmp(argv[1], "get"))
		return signed_cookie_get(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "set"))
		return signed_cookie_set(argc, argv);
	return cli_fail("usage: csess signed-cookie get NAME [--salt S] "
	    "[--max-age N] | set NAME VALUE [--salt S] [cookie options]");
}

/* The password from stdin, without the line's newline. */
static int
read_password(struct cs_buf *pw)
{
	int rc;

	if ((rc = cli_read_stdin(pw, STDIN_MAX)) != CS_OK)
		return cli_fail("password: cannot read stdin: %s",
		    cs_strerror(rc));
	cli_chomp(pw);
	return CLI_OK;
}

static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
password_hash(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf pw = {0}, out = {0};
	struct opts o;
	long iter;
	int rc;

	if ((rc = parse_opts(argc, argv, 2, O_SALT | O_ITERATIONS, 0,
	    "csess password hash [--iterations N] [--salt S] (password on stdin)",
	    &o)))
		return rc;
	/* No control bytes either: the hash is printed as one line. */
	if (o.salt && (o.salt[0] == '\0' || strchr(o.salt, '$') ||
	    has_ctl(o.salt)))
		return cli_fail("password hash: --salt must be non-empty, "
		    "without '$' or control characters");
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = cli_config(&cfg)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	iter = o.iterations > 0 ? o.iterations : cfg.password_iterations;
	if ((rc = read_password(&pw)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	rc = cs_password_hash(&out, pw.data, pw.len, iter, o.salt);
	explicit_bzero(pw.data, pw.len);
	cs_buf_free(&pw);
	return finish("password hash", rc, &out, &cfg);
}

static int
password_check(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_buf pw = {0};
	struct opts o;
	const char *why;
	int rc, ex;

	if ((rc = parse_opts(argc, argv, 2, 0, 1,
	    "csess password check HASH (password on stdin)", &o)))
		return rc;
	if (o.nwords != 1)
		return cli_fail("usage: csess password check HASH (password on stdin)");
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = cli_config(&cfg)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	/* A hash no password can match (or over PASSWORD_MAX_ITERATIONS) is
	 * an input error, said before anything is derived. */
	if (cs_password_hash_valid(o.words[0], cfg.password_max_iterations,
	    &why) != CS_OK) {
		cs_config_free(&cfg);
		return cli_fail("password check: unusable hash: %s", why);
	}
	if ((rc = read_password(&pw)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	rc = cs_password_check_bounded(pw.data, pw.len, o.words[0],
	    cfg.password_iterations, cfg.password_max_iterations);
	explicit_bzero(pw.data, pw.len);
	cs_buf_free(&pw);
	cs_config_free(&cfg);
	switch (rc) {
	case CS_OK:
		return CLI_OK;
	case CS_ERR_BAD_SIGNATURE:
		fputs("csess: password check: password does not match\n", stderr);
		return CLI_NO;
	case CS_ERR_INVALID:
		return cli_fail("password check: not a pbkdf2_sha256 or "
		    "pbkdf2_sha1 hash");
	default:
		ex = answer("password check", rc);
		return ex;
	}
}

int
cli_password(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		puts("usage: csess password hash [--iterations N] [--salt S]\n"
		    "       csess password check HASH\n"
		    "(the password on stdin)");
		return CLI_HELP;
	}
	if (argc >= 2 && !strcmp(argv[1], "hash"))
		return password_hash(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return password_check(argc, argv);
	return cli_fail("usage: csess password hash [--iterations N] [--salt S] "
	    "| check HASH (password on stdin)");
}
