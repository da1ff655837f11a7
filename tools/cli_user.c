/*
 * cli_user.c -- csess user add|passwd|del NAME, user list, user import FILE.
 * Passwords arrive on stdin (one line; the trailing newline is not part of
 * it) so they never show in ps or shell history.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PASSWORD_MAX	4096

static int
read_password(struct cs_buf *pw)
{
	int rc = cli_read_stdin(pw, PASSWORD_MAX + 2);

	if (rc == CS_ERR_TOO_LARGE)
		return cli_fail("password longer than %d bytes", PASSWORD_MAX);
	if (rc)
		return cli_fail("cannot read the password from stdin");
	cli_chomp(pw);
	if (pw->len == 0)
		return cli_fail("empty password on stdin");
	if (memchr(pw->data, '\0', pw->len) || strchr(pw->data, '\n'))
		return cli_fail("the password must be one line");
	return CLI_OK;
}

static int
store_fail(const char *what, int rc)
{
	return cli_msg(rc == CS_ERR_NOT_FOUND || rc == CS_ERR_EXISTS ? CLI_NO :
	    CLI_USAGE, "%s: %s", what, cs_strerror(rc));
}

/* Hash pw and store it for name (create_only for "add"). */
static int
set_password(const struct cs_config *cfg, const char *name, bool create_only)
{
	struct cs_buf pw = { 0 }, hash = { 0 };
	struct cs_user u;
	char auth[65], *authp = NULL;
	int rc;

	if (!cs_username_valid(name))
		return cli_fail("invalid username '%s': use 1-150 of A-Z a-z 0-9 @ . + - _", name);
	if (!create_only) {
		if ((rc = cs_user_get(cfg, name, &u)))
			return store_fail(name, rc);
		cs_user_free(&u);
	}
	if ((rc = read_password(&pw))) {
		cs_buf_free(&pw);
		return rc;
	}
	rc = cs_password_hash(&hash, pw.data, pw.len, cfg->password_iterations, NULL);
	explicit_bzero(pw.data, pw.len);
	cs_buf_free(&pw);
	if (rc) {
		cs_buf_free(&hash);
		return cli_fail("cannot hash the password: %s", cs_strerror(rc));
	}
	if (cfg->secret_key && cs_session_auth_hash(auth, hash.data, cfg->secret_key) == CS_OK)
		authp = auth;
	rc = cs_user_put(cfg, name, hash.data, authp, create_only);
	cs_buf_free(&hash);
	/* A new password is a fresh start: its user is not locked out. */
	if (rc == CS_OK && !create_only)
		rc = cs_throttle_reset(cfg, name);
	return rc ? store_fail(name, rc) : CLI_OK;
}

static int
print_user(void *arg, const struct cs_user *u)
{
	(void)arg;
	puts(u->name);
	return 0;
}

/* No blank or control byte: the line format cannot carry them back out. */
static bool
printable(const char *h)
{
	for (; *h; h++)
		if ((unsigned char)*h <= ' ' || *h == 0x7f)
			return false;
	return true;
}

/*
 * Split "name:hash" in place and check both: a hash no login can match
 * (or one over PASSWORD_MAX_ITERATIONS) would lock its user out, so it is
 * refused here.  Returns CLI_OK, or CLI_USAGE after naming the line.
 */
static int
split_line(const struct cs_config *cfg, const char *path, long lineno,
    char *line, char **name, char **hash)
{
	char *colon = strchr(line, ':');
	size_t n = strlen(line);
	const char *why = NULL;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (colon == NULL)
		return cli_fail("%s:%ld: expected name:pbkdf2_sha256$iterations$salt$hash",
		    path, lineno);
	*colon = '\0';
	*name = line;
	*hash = colon + 1;
	if (!cs_username_valid(*name))
		return cli_fail("%s:%ld: invalid username: use 1-150 of A-Z a-z 0-9 @ . + - _",
		    path, lineno);
	if (!printable(*hash))
		why = "blank or control character";
	else if (cs_password_hash_valid(*hash, cfg->password_max_iterations,
	    &why) == CS_OK)
		return CLI_OK;
	return cli_fail("%s:%ld: user %s: unusable hash: %s", path, lineno,
	    *name, why ? why : "unusable");
}

/* Validate every line first, so a bad file changes nothing. */
static int
import_users(const struct cs_config *cfg, const char *path)
{
	FILE *f;
	char line[8192], *name = NULL, *hash = NULL, auth[65];
	const char *authp;
	long lineno = 0;
	int rc = CLI_OK, pass;

	if ((f = fopen(path, "re")) == NULL)
		return cli_fail("cannot open %s: %s", path, strerror(errno));
	for (pass = 0; pass < 2 && rc == CLI_OK; pass++) {
		rewind(f);
		lineno = 0;
		while (rc == CLI_OK && fgets(line, sizeof(line), f)) {
			lineno++;
			/* A longer line would come back in pieces, the tail of a
			 * comment read as a line of its own. */
			if (strchr(line, '\n') == NULL && !feof(f)) {
				rc = cli_fail("%s:%ld: line longer than %zu bytes",
				    path, lineno, sizeof(line) - 2);
				break;
			}
			if (line[0] == '\n' || line[0] == '#')
				continue;
			if ((rc = split_line(cfg, path, lineno, line, &name, &hash)) ||
			    pass == 0)
				continue;
			authp = cfg->secret_key &&
			    cs_session_auth_hash(auth, hash, cfg->secret_key) == CS_OK ? auth : NULL;
			if ((rc = cs_user_put(cfg, name, hash, authp, false)))
				rc = store_fail(name, rc);
		}
		if (rc == CLI_OK && ferror(f))
			rc = cli_fail("cannot read %s: %s", path, strerror(errno));
	}
	fclose(f);
	return rc;
}

int
cli_user(int argc, char **argv)
{
	struct cs_config cfg;
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc, need = !strcmp(cmd, "list") ? 2 : 3;

	if (strcmp(cmd, "add") && strcmp(cmd, "passwd") && strcmp(cmd, "del") &&
	    strcmp(cmd, "list") && strcmp(cmd, "import"))
		return cli_fail("usage: csess user add|passwd|del NAME | list | import FILE");
	if (argc != need)
		return cli_fail("usage: csess user %s%s", cmd,
		    need == 2 ? "" : !strcmp(cmd, "import") ? " FILE" : " NAME");
	if ((rc = cli_config(&cfg))) {
		cs_config_free(&cfg);
		return rc;
	}
	if (!strcmp(cmd, "add"))
		rc = set_password(&cfg, argv[2], true);
	else if (!strcmp(cmd, "passwd"))
		rc = set_password(&cfg, argv[2], false);
	else if (!strcmp(cmd, "del") && !cs_username_valid(argv[2]))
		/* No such name can be stored: a typo, not a negative answer. */
		rc = cli_fail("invalid username '%s': use 1-150 of A-Z a-z 0-9 @ . + - _",
		    argv[2]);
	else if (!strcmp(cmd, "del"))
		rc = (rc = cs_user_delete(&cfg, argv[2])) ? store_fail(argv[2], rc) : CLI_OK;
	else if (!strcmp(cmd, "list"))
		rc = (rc = cs_user_each(&cfg, print_user, NULL)) ? store_fail("list", rc) : CLI_OK;
	else
		rc = import_users(&cfg, argv[2]);
	cs_config_free(&cfg);
	return rc;
}
