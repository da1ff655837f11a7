/*
 * bench_machine.c -- what the machine charges for the three things a page
 * that writes its session does besides computing: a system call, a
 * wakeup of another process, and a data sync of one rewritten page.  The
 * anchors compare the protected page with a bare LMDB commit loop; the
 * page pays for ~14 system calls, four process wakeups (wrk, nginx, the
 * worker, back) and one sync per request, the loop for ~6 calls and one
 * sync.  Where calls and wakeups are dear (a paravirtualised guest), the
 * page falls further behind the loop than the disk alone explains; these
 * numbers go into RESULTS.md's machine table so that a reader can tell.
 *
 *   build/rel/bench/bench_machine [DIR]   (DIR: where the sync file goes;
 *                                          default $BENCH_TMP or /var/tmp)
 *
 * Each figure is the median of 9 rounds.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define ROUNDS		9
#define CALLS		200000	/* system calls per round */
#define TRIPS		5000	/* pipe round trips per round */
#define SYNCS		100	/* page rewrites and syncs per round */

static double
median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), bench_cmp_double);
	return v[ROUNDS / 2];
}

/* Microseconds per getppid(2), made as a real call (no vDSO, no cache). */
static double
syscall_us(void)
{
	double t0 = bench_now();
	int i;

	for (i = 0; i < CALLS; i++)
		(void)syscall(SYS_getppid);
	return (bench_now() - t0) * 1e6 / CALLS;
}

/*
 * Microseconds per round trip of one byte between two processes over a
 * pair of pipes: two wakeups and two context switches each.  -1: failed.
 */
static double
pingpong_us(void)
{
	int to[2], from[2], i, status;
	char b = 0;
	double t0, t;
	pid_t pid;

	if (pipe(to) || pipe(from))
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		while (read(to[0], &b, 1) == 1 && write(from[1], &b, 1) == 1)
			;
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	t0 = bench_now();
	for (i = 0; i < TRIPS; i++)
		if (write(to[1], &b, 1) != 1 || read(from[0], &b, 1) != 1)
			break;
	t = i == TRIPS ? (bench_now() - t0) * 1e6 / TRIPS : -1;
	close(to[1]);
	close(from[0]);
	waitpid(pid, &status, 0);
	return t;
}

/* Microseconds per rewrite of one 4 KiB page plus fdatasync(2). */
static double
sync_us(int fd)
{
	char page[4096];
	double t0;
	int i;

	memset(page, 'x', sizeof(page));
	t0 = bench_now();
	for (i = 0; i < SYNCS; i++) {
		page[0] = (char)i;
		if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
		    fdatasync(fd) != 0)
			return -1;
	}
	return (bench_now() - t0) * 1e6 / SYNCS;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("BENCH_TMP");
	const char *dir = argc > 1 ? argv[1] : env && *env ? env : "/var/tmp";
	double sc[ROUNDS], pp[ROUNDS], sy[ROUNDS];
	char path[512];
	int r, fd;

	snprintf(path, sizeof(path), "%s/csess-bench-sync.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		perror("bench_machine: mkstemp");
		return 1;
	}
	unlink(path);
	for (r = 0; r < ROUNDS; r++) {
		sc[r] = syscall_us();
		pp[r] = pingpong_us();
		sy[r] = sync_us(fd);
		if (pp[r] < 0 || sy[r] < 0) {
			perror("bench_machine");
			return 1;
		}
	}
	close(fd);
	printf("%-46s %10.3f us\n", "system call (getppid)", median(sc));
	printf("%-46s %10.1f us\n", "wakeup round trip (pipe, 2 processes)",
	    median(pp));
	printf("%-46s %10.0f us\n", "rewrite one 4 KiB page + fdatasync", median(sy));
	return 0;
}
