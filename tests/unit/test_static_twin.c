/*
 * Which configurations a statically linked program (cgi-bin/gate,
 * protected, logout) hands to its dynamically linked twin: those that
 * would load a shared library (lib/static_twin.c).  The twin itself is
 * run by tests/programs/gate.sh.
 */
#include <criterion/criterion.h>

#include "csess.h"
#include "static_twin.h"

static struct cs_config cfg;

static const char *
why(const char *engine, const char *url, const char *sentinels)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.session_engine = (char *)engine;
	cfg.session_redis_url = (char *)url;
	cfg.session_redis_sentinel_list = (char *)sentinels;
	return csi_config_loads_libraries(&cfg);
}

Test(static_twin, engines_that_load_nothing_stay)
{
	cr_expect_null(why("lmdb", "redis://db.example:6379/0", NULL));
	cr_expect_null(why("file", NULL, NULL));
	cr_expect_null(why("signed_cookies", NULL, NULL));
}

Test(static_twin, cache_engines_load_libmemcached)
{
	cr_expect_not_null(why("cache", NULL, NULL));
	cr_expect_not_null(why("cached_db", NULL, NULL));
}

Test(static_twin, redis_by_address_stays_by_name_goes)
{
	cr_expect_null(why("redis", "redis://127.0.0.1:6379/0", NULL));
	cr_expect_null(why("redis", "redis://[::1]:6379/0", NULL));
	cr_expect_null(why("redis", "unix:///run/redis.sock?db=1", NULL));
	cr_expect_null(why("redis", "redis://10.0.0.1/0?weight=2,redis://10.0.0.2/0", NULL));
	cr_expect_not_null(why("redis", "redis://localhost:6379/0", NULL));
	cr_expect_not_null(why("redis", "redis://10.0.0.1/0,redis://cache.example/0", NULL));
}

Test(static_twin, with_sentinels_their_hosts_count)
{
	cr_expect_null(why("redis", "redis://localhost/0", "127.0.0.1:26379,127.0.0.2:26379"));
	cr_expect_not_null(why("redis", "redis://127.0.0.1/0", "127.0.0.1:26379,sentinel.example:26379"));
	cr_expect_not_null(why("redis", "redis://db.example/0", ""));
}

Test(static_twin, a_test_binary_is_not_static)
{
	cr_expect_not(csi_static_program());
}
