/*
 * fuzz_config.c -- libFuzzer target for the configuration: settings from
 * the environment (one "CSESS_NAME=value" per input line), from a
 * CSESS_CONFIG file (the input is the file), and address lists
 * (TRUSTED_PROXIES).
 *
 * Loading must answer CS_OK or CS_ERR_CONFIG with a message, leak nothing
 * either way, and a configuration it accepted must pass the deployment
 * check without trouble.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "csess.h"

#define MAX_VARS	64

static void
count_warning(void *arg, const char *setting, const char *msg)
{
	FUZZ_CHECK(setting != NULL && msg != NULL);
	(*(int *)arg)++;
}

static void
load(char *const *envp)
{
	struct cs_config cfg;
	char err[256];
	int rc, warnings = 0;

	rc = cs_config_load_env(&cfg, envp, err, sizeof(err));
	FUZZ_CHECK(rc == CS_OK || rc == CS_ERR_CONFIG || rc == CS_ERR_NOMEM);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == CS_OK) {
		FUZZ_CHECK(cfg.session_store != NULL && *cfg.session_store);
		FUZZ_CHECK(cfg.password_iterations <= cfg.password_max_iterations);
		FUZZ_CHECK(cs_config_check(&cfg, count_warning, &warnings) == warnings);
	} else
		FUZZ_CHECK(err[0] != '\0');
	cs_config_free(&cfg);
}

/* Each line is one environment string. */
static void
from_env(char *s)
{
	char *envp[MAX_VARS + 1], *line;
	size_t n = 0;

	while (n < MAX_VARS && (line = strsep(&s, "\n")) != NULL)
		envp[n++] = line;
	envp[n] = NULL;
	load(envp);
}

/* The input as a CSESS_CONFIG file (in memory: no disk per execution). */
static void
from_file(const uint8_t *d, size_t n)
{
	char var[64], *envp[] = { var, NULL };
	int fd;

	if ((fd = memfd_create("csess.conf", MFD_CLOEXEC)) == -1)
		abort();
	if (write(fd, d, n) != (ssize_t)n)
		abort();
	snprintf(var, sizeof(var), "CSESS_CONFIG=/proc/self/fd/%d", fd);
	load(envp);
	close(fd);
}

/* "list\naddr": the address test must not depend on anything else. */
static void
addr_listed(char *s)
{
	char *addr = strchr(s, '\n');

	if (addr == NULL)
		return;
	*addr++ = '\0';
	if (cs_config_addr_listed(s, addr))
		FUZZ_CHECK(*s != '\0' && *addr != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fuzz_strndup(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: from_env(s); break;
	case 1: from_file(data + 1, size - 1); break;
	default: addr_listed(s); break;
	}
	free(s);
	return 0;
}
