/*
 * bench_cookie.c -- in-process Cookie header parse time per header.
 *
 *   build/rel/bench/bench_cookie [top-cookie-headers.json] [rounds]
 *
 * The corpus is a JSON object of site -> Cookie header (default path
 * bench/data/top-cookie-headers.json, relative to the repository root).
 * Each round parses every header many times (parse + free, so the one
 * allocation per header is counted) and divides by the number of parses;
 * the median and the minimum over the rounds are printed in ns/header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bench.h"
#include "csess.h"

#define DEFAULT_CORPUS	"bench/data/top-cookie-headers.json"
#define INNER		2000	/* passes over the corpus per round */

struct header {
	char	*s;
	size_t	 len;
};

static size_t
load(const char *path, struct header **out)
{
	json_error_t err;
	json_t *root, *v;
	const char *k;
	struct header *h;
	size_t n = 0;

	if ((root = json_load_file(path, 0, &err)) == NULL) {
		fprintf(stderr, "bench_cookie: %s: %s (line %d)\n", path, err.text,
		    err.line);
		exit(2);
	}
	if (!json_is_object(root) || json_object_size(root) == 0) {
		fprintf(stderr, "bench_cookie: %s: not an object of headers\n", path);
		exit(2);
	}
	h = calloc(json_object_size(root), sizeof(*h));
	if (h == NULL)
		exit(2);
	json_object_foreach(root, k, v) {
		if (!json_is_string(v))
			continue;
		h[n].len = json_string_length(v);
		h[n].s = malloc(h[n].len + 1);
		if (h[n].s == NULL)
			exit(2);
		memcpy(h[n].s, json_string_value(v), h[n].len + 1);
		n++;
	}
	json_decref(root);
	*out = h;
	return n;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : DEFAULT_CORPUS;
	int rounds = argc > 2 ? atoi(argv[2]) : 51;
	struct header *h;
	struct cs_cookies c;
	size_t n, i, pairs = 0, bytes = 0;
	double *per, *floor_ns, t0;
	volatile size_t sink = 0;
	int r, k;

	if (rounds < 1)
		rounds = 1;
	n = load(path, &h);
	per = calloc((size_t)rounds, sizeof(*per));
	floor_ns = calloc((size_t)rounds, sizeof(*floor_ns));
	if (per == NULL || floor_ns == NULL)
		return 2;
	for (i = 0; i < n; i++) {
		if (cs_cookies_parse(&c, h[i].s, h[i].len, NULL) != CS_OK) {
			fprintf(stderr, "bench_cookie: header %zu does not parse\n", i);
			return 1;
		}
		pairs += c.count;
		bytes += h[i].len;
		cs_cookies_free(&c);
	}
	for (r = -3; r < rounds; r++) {		/* three warm-up rounds */
		t0 = bench_now() * 1e9;
		for (k = 0; k < INNER; k++)
			for (i = 0; i < n; i++) {
				cs_cookies_parse(&c, h[i].s, h[i].len, NULL);
				sink += c.count;
				cs_cookies_free(&c);
			}
		if (r >= 0)
			per[r] = (bench_now() * 1e9 - t0) / ((double)INNER * (double)n);
	}
	/* The floor: the allocation and copy every parse makes, nothing else. */
	for (r = -3; r < rounds; r++) {
		t0 = bench_now() * 1e9;
		for (k = 0; k < INNER; k++)
			for (i = 0; i < n; i++) {
				char *m = malloc(h[i].len + 1);

				memcpy(m, h[i].s, h[i].len + 1);
				sink += (unsigned char)m[h[i].len / 2];
				free(m);
			}
		if (r >= 0)
			floor_ns[r] = (bench_now() * 1e9 - t0) / ((double)INNER * (double)n);
	}
	qsort(per, (size_t)rounds, sizeof(*per), bench_cmp_double);
	qsort(floor_ns, (size_t)rounds, sizeof(*floor_ns), bench_cmp_double);
	printf("cookie parse: %zu headers, %zu pairs, %.0f bytes/header average\n",
	    n, pairs, (double)bytes / (double)n);
	printf("cookie parse: median %.1f ns/header, min %.1f ns/header "
	    "(%d rounds x %d passes)\n", per[rounds / 2], per[0], rounds, INNER);
	printf("floor (malloc + copy + free): median %.1f ns/header; "
	    "parse/floor %.2f\n", floor_ns[rounds / 2],
	    per[rounds / 2] / floor_ns[rounds / 2]);
	for (i = 0; i < n; i++)
		free(h[i].s);
	free(h);
	free(per);
	free(floor_ns);
	return sink == 0;
}
