/* test_own_index.c - the daemon's kept index of the node's own records
 * (what answers hit/no-hit queries): built once, reused while the records
 * do not change, rebuilt at the next use after an import, so the import
 * is seen by the very next query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "liaison/node.h"
#include "liaison/screen.h"

static void import_line(struct node *n, const char *home, const char *line)
{
	char path[256];
	const char *files[1] = {path};
	struct node_import imp = {
	    .format = FMT_FTM, .files = files, .n_files = 1, .actor = "test"};
	struct store_counts c;
	struct diag d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/in.ijson", home);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(line, f);
	fclose(f);
	diag_clear(&d);
	if (node_import(n, &imp, &c, &d))
		fail_msg("import: %s", d.msg);
	unlink(path);
}

/* The record id of the best hit for name, or "" when none. */
static const char *best(struct screen_index *ix, struct match_ctx *mc,
			const char *name, char *buf, size_t n)
{
	struct screen_query q = {.name = name, .kind = MATCH_ANY, .limit = 5};
	struct screen_hit h[5];
	size_t nh = 0;
	struct diag d;

	assert_int_equal(screen_query(ix, mc, &q, h, 5, &nh, &d), 0);
	snprintf(buf, n, "%s", nh ? h[0].record_id : "");
	return buf;
}

static void kept_and_refreshed(void **state)
{
	char home[] = "/tmp/liaison-own.XXXXXX", cmd[128], buf[64];
	struct node *n = NULL;
	struct node_own_index *oi = NULL;
	struct screen_index *ix = NULL, *ix2 = NULL;
	struct match_ctx *mc = NULL, *mc2 = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	assert_non_null(mkdtemp(home));
	assert_int_equal(rmdir(home), 0); /* node_init makes it */
	assert_int_equal(
	    node_init(home, "NL-NP", "Netherlands Police", "NL", &d), 0);
	assert_int_equal(node_open(home, false, &n, &d), 0);
	import_line(n, home,
		    "{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":"
		    "{\"name\":[\"Ivan Petrov\"]}}\n");
	assert_int_equal(node_own_index_new(&oi), 0);
	assert_int_equal(node_own_index_loads(oi), 0);

	assert_int_equal(node_own_index_get(n, oi, &ix, &mc, &d), 0);
	assert_int_equal(node_own_index_loads(oi), 1);
	assert_string_equal(best(ix, mc, "Ivan Petrov", buf, sizeof(buf)),
			    "p1");
	assert_string_equal(best(ix, mc, "Olga Sidorova", buf, sizeof(buf)),
			    "");
	/* Nothing changed: the same index, not built again. */
	assert_int_equal(node_own_index_get(n, oi, &ix2, &mc2, &d), 0);
	assert_ptr_equal(ix, ix2);
	assert_ptr_equal(mc, mc2);
	assert_int_equal(node_own_index_loads(oi), 1);

	/* An import: the next use sees it. */
	import_line(n, home,
		    "{\"id\":\"p2\",\"schema\":\"Person\",\"properties\":"
		    "{\"name\":[\"Olga Sidorova\"]}}\n");
	assert_int_equal(node_own_index_get(n, oi, &ix, &mc, &d), 0);
	assert_int_equal(node_own_index_loads(oi), 2);
	assert_string_equal(best(ix, mc, "Olga Sidorova", buf, sizeof(buf)),
			    "p2");
	assert_string_equal(best(ix, mc, "Ivan Petrov", buf, sizeof(buf)),
			    "p1");
	/* Importing the same record again writes no version: kept. */
	import_line(n, home,
		    "{\"id\":\"p2\",\"schema\":\"Person\",\"properties\":"
		    "{\"name\":[\"Olga Sidorova\"]}}\n");
	assert_int_equal(node_own_index_get(n, oi, &ix, &mc, &d), 0);
	assert_int_equal(node_own_index_loads(oi), 2);

	node_own_index_free(oi);
	node_close(n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kept_and_refreshed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
