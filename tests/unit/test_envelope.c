/* test_envelope.c - sealing, parsing, verifying and opening envelopes, and
 * every kind of tampering the format must catch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "exchange/exchange_int.h"
#include "liaison/envelope.h"
#include "liaison/marking.h"
#include "liaison/strbuf.h"
#include "unit/exchange_test.h"

/* Four nodes and two that must not read: IT-PS is not a recipient, and the
 * impostor uses DE-BKA's agency code with keys of its own. */
enum { NL, DE, FR, BE, IT, IMPOSTOR, N_NODES };
static const char *const agencies[N_NODES] = {
    "NL-NP", "DE-BKA", "FR-PN", "BE-FP", "IT-PS", "DE-BKA",
};
static const char *const countries[N_NODES] = {
    "NL", "DE", "FR", "BE", "IT", "DE",
};

struct fx {
	char home[N_NODES][XT_HOME_MAX];
	struct identity *id[N_NODES];
	char *marking;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct marking m;

	if (!f)
		return -1;
	for (int i = 0; i < N_NODES; i++)
		f->id[i] = xt_identity(f->home[i], agencies[i], countries[i]);
	marking_init(&m);
	str_copy(m.agency, sizeof(m.agency), "NL-NP");
	str_copy(m.classification, sizeof(m.classification), "RESTRICTED");
	m.handling = 2;
	m.tlp = TLP_AMBER;
	if (marking_set_audience(&m, "DE-BKA,FR-PN,BE-FP", NULL) ||
	    envelope_marking_json(&m, &f->marking))
		return -1;
	marking_free(&m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < N_NODES; i++) {
		identity_free(f->id[i]);
		xt_rmhome(f->home[i]);
	}
	free(f->marking);
	free(f);
	return 0;
}

static void header_for(struct fx *f, struct envelope_header *h, const int *to,
		       size_t n, struct peer_key *keys)
{
	memset(h, 0, sizeof(*h));
	envelope_id_new(h->id);
	str_copy(h->sender, sizeof(h->sender), "NL-NP");
	for (size_t i = 0; i < n; i++) {
		str_copy(h->recipients[i], sizeof(h->recipients[i]),
			 agencies[to[i]]);
		identity_peer_key(f->id[to[i]], &keys[i]);
	}
	h->n_recipients = n;
	h->created = (int64_t)time(NULL);
	h->expires = h->created + 3600;
	h->kind = ENVELOPE_MESSAGE;
	h->priority = ENVELOPE_URGENT;
	str_copy(h->case_ref, sizeof(h->case_ref), "OP-ÉCLAIR/2024-17");
	h->marking = f->marking;
}

static const char sample_body[] =
    "{\"subject\":\"vessel sighting\",\"text\":\"MV Example left "
    "Rotterdam at 04:10\"}";

static void seal_to(struct fx *f, const int *to, size_t n, uint8_t **out,
		    size_t *out_len, struct envelope_header *h)
{
	struct peer_key keys[ENVELOPE_RECIPIENTS_MAX];
	struct diag d;

	header_for(f, h, to, n, keys);
	diag_clear(&d);
	if (envelope_seal(f->id[NL], h, keys, n, (const uint8_t *)sample_body,
			  sizeof(sample_body) - 1, out, out_len, &d))
		fail_msg("seal: %s", d.msg);
}

/* Parse, verify with the sender's key and open as node r: 0 or an error. */
static int receive(struct fx *f, const uint8_t *b, size_t len, int r,
		   uint8_t **body, size_t *body_len)
{
	struct envelope *env = NULL;
	struct diag d;
	int rc;

	diag_clear(&d);
	if ((rc = envelope_parse(b, len, &env, &d)))
		return rc;
	if (!(rc = envelope_verify(env, identity_sign_pk(f->id[NL]))))
		rc = envelope_open(env, f->id[r], body, body_len, &d);
	envelope_free(env);
	return rc;
}

static void round_trip_one(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE};
	struct envelope_header h;
	const struct envelope_header *g;
	struct envelope *env = NULL;
	uint8_t *b = NULL, *body = NULL;
	size_t len, body_len, raw_len;
	char hex[33];
	struct diag d;

	seal_to(f, to, 1, &b, &len, &h);
	diag_clear(&d);
	assert_int_equal(envelope_parse(b, len, &env, &d), 0);
	g = envelope_get_header(env);
	assert_memory_equal(g->id, h.id, ENVELOPE_ID_BYTES);
	assert_string_equal(envelope_id_hex(g->id, hex),
			    envelope_id_hex(h.id, (char[33]){0}));
	assert_int_equal(strlen(hex), 32);
	assert_string_equal(g->sender, "NL-NP");
	assert_string_equal(g->hub, "");
	assert_int_equal(g->n_recipients, 1);
	assert_string_equal(g->recipients[0], "DE-BKA");
	assert_int_equal(g->created, h.created);
	assert_int_equal(g->expires, h.expires);
	assert_int_equal(g->kind, ENVELOPE_MESSAGE);
	assert_int_equal(g->priority, ENVELOPE_URGENT);
	assert_string_equal(g->case_ref, h.case_ref);
	assert_string_equal(g->marking, f->marking);
	assert_non_null(envelope_bytes(env, &raw_len));
	assert_int_equal(raw_len, len);
	/* The body is not readable before the signature is checked. */
	assert_int_equal(envelope_open(env, f->id[DE], &body, &body_len, &d),
			 LIA_EINVAL);
	assert_int_equal(envelope_verify(env, identity_sign_pk(f->id[NL])), 0);
	assert_int_equal(envelope_open(env, f->id[DE], &body, &body_len, &d),
			 0);
	assert_int_equal(body_len, sizeof(sample_body) - 1);
	assert_memory_equal(body, sample_body, body_len);
	/* The body does not appear in clear anywhere in the envelope. */
	for (size_t i = 0; i + 6 <= len; i++)
		assert_int_not_equal(memcmp(b + i, "vessel", 6), 0);
	free(body);
	envelope_free(env);
	free(b);
}

static void round_trip_three_with_hub(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE, FR, BE};
	struct peer_key keys[3];
	struct envelope_header h;
	uint8_t *b = NULL, *body = NULL;
	size_t len, body_len;
	struct diag d;

	header_for(f, &h, to, 3, keys);
	str_copy(h.hub, sizeof(h.hub), "EU-HUB");
	h.kind = ENVELOPE_ALERT_WITHDRAW;
	h.priority = ENVELOPE_IMMEDIATE;
	diag_clear(&d);
	assert_int_equal(envelope_seal(f->id[NL], &h, keys, 3,
				       (const uint8_t *)sample_body,
				       sizeof(sample_body) - 1, &b, &len, &d),
			 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(receive(f, b, len, to[i], &body, &body_len),
				 0);
		assert_memory_equal(body, sample_body, body_len);
		free(body);
	}
	/* Not a recipient. */
	assert_int_equal(receive(f, b, len, IT, &body, &body_len), LIA_EDENIED);
	/* The right agency code with the wrong keys. */
	assert_int_equal(receive(f, b, len, IMPOSTOR, &body, &body_len),
			 LIA_ECRYPTO);
	{
		struct envelope *env;
		assert_int_equal(envelope_parse(b, len, &env, &d), 0);
		assert_string_equal(envelope_get_header(env)->hub, "EU-HUB");
		assert_int_equal(envelope_get_header(env)->kind,
				 ENVELOPE_ALERT_WITHDRAW);
		assert_string_equal(envelope_get_header(env)->recipients[2],
				    "BE-FP");
		envelope_free(env);
	}
	free(b);
}

static void empty_and_largest_body(void **state)
{
	struct fx *f = *state;
	const int to[] = {FR};
	struct peer_key keys[1];
	struct envelope_header h;
	uint8_t *b = NULL, *body = NULL, *big;
	size_t len, body_len;
	struct diag d;

	header_for(f, &h, to, 1, keys);
	diag_clear(&d);
	assert_int_equal(
	    envelope_seal(f->id[NL], &h, keys, 1, NULL, 0, &b, &len, &d), 0);
	assert_int_equal(receive(f, b, len, FR, &body, &body_len), 0);
	assert_non_null(body);
	assert_int_equal(body_len, 0);
	free(body);
	free(b);

	big = malloc(ENVELOPE_BODY_MAX + 1);
	assert_non_null(big);
	randombytes_buf(big, ENVELOPE_BODY_MAX + 1);
	assert_int_equal(envelope_seal(f->id[NL], &h, keys, 1, big,
				       ENVELOPE_BODY_MAX + 1, &b, &len, &d),
			 LIA_ETOOBIG);
	assert_int_equal(envelope_seal(f->id[NL], &h, keys, 1, big,
				       ENVELOPE_BODY_MAX, &b, &len, &d),
			 0);
	assert_true(len <= ENVELOPE_MAX);
	assert_int_equal(receive(f, b, len, FR, &body, &body_len), 0);
	assert_int_equal(body_len, ENVELOPE_BODY_MAX);
	assert_memory_equal(body, big, body_len);
	free(body);
	free(b);
	free(big);
}

static void seal_rejects_bad_headers(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE, FR};
	struct peer_key keys[2], swapped[2];
	struct envelope_header h, t;
	uint8_t *b = NULL;
	size_t len;
	struct diag d;

	header_for(f, &h, to, 2, keys);
	diag_clear(&d);
#define SEAL(hdr, k, n)                                                        \
	envelope_seal(f->id[NL], hdr, k, n, (const uint8_t *)"x", 1, &b, &len, \
		      &d)
	t = h;
	str_copy(t.sender, sizeof(t.sender), "DE-BKA");
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	assert_int_equal(SEAL(&h, keys, 1), LIA_EINVAL);
	swapped[0] = keys[1];
	swapped[1] = keys[0];
	assert_int_equal(SEAL(&h, swapped, 2), LIA_EINVAL);
	t = h;
	str_copy(t.recipients[1], sizeof(t.recipients[1]), "DE-BKA");
	swapped[1] = keys[0];
	swapped[0] = keys[0];
	assert_int_equal(SEAL(&t, swapped, 2), LIA_EINVAL);
	assert_non_null(strstr(d.msg, "twice"));
	t = h;
	memset(t.id, 0, sizeof(t.id));
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t = h;
	t.marking = "{\"agency\": \"NL-NP\"}";
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	assert_non_null(strstr(d.msg, "canonical"));
	t.marking = "[]";
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t = h;
	t.expires = t.created - 1;
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t.expires = t.created + ENVELOPE_TTL_MAX + 1;
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t = h;
	str_copy(t.case_ref, sizeof(t.case_ref), "line\nbreak");
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t = h;
	str_copy(t.hub, sizeof(t.hub), "eu hub");
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	t = h;
	t.kind = (enum envelope_kind)0;
	assert_int_equal(SEAL(&t, keys, 2), LIA_EINVAL);
	/* A low-order X25519 point (here all zero) is refused. */
	memset(keys[1].box_pk, 0, sizeof(keys[1].box_pk));
	assert_int_equal(SEAL(&h, keys, 2), LIA_ECRYPTO);
#undef SEAL
}

/* Flip one bit at every offset: no altered envelope may be read. */
static void every_byte_tampered(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE, FR, BE};
	struct envelope_header h;
	uint8_t *b = NULL, *body = NULL;
	size_t len, body_len;

	seal_to(f, to, 3, &b, &len, &h);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			b[i] ^= (uint8_t)(1u << bit);
			int rc = receive(f, b, len, DE, &body, &body_len);
			if (!rc)
				fail_msg("bit %d of byte %zu flipped: opened",
					 bit, i);
			assert_true(rc == LIA_EPARSE || rc == LIA_ECRYPTO ||
				    rc == LIA_EVERSION);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(receive(f, b, len, DE, &body, &body_len), 0);
	free(body);
	free(b);
}

static void truncated_and_trailing(void **state)
{
	struct fx *f = *state;
	const int to[] = {BE};
	struct envelope_header h;
	struct envelope *env = NULL;
	uint8_t *b = NULL, *longer;
	size_t len;
	struct diag d;

	seal_to(f, to, 1, &b, &len, &h);
	diag_clear(&d);
	for (size_t n = 0; n < len; n++) {
		/* An exact-size copy, so ASan sees any read past the end. */
		uint8_t *c = malloc(n ? n : 1);
		memcpy(c, b, n);
		assert_int_equal(envelope_parse(c, n, &env, &d), LIA_EPARSE);
		free(c);
	}
	assert_non_null(strstr(d.msg, "truncated"));
	longer = malloc(len + 1);
	memcpy(longer, b, len);
	longer[len] = 0;
	assert_int_equal(envelope_parse(longer, len + 1, &env, &d), LIA_EPARSE);
	assert_non_null(strstr(d.msg, "after the signature"));
	assert_int_equal(envelope_parse(b, ENVELOPE_MAX + 1, &env, &d),
			 LIA_ETOOBIG);
	/* A newer version is told apart from garbage. */
	b[4] = 2;
	assert_int_equal(envelope_parse(b, len, &env, &d), LIA_EVERSION);
	b[4] = 1;
	b[0] = 'X';
	assert_int_equal(envelope_parse(b, len, &env, &d), LIA_EPARSE);
	assert_non_null(strstr(d.msg, "magic"));
	free(longer);
	free(b);
}

/* Offset of the first header field after the recipients, to edit it. */
static size_t sender_offset(void)
{
	return 41; /* magic..expires is 40 bytes, then the length byte */
}

/* An attacker who is also a pinned peer (IT-PS) takes NL-NP's envelope,
 * puts its own agency code in the sender field and signs it with its own
 * key. The signature then verifies for IT-PS, but the header is the
 * associated data of the body and of every key slot: nothing opens. A
 * valid re-signature also shows that the AEAD layer on its own catches
 * changes to a key slot or the ciphertext. */
static void resigned_tamper_caught_by_aead(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE};
	struct envelope_header h;
	struct envelope *env = NULL;
	uint8_t *b = NULL, *body = NULL;
	size_t len, body_len, off[3], ct_off;
	struct diag d;

	seal_to(f, to, 1, &b, &len, &h);
	diag_clear(&d);
	/* One byte in the header, in the (only) key slot, in the body,
	 * counted from the end: signature 64, ciphertext, length 4, nonce
	 * 24, one slot of 48. */
	ct_off = len - 64 - (sizeof(sample_body) - 1 + 16);
	off[0] = sender_offset();
	off[1] = ct_off - 4 - 24 - 48 + 5;
	off[2] = ct_off + 3;
	assert_memory_equal(b + off[0], "NL-NP", 5);

	for (int k = 0; k < 3; k++) {
		const struct identity *signer = f->id[NL];
		if (k == 0) {
			memcpy(b + off[0], "IT-PS", 5);
			signer = f->id[IT];
		} else {
			b[off[k]] ^= 0x20;
		}
		crypto_sign_detached(b + len - 64, NULL, b, len - 64,
				     signer->sign_sk);
		assert_int_equal(envelope_parse(b, len, &env, &d), 0);
		assert_int_equal(envelope_verify(env, identity_sign_pk(signer)),
				 0);
		assert_int_equal(
		    envelope_open(env, f->id[DE], &body, &body_len, &d),
		    LIA_ECRYPTO);
		envelope_free(env);
		if (k == 0)
			memcpy(b + off[0], "NL-NP", 5);
		else
			b[off[k]] ^= 0x20;
	}
	free(b);
}

static void wrong_sender_key(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE};
	struct envelope_header h;
	struct envelope *env = NULL;
	uint8_t *b = NULL, *body = NULL;
	size_t len, body_len;
	struct diag d;

	seal_to(f, to, 1, &b, &len, &h);
	diag_clear(&d);
	assert_int_equal(envelope_parse(b, len, &env, &d), 0);
	assert_int_equal(envelope_verify(env, identity_sign_pk(f->id[IT])),
			 LIA_ECRYPTO);
	assert_int_equal(envelope_open(env, f->id[DE], &body, &body_len, &d),
			 LIA_EINVAL);
	/* The X25519 key is not the signing key either. */
	assert_int_equal(envelope_verify(env, identity_box_pk(f->id[NL])),
			 LIA_ECRYPTO);
	assert_int_equal(envelope_verify(env, identity_sign_pk(f->id[NL])), 0);
	envelope_free(env);
	free(b);
}

static void expired_and_future(void **state)
{
	struct fx *f = *state;
	const int to[] = {DE};
	struct peer_key keys[1];
	struct envelope_header h;
	struct envelope *env = NULL;
	uint8_t *b = NULL;
	size_t len;
	struct diag d;
	int64_t now = 1700000000;

	header_for(f, &h, to, 1, keys);
	h.created = now;
	h.expires = now + 600;
	diag_clear(&d);
	assert_int_equal(
	    envelope_seal(f->id[NL], &h, keys, 1, NULL, 0, &b, &len, &d), 0);
	assert_int_equal(envelope_parse(b, len, &env, &d), 0);
	assert_int_equal(envelope_check_time(env, now, 300, &d), 0);
	assert_int_equal(envelope_check_time(env, now + 900, 300, &d), 0);
	assert_int_equal(envelope_check_time(env, now + 901, 300, &d),
			 LIA_EDENIED);
	assert_non_null(strstr(d.msg, "expired"));
	assert_int_equal(envelope_check_time(env, now - 300, 300, &d), 0);
	assert_int_equal(envelope_check_time(env, now - 301, 300, &d),
			 LIA_EDENIED);
	assert_non_null(strstr(d.msg, "future"));
	assert_int_equal(envelope_check_time(env, now, -1, &d), LIA_EINVAL);
	assert_int_equal(envelope_check_time(env, now, INT64_MAX, &d), 0);
	envelope_free(env);
	free(b);
}

static void names(void **state)
{
	enum envelope_kind k;
	enum envelope_priority p;

	(void)state;
	for (int i = ENVELOPE_MESSAGE; i <= ENVELOPE_KIND_MAX; i++) {
		assert_int_equal(
		    envelope_kind_parse(
			envelope_kind_name((enum envelope_kind)i), &k),
		    0);
		assert_int_equal(k, i);
	}
	assert_string_equal(envelope_kind_name(ENVELOPE_ALERT_WITHDRAW),
			    "alert-withdraw");
	assert_string_equal(envelope_kind_name((enum envelope_kind)0), "?");
	assert_int_equal(envelope_kind_parse("Message", &k), LIA_EVALUE);
	assert_int_equal(envelope_priority_parse("immediate", &p), 0);
	assert_int_equal(p, ENVELOPE_IMMEDIATE);
	assert_int_equal(envelope_priority_parse("low", &p), LIA_EVALUE);
	assert_string_equal(envelope_priority_name(ENVELOPE_ROUTINE),
			    "routine");
}

/* With LIAISON_WRITE_SEEDS=DIR, write sample envelopes (public bytes
 * signed by these throwaway keys) and the sender's card as fuzz seeds.
 * Not a test of its own: how fuzz/corpus was made (scripts/fuzz-seeds). */
static void write_seeds(void **state)
{
	struct fx *f = *state;
	const char *dir = getenv("LIAISON_WRITE_SEEDS");
	const int one[] = {DE}, three[] = {DE, FR, BE};
	struct envelope_header h;
	uint8_t *b;
	size_t len;
	char path[512], *card;
	FILE *o;

	if (!dir)
		skip();
	for (int k = 0; k < 2; k++) {
		seal_to(f, k ? three : one, k ? 3 : 1, &b, &len, &h);
		snprintf(path, sizeof(path), "%s/fuzz_envelope/sample_%d", dir,
			 k ? 3 : 1);
		assert_non_null(o = fopen(path, "wb"));
		assert_int_equal(fwrite(b, 1, len, o), len);
		fclose(o);
		free(b);
	}
	assert_int_equal(identity_card_json(f->id[NL], &card), 0);
	snprintf(path, sizeof(path), "%s/fuzz_card/card.json", dir);
	assert_non_null(o = fopen(path, "wb"));
	fputs(card, o);
	fclose(o);
	free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_one),
	    cmocka_unit_test(round_trip_three_with_hub),
	    cmocka_unit_test(empty_and_largest_body),
	    cmocka_unit_test(seal_rejects_bad_headers),
	    cmocka_unit_test(every_byte_tampered),
	    cmocka_unit_test(truncated_and_trailing),
	    cmocka_unit_test(resigned_tamper_caught_by_aead),
	    cmocka_unit_test(wrong_sender_key),
	    cmocka_unit_test(expired_and_future),
	    cmocka_unit_test(names),
	    cmocka_unit_test(write_seeds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
