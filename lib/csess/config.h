/*
 * csess/config.h -- settings, named as Django names them.
 *
 * Each setting is read from the environment variable CSESS_<NAME>, else
 * from the file named by CSESS_CONFIG (lines "NAME = value", '#' comments),
 * else its default.  A bad value is an error that names the setting.
 */
#ifndef CSESS_CONFIG_H
#define CSESS_CONFIG_H

#include "base.h"

/* What this header declares is the library's interface: exported. */
#pragma GCC visibility push(default)

enum cs_samesite {
	CS_SAMESITE_OMIT = 0,	/* no SameSite attribute */
	CS_SAMESITE_STRICT,
	CS_SAMESITE_LAX,
	CS_SAMESITE_NONE,
	CS_SAMESITE__MAX
};

enum cs_secure {
	CS_SECURE_OFF = 0,
	CS_SECURE_ON,
	CS_SECURE_AUTO		/* on when the request came over HTTPS */
};

enum cs_sync {
	CS_SYNC_FULL = 0,	/* fsync data and meta page on every commit */
	CS_SYNC_META,		/* MDB_NOMETASYNC: an OS crash may undo the last commit */
	CS_SYNC_NONE		/* MDB_NOSYNC + periodic sync: an OS crash may lose recent commits */
};

/* X_FRAME_OPTIONS, also sent as CSP frame-ancestors ('none' or 'self'). */
enum cs_frame_options {
	CS_FRAME_DENY = 0,
	CS_FRAME_SAMEORIGIN
};

struct cs_config {
	char		*secret_key;		/* NULL when unset */
	char	       **secret_key_fallbacks;	/* NULL-terminated, may be empty */
	size_t		 n_secret_key_fallbacks;
	char		*session_engine;	/* lmdb, file, signed_cookies, redis, cache, cached_db */
	char		*session_store;
	char		*session_file_path;	/* NULL: system temp dir */
	char		*session_redis_url;	/* one URL, or a weighted pool */
	char		*session_redis_prefix;	/* NULL: bare keys */
	int64_t		 session_redis_timeout_ms;	/* SESSION_REDIS_SOCKET_TIMEOUT */
	char		*session_redis_sentinel_list;	/* NULL: no Sentinel */
	char		*session_redis_sentinel_master_alias;
	char		*session_cache_url;
	char		*session_cookie_name;
	int64_t		 session_cookie_age;
	char		*session_cookie_domain;	/* NULL: host-only */
	char		*session_cookie_path;
	enum cs_secure	 session_cookie_secure;
	bool		 session_cookie_httponly;
	enum cs_samesite session_cookie_samesite;
	bool		 session_save_every_request;
	bool		 session_expire_at_browser_close;
	enum cs_sync	 session_sync;
	int64_t		 session_touch_interval;
	char		*login_url;
	char		*login_redirect_url;
	char		*logout_redirect_url;
	char		*csrf_cookie_name;
	long		 password_iterations;
	long		 password_max_iterations;	/* PASSWORD_MAX_ITERATIONS: a stored hash's bound */
	long		 login_failures_per_user;
	long		 login_failures_per_address;
	int64_t		 login_failure_window;
	char		*template_dir;		/* NULL: built-in pages */
	size_t		 data_upload_max_memory_size;
	/* Django's XFrameOptionsMiddleware and SecurityMiddleware headers,
	 * sent on every response that does not set its own (cs_serve). */
	enum cs_frame_options x_frame_options;		/* DENY */
	bool		 secure_content_type_nosniff;		/* true */
	char		*secure_referrer_policy;		/* same-origin; NULL: omitted */
	char		*secure_cross_origin_opener_policy;	/* same-origin; NULL: omitted */

	/* csess's own settings (not Django's) */
	size_t		 cookie_header_max_size;	/* COOKIE_HEADER_MAX_SIZE, 8192 */
	size_t		 cookie_max_pairs;		/* COOKIE_MAX_PAIRS, 3000 */
	size_t		 session_store_map_size;	/* SESSION_STORE_MAP_SIZE, initial LMDB map, 64 MiB */
	size_t		 session_store_max_size;	/* SESSION_STORE_MAX_SIZE, growth cap, 4 GiB */
	bool		 signing_accept_sha1;		/* SIGNING_ACCEPT_SHA1: Django 3.2 legacy, false */
	bool		 signed_cookie_salt_v2;		/* SIGNED_COOKIE_SALT: legacy (false) or v2 */
	char		*trusted_proxies;		/* TRUSTED_PROXIES: addresses whose X-Forwarded-For is believed, NULL: none */

	/* Not a setting: set by a caller that inspects or maintains a store
	 * (csess sessions list, user list, ...).  Opening then refuses a
	 * missing SESSION_STORE ("SESSION_STORE: no store at PATH") instead
	 * of creating an empty one, so a typo in the path is an error. */
	bool		 session_store_existing;
};

/*
 * Fill cfg from defaults, CSESS_CONFIG and the environment (getenv).
 * On error returns CS_ERR_CONFIG (or CS_ERR_NOMEM/CS_ERR_IO) and writes one
 * line naming the setting into err.  cfg must be freed in every case.
 */
int	 cs_config_load(struct cs_config *cfg, char *err, size_t errlen);

/* Same, reading variables from envp ("NAME=value" strings) instead of environ. */
int	 cs_config_load_env(struct cs_config *cfg, char *const *envp,
	    char *err, size_t errlen);

void	 cs_config_free(struct cs_config *cfg);

/* True when addr (IPv4 or IPv6 text) is one of the comma-separated
 * addresses in list (TRUSTED_PROXIES); compared as addresses, so "::1"
 * matches "0::1" and "::ffff:127.0.0.1" matches "127.0.0.1". */
bool	 cs_config_addr_listed(const char *list, const char *addr);

/*
 * Deployment warnings (like django-admin check --deploy): weak secret,
 * insecure cookies, ...  Calls warn once per finding; returns the count.
 */
int	 cs_config_check(const struct cs_config *cfg,
	    void (*warn)(void *arg, const char *setting, const char *msg), void *arg);

#pragma GCC visibility pop
#endif
