/*
 * test_witness.c - the witness's checks of a published tree head
 * (node_witness_check) and the strict parsing of the three witness bodies
 * (node_witness_parse): a consistent head is countersigned, an
 * inconsistent one (a failed proof, another root for a size) is a
 * problem, a forged signature and a replayed older head are refused.
 */
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
#include "liaison/node.h"
#include "liaison/store.h"

/* One store: the publisher's log, or the witness's rows. */
struct side {
	char dir[64];
	struct store *st;
	struct ledger *lg;
};

struct fx {
	struct side pub, fork, wit;
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct ledger_signer signer;
};

static int test_sign(void *ctx, const uint8_t *msg, size_t len,
		     uint8_t sig[LEDGER_SIG_SIZE])
{
	struct fx *f = ctx;

	return crypto_sign_detached(sig, NULL, msg, len, f->sk) ? LIA_ECRYPTO
								: 0;
}

static int side_open(struct side *s)
{
	struct store_opts o = {.create = true};
	struct diag d;

	snprintf(s->dir, sizeof(s->dir), "/tmp/liaison-witness-XXXXXX");
	if (!mkdtemp(s->dir) || store_open(s->dir, &o, &s->st, &d) ||
	    ledger_open(s->st, &s->lg, &d))
		return -1;
	return 0;
}

static void side_close(struct side *s)
{
	static const char *const names[] = {"store.db", "store.db-wal",
					    "store.db-shm"};
	char p[128];

	ledger_close(s->lg);
	store_close(s->st);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", s->dir, names[i]);
		unlink(p);
	}
	rmdir(s->dir);
}

/* Append n entries whose text starts with tag. */
static void append(struct side *s, const char *tag, uint64_t from, size_t n)
{
	char buf[64];
	struct diag d;

	for (size_t i = 0; i < n; i++) {
		struct ledger_entry e = {.data = buf};

		e.len = (size_t)snprintf(buf, sizeof(buf), "%s %llu", tag,
					 (unsigned long long)(from + i));
		assert_int_equal(ledger_append_batch(s->lg, &e, 1, 0, NULL, &d),
				 0);
	}
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || side_open(&f->pub) || side_open(&f->fork) ||
	    side_open(&f->wit))
		return -1;
	crypto_sign_keypair(f->signer.pk, f->sk);
	f->signer.sign = test_sign;
	f->signer.ctx = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	side_close(&f->pub);
	side_close(&f->fork);
	side_close(&f->wit);
	free(f);
	return 0;
}

/* The publisher's head of its current size, and a proof from size from
 * (0: none) in b. */
static void publish(struct fx *f, struct side *s, uint64_t from,
		    struct node_witness_body *b)
{
	struct diag d;

	memset(b, 0, sizeof(*b));
	assert_int_equal(ledger_sign_head(s->lg, &f->signer, 0, &b->head, &d),
			 0);
	if (from) {
		assert_int_equal(ledger_prove_consistency(
				     s->lg, from, b->head.size, &b->proof, &d),
				 0);
		b->has_proof = true;
	}
}

/* What the witness does when it countersigns: remember the head. */
static void remember(struct fx *f, const struct node_witness_body *b)
{
	struct store_witness w = {.node = "NL-NP", .witness = "DE-BKA"};
	struct diag d;

	w.size = b->head.size;
	memcpy(w.root, b->head.root, LEDGER_HASH_SIZE);
	w.at_ms = b->head.time_ms;
	memcpy(w.sig, b->head.sig, LEDGER_SIG_SIZE);
	assert_int_equal(store_witness_put(f->wit.st, &w, &d), 0);
}

static int check(struct fx *f, const struct node_witness_body *b,
		 enum node_witness_verdict *v, char *reason, size_t n)
{
	struct diag d;

	*v = 0;
	return node_witness_check(f->wit.st, "NL-NP", "DE-BKA", f->signer.pk, b,
				  v, reason, n, &d);
}

static void test_consistent(void **state)
{
	struct fx *f = *state;
	struct node_witness_body b;
	enum node_witness_verdict v;
	char reason[256];

	append(&f->pub, "entry", 0, 5);
	publish(f, &f->pub, 0, &b);
	/* The first head is taken on trust. */
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_COSIGN);
	remember(f, &b);
	/* The same head again is countersigned again. */
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_COSIGN);
	for (uint64_t size = 5; size < 40; size += 7) {
		uint64_t from = b.head.size;

		append(&f->pub, "entry", size, 7);
		publish(f, &f->pub, from, &b);
		assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
		assert_int_equal(v, NODE_WITNESS_COSIGN);
		remember(f, &b);
	}
	/* Without a proof, a larger head is refused, not a problem. */
	append(&f->pub, "entry", 40, 1);
	publish(f, &f->pub, 0, &b);
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), LIA_EDENIED);
}

static void test_inconsistent(void **state)
{
	struct fx *f = *state;
	struct node_witness_body b, good;
	enum node_witness_verdict v;
	char reason[256];

	append(&f->pub, "entry", 0, 9);
	append(&f->fork, "entry", 0, 4);
	append(&f->fork, "rewritten", 4, 5);
	publish(f, &f->pub, 0, &b);
	remember(f, &b);

	/* Another root for a size countersigned: a rewritten history. */
	publish(f, &f->fork, 0, &b);
	assert_int_equal(b.head.size, 9);
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_PROBLEM);
	assert_non_null(strstr(reason, "two different roots for size 9"));

	/* A larger head of the fork, with its own (valid) proof from 9:
	 * the root it gives for size 9 is not the one countersigned. */
	append(&f->fork, "rewritten", 9, 3);
	publish(f, &f->fork, 9, &b);
	assert_int_equal(ledger_proof_verify(&b.proof), 0);
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_PROBLEM);
	assert_non_null(strstr(reason, "not the root countersigned"));

	/* The right old root but a proof that does not hold. */
	append(&f->pub, "entry", 9, 3);
	publish(f, &f->pub, 9, &good);
	b = good;
	b.proof.path[0][3] ^= 1;
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_PROBLEM);
	assert_non_null(strstr(reason, "consistency proof fails"));

	/* The honest head is still countersigned. */
	assert_int_equal(check(f, &good, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_COSIGN);
}

static void test_forged(void **state)
{
	struct fx *f = *state;
	struct node_witness_body b;
	enum node_witness_verdict v;
	uint8_t other_pk[32], other_sk[64], msg[LEDGER_HEAD_SIGNED_SIZE];
	char reason[256];

	append(&f->pub, "entry", 0, 3);
	publish(f, &f->pub, 0, &b);
	b.head.sig[10] ^= 1;
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), LIA_ECRYPTO);
	assert_int_equal(v, 0);
	/* Signed, correctly, by a key that is not the pinned one. */
	crypto_sign_keypair(other_pk, other_sk);
	publish(f, &f->pub, 0, &b);
	memcpy(b.head.pk, other_pk, 32);
	ledger_head_signed_bytes(&b.head, msg);
	crypto_sign_detached(b.head.sig, NULL, msg, sizeof(msg), other_sk);
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), LIA_ECRYPTO);
	/* Nothing was remembered: the genuine head is still the first. */
	publish(f, &f->pub, 0, &b);
	assert_int_equal(check(f, &b, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, NODE_WITNESS_COSIGN);
}

static void test_replay(void **state)
{
	struct fx *f = *state;
	struct node_witness_body old, b;
	enum node_witness_verdict v;
	char reason[256];

	append(&f->pub, "entry", 0, 4);
	publish(f, &f->pub, 0, &old);
	append(&f->pub, "entry", 4, 4);
	publish(f, &f->pub, 0, &b);
	remember(f, &b);
	/* A genuine but older head, never countersigned: a replay. */
	assert_int_equal(check(f, &old, &v, reason, sizeof(reason)),
			 LIA_EDENIED);
	assert_int_equal(v, 0);
}

static void test_parse(void **state)
{
	struct fx *f = *state;
	struct node_witness_body b, out;
	struct diag d;
	char *hj = NULL, *pj = NULL, body[8192], sig64[89];
	int n;

	append(&f->pub, "entry", 0, 6);
	publish(f, &f->pub, 0, &b);
	append(&f->pub, "entry", 6, 6);
	publish(f, &f->pub, 6, &b);
	assert_int_equal(ledger_head_to_json(&b.head, &hj), 0);
	assert_int_equal(ledger_proof_to_json(&b.proof, &pj), 0);

	n = snprintf(body, sizeof(body),
		     "{\"v\":1,\"head\":%s,\"consistency\":%s}", hj, pj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 0);
	assert_true(out.has_proof);
	assert_int_equal(out.head.size, 12);
	assert_int_equal(out.proof.a, 6);
	/* Without a proof. */
	n = snprintf(body, sizeof(body), "{\"v\":1,\"head\":%s}", hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 0);
	assert_false(out.has_proof);
	/* An unknown key, a wrong version, a key of another kind. */
	n = snprintf(body, sizeof(body), "{\"v\":1,\"head\":%s,\"x\":1}", hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	n = snprintf(body, sizeof(body), "{\"v\":2,\"head\":%s}", hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	n = snprintf(body, sizeof(body), "{\"v\":1,\"head\":%s,\"sig\":\"\"}",
		     hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	/* A countersignature: exactly 64 bytes of canonical base64. */
	memset(sig64, 'A', 86);
	memcpy(sig64 + 86, "==", 3);
	n = snprintf(body, sizeof(body), "{\"v\":1,\"head\":%s,\"sig\":\"%s\"}",
		     hj, sig64);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_COSIGN,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 0);
	/* Unused bits set: not the canonical form. */
	sig64[85] = 'B';
	n = snprintf(body, sizeof(body), "{\"v\":1,\"head\":%s,\"sig\":\"%s\"}",
		     hj, sig64);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_COSIGN,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	/* A problem needs a reason without control characters. */
	n = snprintf(body, sizeof(body),
		     "{\"v\":1,\"head\":%s,\"reason\":\"two roots\"}", hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_PROBLEM,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 0);
	assert_string_equal(out.reason, "two roots");
	n = snprintf(body, sizeof(body),
		     "{\"v\":1,\"head\":%s,\"reason\":\"a\\nb\"}", hj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_PROBLEM,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	/* Not a witness kind; too big. */
	assert_int_equal(node_witness_parse(ENVELOPE_MESSAGE,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EINVAL);
	assert_int_equal(
	    node_witness_parse(ENVELOPE_LEDGER_HEAD, (const uint8_t *)body,
			       NODE_WITNESS_BODY_MAX + 1, &out, &d),
	    LIA_ETOOBIG);
	/* A proof that does not end at the head. */
	b.proof.b = 11;
	free(pj);
	pj = NULL;
	assert_int_equal(ledger_proof_to_json(&b.proof, &pj), 0);
	n = snprintf(body, sizeof(body),
		     "{\"v\":1,\"head\":%s,\"consistency\":%s}", hj, pj);
	assert_int_equal(node_witness_parse(ENVELOPE_LEDGER_HEAD,
					    (const uint8_t *)body, (size_t)n,
					    &out, &d),
			 LIA_EPARSE);
	free(hj);
	free(pj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_consistent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inconsistent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
