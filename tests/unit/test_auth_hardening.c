/*
 * test_auth_hardening.c -- what an attacker tries against the login:
 * concurrent guesses against the throttle, telling known users from
 * unknown ones by the work a wrong password costs, stored hashes that make
 * a login run for minutes, X-Forwarded-For from anyone, and a session that
 * should have ended with its SECRET_KEY.  Work is counted in PBKDF2 rounds
 * (the crypto layer's counter), never timed.
 */
#include "users_fixture.h"

#include <criterion/redirect.h>
#include "crypto_int.h"
#include "keyfp.h"
#include "users_env.h"

static struct ufx f;

struct login {
	const char		*user;
	const char		*password;
	enum cs_auth_result	 result;
	int64_t			 retry;
};

static void
login_handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	struct login *l = arg;
	int err;

	cs_session_middleware(req);
	l->result = cs_auth_login(req, resp, l->user, l->password, &l->retry, &err);
}

/* One login POST from addr (REMOTE_ADDR), with an optional X-Forwarded-For. */
static enum cs_auth_result
login_from(const char *addr, const char *xff, const char *user, const char *pw)
{
	char remote[80], fwd[300];
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/login", remote,
	    xff ? fwd : NULL, NULL };
	struct login l = { user, pw, CS_AUTH_ERROR, 0 };
	struct cs_buf out = { 0 };

	snprintf(remote, sizeof(remote), "REMOTE_ADDR=%s", addr);
	snprintf(fwd, sizeof(fwd), "HTTP_X_FORWARDED_FOR=%s", xff ? xff : "");
	cr_assert_eq(cs_run_once(&f.cfg, envp, NULL, 0, login_handler, &l, &out),
	    CS_OK);
	cs_buf_free(&out);
	return l.result;
}

/* PBKDF2 rounds one wrong-password login costs. */
static uint64_t
wrong_rounds(const char *user)
{
	uint64_t before = csi_crypto_pbkdf2_rounds();

	cr_assert_eq(login_from("192.0.2.1", NULL, user, "wrong guess"),
	    CS_AUTH_BAD_CREDENTIALS, "%s", user);
	return csi_crypto_pbkdf2_rounds() - before;
}

static void
setup(const char *iterations, const char *per_user, const char *per_addr)
{
	ufx_init(&f);
	ufx_set(&f, "PASSWORD_ITERATIONS", iterations);
	ufx_set(&f, "LOGIN_FAILURES_PER_USER", per_user);
	ufx_set(&f, "LOGIN_FAILURES_PER_ADDRESS", per_addr);
	ufx_load(&f);
	ufx_add_user(&f, "alice", "s3cret!");
}

/* ---- 1. concurrent guesses reserve their attempt before hashing ------- */

#define RACERS	16

/*
 * RACERS processes, released together, each try one wrong password
 * (user and address given by the pattern with the racer's number); each
 * reports its PBKDF2 rounds through a pipe and its answer as exit status.
 */
static void
race(const char *user_fmt, const char *addr_fmt, int *checked, int *throttled,
    uint64_t *rounds)
{
	int go[2], rep[2], i, status;
	pid_t pids[RACERS];
	uint64_t r;
	char c;

	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(rep), 0);
	for (i = 0; i < RACERS; i++) {
		cr_assert_geq(pids[i] = fork(), 0);
		if (pids[i] == 0) {
			char user[32], addr[32];
			enum cs_auth_result res;
			uint64_t before;

			close(go[1]);
			snprintf(user, sizeof(user), user_fmt, i);
			snprintf(addr, sizeof(addr), addr_fmt, i);
			(void)read(go[0], &c, 1);	/* EOF: all go */
			before = csi_crypto_pbkdf2_rounds();
			res = login_from(addr, NULL, user, "wrong guess");
			r = csi_crypto_pbkdf2_rounds() - before;
			if (write(rep[1], &r, sizeof(r)) != sizeof(r))
				_exit(9);
			_exit(res == CS_AUTH_BAD_CREDENTIALS ? 1 :
			    res == CS_AUTH_THROTTLED ? 2 : 3);
		}
	}
	close(go[0]);
	close(rep[1]);
	close(go[1]);
	*checked = *throttled = 0;
	for (i = 0; i < RACERS; i++) {
		cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
		cr_assert(WIFEXITED(status));
		*checked += WEXITSTATUS(status) == 1;
		*throttled += WEXITSTATUS(status) == 2;
	}
	*rounds = 0;
	while (read(rep[0], &r, sizeof(r)) == sizeof(r))
		*rounds += r;
	close(rep[0]);
}

/* A race under a limit of 3 checks exactly 3 passwords, 20000 rounds each. */
static void
expect_three_checked(const char *user_fmt, const char *addr_fmt)
{
	int checked, throttled;
	uint64_t rounds;

	race(user_fmt, addr_fmt, &checked, &throttled, &rounds);
	cr_expect_eq(checked, 3, "passwords checked");
	cr_expect_eq(throttled, RACERS - 3);
	cr_expect_eq(rounds, 3 * 20000, "PBKDF2 rounds in all");
}

Test(hardening, concurrent_guesses_for_one_user_check_only_the_limit)
{
	setup("20000", "3", "1000");
	expect_three_checked("alice", "198.51.100.%d");
}

Test(hardening, concurrent_guesses_from_one_address_check_only_the_limit)
{
	setup("20000", "1000", "3");
	expect_three_checked("user%d", "198.51.100.77");
}

Test(hardening, a_successful_login_clears_the_user_counter_and_refunds_the_address)
{
	int64_t retry;

	setup("1000", "3", "3");
	cr_assert_eq(login_from("192.0.2.5", NULL, "alice", "wrong"), CS_AUTH_BAD_CREDENTIALS);
	cr_assert_eq(login_from("192.0.2.5", NULL, "alice", "wrong"), CS_AUTH_BAD_CREDENTIALS);
	cr_assert_eq(login_from("192.0.2.5", NULL, "alice", "s3cret!"), CS_AUTH_OK);
	/* The user's counter is gone; the address keeps its 2 failures but
	 * not the attempt that succeeded: one more failure is allowed. */
	cr_expect_eq(cs_throttle_check(&f.cfg, "alice", "192.0.2.6", &retry), CS_OK);
	cr_expect_eq(cs_throttle_check(&f.cfg, "bob", "192.0.2.5", &retry), CS_OK);
	cr_assert_eq(login_from("192.0.2.5", NULL, "bob", "wrong"), CS_AUTH_BAD_CREDENTIALS);
	cr_expect_eq(cs_throttle_check(&f.cfg, "carol", "192.0.2.5", &retry),
	    CS_ERR_TOO_LARGE);
}

Test(hardening, successful_logins_never_fill_the_address_counter)
{
	int64_t retry;
	int i;

	/* Many users behind one NAT address: successes do not count. */
	setup("1000", "3", "3");
	for (i = 0; i < 6; i++)
		cr_assert_eq(login_from("192.0.2.9", NULL, "alice", "s3cret!"), CS_AUTH_OK,
		    "login %d", i);
	cr_expect_eq(cs_throttle_check(&f.cfg, "bob", "192.0.2.9", &retry), CS_OK);
}

/* ---- 4. a wrong password costs the same for every name ----------------- */

static void
put_hash(const char *name, enum cs_hash h, const char *pw, unsigned long n)
{
	unsigned char dk[CS_HASH_MAX];
	struct cs_buf b = { 0 };

	cr_assert_eq(cs_pbkdf2(h, pw, strlen(pw), "abcdefgh12345678", 16, n, dk,
	    cs_hash_len(h)), CS_OK);
	cr_assert_eq(cs_buf_printf(&b, "pbkdf2_%s$%lu$abcdefgh12345678$",
	    h == CS_HASH_SHA1 ? "sha1" : "sha256", n), CS_OK);
	cr_assert_eq(cs_b64_encode(&b, dk, cs_hash_len(h)), CS_OK);
	cr_assert_eq(cs_user_put(&f.cfg, name, b.data, NULL, false), CS_OK);
	cs_buf_free(&b);
}

Test(hardening, wrong_password_costs_the_same_rounds_known_or_not)
{
	setup("1000", "100", "1000");
	put_hash("weak", CS_HASH_SHA256, "pw", 300);
	put_hash("legacy", CS_HASH_SHA1, "pw", 700);
	put_hash("strong", CS_HASH_SHA256, "pw", 4000);	/* a newer Django's */
	cr_expect_eq(wrong_rounds("nobody"), 4000, "unknown user");
	cr_expect_eq(wrong_rounds("alice"), 4000, "current hash");
	cr_expect_eq(wrong_rounds("weak"), 4000, "weaker hash");
	cr_expect_eq(wrong_rounds("legacy"), 4000, "pbkdf2_sha1 hash");
	cr_expect_eq(wrong_rounds("strong"), 4000, "stronger hash");
}

/* A record stored before the store kept its high-water mark (raw, as an
 * older csess wrote it): its first login attempt raises the mark. */
static int
raw_put_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *arg)
{
	const char *hash = arg;
	MDB_val k = { 6, "oldtop" }, v;
	char text[256];

	v.mv_size = (size_t)snprintf(text, sizeof(text),
	    "{\"password\":\"%s\",\"created\":1,\"changed\":1}", hash);
	v.mv_data = text;
	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v, 0));
}

Test(hardening, a_stronger_hash_stored_before_the_mark_raises_it_at_its_first_attempt)
{
	struct cs_lmdb_env *e;

	setup("1000", "100", "1000");
	put_hash("scratch", CS_HASH_SHA256, "pw", 3000);
	cr_assert_eq(cs_user_delete(&f.cfg, "scratch"), CS_OK);
	cr_expect_eq(wrong_rounds("nobody"), 3000, "a deleted user's count stays");
	cr_assert_eq(csi_users_env(&f.cfg, &e), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, raw_put_fn,
	    "pbkdf2_sha256$5000$abcdefgh12345678$"
	    "LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU="), CS_OK);
	cr_expect_eq(wrong_rounds("nobody"), 3000, "the mark does not know it yet");
	cr_expect_eq(wrong_rounds("oldtop"), 5000);
	cr_expect_eq(wrong_rounds("nobody"), 5000, "now it does");
}

/* ---- 9. a stored count over PASSWORD_MAX_ITERATIONS fails closed ------- */

Test(hardening, an_absurd_stored_count_fails_like_a_wrong_password_without_deriving_it)
{
	const char *huge = "pbkdf2_sha256$2000000000$abcdefgh12345678$"
	    "LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU=";
	char line[512] = "";
	uint64_t before;
	FILE *err;

	setup("1000", "100", "1000");
	cr_assert_eq(cs_user_put(&f.cfg, "mallory", huge, NULL, false), CS_OK);
	cr_redirect_stderr();
	before = csi_crypto_pbkdf2_rounds();
	cr_expect_eq(login_from("192.0.2.9", NULL, "mallory", "secret"),
	    CS_AUTH_BAD_CREDENTIALS);
	cr_expect_eq(csi_crypto_pbkdf2_rounds() - before, 1000,
	    "the dummy's rounds, never the stored count");
	cr_expect_eq(wrong_rounds("nobody"), 1000, "the mark did not rise");
	fflush(stderr);
	err = cr_get_redirected_stderr();
	cr_assert_not_null(fgets(line, sizeof(line), err));
	cr_expect_not_null(strstr(line, "'mallory'"), "%s", line);
	cr_expect_not_null(strstr(line, "PASSWORD_MAX_ITERATIONS"), "%s", line);
	cr_expect_null(strstr(line, "LkHEnj"), "the hash is not logged");
	cr_expect_null(fgets(line, sizeof(line), err), "one line: %s", line);
}

Test(hardening, max_iterations_below_iterations_is_a_config_error)
{
	struct cs_config cfg;
	char err[256];
	char *env[] = { "CSESS_PASSWORD_ITERATIONS=600000",
	    "CSESS_PASSWORD_MAX_ITERATIONS=500000", NULL };
	char *dflt[] = { NULL };

	cr_expect_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_ERR_CONFIG);
	cr_expect_not_null(strstr(err, "PASSWORD_MAX_ITERATIONS"), "%s", err);
	cs_config_free(&cfg);
	cr_assert_eq(cs_config_load_env(&cfg, dflt, err, sizeof(err)), CS_OK, "%s", err);
	cr_expect_eq(cfg.password_max_iterations, CS_PASSWORD_MAX_ITERATIONS);
	cs_config_free(&cfg);
}

/* ---- 10b. X-Forwarded-For only from TRUSTED_PROXIES --------------------- */

struct seen {
	char	addrs[8][64];
	int	n;
};

static int
collect(void *arg, const struct cs_throttle_entry *t)
{
	struct seen *s = arg;

	if (!strcmp(t->kind, "address") && s->n < 8)
		snprintf(s->addrs[s->n++], sizeof(s->addrs[0]), "%s", t->name);
	return 0;
}

/* The one address counter a wrong login from addr with xff creates. */
static const char *
counted_address(const char *addr, const char *xff)
{
	static struct seen s;
	size_t n;

	cr_assert_eq(cs_throttle_clear(&f.cfg, NULL, NULL, &n), CS_OK);
	cr_assert_eq(login_from(addr, xff, "alice", "wrong"), CS_AUTH_BAD_CREDENTIALS);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(cs_throttle_each(&f.cfg, collect, &s), CS_OK);
	cr_assert_eq(s.n, 1);
	return s.addrs[0];
}

Test(hardening, forwarded_for_is_believed_only_from_a_trusted_proxy)
{
	ufx_init(&f);
	ufx_set(&f, "TRUSTED_PROXIES", "127.0.0.1, ::1,10.0.0.2");
	ufx_load(&f);
	ufx_add_user(&f, "alice", "s3cret!");
	cr_expect_str_eq(counted_address("203.0.113.9", "198.51.100.7"),
	    "203.0.113.9", "not a proxy: its header is the client's");
	cr_expect_str_eq(counted_address("127.0.0.1", "198.51.100.7"),
	    "198.51.100.7");
	cr_expect_str_eq(counted_address("0:0::1", "6.6.6.6, 198.51.100.7"),
	    "198.51.100.7", "the right-most entry, the left is the client's own");
	cr_expect_str_eq(counted_address("127.0.0.1", "6.6.6.6,198.51.100.7, 10.0.0.2"),
	    "198.51.100.7", "past a chain of trusted proxies");
	cr_expect_str_eq(counted_address("127.0.0.1", "10.0.0.2"), "127.0.0.1",
	    "only proxies: the proxy's own");
	cr_expect_str_eq(counted_address("127.0.0.1", "198.51.100.7, not-an-ip"),
	    "127.0.0.1", "a malformed entry is not believed");
	cr_expect_str_eq(counted_address("127.0.0.1", "2001:db8::1"), "2001:db8::1");
}

Test(hardening, trusted_proxies_must_be_addresses)
{
	struct cs_config cfg;
	char err[256];
	char *env[] = { "CSESS_TRUSTED_PROXIES=127.0.0.1,proxy.example", NULL };

	cr_expect_eq(cs_config_load_env(&cfg, env, err, sizeof(err)), CS_ERR_CONFIG);
	cr_expect_not_null(strstr(err, "TRUSTED_PROXIES"), "%s", err);
	cs_config_free(&cfg);
	cr_expect(cs_config_addr_listed("10.0.0.1, ::ffff:127.0.0.1", "127.0.0.1"));
	cr_expect_not(cs_config_addr_listed("10.0.0.1", "10.0.0.10"));
	cr_expect_not(cs_config_addr_listed(NULL, "10.0.0.1"));
}

/* ---- 10a. rotating SECRET_KEY without the old key ends sessions --------- */

/* Vectors from Python's hmac module:
 * hmac.new(key, b"csess.session-auth-key-fingerprint", sha256).hexdigest()[:32]
 * (keys shorter and longer than a SHA-256 block). */
Test(hardening, key_fingerprint_is_the_first_half_of_hmac_sha256)
{
	char fp[CS_KEY_FP_LEN + 1], longkey[101];

	csi_keyfp("", fp);
	cr_expect_str_eq(fp, "7aafd1f484d539b6a8ebde5a41df8a6b");
	csi_keyfp("django-insecure-key", fp);
	cr_expect_str_eq(fp, "ed1c2a7a74340cb0dcf716270fdc7695");
	memset(longkey, 'k', 100);
	longkey[100] = '\0';
	csi_keyfp(longkey, fp);
	cr_expect_str_eq(fp, "732878c113c7f00d65ef7e495342cf4b");
}

static void
whoami_handler(struct cs_req *req, struct cs_resp *resp, void *arg)
{
	const char **user = arg;

	(void)resp;
	cs_session_middleware(req);
	*user = cs_auth_user(req) ? "yes" : NULL;
}

/* A session key from a login of alice under cfg. */
static void
login_session(const struct cs_config *cfg, char key[64])
{
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/login",
	    "REMOTE_ADDR=192.0.2.1", NULL };
	struct login l = { "alice", "s3cret!", CS_AUTH_ERROR, 0 };
	struct cs_buf out = { 0 };
	const char *p;

	cr_assert_eq(cs_run_once(cfg, envp, NULL, 0, login_handler, &l, &out), CS_OK);
	cr_assert_eq(l.result, CS_AUTH_OK);
	cr_assert_not_null(p = strstr(out.data, "sessionid="));
	snprintf(key, 64, "%.*s", (int)strcspn(p + 10, ";\r"), p + 10);
	cs_buf_free(&out);
}

/* True when the session is logged in for a page configured by cfg. */
static bool
logged_in(const struct cs_config *cfg, const char *key)
{
	char cookie[100];
	char *envp[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/protected", cookie, NULL };
	const char *user = NULL;
	struct cs_buf out = { 0 };

	snprintf(cookie, sizeof(cookie), "HTTP_COOKIE=sessionid=%s", key);
	cr_assert_eq(cs_run_once(cfg, envp, NULL, 0, whoami_handler, &user, &out), CS_OK);
	cs_buf_free(&out);
	return user != NULL;
}

static void
config_with(struct cs_config *cfg, const char *key, const char *fallbacks)
{
	char k[200], fb[200], err[256], *envp[16];
	int i;

	for (i = 0; i < f.nvars && i < 13; i++)
		envp[i] = f.envp[i];
	snprintf(k, sizeof(k), "CSESS_SECRET_KEY=%s", key);
	snprintf(fb, sizeof(fb), "CSESS_SECRET_KEY_FALLBACKS=%s", fallbacks);
	envp[i++] = k;
	envp[i++] = fb;
	envp[i] = NULL;
	cr_assert_eq(cs_config_load_env(cfg, envp, err, sizeof(err)), CS_OK, "%s", err);
}

Test(hardening, rotating_secret_key_without_fallback_ends_sessions)
{
	struct cs_config old, rotated, kept;
	char key[64], again[64];
	uint64_t before;

	setup("1000", "100", "1000");
	config_with(&old, "old-key-old-key-old-key-old-key-old-key-old-key-01", "");
	config_with(&kept, "new-key-new-key-new-key-new-key-new-key-new-key-01",
	    "old-key-old-key-old-key-old-key-old-key-old-key-01");
	config_with(&rotated, "new-key-new-key-new-key-new-key-new-key-new-key-01", "");
	login_session(&old, key);
	before = csi_crypto_pbkdf2_rounds();
	cr_expect(logged_in(&old, key), "the same key");
	cr_expect(logged_in(&kept, key), "the old key is a fallback");
	cr_expect_eq(csi_crypto_pbkdf2_rounds(), before, "no password work on a page");
	cr_expect_not(logged_in(&rotated, key), "rotated without the old key");
	cr_expect_not(logged_in(&old, key), "the session was flushed");
	/* A login under the new key works, and its session survives there. */
	login_session(&rotated, again);
	cr_expect(logged_in(&rotated, again));
	cs_config_free(&old);
	cs_config_free(&kept);
	cs_config_free(&rotated);
}

/* Rewrite alice's record as csess wrote it before fingerprints. */
static int
strip_key_fn(MDB_txn *txn, struct cs_lmdb_env *e, void *arg)
{
	const struct cs_user *u = arg;
	MDB_val k = { 5, "alice" }, v;
	char text[512];

	v.mv_size = (size_t)snprintf(text, sizeof(text), "{\"password\":\"%s\","
	    "\"auth\":\"%s\",\"created\":1,\"changed\":1}", u->password_hash,
	    u->auth_hash);
	v.mv_data = text;
	return csi_lmdb_rc(e, mdb_put(txn, csi_lmdb_dbi(e, CS_DBI_USERS), &k, &v, 0));
}

/* Records from before fingerprints keep their sessions (no mass logout on
 * upgrade); the next login names the key. */
Test(hardening, a_record_without_a_key_fingerprint_is_believed_until_login)
{
	struct cs_config rotated;
	struct cs_lmdb_env *e;
	struct cs_user u;
	char key[64];

	setup("1000", "100", "1000");
	login_session(&f.cfg, key);
	cr_assert_eq(cs_user_get(&f.cfg, "alice", &u), CS_OK);
	cr_expect_eq(strlen(u.key_fingerprint), CS_KEY_FP_LEN, "a login names the key");
	cr_assert_eq(csi_users_env(&f.cfg, &e), CS_OK);
	cr_assert_eq(csi_lmdb_write(e, strip_key_fn, &u), CS_OK);
	cs_user_free(&u);
	config_with(&rotated, "another-key-another-key-another-key-another-key-1", "");
	cr_expect(logged_in(&rotated, key), "no key named: believed");
	login_session(&f.cfg, key);
	cr_assert_eq(cs_user_get(&f.cfg, "alice", &u), CS_OK);
	cr_expect_not_null(u.key_fingerprint, "the next login names the key again");
	cs_user_free(&u);
	cr_expect_not(logged_in(&rotated, key));
	cs_config_free(&rotated);
}
