/* test_outbox.c - the store's outbox and inbox state machine, replay
 * detection, and the delivery backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "liaison/daemon.h"
#include "liaison/store.h"

struct fx {
	char dir[64];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_opts o = {.create = true};
	struct diag d;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-outbox-XXXXXX");
	if (!mkdtemp(f->dir) || store_open(f->dir, &o, &f->st, &d))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"store.db", "store.db-wal",
					    "store.db-shm"};
	char p[128];

	store_close(f->st);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const char ID1[] = "00112233445566778899aabbccddeeff";
static const char ID2[] = "ffeeddccbbaa99887766554433221100";
static const uint8_t BYTES[] = {1, 2, 3, 4};

static void queue(struct store *st, const char *id)
{
	static const char *const to[] = {"DE-BKA", "FR-PN"};
	struct store_outbound o = {
		.env_id = id, .kind = "message", .subject = "s",
		.case_ref = "C", .created = time(NULL),
		.expires = time(NULL) + 3600, .bytes = BYTES,
		.len = sizeof(BYTES), .recipients = to, .n_recipients = 2,
		.actor = "os:test", .detail = "why",
	};
	struct diag d;

	assert_int_equal(store_outbox_add(st, &o, &d), 0);
}

struct count {
	int rows;
	char states[8][16];
};

static int count_row(const struct store_msg_row *r, void *ctx)
{
	struct count *c = ctx;

	if (c->rows < 8)
		snprintf(c->states[c->rows], 16, "%s", r->state);
	c->rows++;
	return 0;
}

static void test_outbox_states(void **state)
{
	struct fx *f = *state;
	struct store_out_item it[4];
	struct count c = {0};
	struct diag d;
	size_t n = 0;
	int64_t now = time(NULL);

	queue(f->st, ID1);
	/* The same id cannot be queued twice. */
	{
		static const char *const to[] = {"DE-BKA"};
		struct store_outbound o = {
			.env_id = ID1, .kind = "message", .subject = "",
			.case_ref = "", .bytes = BYTES, .len = 4,
			.recipients = to, .n_recipients = 1,
			.actor = "os:test",
		};
		assert_int_equal(store_outbox_add(f->st, &o, &d), LIA_EEXIST);
	}
	assert_int_equal(store_outbox_due(f->st, now, it, 4, &n, &d), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(it[0].bytes, BYTES, 4);
	assert_int_equal(it[0].state, STORE_OUT_QUEUED);
	for (size_t i = 0; i < n; i++)
		store_out_item_release(&it[i]);

	/* A failed attempt: queued later, the error kept. */
	assert_int_equal(store_outbox_mark(f->st, ID1, "DE-BKA",
					   STORE_OUT_QUEUED, now + 60,
					   "connection refused", &d), 0);
	assert_int_equal(store_outbox_due(f->st, now, it, 4, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].recipient, "FR-PN");
	store_out_item_release(&it[0]);
	assert_int_equal(store_outbox_due(f->st, now + 60, it, 4, &n, &d), 0);
	assert_int_equal(n, 2);
	assert_int_equal(it[0].attempts + it[1].attempts, 1);
	store_out_item_release(&it[0]);
	store_out_item_release(&it[1]);

	/* Sent, then the receipt: delivered; a late answer cannot undo it. */
	assert_int_equal(store_outbox_mark(f->st, ID1, "DE-BKA",
					   STORE_OUT_SENT, now + 600, NULL, &d),
			 0);
	{
		struct store_inbound in = {
			.env_id = ID2, .sender = "DE-BKA", .kind = "receipt",
			.priority = "routine", .case_ref = "", .subject = "",
			.marking = "{}", .expires = now + 3600, .bytes = BYTES,
			.len = 4, .keep = false,
			.delivered = (const char *const[]){ID1}, .n_delivered = 1,
			.actor = "peer:DE-BKA",
		};
		assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
		/* The same receipt again: a replay, nothing applied. */
		assert_int_equal(store_inbound_apply(f->st, &in, &d),
				 LIA_EEXIST);
	}
	assert_int_equal(store_outbox_mark(f->st, ID1, "DE-BKA",
					   STORE_OUT_QUEUED, now, "late", &d),
			 0);
	assert_int_equal(store_outbox_mark(f->st, ID1, "FR-PN",
					   STORE_OUT_FAILED, 0, "refused", &d),
			 0);
	assert_int_equal(store_outbox_mark(f->st, ID1, "XX-NONE",
					   STORE_OUT_FAILED, 0, "x", &d),
			 LIA_ENOTFOUND);
	assert_int_equal(store_outbox_each(f->st, count_row, &c, &d), 0);
	assert_int_equal(c.rows, 2);
	assert_string_equal(c.states[0], "delivered");
	assert_string_equal(c.states[1], "failed");
	assert_int_equal(store_outbox_due(f->st, now + 100000, it, 4, &n, &d),
			 0);
	assert_int_equal(n, 0);
}

static void test_inbox_once(void **state)
{
	struct fx *f = *state;
	struct store_in_msg *m = NULL;
	struct count c = {0};
	struct diag d;
	int64_t now = time(NULL);
	static const char *const to[] = {"NL-NP"};
	struct store_outbound reply = {
		.env_id = ID2, .kind = "receipt", .subject = "", .case_ref = "",
		.created = now, .expires = now + 60, .bytes = BYTES, .len = 4,
		.recipients = to, .n_recipients = 1, .actor = "node",
	};
	struct store_inbound in = {
		.env_id = ID1, .sender = "NL-NP", .kind = "message",
		.priority = "urgent", .case_ref = "OP-7", .subject = "hello",
		.marking = "{}", .created = now, .expires = now + 3600,
		.bytes = BYTES, .len = 4, .keep = true, .reply = &reply,
		.actor = "peer:NL-NP",
	};

	assert_int_equal(store_seen(f->st, ID1, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_seen(f->st, ID1, &d), 1);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), LIA_EEXIST);
	/* The reply was queued with it, exactly once. */
	{
		struct store_out_item it[2];
		size_t n = 0;
		assert_int_equal(store_outbox_due(f->st, now, it, 2, &n, &d),
				 0);
		assert_int_equal(n, 1);
		assert_string_equal(it[0].kind, "receipt");
		store_out_item_release(&it[0]);
	}
	/* Pruning the seen ids keeps replay detection through the inbox. */
	assert_int_equal(store_seen_prune(f->st, now + 7200, NULL, &d), 0);
	assert_int_equal(store_seen(f->st, ID1, &d), 1);

	assert_int_equal(store_inbox_get(f->st, ID1, &m, &d), 0);
	assert_string_equal(m->sender, "NL-NP");
	assert_string_equal(m->state, "received");
	assert_string_equal(m->case_ref, "OP-7");
	store_in_msg_free(m);
	assert_int_equal(store_inbox_mark_read(f->st, ID1, "os:test", "read",
					       &d), 0);
	assert_int_equal(store_inbox_each(f->st, count_row, &c, &d), 0);
	assert_int_equal(c.rows, 1);
	assert_string_equal(c.states[0], "read");
	assert_int_equal(store_inbox_mark_read(f->st, ID2, "os:test", NULL,
					       &d), LIA_ENOTFOUND);
	/* Ids from the network are checked before any query. */
	assert_int_equal(store_seen(f->st, "ID1' OR 1=1 --", &d), LIA_EINVAL);
}

static void on_queue(void *ctx)
{
	(*(int *)ctx)++;
}

/* A batch: two envelopes kept, one dropped, one transaction; a replay
 * inside the batch is refused like one across batches; the queue hook
 * fires once, after the commit. */
static void test_batch(void **state)
{
	static const char ID3[] = "0123456789abcdef0123456789abcdef";
	struct fx *f = *state;
	struct store *other = NULL;
	struct store_opts o = {.create = false};
	struct diag d;
	int64_t now = time(NULL);
	int fired = 0;
	static const char *const to[] = {"NL-NP"};
	struct store_outbound reply = {
		.env_id = ID2, .kind = "receipt", .subject = "", .case_ref = "",
		.created = now, .expires = now + 60, .bytes = BYTES, .len = 4,
		.recipients = to, .n_recipients = 1, .actor = "node",
	};
	struct store_inbound in = {
		.env_id = ID1, .sender = "NL-NP", .kind = "message",
		.priority = "routine", .case_ref = "", .subject = "a",
		.marking = "{}", .created = now, .expires = now + 3600,
		.bytes = BYTES, .len = 4, .keep = true, .actor = "peer:NL-NP",
	};

	store_set_queue_hook(f->st, on_queue, &fired);
	assert_int_equal(store_open(f->dir, &o, &other, &d), 0);
	assert_int_equal(store_batch_item(f->st, true, true, &d), LIA_EINVAL);
	assert_int_equal(store_batch_begin(f->st, &d), 0);
	assert_int_equal(store_batch_begin(f->st, &d), LIA_EINVAL);
	/* Kept. */
	assert_int_equal(store_batch_item(f->st, true, true, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_batch_item(f->st, false, true, &d), 0);
	/* The same id again in the same batch: refused. */
	assert_int_equal(store_batch_item(f->st, true, true, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), LIA_EEXIST);
	assert_int_equal(store_batch_item(f->st, false, false, &d), 0);
	/* Dropped: applied, then undone with its queued reply. */
	in.env_id = ID3;
	in.reply = &reply;
	assert_int_equal(store_batch_item(f->st, true, true, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_batch_item(f->st, false, false, &d), 0);
	/* Nothing is visible to another connection before the commit. */
	assert_int_equal(store_seen(other, ID1, &d), 0);
	assert_int_equal(fired, 0);
	assert_int_equal(store_batch_end(f->st, true, &d), 0);
	assert_int_equal(store_seen(other, ID1, &d), 1);
	assert_int_equal(store_seen(other, ID3, &d), 0);
	assert_int_equal(fired, 1);
	{
		struct store_out_item it[2];
		size_t n = 9;
		assert_int_equal(store_outbox_due(other, now, it, 2, &n, &d),
				 0);
		assert_int_equal(n, 0);
	}
	/* A batch rolled back leaves nothing. */
	in.env_id = ID3;
	in.reply = NULL;
	assert_int_equal(store_batch_begin(f->st, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_batch_end(f->st, false, &d), 0);
	assert_int_equal(store_seen(other, ID3, &d), 0);
	/* An item left open refuses the commit and rolls back. */
	assert_int_equal(store_batch_begin(f->st, &d), 0);
	assert_int_equal(store_batch_item(f->st, true, true, &d), 0);
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_batch_end(f->st, true, &d), LIA_EINVAL);
	assert_int_equal(store_seen(other, ID3, &d), 0);
	/* Outside a batch, plain transactions work again. */
	assert_int_equal(store_inbound_apply(f->st, &in, &d), 0);
	assert_int_equal(store_seen(other, ID3, &d), 1);
	store_close(other);
}

/* Large envelopes: one call returns rows up to the byte limit only. */
static void test_due_bytes(void **state)
{
	static const char *const ids[] = {
		"10000000000000000000000000000000",
		"20000000000000000000000000000000",
		"30000000000000000000000000000000"};
	static const char *const to[] = {"DE-BKA"};
	struct fx *f = *state;
	struct store_out_item it[4];
	size_t big = STORE_DUE_BYTES_MAX / 2, n = 0;
	uint8_t *b = calloc(1, big);
	struct diag d;

	assert_non_null(b);
	for (size_t i = 0; i < 3; i++) {
		struct store_outbound o = {
			.env_id = ids[i], .kind = "message", .subject = "s",
			.case_ref = "", .created = time(NULL),
			.expires = time(NULL) + 3600, .bytes = b, .len = big,
			.recipients = to, .n_recipients = 1,
			.actor = "os:test", .detail = "big",
		};
		assert_int_equal(store_outbox_add(f->st, &o, &d), 0);
	}
	assert_int_equal(store_outbox_due(f->st, time(NULL), it, 4, &n, &d), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(store_outbox_mark(f->st, it[i].env_id,
						   "DE-BKA", STORE_OUT_SENT,
						   time(NULL) + 600, NULL, &d),
				 0);
		store_out_item_release(&it[i]);
	}
	assert_int_equal(store_outbox_due(f->st, time(NULL), it, 4, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(it[0].env_id, ids[2]);
	store_out_item_release(&it[0]);
	free(b);
}

static void test_backoff(void **state)
{
	(void)state;
	/* Doubling from the base, capped, jittered into [d/2, d]. */
	assert_int_equal(daemon_backoff_ms(0, 0, 1000, 300000), 500);
	assert_int_equal(daemon_backoff_ms(0, 500, 1000, 300000), 1000);
	assert_int_equal(daemon_backoff_ms(3, 0, 1000, 300000), 4000);
	assert_int_equal(daemon_backoff_ms(3, 4000, 1000, 300000), 8000);
	assert_int_equal(daemon_backoff_ms(30, 0, 1000, 300000), 150000);
	assert_int_equal(daemon_backoff_ms(INT64_MAX, UINT32_MAX, 1000,
					   300000) <= 300000, 1);
	for (uint32_t r = 0; r < 1000; r++) {
		int64_t ms = daemon_backoff_ms(5, r * 7919u, 1000, 10000);
		assert_true(ms >= 5000 && ms <= 10000);
	}
	assert_int_equal(daemon_backoff_ms(0, 0, 0, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outbox_states, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inbox_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_bytes, setup, teardown),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
