/*
 * cli_user.c -- csess user add|passwd|del NAME, user list, user import FILE.
 * Passwords arrive on stdin (one line; the trailing newline is not part of
 * it) so they never show in ps or shell history.  When stdin is a terminal
 * they are asked for twice, without echo, as passwd(1) does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define PASSWORD_MAX	4096

/* One line, not empty, no NUL: what a password may be. */
static int
check_password(const struct cs_buf *pw, const char *from)
{
	if (pw->len == 0)
		return cli_fail("empty password on %s", from);
	if (memchr(pw->data, '\0', pw->len) || strchr(pw->data, '\n'))
		return cli_fail("the password must be one line");
	return CLI_OK;
}

static int
read_password(struct cs_buf *pw)
{
	int rc = cli_read_stdin(pw, PASSWORD_MAX + 2);

	if (rc == CS_ERR_TOO_LARGE)
		return cli_fail("password longer than %d bytes", PASSWORD_MAX);
	if (rc)
		return cli_fail("cannot read the password from stdin");
	cli_chomp(pw);
	return check_password(pw, "stdin");
}

/* The terminal's settings while echo is off, for the signal handler. */
static struct termios saved_tty;
static volatile sig_atomic_t echo_off;

static void
restore_echo(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Prompt on the terminal and read one line with echo off. */
static int
prompt_line(int out, const char *prompt, struct cs_buf *pw)
{
	struct termios t;
	char c;
	ssize_t n;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return cli_fail("cannot use the terminal: %s", strerror(errno));
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	echo_off = 1;
	signal(SIGINT, restore_echo);
	signal(SIGTERM, restore_echo);
	signal(SIGHUP, restore_echo);
	/* Echo off before the prompt: what is typed after it stays hidden
	 * and is not flushed away. */
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	if (write(out, prompt, strlen(prompt)) < 0) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		echo_off = 0;
		return cli_fail("cannot use the terminal: %s", strerror(errno));
	}
	while ((n = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
		if (pw->len <= PASSWORD_MAX && cs_buf_append(pw, &c, 1))
			break;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	echo_off = 0;
	(void)!write(out, "\n", 1);
	if (n < 0)
		return cli_fail("cannot read the password: %s", strerror(errno));
	if (pw->data == NULL && cs_buf_append(pw, "", 0))
		return cli_fail("out of memory");
	if (pw->len > PASSWORD_MAX)
		return cli_fail("password longer than %d bytes", PASSWORD_MAX);
	if (pw->len && pw->data[pw->len - 1] == '\r')
		pw->data[--pw->len] = '\0';
	return check_password(pw, "the terminal");
}

/* Twice, without echo; the two must match. */
static int
ask_password(struct cs_buf *pw)
{
	struct cs_buf again = { 0 };
	int out, rc;

	if ((out = open("/dev/tty", O_WRONLY | O_CLOEXEC)) < 0)
		out = STDERR_FILENO;
	if ((rc = prompt_line(out, "Password: ", pw)) == CLI_OK &&
	    (rc = prompt_line(out, "Password (again): ", &again)) == CLI_OK &&
	    (again.len != pw->len || memcmp(again.data, pw->data, pw->len)))
		rc = cli_fail("passwords do not match");
	if (again.data)
		explicit_bzero(again.data, again.len);
	cs_buf_free(&again);
	if (out != STDERR_FILENO)
		close(out);
	return rc;
}

static int
get_password(struct cs_buf *pw)
{
	return isatty(STDIN_FILENO) ? ask_password(pw) : read_password(pw);
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
	if ((rc = get_password(&pw))) {
		if (pw.data)
			explicit_bzero(pw.data, pw.len);
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

/* Standard input as a file that can be read twice (validate, then store). */
static FILE *
spool_stdin(void)
{
	char buf[8192];
	size_t n;
	FILE *f;

	if ((f = tmpfile()) == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	if (ferror(stdin) || ferror(f) || fflush(f) == EOF) {
		fclose(f);
		return NULL;
	}
	return f;
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

	if (CLI_STDIN(path)) {
		if ((f = spool_stdin()) == NULL)
			return cli_fail("cannot read stdin: %s", strerror(errno));
		path = "stdin";
	} else if ((f = fopen(path, "re")) == NULL)
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

#define USER_USAGE	"csess user add NAME | passwd NAME | del NAME | list | " \
	"import FILE|-"

static const struct {
	const char	*name;
	const char	*usage;
	int		 nargs;
	bool		 creates;	/* may create the store */
} subs[] = {
	{ "add", "csess user add NAME", 1, true },
	{ "passwd", "csess user passwd NAME", 1, false },
	{ "del", "csess user del NAME", 1, false },
	{ "list", "csess user list", 0, false },
	{ "import", "csess user import FILE (- for stdin)", 1, true },
};

static int
run(const struct cs_config *cfg, const char *cmd, const char *arg)
{
	int rc;

	if (!strcmp(cmd, "add"))
		return set_password(cfg, arg, true);
	if (!strcmp(cmd, "passwd"))
		return set_password(cfg, arg, false);
	if (!strcmp(cmd, "del") && !cs_username_valid(arg))
		/* No such name can be stored: a typo, not a negative answer. */
		return cli_fail("invalid username '%s': use 1-150 of A-Z a-z 0-9 @ . + - _",
		    arg);
	if (!strcmp(cmd, "del"))
		return (rc = cs_user_delete(cfg, arg)) ? store_fail(arg, rc) : CLI_OK;
	if (!strcmp(cmd, "list"))
		return (rc = cs_user_each(cfg, print_user, NULL)) ?
		    store_fail("list", rc) : CLI_OK;
	return import_users(cfg, arg);
}

int
cli_user(int argc, char **argv)
{
	struct cs_config cfg;
	const char *cmd = argc > 1 ? argv[1] : "", *arg = NULL;
	char what[32];
	size_t i;
	int rc;

	if (!strcmp(cmd, "--help")) {
		puts("usage: " USER_USAGE);
		return CLI_HELP;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(cmd, subs[i].name))
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return cli_fail("usage: " USER_USAGE);
	snprintf(what, sizeof(what), "user %s", cmd);
	if ((rc = cli_words(argc, argv, 2, what, subs[i].usage, subs[i].nargs,
	    subs[i].nargs, &arg)))
		return rc;
	if ((rc = cli_config(&cfg)) == CLI_OK &&
	    (subs[i].creates || (rc = cli_existing_store(&cfg, what)) == CLI_OK))
		rc = run(&cfg, cmd, arg);
	cs_config_free(&cfg);
	return rc;
}
