/*
 * test_config.c -- settings: CSESS_<NAME> environment > CSESS_CONFIG file
 * > defaults; every bad value is an error that names the setting.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csess/config.h"

static struct cs_config cfg;
static char err[512];
static char dir[] = "/tmp/csess-config.XXXXXX";
static char path[256], cfgvar[300];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/csess.conf", dir);
	snprintf(cfgvar, sizeof(cfgvar), "CSESS_CONFIG=%s", path);
}

static void
teardown(void)
{
	cs_config_free(&cfg);
	unlink(path);
	rmdir(dir);
}

TestSuite(config, .init = setup, .fini = teardown);

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static int
load(char **envp)
{
	cs_config_free(&cfg);
	return cs_config_load_env(&cfg, envp, err, sizeof(err));
}

/* The error is one line that starts with (or, from a file, contains) the name. */
static void
assert_names(const char *name)
{
	cr_assert(strstr(err, name) != NULL, "error does not name %s: %s", name, err);
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
}

Test(config, defaults_are_djangos)
{
	char *env[] = { NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_null(cfg.secret_key);
	cr_assert_eq(cfg.n_secret_key_fallbacks, 0);
	cr_assert_not_null(cfg.secret_key_fallbacks);
	cr_assert_null(cfg.secret_key_fallbacks[0]);
	cr_assert_str_eq(cfg.session_engine, "lmdb");
	cr_assert_str_eq(cfg.session_store, "/var/lib/csess/sessions.mdb");
	cr_assert_null(cfg.session_file_path);
	cr_assert_str_eq(cfg.session_cookie_name, "sessionid");
	cr_assert_eq(cfg.session_cookie_age, 1209600);
	cr_assert_null(cfg.session_cookie_domain);
	cr_assert_str_eq(cfg.session_cookie_path, "/");
	cr_assert_eq(cfg.session_cookie_secure, CS_SECURE_OFF);
	cr_assert(cfg.session_cookie_httponly);
	cr_assert_eq(cfg.session_cookie_samesite, CS_SAMESITE_LAX);
	cr_assert_not(cfg.session_save_every_request);
	cr_assert_not(cfg.session_expire_at_browser_close);
	cr_assert_eq(cfg.session_sync, CS_SYNC_FULL);
	cr_assert_str_eq(cfg.login_url, "/login");
	cr_assert_str_eq(cfg.login_redirect_url, "/protected");
	cr_assert_str_eq(cfg.logout_redirect_url, "/login");
	cr_assert_str_eq(cfg.csrf_cookie_name, "csrftoken");
	cr_assert_eq(cfg.password_iterations, 600000);
	cr_assert_eq(cfg.session_touch_interval, 60);
	cr_assert_eq(cfg.login_failures_per_user, 5);
	cr_assert_eq(cfg.login_failures_per_address, 50);
	cr_assert_eq(cfg.login_failure_window, 900);
	cr_assert_null(cfg.template_dir);
	cr_assert_eq(cfg.data_upload_max_memory_size, 2621440);
	cr_assert_eq(cfg.cookie_header_max_size, 8192);
	cr_assert_eq(cfg.cookie_max_pairs, 3000);
	cr_assert_eq(cfg.x_frame_options, CS_FRAME_DENY);
	cr_assert(cfg.secure_content_type_nosniff);
	cr_assert_str_eq(cfg.secure_referrer_policy, "same-origin");
	cr_assert_str_eq(cfg.secure_cross_origin_opener_policy, "same-origin");
}

Test(config, null_environment_gives_defaults)
{
	cr_assert_eq(load(NULL), CS_OK, "%s", err);
	cr_assert_str_eq(cfg.session_cookie_name, "sessionid");
}

Test(config, environment_beats_file_beats_default)
{
	char *env[] = { cfgvar, "CSESS_SESSION_COOKIE_NAME=fromenv", NULL };

	write_file("SESSION_COOKIE_NAME = fromfile\nLOGIN_URL = /file-login\n");
	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_str_eq(cfg.session_cookie_name, "fromenv");
	cr_assert_str_eq(cfg.login_url, "/file-login");
	cr_assert_str_eq(cfg.logout_redirect_url, "/login");
}

Test(config, environment_setting_skips_the_files_value_even_a_bad_one)
{
	char *env[] = { cfgvar, "CSESS_SESSION_COOKIE_AGE=5", NULL };

	write_file("SESSION_COOKIE_AGE = never\n");
	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_eq(cfg.session_cookie_age, 5);
}

Test(config, similar_variable_names_do_not_match)
{
	char *env[] = { "CSESS_SESSION_COOKIE_AGE_X=5", "SESSION_COOKIE_AGE=6",
		"CSESS_SESSION_COOKIE=7", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_eq(cfg.session_cookie_age, 1209600);
}

Test(config, process_environment_is_read_by_cs_config_load)
{
	setenv("CSESS_SESSION_COOKIE_NAME", "fromprocess", 1);
	unsetenv("CSESS_CONFIG");
	cs_config_free(&cfg);
	cr_assert_eq(cs_config_load(&cfg, err, sizeof(err)), CS_OK, "%s", err);
	cr_assert_str_eq(cfg.session_cookie_name, "fromprocess");
}

Test(config, file_comments_blank_lines_quotes_and_crlf)
{
	char *env[] = { cfgvar, NULL };

	write_file("# csess settings\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "SECRET_KEY = \"a secret # with hash\"\n"
	    "SESSION_COOKIE_NAME='quoted'\r\n"
	    "\tLOGIN_URL\t=\t/in  \n"
	    "CSRF_COOKIE_NAME = a#b\n"
	    "SESSION_COOKIE_DOMAIN = \"\"\n"
	    "TEMPLATE_DIR = \"mismatched'\n");
	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_str_eq(cfg.secret_key, "a secret # with hash");
	cr_assert_str_eq(cfg.session_cookie_name, "quoted");
	cr_assert_str_eq(cfg.login_url, "/in");
	cr_assert_str_eq(cfg.csrf_cookie_name, "a#b", "no inline comments: '#' may be in a key");
	cr_assert_null(cfg.session_cookie_domain, "empty means unset");
	cr_assert_str_eq(cfg.template_dir, "\"mismatched'");
}

Test(config, later_file_line_wins)
{
	char *env[] = { cfgvar, NULL };

	write_file("SESSION_COOKIE_AGE = 10\nSESSION_COOKIE_AGE = 20\n");
	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_eq(cfg.session_cookie_age, 20);
}

Test(config, unknown_setting_in_file_is_an_error)
{
	char *env[] = { cfgvar, NULL };

	write_file("# ok\nSESSION_COOKIE_NAME = x\nSESION_COOKIE_AGE = 5\n");
	cr_assert_eq(load(env), CS_ERR_CONFIG);
	assert_names("SESION_COOKIE_AGE");
	cr_assert(strstr(err, ":3:"), "line number: %s", err);
}

Test(config, line_without_equals_is_an_error)
{
	char *env[] = { cfgvar, NULL };

	write_file("SESSION_COOKIE_NAME x\n");
	cr_assert_eq(load(env), CS_ERR_CONFIG);
	cr_assert(strstr(err, ":1:"), "%s", err);
}

Test(config, missing_file_is_an_error)
{
	char *env[] = { "CSESS_CONFIG=/nonexistent/csess.conf", NULL };

	cr_assert_eq(load(env), CS_ERR_CONFIG);
	assert_names("CSESS_CONFIG");
	cr_assert(strstr(err, "/nonexistent/csess.conf"), "%s", err);
}

Test(config, empty_csess_config_means_no_file)
{
	char *env[] = { "CSESS_CONFIG=", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
}

Test(config, bad_value_in_file_names_the_setting)
{
	char *env[] = { cfgvar, NULL };

	write_file("SESSION_COOKIE_SAMESITE = Loose\n");
	cr_assert_eq(load(env), CS_ERR_CONFIG);
	assert_names("SESSION_COOKIE_SAMESITE");
}

static void
assert_bad(const char *name, const char *value)
{
	char var[256];
	char *env[] = { var, NULL };

	snprintf(var, sizeof(var), "CSESS_%s=%s", name, value);
	err[0] = '\0';
	cr_assert_eq(load(env), CS_ERR_CONFIG, "%s=%s accepted", name, value);
	cr_assert(strncmp(err, name, strlen(name)) == 0 && err[strlen(name)] == ':',
	    "%s=%s: error does not start with the name: %s", name, value, err);
	assert_names(name);
}

Test(config, every_kind_of_bad_value_names_the_setting)
{
	/* integers */
	assert_bad("SESSION_COOKIE_AGE", "abc");
	assert_bad("SESSION_COOKIE_AGE", "");
	assert_bad("SESSION_COOKIE_AGE", "0");
	assert_bad("SESSION_COOKIE_AGE", "-5");
	assert_bad("SESSION_COOKIE_AGE", "5s");
	assert_bad("SESSION_COOKIE_AGE", " 5");
	assert_bad("SESSION_COOKIE_AGE", "99999999999999999999999");
	assert_bad("SESSION_TOUCH_INTERVAL", "-1");
	assert_bad("LOGIN_FAILURE_WINDOW", "0");
	/* longs and sizes */
	assert_bad("PASSWORD_ITERATIONS", "0");
	assert_bad("PASSWORD_ITERATIONS", "1e6");
	assert_bad("LOGIN_FAILURES_PER_USER", "many");
	assert_bad("LOGIN_FAILURES_PER_ADDRESS", "0");
	assert_bad("DATA_UPLOAD_MAX_MEMORY_SIZE", "-1");
	assert_bad("DATA_UPLOAD_MAX_MEMORY_SIZE", "2.5M");
	assert_bad("COOKIE_HEADER_MAX_SIZE", "1");
	assert_bad("COOKIE_MAX_PAIRS", "0");
	/* booleans and enumerations */
	assert_bad("SESSION_COOKIE_HTTPONLY", "maybe");
	assert_bad("SESSION_SAVE_EVERY_REQUEST", "");
	assert_bad("SESSION_EXPIRE_AT_BROWSER_CLOSE", "2");
	assert_bad("SESSION_COOKIE_SECURE", "sometimes");
	assert_bad("SESSION_COOKIE_SAMESITE", "Loose");
	assert_bad("SESSION_SYNC", "fast");
	assert_bad("SESSION_SYNC", "FULL");
	assert_bad("SESSION_ENGINE", "mysql");
	assert_bad("SESSION_ENGINE", "");
	/* paths and strings */
	assert_bad("LOGIN_URL", "login");
	assert_bad("LOGIN_REDIRECT_URL", "");
	assert_bad("LOGOUT_REDIRECT_URL", "https://evil.example/");
	assert_bad("SESSION_COOKIE_PATH", "x");
	assert_bad("SESSION_COOKIE_NAME", "");
	assert_bad("CSRF_COOKIE_NAME", "");
	assert_bad("SESSION_STORE", "");
	assert_bad("SECRET_KEY", "abc\x01" "def");
	assert_bad("SECRET_KEY_FALLBACKS", "old,abc\x7f");
	assert_bad("SESSION_COOKIE_DOMAIN", "a\tb");
	assert_bad("SESSION_FILE_PATH", "/tmp/\x1b");
	assert_bad("TEMPLATE_DIR", "/t\r");
	assert_bad("SESSION_REDIS_URL", "");
	assert_bad("SESSION_CACHE_URL", "");
	assert_bad("SESSION_STORE_MAP_SIZE", "1024");
	assert_bad("SESSION_STORE_MAX_SIZE", "big");
	assert_bad("SIGNED_COOKIE_SALT", "v3");
	/* the security headers */
	assert_bad("X_FRAME_OPTIONS", "ALLOW-FROM https://example.com");
	assert_bad("X_FRAME_OPTIONS", "");
	assert_bad("SECURE_CONTENT_TYPE_NOSNIFF", "sniff");
	assert_bad("SECURE_REFERRER_POLICY", "same-site");
	assert_bad("SECURE_REFERRER_POLICY", "same-origin,");
	assert_bad("SECURE_REFERRER_POLICY", "origin, nope");
	assert_bad("SECURE_REFERRER_POLICY", "same-origin\r\nX-Injected: 1");
	assert_bad("SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin, unsafe-none");
	assert_bad("SECURE_CROSS_ORIGIN_OPENER_POLICY", "cross-origin");
}

Test(config, good_values_of_every_kind_are_taken)
{
	char *env[] = { "CSESS_SECRET_KEY=k", "CSESS_SECRET_KEY_FALLBACKS= old1 ,,old2,",
		"CSESS_SESSION_ENGINE=signed_cookies", "CSESS_SESSION_COOKIE_SECURE=auto",
		"CSESS_SESSION_COOKIE_HTTPONLY=no", "CSESS_SESSION_COOKIE_SAMESITE=strict",
		"CSESS_SESSION_SYNC=none", "CSESS_SESSION_SAVE_EVERY_REQUEST=On",
		"CSESS_DATA_UPLOAD_MAX_MEMORY_SIZE=0", "CSESS_PASSWORD_ITERATIONS=1000",
		"CSESS_SESSION_COOKIE_DOMAIN=.example.com", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_str_eq(cfg.secret_key, "k");
	cr_assert_eq(cfg.n_secret_key_fallbacks, 2);
	cr_assert_str_eq(cfg.secret_key_fallbacks[0], "old1");
	cr_assert_str_eq(cfg.secret_key_fallbacks[1], "old2");
	cr_assert_null(cfg.secret_key_fallbacks[2]);
	cr_assert_str_eq(cfg.session_engine, "signed_cookies");
	cr_assert_eq(cfg.session_cookie_secure, CS_SECURE_AUTO);
	cr_assert_not(cfg.session_cookie_httponly);
	cr_assert_eq(cfg.session_cookie_samesite, CS_SAMESITE_STRICT);
	cr_assert_eq(cfg.session_sync, CS_SYNC_NONE);
	cr_assert(cfg.session_save_every_request);
	cr_assert_eq(cfg.data_upload_max_memory_size, 0);
	cr_assert_eq(cfg.password_iterations, 1000);
	cr_assert_str_eq(cfg.session_cookie_domain, ".example.com");
}

Test(config, security_header_settings_take_djangos_values)
{
	char *env[] = { "CSESS_X_FRAME_OPTIONS=sameorigin", "CSESS_SECURE_CONTENT_TYPE_NOSNIFF=false",
		"CSESS_SECURE_REFERRER_POLICY=no-referrer, strict-origin-when-cross-origin",
		"CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=same-origin-allow-popups", NULL };
	char *empty[] = { "CSESS_SECURE_REFERRER_POLICY=", "CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=",
		NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_eq(cfg.x_frame_options, CS_FRAME_SAMEORIGIN);
	cr_assert_not(cfg.secure_content_type_nosniff);
	cr_assert_str_eq(cfg.secure_referrer_policy, "no-referrer, strict-origin-when-cross-origin");
	cr_assert_str_eq(cfg.secure_cross_origin_opener_policy, "same-origin-allow-popups");
	cr_assert_eq(load(empty), CS_OK, "%s", err);
	cr_assert_null(cfg.secure_referrer_policy, "empty: the header is omitted");
	cr_assert_null(cfg.secure_cross_origin_opener_policy, "empty: the header is omitted");
}

Test(config, empty_samesite_omits_the_attribute)
{
	char *env[] = { "CSESS_SESSION_COOKIE_SAMESITE=", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	cr_assert_eq(cfg.session_cookie_samesite, CS_SAMESITE_OMIT);
}

static char warned[1024];

static void
collect(void *arg, const char *setting, const char *msg)
{
	(void)arg;
	(void)msg;
	strcat(warned, setting);
	strcat(warned, ",");
}

Test(config, check_warns_about_an_insecure_default_deployment)
{
	char *env[] = { NULL };

	cr_assert_eq(load(env), CS_OK);
	warned[0] = '\0';
	cr_assert_eq(cs_config_check(&cfg, collect, NULL), 2);
	cr_assert_str_eq(warned, "SECRET_KEY,SESSION_COOKIE_SECURE,");
}

Test(config, check_warns_about_weak_keys_and_risky_choices)
{
	char *env[] = { "CSESS_SECRET_KEY=django-insecure-0123456789012345678901234567890123456789",
		"CSESS_SESSION_COOKIE_HTTPONLY=false", "CSESS_SESSION_COOKIE_SAMESITE=None",
		"CSESS_SESSION_SYNC=none", "CSESS_PASSWORD_ITERATIONS=1000",
		"CSESS_SESSION_COOKIE_NAME=__Host-s", "CSESS_SESSION_COOKIE_PATH=/app", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	warned[0] = '\0';
	cr_assert_eq(cs_config_check(&cfg, collect, NULL), 8);
	/* SESSION_COOKIE_NAME twice: __Host- with a path, and without Secure. */
	cr_assert_str_eq(warned, "SECRET_KEY,SESSION_COOKIE_SECURE,SESSION_COOKIE_HTTPONLY,"
	    "SESSION_COOKIE_SAMESITE,SESSION_SYNC,PASSWORD_ITERATIONS,SESSION_COOKIE_NAME,"
	    "SESSION_COOKIE_NAME,");
}

Test(config, check_warns_when_the_security_headers_are_weakened)
{
	char *env[] = { "CSESS_SECRET_KEY=4f9c1e0b7a2d8f6e3c5b9a1d7e2f8c4b6a0d3e9f1c7b5a2e8d4f6c0b3a9e1d7f",
		"CSESS_SESSION_COOKIE_SECURE=true", "CSESS_X_FRAME_OPTIONS=SAMEORIGIN",
		"CSESS_SECURE_CONTENT_TYPE_NOSNIFF=false", "CSESS_SECURE_REFERRER_POLICY=", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	warned[0] = '\0';
	cr_assert_eq(cs_config_check(&cfg, collect, NULL), 3);
	cr_assert_str_eq(warned, "X_FRAME_OPTIONS,SECURE_CONTENT_TYPE_NOSNIFF,SECURE_REFERRER_POLICY,");
}

Test(config, check_is_quiet_for_a_sound_deployment)
{
	char *env[] = { "CSESS_SECRET_KEY=4f9c1e0b7a2d8f6e3c5b9a1d7e2f8c4b6a0d3e9f1c7b5a2e8d4f6c0b3a9e1d7f",
		"CSESS_SESSION_COOKIE_SECURE=true", NULL };

	cr_assert_eq(load(env), CS_OK, "%s", err);
	warned[0] = '\0';
	cr_assert_eq(cs_config_check(&cfg, collect, NULL), 0, "%s", warned);
}
