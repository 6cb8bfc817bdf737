/*
 * test_store_crash.c - an import killed with SIGKILL at any moment leaves
 * the store intact and holding all of the import or none of it.
 *
 * A child process imports many small Persons in one import and reports its
 * progress through a pipe; the parent kills it at a chosen moment, then
 * reopens the store and checks PRAGMA integrity_check and the counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "liaison/entity.h"
#include "liaison/marking.h"
#include "liaison/store.h"
#include "liaison/strbuf.h"

#if defined(__SANITIZE_ADDRESS__)
#define N_RECORDS 50000u /* the sanitizers make every put several times slower */
#else
#define N_RECORDS 200000u
#endif
#define REPORT_EVERY 1000u
#define COMMITTED UINT32_MAX

/* The child: import N_RECORDS Persons, report progress, report the
 * commit, then wait to be killed. Never returns. */
static void child(const char *dir, int fd)
{
	struct store_opts o = { 0 };
	struct store_import imp = { .format = "ftm", .files = "crash.json",
				    .actor = "crash-test" };
	struct store *st = NULL;
	struct marking m;
	struct diag d;
	int64_t id;
	uint32_t msg;
	char pid[32], name[64];

	marking_init(&m);
	str_copy(m.agency, sizeof(m.agency), "NL-NP");
	str_copy(m.classification, sizeof(m.classification), "RESTRICTED");
	if (store_open(dir, &o, &st, &d) ||
	    store_import_begin(st, &imp, &id, &d))
		_exit(2);
	for (uint32_t i = 1; i <= N_RECORDS; i++) {
		struct entity *e = NULL;

		snprintf(pid, sizeof(pid), "crash-%u", i);
		snprintf(name, sizeof(name), "Person Number %u", i);
		if (entity_new("Person", pid, &e, &d) ||
		    entity_adds(e, "name", name, &d) ||
		    store_put(st, e, &m, NULL, &d))
			_exit(3);
		entity_free(e);
		if (i % REPORT_EVERY == 0) {
			msg = i;
			if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
				_exit(4);
		}
	}
	if (store_import_commit(st, NULL, &d))
		_exit(5);
	msg = COMMITTED;
	if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
		_exit(4);
	for (;;)
		pause();
}

static void rm_store(const char *dir)
{
	static const char *const names[] = { "store.db", "store.db-wal",
					     "store.db-shm" };
	char p[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void check_integrity(const char *dir)
{
	char p[128];
	sqlite3 *db;
	sqlite3_stmt *q;

	snprintf(p, sizeof(p), "%s/store.db", dir);
	assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
					    &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Kill the child once it reported `at` records (COMMITTED: once it reported
 * the commit) and return whether the commit had been reported. */
static void crash_at(uint32_t at)
{
	char dir[64] = "/tmp/liaison-crash-XXXXXX";
	struct store_opts o = { .create = true };
	struct store *st = NULL;
	struct store_stats s;
	struct store_record *r = NULL;
	struct diag d;
	bool committed = false;
	uint32_t msg = 0;
	int fds[2], status;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	store_close(st);
	st = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(dir, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		/* The child died on its own: that is a failure too. */
		assert_int_equal(n, (ssize_t)sizeof(msg));
		if (msg == COMMITTED)
			committed = true;
		if (msg >= at)
			break;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	close(fds[0]);

	check_integrity(dir);
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	assert_int_equal(store_stats(st, &s, NULL, NULL, &d), 0);
	if (committed || s.records) {
		assert_int_equal(s.records, N_RECORDS);
		assert_int_equal(s.versions, N_RECORDS);
		assert_int_equal(s.imports, 1);
		assert_int_equal(store_get(st, "crash-1", &r, &d), 0);
		store_record_free(r);
	} else {
		assert_int_equal(s.records, 0);
		assert_int_equal(s.versions, 0);
		assert_int_equal(s.imports, 0);
		assert_int_equal(store_get(st, "crash-1", &r, &d),
				 LIA_ENOTFOUND);
	}
	if (at == COMMITTED)
		assert_true(committed);
	else if (at < N_RECORDS)
		assert_false(committed);
	store_close(st);
	rm_store(dir);
}

static void crash_early(void **state)
{
	(void)state;
	crash_at(REPORT_EVERY);
}

static void crash_middle(void **state)
{
	(void)state;
	crash_at(N_RECORDS / 2);
}

/* Right after the last put: the kill races the commit. */
static void crash_at_commit(void **state)
{
	(void)state;
	crash_at(N_RECORDS);
}

static void crash_after_commit(void **state)
{
	(void)state;
	crash_at(COMMITTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crash_early),
		cmocka_unit_test(crash_middle),
		cmocka_unit_test(crash_at_commit),
		cmocka_unit_test(crash_after_commit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
