/*
 * cli_cookie.c -- "csess cookie parse" and "csess cookie set", and the
 * cookie options shared with "csess signed-cookie set".
 *
 * cookie parse prints each pair as the parser returns it: the name, a TAB,
 * the value bytes exactly as parsed (one DQUOTE pair stripped, nothing
 * escaped or refused), a newline.  A Cookie header a browser sends never
 * holds CR or LF, and never a TAB in a name, so for real headers every
 * line is one pair and the first TAB ends the name; a value may contain
 * TABs.  Input that breaks this (a LF inside the header, a TAB inside a
 * name) is still printed byte for byte rather than rewritten: the output
 * then is exactly what a program using cs_cookies_parse would see.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define SET_USAGE	"csess cookie set NAME VALUE [--max-age N] " \
	"[--expires HTTP-DATE] [--path P] [--domain D] [--secure] " \
	"[--httponly] [--samesite Strict|Lax|None] [--partitioned]"
#define PARSE_USAGE	"csess cookie parse [HEADER|-] (default: stdin)"

static int
usage(void)
{
	return cli_fail("usage: " PARSE_USAGE " | " SET_USAGE);
}

/* ---- shared option parsing ----------------------------------------------- */

static int
parse_int64(const char *s, int64_t *v)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;
	long long n;

	/* Digits with an optional '-': no spaces, '+', hex or fractions. */
	if (*digits < '0' || *digits > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

static int
parse_samesite(const char *s, enum cs_samesite *ss)
{
	if (strcasecmp(s, "strict") == 0)
		*ss = CS_SAMESITE_STRICT;
	else if (strcasecmp(s, "lax") == 0)
		*ss = CS_SAMESITE_LAX;
	else if (strcasecmp(s, "none") == 0)
		*ss = CS_SAMESITE_NONE;
	else
		return -1;
	return 0;
}

/*
 * Fill c from the options in argv[first..argc) by the shared convention
 * (cli_args.c); c is not cleared first (the caller zero-initialises it,
 * and may preset defaults).  salt, when not NULL, also takes --salt (for
 * signed-cookie set).  Option values are not echoed in messages: they may
 * hold the very bytes (CR, LF) being refused.
 */
int
cli_cookie_options(int argc, char **argv, int first, struct cs_set_cookie *c,
    const char **salt, const char *cmd, const char *usage,
    char **words, int maxwords, int *nwords)
{
	static const struct option opts[] = {
		{ "max-age", required_argument, NULL, 'm' },
		{ "expires", required_argument, NULL, 'e' },
		{ "path", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, 'd' },
		{ "samesite", required_argument, NULL, 'S' },
		{ "secure", no_argument, NULL, 's' },
		{ "httponly", no_argument, NULL, 'h' },
		{ "partitioned", no_argument, NULL, 'P' },
		{ "salt", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args a;
	const char *val;
	int o;

	*nwords = 0;
	cli_args_init(&a, argc, argv, first, opts, cmd, usage);
	while ((o = cli_arg(&a, &val)) != CLI_ARG_END) {
		switch (o) {
		case CLI_ARG_WORD:
			if (*nwords >= maxwords)
				return cli_fail("%s: too many arguments (usage: %s)",
				    cmd, usage);
			words[(*nwords)++] = (char *)val;
			break;
		case 's':
			c->secure = true;
			break;
		case 'h':
			c->httponly = true;
			break;
		case 'P':
			c->partitioned = true;
			break;
		case 'm':
			if (parse_int64(val, &c->max_age))
				return cli_fail("--max-age needs a whole number of seconds");
			c->has_max_age = true;
			break;
		case 'e':
			if (cs_http_date_parse(val, strlen(val), &c->expires))
				return cli_fail("--expires needs an IMF-fixdate such as "
				    "'Sun, 06 Nov 1994 08:49:37 GMT' (years 1601-9999)");
			c->has_expires = true;
			break;
		case 'p':
			c->path = val;
			break;
		case 'd':
			c->domain = val;
			break;
		case 'S':
			if (parse_samesite(val, &c->samesite))
				return cli_fail("--samesite must be Strict, Lax or None");
			break;
		case 'k':
			if (salt == NULL)
				return cli_fail("%s: unknown option --salt (usage: %s)",
				    cmd, usage);
			*salt = val;
			break;
		default:
			return cli_arg_status(o);
		}
	}
	return CLI_OK;
}

/* ---- cookie set ------------------------------------------------------------ */

static int
cookie_set(int argc, char **argv)
{
	struct cs_set_cookie c = { 0 };
	struct cs_buf out = { 0 };
	char *words[2];
	const char *why = NULL;
	int64_t now = cs_now();
	int nwords, rc;

	if ((rc = cli_cookie_options(argc, argv, 2, &c, NULL, "cookie set",
	    SET_USAGE, words, 2, &nwords)) != CLI_OK)
		return rc;
	if (nwords != 2)
		return cli_fail("usage: " SET_USAGE);
	c.name = words[0];
	c.value = words[1];
	if (cs_set_cookie_validate(&c, now, &why) != CS_OK)
		return cli_fail("cookie set: %s", why ? why : "invalid cookie");
	if ((rc = cs_set_cookie_format(&out, &c, now)) != CS_OK) {
		cs_buf_free(&out);
		return cli_fail("cookie set: %s", cs_strerror(rc));
	}
	rc = CLI_OK;
	if (fwrite(out.data, 1, out.len, stdout) != out.len || putchar('\n') == EOF ||
	    fflush(stdout) == EOF)
		rc = cli_fail("cookie set: cannot write the output");
	cs_buf_free(&out);
	return rc;
}

/* ---- cookie parse ---------------------------------------------------------- */

static int
print_pairs(const struct cs_cookies *jar)
{
	size_t i;

	for (i = 0; i < jar->count; i++) {
		const struct cs_cookie_pair *p = &jar->pairs[i];

		if (fwrite(p->name, 1, p->name_len, stdout) != p->name_len ||
		    putchar('\t') == EOF ||
		    fwrite(p->value, 1, p->value_len, stdout) != p->value_len ||
		    putchar('\n') == EOF)
			return -1;
	}
	return fflush(stdout) == EOF ? -1 : 0;
}

static int
cookie_parse(int argc, char **argv)
{
	struct cs_config cfg;
	struct cs_cookie_limits lim;
	struct cs_cookies jar;
	struct cs_buf in = { 0 };
	int rc;

	const char *hdr = "-";

	if ((rc = cli_words(argc, argv, 2, "cookie parse", PARSE_USAGE, 0, 1,
	    &hdr)))
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = cli_config(&cfg)) != CLI_OK) {
		cs_config_free(&cfg);
		return rc;
	}
	lim.max_header = cfg.cookie_header_max_size ? cfg.cookie_header_max_size :
	    CS_COOKIE_DEFAULT_MAX_HEADER;
	lim.max_pairs = cfg.cookie_max_pairs ? cfg.cookie_max_pairs :
	    CS_COOKIE_DEFAULT_MAX_PAIRS;
	cs_config_free(&cfg);

	/* Room for the line ending, which is not part of the header. */
	if (!CLI_STDIN(hdr))
		rc = cs_buf_append(&in, hdr, strlen(hdr)) ? CS_ERR_NOMEM :
		    strlen(hdr) > lim.max_header ? CS_ERR_TOO_LARGE : CS_OK;
	else
		rc = cli_read_stdin(&in, lim.max_header + 2);
	if (rc == CS_OK)
		cli_chomp(&in);
	if (rc == CS_ERR_TOO_LARGE || (rc == CS_OK && in.len > lim.max_header)) {
		cs_buf_free(&in);
		return cli_fail("cookie parse: Cookie header longer than %zu bytes "
		    "(COOKIE_HEADER_MAX_SIZE)", lim.max_header);
	}
	if (rc != CS_OK) {
		cs_buf_free(&in);
		return cli_fail("cookie parse: cannot read stdin: %s", cs_strerror(rc));
	}
	rc = cs_cookies_parse(&jar, in.data, in.len, &lim);
	cs_buf_free(&in);
	if (rc == CS_ERR_TOO_LARGE)
		return cli_fail("cookie parse: more than %zu cookie pairs "
		    "(COOKIE_MAX_PAIRS)", lim.max_pairs);
	if (rc != CS_OK)
		return cli_fail("cookie parse: %s", cs_strerror(rc));
	rc = print_pairs(&jar) ? cli_fail("cookie parse: cannot write the output") :
	    CLI_OK;
	cs_cookies_free(&jar);
	return rc;
}

int
cli_cookie(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		puts("usage: " PARSE_USAGE "\n       " SET_USAGE);
		return CLI_HELP;
	}
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "parse") == 0)
		return cookie_parse(argc, argv);
	if (strcmp(argv[1], "set") == 0)
		return cookie_set(argc, argv);
	return usage();
}
