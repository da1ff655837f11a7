/*
 * redis_url.h -- internal: where a Redis server is, as the SESSION_REDIS_*
 * settings name it.  Parsing only (no hiredis), so config.c can refuse a
 * bad URL with an error naming the setting.
 */
#ifndef CSESS_REDIS_URL_H
#define CSESS_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define CS_REDIS_HOST_MAX	255
#define CS_REDIS_PATH_MAX	107	/* sun_path */
#define CS_REDIS_PASS_MAX	512
#define CS_REDIS_POOL_MAX	64
#define CS_REDIS_WEIGHT_MAX	1000000

struct cs_redis_addr {
	bool	 unix_socket;
	char	 host[CS_REDIS_HOST_MAX + 1];	/* TCP */
	int	 port;
	char	 path[CS_REDIS_PATH_MAX + 1];	/* unix */
	char	 password[CS_REDIS_PASS_MAX + 1];	/* "" when none */
	long	 db;
	long	 weight;			/* pool weight, 1 by default */
};

/*
 * redis://[:password@]host[:port][/db][?weight=N] or
 * unix:///path[?db=N][&weight=N] (also unix://:password@/path).  NULL on
 * success, else why (static text).  rediss:// is refused: Debian's
 * hiredis is built without TLS.
 */
const char *csi_redis_url_parse(const char *url, size_t len,
	    struct cs_redis_addr *out);
/*
 * A comma-separated list of URLs (SESSION_REDIS_URL may name a weighted
 * pool) or of host:port (SESSION_REDIS_SENTINEL_LIST, sentinel true).
 * At most max entries into out (NULL: only validate); *n gets the count.
 * NULL or why.
 */
const char *csi_redis_list_parse(const char *list, bool sentinel,
	    struct cs_redis_addr *out, size_t max, size_t *n);
/* The address in words for messages ("127.0.0.1:6379", "unix:/p"); never
 * the password. */
void	 csi_redis_addr_text(const struct cs_redis_addr *, char *out, size_t);
/* The pool entry django-redis-sessions' POOL picks for key (its first
 * four characters, little-endian, modulo the total weight). */
size_t	 csi_redis_pool_pick(const long *weights, size_t n, const char *key);
/* config.c: NULL when v is a good value of the SESSION_REDIS_* setting
 * name, else why. */
const char *csi_redis_setting_why(const char *name, const char *v);

#endif
