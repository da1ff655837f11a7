/*
 * One way to learn why a call failed: its cs_err code, and cs_errdetail()
 * for what the code cannot say (which setting, which path, which rule).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "csess.h"

Test(errdetail, a_bad_setting_is_named)
{
	char *env[] = { "CSESS_SESSION_COOKIE_AGE=soon", NULL };
	struct cs_config cfg;

	cr_assert_eq(cs_config_load_env(&cfg, env, NULL, 0), CS_ERR_CONFIG);
	cr_assert(strncmp(cs_errdetail(), "SESSION_COOKIE_AGE: ", 20) == 0, "%s", cs_errdetail());
	cs_config_free(&cfg);
}

Test(errdetail, the_err_buffer_and_the_detail_agree)
{
	char *env[] = { "CSESS_SESSION_COOKIE_SAMESITE=sideways", NULL };
	struct cs_config cfg;
	char err[256];

	cr_assert_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_ERR_CONFIG);
	cr_assert_str_eq(err, cs_errdetail());
	cr_assert(strstr(err, "SESSION_COOKIE_SAMESITE") != NULL, "%s", err);
	cs_config_free(&cfg);
}

Test(errdetail, an_unusable_store_names_its_path)
{
	char *env[] = { "CSESS_SESSION_STORE=/proc/csess-no-such/s.mdb", NULL };
	struct cs_config cfg;
	struct cs_store *st = NULL;

	cr_assert_eq(cs_config_load_env(&cfg, env, NULL, 0), CS_OK);
	cr_assert_neq(cs_store_open(&st, &cfg, NULL, 0), CS_OK);
	cr_assert(strstr(cs_errdetail(), "/proc/csess-no-such") != NULL, "%s", cs_errdetail());
	cs_store_close(st);
	cs_config_free(&cfg);
}

Test(errdetail, a_refused_cookie_says_which_rule)
{
	struct cs_set_cookie c = CS_SET_COOKIE_INIT;

	c.name = "bad name";
	c.value = "v";
	cr_assert_eq(cs_set_cookie_validate(&c, 0, NULL), CS_ERR_INVALID);
	cr_assert_neq(cs_errdetail()[0], '\0');
	cr_assert(strstr(cs_errdetail(), "name") != NULL, "%s", cs_errdetail());
}

Test(errdetail, a_refused_password_hash_says_why)
{
	cr_assert_neq(cs_password_hash_valid("pbkdf2_sha256$$$", 1000000, NULL), CS_OK);
	cr_assert(strncmp(cs_errdetail(), "password hash: ", 15) == 0, "%s", cs_errdetail());
}
