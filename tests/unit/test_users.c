/* test_users.c - users with their own keys: names and roles, adding (row
 * and ledger entry together), unlocking with the right and wrong
 * passphrase, password checks for logins, and signatures that verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "liaison/ledger.h"
#include "liaison/store.h"
#include "liaison/users.h"

#define PASS "correct horse battery"

struct fx {
	char dir[64];
	struct store *st;
	struct ledger *lg;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_opts o = {.create = true};
	struct diag d;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-users-XXXXXX");
	if (!mkdtemp(f->dir) || store_open(f->dir, &o, &f->st, &d) ||
	    ledger_open(f->st, &f->lg, &d))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ledger_close(f->lg);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void names_and_roles(void **state)
{
	enum users_role r;

	(void)state;
	assert_true(users_name_ok("alice"));
	assert_true(users_name_ok("j.smith-2"));
	assert_false(users_name_ok(""));
	assert_false(users_name_ok("Alice"));
	assert_false(users_name_ok("1bob"));
	assert_false(users_name_ok("bob smith"));
	assert_int_equal(users_role_parse("supervisor", &r), 0);
	assert_int_equal(r, USERS_SUPERVISOR);
	assert_int_equal(users_role_parse("root", &r), LIA_EINVAL);
	assert_true(users_may(USERS_OFFICER, USERS_RECORD_CUSTODY));
	assert_false(users_may(USERS_AUDITOR, USERS_RECORD_CUSTODY));
	assert_false(users_may(USERS_ADMIN, USERS_RECORD_CUSTODY));
	assert_true(users_may(USERS_AUDITOR, USERS_VIEW_EVIDENCE));
}

static void add_unlock_sign(void **state)
{
	struct fx *f = *state;
	struct users_info u, g;
	struct users_key *k = NULL;
	uint8_t sig[USERS_SIG_SIZE], *e;
	const uint8_t *doc, *esig;
	size_t elen, dlen;
	struct diag d;

	diag_clear(&d);
	assert_int_equal(users_add(f->st, f->lg, "NL-NP", "alice",
				   USERS_OFFICER, PASS, strlen(PASS), "os:t",
				   &u, &d),
			 0);
	assert_int_equal(u.ledger_idx, 0);
	assert_int_equal(ledger_size(f->lg), 1);
	assert_int_equal(users_add(f->st, f->lg, "NL-NP", "alice",
				   USERS_OFFICER, PASS, strlen(PASS), "os:t",
				   NULL, &d),
			 LIA_EEXIST);
	assert_int_equal(users_add(f->st, f->lg, "NL-NP", "bob", USERS_OFFICER,
				   "short", 5, "os:t", NULL, &d),
			 LIA_EINVAL);
	assert_int_equal(ledger_size(f->lg), 1);
	assert_int_equal(users_get(f->st, "alice", &g, &d), 0);
	assert_memory_equal(g.pk, u.pk, USERS_PK_SIZE);
	assert_int_equal(users_get(f->st, "nobody", &g, &d), LIA_ENOTFOUND);

	/* The ledger entry is self-signed with the new key. */
	assert_int_equal(ledger_entry_get(f->lg, 0, &e, &elen, &d), 0);
	assert_int_equal(ledger_unframe(e, elen, &doc, &dlen, &esig, &d), 0);
	assert_non_null(esig);
	assert_int_equal(ledger_sig_verify(u.pk, doc, dlen, esig), 0);
	free(e);

	assert_int_equal(
	    users_unlock(f->st, "alice", "wrong passphrase!", 17, &k, &d),
	    LIA_EDENIED);
	assert_null(k);
	assert_int_equal(
	    users_unlock(f->st, "alice", PASS, strlen(PASS), &k, &d), 0);
	assert_string_equal(users_key_info(k)->name, "alice");
	assert_int_equal(users_key_sign_entry(k, "{}", 2, sig), 0);
	assert_int_equal(ledger_sig_verify(u.pk, "{}", 2, sig), 0);
	assert_int_equal(ledger_sig_verify(u.pk, "{ }", 3, sig), LIA_ECRYPTO);
	users_key_free(k);

	assert_int_equal(
	    users_check_password(f->st, "alice", PASS, strlen(PASS), &d), 0);
	assert_int_equal(users_check_password(f->st, "alice", "nope", 4, &d),
			 LIA_EDENIED);
}

static void passphrase_sources(void **state)
{
	char path[] = "/tmp/liaison-pw-XXXXXX", *p = NULL;
	size_t n = 0;
	struct diag d;
	FILE *fp;
	int fd;

	(void)state;
	unsetenv(USERS_ENV_PASSWORD);
	assert_int_equal(users_passphrase(NULL, &p, &n, &d), LIA_ENOTFOUND);
	setenv(USERS_ENV_PASSWORD, "from the environment", 1);
	assert_int_equal(users_passphrase(NULL, &p, &n, &d), 0);
	assert_string_equal(p, "from the environment");
	users_passphrase_free(p, n);
	setenv(USERS_ENV_PASSWORD, "short", 1);
	assert_int_equal(users_passphrase(NULL, &p, &n, &d), LIA_EINVAL);
	unsetenv(USERS_ENV_PASSWORD);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("from a file, 12+\n", fp);
	fclose(fp);
	assert_int_equal(users_passphrase(path, &p, &n, &d), 0);
	assert_string_equal(p, "from a file, 12+");
	assert_int_equal(n, 16);
	users_passphrase_free(p, n);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_and_roles),
	    cmocka_unit_test_setup_teardown(add_unlock_sign, setup, teardown),
	    cmocka_unit_test(passphrase_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
