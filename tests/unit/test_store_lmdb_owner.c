/*
 * test_store_lmdb_owner.c -- a store in a directory others can reach:
 * opening refuses planted symbolic and hard links, files and directories
 * others may write, and files another user owns, with one error naming
 * the path, and never writes through to what was planted.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "store_fixture.h"

#define NOBODY	65534

static struct fx f;
static char victim[400];
static const char victim_text[] = "victim's own bytes\n";

static void
setup(void)
{
	char db[350];
	FILE *fp;

	fx_init(&f);
	snprintf(victim, sizeof(victim), "%s/victim", f.dir);
	cr_assert_not_null(fp = fopen(victim, "w"));
	fputs(victim_text, fp);
	fclose(fp);
	snprintf(db, sizeof(db), "%s/db", f.dir);
	cr_assert_eq(mkdir(db, 0700), 0);
	snprintf(f.path, sizeof(f.path), "%s/db/s.mdb", f.dir);
}

static void
teardown(void)
{
	fx_close(&f);
}

/* Open and expect a refusal naming `names'. */
static void
expect_refused(const char *names, const char *why)
{
	char err[512];

	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&f.st, &f.cfg, err, sizeof(err)), CS_ERR_STORE,
	    "opened despite: %s", why);
	cr_assert_null(f.st);
	cr_assert(strstr(err, names) != NULL, "error does not name %s: %s",
	    names, err);
	cr_assert(strstr(err, why) != NULL, "error does not say %s: %s", why, err);
}

static void
expect_victim_untouched(void)
{
	char buf[128] = "";
	FILE *fp = fopen(victim, "r");
	size_t n;

	cr_assert_not_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	cr_assert_eq(n, strlen(victim_text));
	cr_assert_str_eq(buf, victim_text);
}

static void
plant(const char *suffix, const char *text, mode_t mode)
{
	char p[400];
	FILE *fp;

	snprintf(p, sizeof(p), "%s%s", f.path, suffix);
	cr_assert_not_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
	cr_assert_eq(chmod(p, mode), 0);
}

/* Give the store's file (suffix "" or "-lock") to another user. */
static void
give_away(const char *suffix)
{
	char p[400];

	snprintf(p, sizeof(p), "%s%s", f.path, suffix);
	cr_assert_eq(chown(p, NOBODY, NOBODY), 0);
}

static void
link_to_victim(const char *suffix)
{
	char p[400];

	snprintf(p, sizeof(p), "%s%s", f.path, suffix);
	cr_assert_eq(symlink(victim, p), 0);
}

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to give a file to another user");
}

TestSuite(store_owner, .init = setup, .fini = teardown);

Test(store_owner, a_normal_store_opens_and_reopens)
{
	char err[256];
	struct stat st;

	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&f.st, &f.cfg, err, sizeof(err)), CS_OK, "%s", err);
	free(fx_create(&f, NULL, "{}", 4102444800, NULL, NULL));
	cr_assert_eq(stat(f.path, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "store mode %o", st.st_mode & 0777);
	cs_store_close(f.st);
	cs_config_free(&f.cfg);
	f.st = NULL;
	/* A new process (Criterion forks per test; reopening here is the same
	 * path through check_store). */
	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&f.st, &f.cfg, err, sizeof(err)), CS_OK, "%s", err);
}

Test(store_owner, a_symlinked_lock_file_is_refused_and_its_target_untouched)
{
	link_to_victim("-lock");
	expect_refused("s.mdb-lock", "symbolic link");
	expect_victim_untouched();
}

Test(store_owner, a_symlinked_data_file_is_refused_and_its_target_untouched)
{
	link_to_victim("");
	expect_refused("s.mdb", "symbolic link");
	expect_victim_untouched();
}

Test(store_owner, a_dangling_symlink_is_not_followed_to_create_a_file)
{
	char target[400], p[400];

	snprintf(target, sizeof(target), "%s/created-elsewhere", f.dir);
	snprintf(p, sizeof(p), "%s-lock", f.path);
	cr_assert_eq(symlink(target, p), 0);
	expect_refused("s.mdb-lock", "symbolic link");
	cr_assert_eq(access(target, F_OK), -1, "a file was created through the link");
}

Test(store_owner, a_hard_link_to_another_file_is_refused)
{
	char p[400];

	snprintf(p, sizeof(p), "%s-lock", f.path);
	cr_assert_eq(link(victim, p), 0);
	expect_refused("s.mdb-lock", "hard links");
	expect_victim_untouched();
}

Test(store_owner, a_store_file_writable_by_others_is_refused_and_left_as_is)
{
	struct stat st;

	plant("", "not a store", 0666);
	expect_refused("s.mdb", "writable by group or others");
	cr_assert_eq(stat(f.path, &st), 0);
	cr_assert_eq(st.st_size, (off_t)strlen("not a store"));
}

Test(store_owner, a_lock_file_writable_by_group_is_refused)
{
	plant("-lock", "", 0620);
	expect_refused("s.mdb-lock", "writable by group or others");
}

Test(store_owner, a_store_file_owned_by_another_user_is_refused)
{
	need_root();
	plant("", "theirs", 0600);
	give_away("");
	expect_refused("s.mdb", "owned by another user");
}

Test(store_owner, a_0666_file_another_user_created_is_refused)
{
	need_root();
	plant("-lock", "", 0666);
	give_away("-lock");
	expect_refused("s.mdb-lock", "owned by another user");
}

Test(store_owner, a_directory_writable_by_others_is_refused)
{
	char db[350];

	snprintf(db, sizeof(db), "%s/db", f.dir);
	cr_assert_eq(chmod(db, 0777), 0);
	expect_refused(db, "writable by group or others");
	cr_assert_eq(access(f.path, F_OK), -1, "a store was created there");
}

Test(store_owner, a_sticky_shared_directory_is_accepted_for_our_own_files)
{
	char db[350], err[256];

	snprintf(db, sizeof(db), "%s/db", f.dir);
	cr_assert_eq(chmod(db, 01777), 0);
	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&f.st, &f.cfg, err, sizeof(err)), CS_OK, "%s", err);
}

Test(store_owner, a_file_another_user_planted_in_a_sticky_directory_is_refused)
{
	char db[350];

	need_root();
	snprintf(db, sizeof(db), "%s/db", f.dir);
	cr_assert_eq(chmod(db, 01777), 0);
	plant("", "", 0600);
	give_away("");
	expect_refused("s.mdb", "owned by another user");
}

Test(store_owner, a_fifo_at_the_path_is_refused_without_hanging)
{
	cr_assert_eq(mkfifo(f.path, 0600), 0);
	expect_refused("s.mdb", "not a regular file");
}

Test(store_owner, root_accepts_a_store_its_service_user_owns)
{
	char db[350], err[256];

	need_root();
	snprintf(db, sizeof(db), "%s/db", f.dir);
	plant("", "", 0600);
	plant("-lock", "", 0600);
	cr_assert_eq(chown(db, NOBODY, NOBODY), 0);
	give_away("");
	give_away("-lock");
	fx_config(&f, NULL, NULL, NULL);
	cr_assert_eq(cs_store_open(&f.st, &f.cfg, err, sizeof(err)), CS_OK, "%s", err);
}
