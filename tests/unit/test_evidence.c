/* test_evidence.c - media types, custody rules, registration and events on
 * a store, bundles verified offline (also with a witness countersignature
 * added), and refusals. Keys are made at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "liaison/evidence.h"
#include "unit/exchange_test.h"

#define PASS "correct horse battery"

static void media_types(void **state)
{
	(void)state;
	assert_string_equal(
	    evidence_media_type((const uint8_t *)"%PDF-1.7", 8, "x.bin"),
	    "application/pdf");
	assert_string_equal(
	    evidence_media_type((const uint8_t *)"\xff\xd8\xff\xe0", 4, NULL),
	    "image/jpeg");
	assert_string_equal(evidence_media_type((const uint8_t *)"\0\0\0\x18"
								 "ftypmp42",
						12, NULL),
			    "video/mp4");
	assert_string_equal(
	    evidence_media_type((const uint8_t *)"hello", 5, "notes.TXT"),
	    "text/plain");
	assert_string_equal(evidence_media_type(NULL, 0, "a.dir/file"),
			    "application/octet-stream");
}

static void rules(void **state)
{
	struct evidence_state s = {0};
	struct diag d;

	(void)state;
	assert_int_equal(evidence_rule(&s, EVIDENCE_SEALED, "a", &d),
			 LIA_EDENIED);
	assert_int_equal(evidence_rule(&s, EVIDENCE_REGISTERED, "a", &d), 0);
	assert_int_equal(evidence_rule(&s, EVIDENCE_REGISTERED, "a", &d),
			 LIA_EDENIED);
	assert_int_equal(evidence_rule(&s, EVIDENCE_RECEIVED, "b", &d),
			 LIA_EDENIED);
	assert_int_equal(evidence_rule(&s, EVIDENCE_TRANSFERRED, "a", &d), 0);
	assert_int_equal(evidence_rule(&s, EVIDENCE_EXAMINED, "a", &d),
			 LIA_EDENIED);
	assert_int_equal(evidence_rule(&s, EVIDENCE_RECEIVED, "a", &d),
			 LIA_EDENIED);
	assert_int_equal(evidence_rule(&s, EVIDENCE_RECEIVED, "b", &d), 0);
	assert_int_equal(evidence_rule(&s, EVIDENCE_DESTROYED, "b", &d), 0);
	assert_int_equal(evidence_rule(&s, EVIDENCE_EXAMINED, "b", &d),
			 LIA_EDENIED);
	assert_int_equal(s.next_seq, 4);
}

/* Custody across agencies: only the agency a transfer names signs its
 * receipt, and then it holds the item. */
static void rules_across(void **state)
{
	struct evidence_state s = {0};
	struct diag d;

	(void)state;
	assert_true(evidence_to_agency("DE-BKA"));
	assert_false(evidence_to_agency("bob"));
	assert_false(evidence_to_agency("Lab 3"));
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_REGISTERED, "alice",
					  "NL-NP", NULL, &d),
			 0);
	/* Nobody else records while NL-NP holds it. */
	assert_int_equal(
	    evidence_rule_at(&s, EVIDENCE_SEALED, "bruno", "DE-BKA", NULL, &d),
	    LIA_EDENIED);
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_TRANSFERRED, "alice",
					  "NL-NP", "DE-BKA", &d),
			 0);
	/* Not NL-NP's own people, not a third agency. */
	assert_int_equal(
	    evidence_rule_at(&s, EVIDENCE_RECEIVED, "bob", "NL-NP", NULL, &d),
	    LIA_EDENIED);
	assert_non_null(strstr(d.msg, "only DE-BKA"));
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_RECEIVED, "pierre",
					  "FR-PN", NULL, &d),
			 LIA_EDENIED);
	/* DE-BKA's officer, even with the transferor's name. */
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_RECEIVED, "alice",
					  "DE-BKA", NULL, &d),
			 0);
	assert_string_equal(s.holder, "DE-BKA");
	assert_int_equal(
	    evidence_rule_at(&s, EVIDENCE_EXAMINED, "alice", "NL-NP", NULL, &d),
	    LIA_EDENIED);
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_EXAMINED, "bruno",
					  "DE-BKA", NULL, &d),
			 0);
	/* A transfer to a person stays within the holder. */
	assert_int_equal(evidence_rule_at(&s, EVIDENCE_TRANSFERRED, "bruno",
					  "DE-BKA", "karl", &d),
			 0);
	assert_int_equal(
	    evidence_rule_at(&s, EVIDENCE_RECEIVED, "x", "NL-NP", NULL, &d),
	    LIA_EDENIED);
	assert_int_equal(
	    evidence_rule_at(&s, EVIDENCE_RECEIVED, "karl", "DE-BKA", NULL, &d),
	    0);
	assert_int_equal(s.next_seq, 6);
}

struct fx {
	char home[XT_HOME_MAX];
	struct identity *me;
	struct store *st;
	struct ledger *lg;
	struct users_key *alice, *bob, *carol;
};

static struct users_key *mkuser(struct fx *f, const char *name,
				enum users_role r)
{
	struct users_key *k = NULL;
	struct diag d;

	if (users_add(f->st, f->lg, "NL-NP", name, r, PASS, strlen(PASS),
		      "os:test", NULL, &d) ||
	    users_unlock(f->st, name, PASS, strlen(PASS), &k, &d))
		return NULL;
	return k;
}

static void custody_and_bundle(void **state)
{
	struct fx f;
	struct store_opts o = {.create = true};
	struct evidence_ctx c;
	struct evidence_new e;
	char id[EVIDENCE_ID_LEN + 1], file[XT_HOME_MAX + 16], *b, *w;
	char cmd[128];
	uint8_t wpk[32], wsk[64], msg[LEDGER_HEAD_SIGNED_SIZE], sig[64];
	char b64pk[64], b64sig[128];
	struct ledger_head h;
	struct diag d;
	size_t len;
	uint64_t seq;
	json_t *j, *wit;
	FILE *fp;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.me = xt_identity(f.home, "NL-NP", "NL");
	assert_int_equal(store_open(f.home, &o, &f.st, &d), 0);
	assert_int_equal(ledger_open(f.st, &f.lg, &d), 0);
	assert_non_null(f.alice = mkuser(&f, "alice", USERS_OFFICER));
	assert_non_null(f.bob = mkuser(&f, "bob", USERS_SUPERVISOR));
	assert_non_null(f.carol = mkuser(&f, "carol", USERS_ANALYST));
	snprintf(file, sizeof(file), "%s/item.pdf", f.home);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs("%PDF-1.4 a seized document", fp);
	fclose(fp);
	c = (struct evidence_ctx){
	    .st = f.st, .lg = f.lg, .home = f.home, .agency = "NL-NP"};
	e = (struct evidence_new){
	    .file = file, .case_ref = "C-1", .description = "a document"};
	assert_int_equal(evidence_add(&c, f.carol, &e, id, &d), LIA_EDENIED);
	e.description = "line\nbreak";
	assert_int_equal(evidence_add(&c, f.alice, &e, id, &d), LIA_EINVAL);
	e.description = "a document";
	assert_int_equal(evidence_add(&c, f.alice, &e, id, &d), 0);
	assert_int_equal(evidence_event(&c, f.alice, id, EVIDENCE_TRANSFERRED,
					NULL, NULL, &seq, &d),
			 LIA_EINVAL); /* a transfer names its recipient */
	assert_int_equal(evidence_event(&c, f.alice, id, EVIDENCE_TRANSFERRED,
					"bob", "to the lab", &seq, &d),
			 0);
	assert_int_equal(seq, 1);
	assert_int_equal(evidence_event(&c, f.bob, id, EVIDENCE_RECEIVED, NULL,
					NULL, &seq, &d),
			 0);
	assert_int_equal(evidence_event(&c, f.bob,
					"00000000000000000000000000000000",
					EVIDENCE_SEALED, NULL, NULL, &seq, &d),
			 LIA_ENOTFOUND);

	assert_int_equal(evidence_bundle(&c, f.me, id, true, &b, &len, &d), 0);
	assert_int_equal(evidence_bundle_verify(b, len, NULL, NULL, &d), 0);

	/* A witness countersigns the head: still verifies; a bad
	 * countersignature does not. */
	j = json_loadb(b, len, 0, NULL);
	assert_non_null(j);
	w = json_dumps(json_object_get(json_object_get(j, "head"), "sth"),
		       JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(ledger_head_parse(w, strlen(w), &h, &d), 0);
	free(w);
	crypto_sign_keypair(wpk, wsk);
	ledger_head_signed_bytes(&h, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), wsk);
	sodium_bin2base64(b64pk, sizeof(b64pk), wpk, 32,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64sig, sizeof(b64sig), sig, 64,
			  sodium_base64_VARIANT_ORIGINAL);
	wit = json_object_get(json_object_get(j, "head"), "witnesses");
	json_array_append_new(wit,
			      json_pack("{s:s,s:s,s:s}", "agency", "DE-BKA",
					"pk", b64pk, "sig", b64sig));
	w = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(evidence_bundle_verify(w, strlen(w), NULL, NULL, &d),
			 0);
	free(w);
	sig[0] ^= 1;
	sodium_bin2base64(b64sig, sizeof(b64sig), sig, 64,
			  sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(json_array_get(wit, 0), "sig", json_string(b64sig));
	w = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_int_equal(evidence_bundle_verify(w, strlen(w), NULL, NULL, &d),
			 LIA_ECRYPTO);
	assert_non_null(strstr(d.msg, "countersignature"));
	free(w);
	json_decref(j);

	/* Every byte matters: flip each of a spread of bytes. */
	for (size_t i = 0; i < len; i += len / 97 + 1) {
		b[i] ^= 0x01;
		assert_int_not_equal(
		    evidence_bundle_verify(b, len, NULL, NULL, &d), 0);
		b[i] ^= 0x01;
	}
	assert_int_equal(evidence_bundle_verify(b, len - 1, NULL, NULL, &d),
			 LIA_EPARSE);
	free(b);

	users_key_free(f.alice);
	users_key_free(f.bob);
	users_key_free(f.carol);
	ledger_close(f.lg);
	store_close(f.st);
	identity_free(f.me);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f.home);
	assert_int_equal(system(cmd), 0);
}

/* One agency's node for the custody round trip: its home, store, ledger
 * and evidence context. */
struct agency_node {
	char home[XT_HOME_MAX];
	struct identity *me;
	struct store *st;
	struct ledger *lg;
	struct evidence_ctx c;
};

static void node_up(struct agency_node *a, const char *agency,
		    const char *country)
{
	struct store_opts o = {.create = true};
	struct diag d;

	memset(a, 0, sizeof(*a));
	a->me = xt_identity(a->home, agency, country);
	assert_non_null(a->me);
	assert_int_equal(store_open(a->home, &o, &a->st, &d), 0);
	assert_int_equal(ledger_open(a->st, &a->lg, &d), 0);
	a->c = (struct evidence_ctx){
	    .st = a->st, .lg = a->lg, .home = a->home, .agency = agency};
}

static void node_down(struct agency_node *a)
{
	char cmd[XT_HOME_MAX + 16];

	ledger_close(a->lg);
	store_close(a->st);
	identity_free(a->me);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", a->home);
	assert_int_equal(system(cmd), 0);
}

static struct users_key *officer(struct agency_node *a, const char *name)
{
	struct users_key *k = NULL;
	struct diag d;

	assert_int_equal(users_add(a->st, a->lg, a->c.agency, name,
				   USERS_OFFICER, PASS, strlen(PASS), "os:test",
				   NULL, &d),
			 0);
	assert_int_equal(users_unlock(a->st, name, PASS, strlen(PASS), &k, &d),
			 0);
	return k;
}

/* What the exchange does: from's bundle of id, checked as the envelope
 * kind says, kept in to's custody inbox. */
static void carry(struct agency_node *from, struct agency_node *to,
		  const char *id, bool transfer, int n)
{
	char item[EVIDENCE_ID_LEN + 1], env[33];
	struct store_custody_in r;
	struct diag d;
	char *b;
	size_t len;

	assert_int_equal(
	    evidence_bundle(&from->c, from->me, id, false, &b, &len, &d), 0);
	if (transfer)
		assert_int_equal(
		    evidence_transfer_check(b, len, from->c.agency,
					    identity_sign_pk(from->me),
					    to->c.agency, item, &d),
		    0);
	else
		assert_int_equal(evidence_receipt_check(
				     b, len, from->c.agency,
				     identity_sign_pk(from->me), item, &d),
				 0);
	assert_string_equal(item, id);
	snprintf(env, sizeof(env), "%032d", n);
	r = (struct store_custody_in){.env_id = env,
				      .item = id,
				      .sender = from->c.agency,
				      .kind = transfer ? "transfer" : "receipt",
				      .bundle = b,
				      .received = n};
	assert_int_equal(store_custody_in_add(to->st, &r, &d), 0);
	free(b);
}

/* An item transferred back: NL-NP -> DE-BKA -> NL-NP. Each receipt takes
 * in the events its node lacks; evidence_owed says what each node must
 * send at each step; a receipt with no new transfer is refused by the
 * rules; both bundles verify. */
static void round_trip(void **state)
{
	struct agency_node a, b;
	struct users_key *alice, *anna, *bruno;
	struct evidence_new e;
	enum evidence_kind kind;
	char id[EVIDENCE_ID_LEN + 1], file[XT_HOME_MAX + 16], *bb;
	char to[MARKING_CODE_MAX + 1];
	struct ledger_fault fault;
	struct diag d;
	uint64_t seq;
	size_t len, settled;
	FILE *fp;

	(void)state;
	node_up(&a, "NL-NP", "NL");
	node_up(&b, "DE-BKA", "DE");
	alice = officer(&a, "alice");
	anna = officer(&a, "anna");
	bruno = officer(&b, "bruno");
	snprintf(file, sizeof(file), "%s/item.bin", a.home);
	assert_non_null(fp = fopen(file, "w"));
	fputs("a seized phone", fp);
	fclose(fp);
	e = (struct evidence_new){
	    .file = file, .case_ref = "C-2", .description = "phone"};
	assert_int_equal(evidence_add(&a.c, alice, &e, id, &d), 0);
	assert_int_equal(evidence_owed(&a.c, id, &kind, to, &d), LIA_ENOTFOUND);
	assert_int_equal(evidence_event(&a.c, alice, id, EVIDENCE_TRANSFERRED,
					"DE-BKA", NULL, &seq, &d),
			 0);
	assert_int_equal(evidence_owed(&a.c, id, &kind, to, &d), 0);
	assert_int_equal(kind, EVIDENCE_TRANSFERRED);
	assert_string_equal(to, "DE-BKA");
	carry(&a, &b, id, true, 1);

	/* B receives (a new item there), examines, sends it back. */
	assert_int_equal(evidence_event(&b.c, bruno, id, EVIDENCE_RECEIVED,
					NULL, NULL, &seq, &d),
			 0);
	assert_int_equal(seq, 2);
	assert_int_equal(evidence_owed(&b.c, id, &kind, to, &d), 0);
	assert_int_equal(kind, EVIDENCE_RECEIVED);
	assert_string_equal(to, "NL-NP");
	carry(&b, &a, id, false, 2);
	assert_int_equal(evidence_settle(&a.c, id, &settled, &d), 0);
	assert_int_equal(settled, 1);
	assert_int_equal(evidence_owed(&a.c, id, &kind, to, &d), LIA_ENOTFOUND);
	assert_int_equal(evidence_event(&b.c, bruno, id, EVIDENCE_EXAMINED,
					NULL, "imaged", &seq, &d),
			 0);
	assert_int_equal(evidence_event(&b.c, bruno, id, EVIDENCE_TRANSFERRED,
					"NL-NP", NULL, &seq, &d),
			 0);
	assert_int_equal(seq, 4);
	/* Before B's bundle arrives A has nothing to receive. */
	assert_int_equal(evidence_event(&a.c, anna, id, EVIDENCE_RECEIVED, NULL,
					NULL, &seq, &d),
			 LIA_EDENIED);
	carry(&b, &a, id, true, 3);
	assert_int_equal(evidence_event(&a.c, anna, id, EVIDENCE_RECEIVED, NULL,
					"back", &seq, &d),
			 0);
	assert_int_equal(seq, 5);
	assert_int_equal(evidence_owed(&a.c, id, &kind, to, &d), 0);
	assert_int_equal(kind, EVIDENCE_RECEIVED);
	assert_string_equal(to, "DE-BKA");
	carry(&a, &b, id, false, 4);
	/* The same bundle again brings nothing: the rules refuse. */
	assert_int_equal(evidence_event(&a.c, alice, id, EVIDENCE_RECEIVED,
					NULL, NULL, &seq, &d),
			 LIA_EDENIED);
	/* A holds it again and records custody. */
	assert_int_equal(evidence_event(&a.c, alice, id, EVIDENCE_SEALED, NULL,
					NULL, &seq, &d),
			 0);
	assert_int_equal(seq, 6);
	assert_int_equal(evidence_bundle(&a.c, a.me, id, false, &bb, &len, &d),
			 0);
	assert_int_equal(evidence_bundle_verify(bb, len, NULL, NULL, &d), 0);
	free(bb);
	/* B takes in A's receipt; its bundle verifies too. */
	assert_int_equal(evidence_settle(&b.c, id, &settled, &d), 0);
	assert_int_equal(settled, 1);
	assert_int_equal(evidence_bundle(&b.c, b.me, id, false, &bb, &len, &d),
			 0);
	assert_int_equal(evidence_bundle_verify(bb, len, NULL, NULL, &d), 0);
	free(bb);
	assert_int_equal(
	    ledger_verify_all(a.lg, identity_sign_pk(a.me), &fault, &d), 0);
	assert_int_equal(fault.kind, LEDGER_FAULT_NONE);

	users_key_free(alice);
	users_key_free(anna);
	users_key_free(bruno);
	node_down(&a);
	node_down(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(media_types),
	    cmocka_unit_test(rules),
	    cmocka_unit_test(rules_across),
	    cmocka_unit_test(custody_and_bundle),
	    cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
