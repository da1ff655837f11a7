/*
 * cs_random_bytes serves small draws from a pool of the kernel CSPRNG's
 * bytes: no byte is handed out twice, and a forked child (a FastCGI
 * worker spawned from a parent that already drew) never hands out what
 * the parent will.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csess.h"

Test(random, consecutive_small_draws_never_repeat_across_pool_refills)
{
	static uint64_t seen[4096];
	size_t i, j;

	/* 32 KiB drawn 8 bytes at a time: many refills of the pool. */
	for (i = 0; i < 4096; i++)
		cr_assert_eq(cs_random_bytes(&seen[i], sizeof(seen[i])), CS_OK);
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			cr_assert_neq(seen[i], seen[j], "draws %zu and %zu repeat", i, j);
}

Test(random, a_forked_child_does_not_replay_the_parents_pool)
{
	unsigned char first[16], parent[64], child[64];
	int fds[2], status;
	pid_t pid;

	/* The parent's pool is filled, with bytes left for later draws. */
	cr_assert_eq(cs_random_bytes(first, sizeof(first)), CS_OK);
	cr_assert_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if (cs_random_bytes(child, sizeof(child)) != CS_OK ||
		    write(fds[1], child, sizeof(child)) != (ssize_t)sizeof(child))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(cs_random_bytes(parent, sizeof(parent)), CS_OK);
	cr_assert_neq(memcmp(parent, child, sizeof(child)), 0,
	    "the child handed out the bytes the parent draws next");
}

Test(random, large_draws_and_empty_draws_succeed)
{
	unsigned char big[4096], zero[4096] = { 0 };

	cr_assert_eq(cs_random_bytes(big, sizeof(big)), CS_OK);
	cr_assert_neq(memcmp(big, zero, sizeof(big)), 0);
	cr_assert_eq(cs_random_bytes(big, 0), CS_OK);
}

Test(random, random_strings_use_only_the_alphabet_and_reject_a_bad_one)
{
	char s[201];

	cr_assert_eq(cs_random_string(s, 200, "ab"), CS_OK);
	s[200] = '\0';
	cr_assert_eq(strspn(s, "ab"), 200);
	cr_assert_neq(strchr(s, 'a'), NULL);
	cr_assert_neq(strchr(s, 'b'), NULL);
	cr_assert_eq(cs_random_string(s, 10, ""), CS_ERR_INVALID);
}
