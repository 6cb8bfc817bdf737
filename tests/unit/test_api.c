/* test_api.c - the HTTP API without HTTP: tokens (create, check, revoke,
 * expiry), the router's error answers and role checks through api_handle
 * on a real node, strict bodies, the screening index following records
 * written through another handle, workers answering concurrently from one
 * shared index, and the route table against
 * docs/openapi.json in both directions. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "liaison/api.h"
#include "liaison/ledger.h"

#define PASS "correct horse battery"

struct fx {
	char dir[64];
	struct node *n;
	struct api *api;
	struct node *extra; /* a worker's handle, closed after api */
	char officer[API_TOKEN_LEN + 1], auditor[API_TOKEN_LEN + 1];
	char admin[API_TOKEN_LEN + 1];
	int64_t officer_id;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ledger *lg = NULL;
	struct diag d;
	int64_t id;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-api-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	strcat(f->dir, "/n");
	if (node_init(f->dir, "NL-NP", "Netherlands Police", "NL", &d) ||
	    node_open(f->dir, false, &f->n, &d) ||
	    ledger_open(f->n->store, &lg, &d) ||
	    users_add(f->n->store, lg, "NL-NP", "olga", USERS_OFFICER, PASS,
		      strlen(PASS), "test", NULL, &d) ||
	    users_add(f->n->store, lg, "NL-NP", "aud", USERS_AUDITOR, PASS,
		      strlen(PASS), "test", NULL, &d) ||
	    api_token_create(f->n->store, "olga", "t", 0, "test", f->officer,
			     &f->officer_id, &d) ||
	    api_token_create(f->n->store, "aud", NULL, 0, "test", f->auditor,
			     &id, &d) ||
	    users_add(f->n->store, lg, "NL-NP", "adm", USERS_ADMIN, PASS,
		      strlen(PASS), "test", NULL, &d) ||
	    api_token_create(f->n->store, "adm", NULL, 0, "test", f->admin, &id,
			     &d) ||
	    api_new(f->n, &f->api, &d)) {
		fprintf(stderr, "setup: %s\n", d.msg);
		return -1;
	}
	ledger_close(lg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	api_free(f->api);
	node_close(f->extra);
	node_close(f->n);
	f->dir[strlen(f->dir) - 2] = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Call the router; return the status, *code the error code ("" if none). */
static unsigned call(struct fx *f, const char *method, const char *path,
		     const char *token, const char *body, char *code,
		     size_t code_n)
{
	struct api_request rq = {.method = method, .path = path};
	struct api_response rs;
	char auth[128];
	json_t *v;
	unsigned st;

	if (token) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		rq.authorization = auth;
	}
	rq.purpose = "unit test";
	if (body) {
		rq.body = (const uint8_t *)body;
		rq.body_len = strlen(body);
	}
	api_handle(f->api, &rq, &rs);
	st = rs.status;
	code[0] = 0;
	v = json_loadb(rs.body.buf ? rs.body.buf : "", rs.body.len, 0, NULL);
	if (v && json_is_string(
		     json_object_get(json_object_get(v, "error"), "code")))
		snprintf(code, code_n, "%s",
			 json_string_value(json_object_get(
			     json_object_get(v, "error"), "code")));
	json_decref(v);
	strbuf_release(&rs.body);
	return st;
}

static void tokens(void **state)
{
	struct fx *f = *state;
	struct users_info u;
	char tok[API_TOKEN_LEN + 1], bad[API_TOKEN_LEN + 1];
	int64_t id, now = (int64_t)time(NULL);
	struct diag d;

	assert_int_equal(strlen(f->officer), API_TOKEN_LEN);
	assert_memory_equal(f->officer, API_TOKEN_PREFIX, 4);
	assert_int_equal(api_token_check(f->n->store, f->officer, API_TOKEN_LEN,
					 now, &u, &id, &d),
			 0);
	assert_string_equal(u.name, "olga");
	assert_int_equal(id, f->officer_id);
	/* One changed digit, a short token, garbage: all refused. */
	memcpy(bad, f->officer, sizeof(bad));
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	assert_int_equal(
	    api_token_check(f->n->store, bad, API_TOKEN_LEN, now, &u, NULL, &d),
	    LIA_EDENIED);
	assert_int_equal(
	    api_token_check(f->n->store, f->officer, 10, now, &u, NULL, &d),
	    LIA_EDENIED);
	/* Expiry. */
	assert_int_equal(api_token_create(f->n->store, "olga", NULL, now + 5,
					  "test", tok, &id, &d),
			 0);
	assert_int_equal(
	    api_token_check(f->n->store, tok, API_TOKEN_LEN, now, &u, NULL, &d),
	    0);
	assert_int_equal(api_token_check(f->n->store, tok, API_TOKEN_LEN,
					 now + 5, &u, NULL, &d),
			 LIA_EDENIED);
	/* Revocation, once. */
	assert_int_equal(store_token_revoke(f->n->store, id, now, "test", &d),
			 0);
	assert_int_equal(store_token_revoke(f->n->store, id, now, "test", &d),
			 LIA_ENOTFOUND);
	assert_int_equal(
	    api_token_check(f->n->store, tok, API_TOKEN_LEN, now, &u, NULL, &d),
	    LIA_EDENIED);
	/* No token for a user that does not exist. */
	assert_int_equal(api_token_create(f->n->store, "nobody", NULL, 0,
					  "test", tok, &id, &d),
			 LIA_ENOTFOUND);
}

static void errors_and_roles(void **state)
{
	struct fx *f = *state;
	char code[64];

	assert_int_equal(
	    call(f, "GET", "/v1/health", NULL, NULL, code, sizeof(code)), 200);
	assert_int_equal(
	    call(f, "GET", "/v1/nothing", NULL, NULL, code, sizeof(code)), 404);
	assert_string_equal(code, "not_found");
	assert_int_equal(
	    call(f, "PUT", "/v1/health", NULL, NULL, code, sizeof(code)), 405);
	assert_string_equal(code, "method_not_allowed");
	assert_int_equal(
	    call(f, "GET", "/v1/audit", NULL, NULL, code, sizeof(code)), 401);
	assert_string_equal(code, "unauthenticated");
	assert_int_equal(
	    call(f, "GET", "/v1/audit", f->officer, NULL, code, sizeof(code)),
	    403);
	assert_string_equal(code, "forbidden");
	assert_int_equal(
	    call(f, "GET", "/v1/audit", f->auditor, NULL, code, sizeof(code)),
	    200);
	assert_int_equal(call(f, "POST", "/v1/screen", f->auditor,
			      "{\"name\":\"x\"}", code, sizeof(code)),
			 403);
	assert_int_equal(call(f, "POST", "/v1/screen", f->officer, "{\"name\"",
			      code, sizeof(code)),
			 400);
	assert_string_equal(code, "bad_json");
	assert_int_equal(call(f, "POST", "/v1/screen", f->officer,
			      "{\"name\":[1]}", code, sizeof(code)),
			 400);
	assert_string_equal(code, "bad_request");
	assert_int_equal(call(f, "POST", "/v1/screen", f->officer,
			      "{\"name\":\"a\",\"x\":1}", code, sizeof(code)),
			 400);
	assert_int_equal(call(f, "POST", "/v1/screen", f->officer,
			      "{\"name\":\"Olga Petrova\"}", code,
			      sizeof(code)),
			 200);
	assert_int_equal(call(f, "POST", "/v1/compare", f->officer,
			      "{\"a\":\"Olga Petrova\",\"b\":\"Petrova Olga\"}",
			      code, sizeof(code)),
			 200);
	assert_int_equal(call(f, "GET", "/v1/records/nope", f->officer, NULL,
			      code, sizeof(code)),
			 404);
	assert_int_equal(
	    call(f, "GET", "/v1/users", f->officer, NULL, code, sizeof(code)),
	    403);
}

static void bodies(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"name\":null}",
	    "{\"names\":[]}",
	    "{\"names\":[\"a\",2]}",
	    "{\"threshold\":\"x\"}",
	    "{\"limit\":1.5}",
	    "{\"name\":\"a\",\"name\":\"b\"}",
	    "{\"name\":\"\"}",
	};
	const char *code;
	char msg[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(
		    api_body_check("/v1/screen", (const uint8_t *)bad[i],
				   strlen(bad[i]), &code, msg, sizeof(msg)),
		    0);
	assert_int_equal(api_body_check("/v1/screen",
					(const uint8_t *)"{\"names\":[\"a\"]}",
					15, &code, msg, sizeof(msg)),
			 0);
	assert_int_not_equal(api_body_check("/v1/health", (const uint8_t *)"{}",
					    2, &code, msg, sizeof(msg)),
			     0);
}

/* Every route is documented in docs/openapi.json and every documented
 * route is a route: the document cannot drift from the table. */
static void openapi_matches_router(void **state)
{
	const char *src = getenv("LIAISON_SRC"), *path, *method, *m;
	char file[4096];
	json_t *doc, *paths, *ops, *op;
	size_t documented = 0;

	(void)state;
	if (!src)
		skip();
	snprintf(file, sizeof(file), "%s/docs/openapi.json", src);
	assert_non_null(doc = json_load_file(file, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
			    "3.1.0");
	paths = json_object_get(doc, "paths");
	for (size_t i = 0; i < api_route_count(); i++) {
		char lower[8];

		path = api_route_name(i, &method);
		snprintf(lower, sizeof(lower), "%s", method);
		for (char *p = lower; *p; p++)
			*p = (char)(*p | 0x20);
		op = json_object_get(json_object_get(paths, path), lower);
		if (!op)
			fail_msg("%s %s is not documented", method, path);
	}
	json_object_foreach (paths, path, ops) {
		json_object_foreach (ops, m, op) {
			bool ok = false;
			char upper[8];

			snprintf(upper, sizeof(upper), "%s", m);
			for (char *p = upper; *p; p++)
				*p = (char)(*p & ~0x20);
			for (size_t i = 0; i < api_route_count(); i++)
				if (!strcmp(api_route_name(i, &method), path) &&
				    !strcmp(method, upper))
					ok = true;
			if (!ok)
				fail_msg("documented %s %s is no route", m,
					 path);
			documented++;
		}
	}
	assert_int_equal(documented, api_route_count());
	json_decref(doc);
}

/* Import one UN-listed person (DATAID 43) through a handle of its own, as
 * another process would. */
static int import_un(const char *home, const char *first, const char *last)
{
	char file[128];
	const char *files[1] = {file};
	struct node_import imp = {
	    .format = FMT_UN, .files = files, .n_files = 1, .actor = "test"};
	struct store_counts counts;
	struct node *n = NULL;
	struct diag d;
	FILE *fp;
	int err;

	snprintf(file, sizeof(file), "%s.un.xml", home);
	if (!(fp = fopen(file, "w")))
		return -1;
	fprintf(fp,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"
		"<DATAID>43</DATAID><FIRST_NAME>%s</FIRST_NAME>"
		"<SECOND_NAME>%s</SECOND_NAME>"
		"<REFERENCE_NUMBER>QDi.998</REFERENCE_NUMBER>"
		"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n",
		first, last);
	if (fclose(fp))
		return -1;
	if ((err = node_open(home, false, &n, &d)) ||
	    (err = node_import(n, &imp, &counts, &d)))
		fprintf(stderr, "import: %s\n", d.msg);
	node_close(n);
	unlink(file);
	return err;
}

/* Screen name through worker a: 1 if record id is among the hits, 0 if
 * not, -1 if the answer is not a 200 (no cmocka assertion: called from
 * other threads too). */
static int screen_on(struct api *a, const char *token, const char *name,
		     const char *id)
{
	struct api_request rq = {.method = "POST", .path = "/v1/screen"};
	struct api_response rs;
	char auth[128], body[256], want[160];
	int hit;

	snprintf(auth, sizeof(auth), "Bearer %s", token);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	snprintf(want, sizeof(want), "\"record_id\":\"%s\"", id);
	rq.authorization = auth;
	rq.purpose = "unit test";
	rq.body = (const uint8_t *)body;
	rq.body_len = strlen(body);
	api_handle(a, &rq, &rs);
	if (rs.status != 200 || !rs.body.buf)
		hit = -1;
	else
		hit = strstr(rs.body.buf, want) != NULL;
	strbuf_release(&rs.body);
	return hit;
}

/* Does screening name through the router return record id? */
static bool screen_hits(struct fx *f, const char *name, const char *id)
{
	int hit = screen_on(f->api, f->officer, name, id);

	assert_int_not_equal(hit, -1);
	return hit == 1;
}

/* The listener's index follows the store: a record written through
 * another handle hits at the very next screening, and a new version
 * with another name moves the hit. */
static void index_follows_store(void **state)
{
	struct fx *f = *state;

	assert_false(screen_hits(f, "Borislav Kowalczyk", "un-43"));
	assert_int_equal(import_un(f->dir, "BORISLAV", "KOWALCZYK"), 0);
	assert_true(screen_hits(f, "Borislav Kowalczyk", "un-43"));
	assert_int_equal(import_un(f->dir, "RADOSLAW", "ZIELINSKI"), 0);
	assert_false(screen_hits(f, "Borislav Kowalczyk", "un-43"));
	assert_true(screen_hits(f, "Radoslaw Zielinski", "un-43"));
}

/* POST /v1/uploads through the router alone: the probe the listener
 * makes before it accepts a body (0 = go on; the token and the right are
 * checked), a body that was too big, and no streamed body at all. */
static void touch_file(const char *path, int64_t mtime)
{
	struct timespec ts[2] = {{.tv_sec = (time_t)mtime},
				 {.tv_sec = (time_t)mtime}};
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs("personal data", fp);
	fclose(fp);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* What uploads leave behind is deleted: every part file when the
 * listener starts (all_parts), old ones later; finished uploads unused
 * for the expiry; nothing through a symbolic link, nothing recent. */
static void uploads_prune(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL), day = 86400;
	char p[8][200], outside[200];
	size_t removed = 99;
	struct diag d;

	assert_int_equal(
	    api_uploads_prune(f->dir, now, day, true, &removed, &d), 0);
	assert_int_equal(removed, 0); /* no HOME/uploads yet */
	snprintf(p[0], sizeof(p[0]), "%s/uploads", f->dir);
	snprintf(p[1], sizeof(p[1]), "%s/uploads/olga", f->dir);
	assert_int_equal(mkdir(p[0], 0700), 0);
	assert_int_equal(mkdir(p[1], 0700), 0);
	snprintf(p[2], sizeof(p[2]), "%s/uploads/.part-new", f->dir);
	snprintf(p[3], sizeof(p[3]), "%s/uploads/.part-old", f->dir);
	snprintf(p[4], sizeof(p[4]), "%s/uploads/olga/fresh", f->dir);
	snprintf(p[5], sizeof(p[5]), "%s/uploads/olga/stale", f->dir);
	snprintf(p[6], sizeof(p[6]), "%s/uploads/olga/link", f->dir);
	snprintf(outside, sizeof(outside), "%s/keep-me", f->dir);
	touch_file(p[2], now);
	touch_file(p[3], now - 2 * day);
	touch_file(p[4], now - 60);
	touch_file(p[5], now - 2 * day);
	touch_file(outside, now - 2 * day);
	assert_int_equal(symlink(outside, p[6]), 0);

	/* While the listener runs: only what is older than the expiry. */
	assert_int_equal(
	    api_uploads_prune(f->dir, now, day, false, &removed, &d), 0);
	assert_int_equal(removed, 2);
	assert_true(exists(p[2]));
	assert_false(exists(p[3]));
	assert_true(exists(p[4]));
	assert_false(exists(p[5]));
	assert_true(exists(p[6]));
	assert_true(exists(outside));
	/* At the start: every part file (none can be in flight). */
	assert_int_equal(
	    api_uploads_prune(f->dir, now, day, true, &removed, &d), 0);
	assert_int_equal(removed, 1);
	assert_false(exists(p[2]));
	assert_true(exists(p[4]));
	assert_true(exists(outside));
}

static void uploads_probe(void **state)
{
	struct fx *f = *state;
	struct api_upload up = {0};
	struct api_request rq = {.method = "POST", .path = "/v1/uploads"};
	struct api_response rs;
	char auth[128], code[32];

	snprintf(auth, sizeof(auth), "Bearer %s", f->officer);
	rq.authorization = auth;
	rq.probe = true;
	api_handle(f->api, &rq, &rs);
	assert_int_equal(rs.status, 0);
	strbuf_release(&rs.body);
	snprintf(auth, sizeof(auth), "Bearer %s", f->auditor);
	api_handle(f->api, &rq, &rs);
	assert_int_equal(rs.status, 403);
	strbuf_release(&rs.body);
	rq.authorization = NULL;
	api_handle(f->api, &rq, &rs);
	assert_int_equal(rs.status, 401);
	strbuf_release(&rs.body);
	snprintf(auth, sizeof(auth), "Bearer %s", f->officer);
	rq.authorization = auth;
	rq.probe = false;
	up.too_big = true;
	rq.upload = &up;
	api_handle(f->api, &rq, &rs);
	assert_int_equal(rs.status, 413);
	strbuf_release(&rs.body);
	assert_int_equal(call(f, "POST", "/v1/uploads", f->officer, NULL, code,
			      sizeof(code)),
			 400);
	assert_string_equal(code, "bad_request");
}

#define WORKERS 4
#define WORKER_CALLS 100

struct worker_run {
	struct api *api;
	const char *token;
	int wrong; /* answers that were not a hit on un-43 */
};

static void *worker_run(void *arg)
{
	struct worker_run *w = arg;

	for (int i = 0; i < WORKER_CALLS; i++)
		if (screen_on(w->api, w->token,
			      i % 2 ? "Borislav Kowalczyk"
				    : "Kowalczyk Borislav",
			      "un-43") != 1)
			w->wrong++;
	return NULL;
}

/* Workers over their own handles answer at the same time from one shared
 * index: every answer right, every screening counted once in the shared
 * metrics, and a record changed through yet another handle is seen by
 * every worker at its next screening. */
static void workers_concurrent(void **state)
{
	struct fx *f = *state;
	struct node *hn[WORKERS] = {0};
	struct worker_run run[WORKERS] = {0};
	pthread_t tid[WORKERS];
	struct api_request rq = {.method = "GET", .path = "/v1/metrics"};
	struct api_response rs;
	char auth[128], want[64];
	struct diag d;

	assert_int_equal(import_un(f->dir, "BORISLAV", "KOWALCZYK"), 0);
	for (int i = 0; i < WORKERS; i++) {
		assert_int_equal(node_open(f->dir, false, &hn[i], &d), 0);
		assert_int_equal(api_worker_new(f->api, hn[i], &run[i].api, &d),
				 0);
		run[i].token = f->officer;
	}
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, worker_run, &run[i]), 0);
	for (int i = 0; i < WORKERS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(run[i].wrong, 0);
	}
	/* The parent may go first: the workers keep the shared part. */
	api_free(f->api);
	f->api = run[0].api;
	run[0].api = NULL;
	snprintf(auth, sizeof(auth), "Bearer %s", f->admin);
	rq.authorization = auth;
	api_handle(f->api, &rq, &rs);
	assert_int_equal(rs.status, 200);
	snprintf(want, sizeof(want), "liaison_screen_names_total %d\n",
		 WORKERS * WORKER_CALLS);
	assert_non_null(strstr(rs.body.buf, want));
	strbuf_release(&rs.body);
	assert_int_equal(import_un(f->dir, "RADOSLAW", "ZIELINSKI"), 0);
	for (int i = 1; i < WORKERS; i++) {
		assert_int_equal(screen_on(run[i].api, f->officer,
					   "Radoslaw Zielinski", "un-43"),
				 1);
		assert_int_equal(screen_on(run[i].api, f->officer,
					   "Borislav Kowalczyk", "un-43"),
				 0);
	}
	for (int i = 1; i < WORKERS; i++)
		api_free(run[i].api);
	/* f->api (a worker over hn[0]) is freed by teardown, then hn[0]. */
	f->extra = hn[0];
	for (int i = 1; i < WORKERS; i++)
		node_close(hn[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(errors_and_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(uploads_probe, setup, teardown),
	    cmocka_unit_test_setup_teardown(uploads_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(workers_concurrent, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(index_follows_store, setup,
					    teardown),
	    cmocka_unit_test(bodies),
	    cmocka_unit_test(openapi_matches_router),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
