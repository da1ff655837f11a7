/*
 * test_store_lmdb_import.c -- a refused import line gives back every
 * byte it took: "sessions import" of many lines whose data is over the
 * record limit must not grow the heap (the decoded data was kept).
 */
#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
/* From libasan; GCC ships no allocator_interface.h. */
size_t	__sanitizer_get_current_allocated_bytes(void);
#endif

#include "store_fixture.h"

static size_t
heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	/* Chunks this large may be mmapped: hblkhd counts those. */
	return mi.uordblks + mi.hblkhd;
#endif
}

/* One import line whose "data" is a string of n bytes. */
static char *
big_line(size_t n, size_t *len)
{
	static const char head[] = "{\"expire\": 4102444800, \"data\": {\"x\": \"";
	static const char tail[] = "\"}}\n";
	char *s = malloc(sizeof(head) + n + sizeof(tail));

	cr_assert_not_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', n);
	memcpy(s + sizeof(head) - 1 + n, tail, sizeof(tail));
	*len = sizeof(head) - 1 + n + sizeof(tail) - 1;
	return s;
}

static int
import_text(struct fx *f, const char *text, size_t len, char *err, size_t errlen)
{
	FILE *in = fmemopen((void *)text, len, "r");
	uint64_t count;
	size_t bad;
	int rc;

	cr_assert_not_null(in);
	rc = cs_lmdb_import(f->st, in, &count, &bad, err, errlen);
	fclose(in);
	return rc;
}

Test(store_import, data_over_the_limit_is_refused_without_keeping_it)
{
	struct fx f;
	char err[256], *line;
	size_t len, before, after;
	int i;

	fx_open(&f);
	line = big_line(CS_LMDB_DATA_MAX + 1, &len);
	/* The first pass settles the allocator and the store's own caches. */
	cr_assert_eq(import_text(&f, line, len, err, sizeof(err)), CS_ERR_INVALID);
	cr_assert(strstr(err, "over") != NULL, "%s", err);
	before = heap_in_use();
	for (i = 0; i < 8; i++)
		cr_assert_eq(import_text(&f, line, len, err, sizeof(err)),
		    CS_ERR_INVALID);
	after = heap_in_use();
	/* A kept buffer is over 1 MiB per line: 8 MiB in all. */
	cr_assert_lt(after, before + (size_t)CS_LMDB_DATA_MAX,
	    "heap grew by %zu bytes over 8 refused imports", after - before);
	free(line);
	fx_close(&f);
}

Test(store_import, data_at_the_limit_is_imported)
{
	struct fx f;
	char err[256], *line;
	size_t len;

	fx_open(&f);
	/* {"x":"aaa..."} compact is 8 bytes more than the string. */
	line = big_line(CS_LMDB_DATA_MAX - 8, &len);
	cr_assert_eq(import_text(&f, line, len, err, sizeof(err)), CS_OK, "%s", err);
	free(line);
	fx_close(&f);
}
