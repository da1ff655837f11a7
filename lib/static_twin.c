/*
 * static_twin.c -- a statically linked program and the configurations it
 * cannot serve by itself.
 *
 * The gate, the protected page and logout are linked statically
 * (-static-pie, so ASLR is kept; the Makefile's STATIC_PROGS): as CGI each
 * starts once per request, and a static program skips the dynamic loader's
 * mapping and symbol binding, which cost more than the gate's own work
 * (bench/startup.sh).  But a static program must never load a shared
 * library: glibc would map a second libc beside its own, with its own
 * malloc and its own thread-specific keys colliding with LMDB's reader slot
 * key (seen: MDB_BAD_RSLOT), and built against another glibc version after
 * an upgrade.  Two configurations would load one: the cache engines
 * (libmemcached) and a Redis host given by name (glibc's resolver loads NSS
 * modules).  For those the static program re-executes its dynamically
 * linked twin, carried inside it (cgi-bin/twin.S), from a sealed memfd --
 * as runc re-executes itself -- so the one file dropped into a cgi-bin
 * serves every engine.
 * Everything else (LMDB, file, signed cookies, Redis by address) needs no
 * library: signatures use sha.c and zlib is linked in.
 */
#include <sys/auxv.h>
#include <sys/mman.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "csess/config.h"
#include "log.h"
#include "redis_url.h"
#include "static_twin.h"

extern char **environ;

/* Defined by cgi-bin/twin.S in a static program that carries a twin;
 * NULL everywhere else. */
extern const unsigned char csi_prog_twin[] __attribute__((weak));
extern const unsigned char csi_prog_twin_end[] __attribute__((weak));

static char **saved_argv;

/* glibc hands constructors main's arguments: the twin gets the same argv
 * (a CGI server may pass the words of an ISINDEX query there). */
__attribute__((constructor)) static void
save_argv(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)envp;
	saved_argv = argv;
}

bool
csi_static_program(void)
{
	/* No program interpreter (ld.so) was mapped: linked statically. */
	return getauxval(AT_BASE) == 0;
}

/* A TCP host a resolver must look up: not an IPv4 or IPv6 literal. */
static bool
named_host(const struct cs_redis_addr *a)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return !a->unix_socket && inet_pton(AF_INET, a->host, buf) != 1 &&
	    inet_pton(AF_INET6, a->host, buf) != 1;
}

/* Each entry parsed alone: one address on the stack, not a pool's worth
 * (a CGI start should not fault in 57 KiB of stack for this). */
static bool
list_names_a_host(const char *list, bool sentinel)
{
	char piece[1024];
	struct cs_redis_addr a;
	const char *p, *end;
	size_t n, len;

	for (p = list; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if ((len = (size_t)(end - p)) >= sizeof(piece))
			continue;
		memcpy(piece, p, len);
		piece[len] = '\0';
		if (csi_redis_list_parse(piece, sentinel, &a, 1, &n) == NULL &&
		    n == 1 && named_host(&a))
			return true;
	}
	return false;
}

const char *
csi_config_loads_libraries(const struct cs_config *cfg)
{
	const char *engine = cfg->session_engine ? cfg->session_engine : "";
	const char *sentinels;

	if (strcmp(engine, "cache") == 0 || strcmp(engine, "cached_db") == 0)
		return "the cache engines load libmemcached";
	if (strcmp(engine, "redis") != 0)
		return NULL;
	sentinels = cfg->session_redis_sentinel_list;
	if (sentinels && *sentinels ? list_names_a_host(sentinels, true) :
	    list_names_a_host(cfg->session_redis_url, false))
		return "a Redis host given by name is looked up through NSS modules";
	return NULL;
}

static int
write_image(int fd, const unsigned char *p, size_t left)
{
	ssize_t k;

	while (left > 0) {
		if ((k = write(fd, p, left)) < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		left -= (size_t)k;
	}
	return 0;
}

void
csi_static_twin_exec(const char *why)
{
	const unsigned char *start = csi_prog_twin, *end = csi_prog_twin_end;
	int fd, saved;

	if (start == NULL || end <= start || saved_argv == NULL)
		return;
	/* Sealed before the exec: nothing can change the image under it. */
	if ((fd = memfd_create("csess-twin", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0 ||
	    write_image(fd, start, (size_t)(end - start)) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL) != 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
	} else {
		fexecve(fd, saved_argv, environ);
		saved = errno;
		close(fd);
		errno = saved;
	}
	csi_log(CS_LOG_ERROR, "statically linked program: %s, and its dynamically "
	    "linked twin cannot be started: %s", why, strerror(errno));
}
