/*
 * envelope.c - seal, parse, verify and open envelopes (the binary format of
 * docs/EXCHANGE-FORMAT.md).
 *
 * The parser is the one piece of the exchange that sees bytes from anyone
 * on the network, so it reads through a bounded cursor that fails on the
 * first byte it cannot account for, and it accepts exactly one encoding of
 * each envelope: fixed field order, exact lengths, a zero reserved byte,
 * canonical marking JSON, nothing after the signature.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "exchange/exchange_int.h"
#include "liaison/envelope.h"
#include "liaison/strbuf.h"

static const uint8_t magic[4] = {'L', 'I', 'A', 'E'};

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SLOT_BYTES (KEY_BYTES + TAG_BYTES)
#define EPK_BYTES crypto_kx_PUBLICKEYBYTES
#define SIG_BYTES crypto_sign_BYTES

/* The largest header: fixed part, sender, hub, every recipient, case
 * reference and marking, each with its length prefix. */
#define HEADER_MAX                                                             \
	(40 + 2 * (1 + MARKING_CODE_MAX) + 1 +                                 \
	 ENVELOPE_RECIPIENTS_MAX * (1 + MARKING_CODE_MAX) + 2 +                \
	 ENVELOPE_CASE_MAX + 2 + ENVELOPE_MARKING_MAX)
static_assert(HEADER_MAX + EPK_BYTES + ENVELOPE_RECIPIENTS_MAX * SLOT_BYTES +
		      NONCE_BYTES + 4 + TAG_BYTES + SIG_BYTES <=
		  65536,
	      "ENVELOPE_MAX leaves room for the largest header");
static_assert(ENVELOPE_MAX <= UINT32_MAX, "lengths fit 32 bits");

struct envelope {
	struct envelope_header h;
	char *marking; /* owned; h.marking points here */
	uint8_t *raw;  /* the bytes as parsed */
	size_t raw_len;
	size_t header_len; /* raw[0, header_len) is the associated data */
	size_t epk_off;	   /* ephemeral public key */
	size_t slots_off;  /* n_recipients wrapped keys */
	size_t nonce_off;
	size_t ct_off, ct_len;
	bool verified;
};

static const char *const kind_names[] = {
    [ENVELOPE_MESSAGE] = "message",
    [ENVELOPE_RECEIPT] = "receipt",
    [ENVELOPE_QUERY] = "query",
    [ENVELOPE_ANSWER] = "answer",
    [ENVELOPE_REQUEST] = "request",
    [ENVELOPE_RELEASE] = "release",
    [ENVELOPE_REFUSAL] = "refusal",
    [ENVELOPE_ALERT] = "alert",
    [ENVELOPE_ALERT_WITHDRAW] = "alert-withdraw",
    [ENVELOPE_HIT] = "hit",
    [ENVELOPE_LEDGER_HEAD] = "ledger-head",
    [ENVELOPE_LEDGER_COSIGN] = "ledger-cosign",
    [ENVELOPE_LEDGER_PROBLEM] = "ledger-problem",
    [ENVELOPE_CUSTODY_TRANSFER] = "custody-transfer",
    [ENVELOPE_CUSTODY_RECEIPT] = "custody-receipt",
};

static const char *const priority_names[] = {
    [ENVELOPE_ROUTINE] = "routine",
    [ENVELOPE_URGENT] = "urgent",
    [ENVELOPE_IMMEDIATE] = "immediate",
};

const char *envelope_kind_name(enum envelope_kind k)
{
	if (k < ENVELOPE_MESSAGE || k > ENVELOPE_KIND_MAX)
		return "?";
	return kind_names[k];
}

int envelope_kind_parse(const char *s, enum envelope_kind *out)
{
	for (int k = ENVELOPE_MESSAGE; k <= ENVELOPE_KIND_MAX; k++)
		if (!strcmp(s, kind_names[k])) {
			*out = (enum envelope_kind)k;
			return 0;
		}
	return LIA_EVALUE;
}

const char *envelope_priority_name(enum envelope_priority p)
{
	if (p < ENVELOPE_ROUTINE || p > ENVELOPE_IMMEDIATE)
		return "?";
	return priority_names[p];
}

int envelope_priority_parse(const char *s, enum envelope_priority *out)
{
	for (int p = ENVELOPE_ROUTINE; p <= ENVELOPE_IMMEDIATE; p++)
		if (!strcmp(s, priority_names[p])) {
			*out = (enum envelope_priority)p;
			return 0;
		}
	return LIA_EVALUE;
}

void envelope_id_new(uint8_t id[ENVELOPE_ID_BYTES])
{
	if (sodium_init() < 0)
		abort(); /* no usable randomness: nothing safe to do */
	randombytes_buf(id, ENVELOPE_ID_BYTES);
}

const char *envelope_id_hex(const uint8_t id[ENVELOPE_ID_BYTES],
			    char out[2 * ENVELOPE_ID_BYTES + 1])
{
	return sodium_bin2hex(out, 2 * ENVELOPE_ID_BYTES + 1, id,
			      ENVELOPE_ID_BYTES);
}

int envelope_marking_json(const struct marking *m, char **out)
{
	json_t *o = NULL;
	char *s;
	int rc;

	if ((rc = marking_to_json(m, &o)))
		return rc;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return LIA_ENOMEM;
	if (strlen(s) > ENVELOPE_MARKING_MAX) {
		free(s);
		return LIA_ETOOBIG;
	}
	*out = s;
	return 0;
}

/* --- header checks shared by seal and parse ----------------------------- */

/* Text a person may read in a log or on screen: UTF-8, no controls. */
static bool text_ok(const char *s, size_t len)
{
	if (!utf8_valid(s, len, NULL))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* The marking must be a JSON object in exactly the form jansson writes
 * with sorted keys and no spaces, so that one marking has one encoding and
 * what the signature covers is what the inbox will read. Its meaning (the
 * classification ladder, the audience) is checked by the receiving node. */
static bool marking_canonical(const char *s, size_t len)
{
	json_t *o = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
	char *again = NULL;
	bool ok = false;

	if (json_is_object(o) &&
	    (again = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		ok = strlen(again) == len && !memcmp(again, s, len);
	free(again);
	json_decref(o);
	return ok;
}

static int header_check(const struct envelope_header *h, struct diag *d)
{
	static const uint8_t zero[ENVELOPE_ID_BYTES];
	size_t mlen;

	if (!sodium_memcmp(h->id, zero, sizeof(zero))) {
		diag_set(d, "envelope id is all zero");
		return LIA_EPARSE;
	}
	if (h->kind < ENVELOPE_MESSAGE || h->kind > ENVELOPE_KIND_MAX) {
		diag_set(d, "unknown envelope kind %d", (int)h->kind);
		return LIA_EPARSE;
	}
	if (h->priority < ENVELOPE_ROUTINE ||
	    h->priority > ENVELOPE_IMMEDIATE) {
		diag_set(d, "unknown priority %d", (int)h->priority);
		return LIA_EPARSE;
	}
	if (h->created < 0 || h->expires < h->created ||
	    h->expires - h->created > ENVELOPE_TTL_MAX) {
		diag_set(d, "expiry must be 0 to %lld seconds after creation",
			 (long long)ENVELOPE_TTL_MAX);
		return LIA_EPARSE;
	}
	if (!identity_agency_ok(h->sender, strlen(h->sender))) {
		diag_set(d, "sender is not an agency code");
		return LIA_EPARSE;
	}
	if (h->hub[0] && !identity_agency_ok(h->hub, strlen(h->hub))) {
		diag_set(d, "hub is not an agency code");
		return LIA_EPARSE;
	}
	if (!h->n_recipients || h->n_recipients > ENVELOPE_RECIPIENTS_MAX) {
		diag_set(d, "an envelope has 1 to %d recipients",
			 ENVELOPE_RECIPIENTS_MAX);
		return LIA_EPARSE;
	}
	for (size_t i = 0; i < h->n_recipients; i++) {
		if (!identity_agency_ok(h->recipients[i],
					strlen(h->recipients[i]))) {
			diag_set(d, "recipient %zu is not an agency code",
				 i + 1);
			return LIA_EPARSE;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h->recipients[i], h->recipients[j])) {
				diag_set(d, "recipient %s appears twice",
					 h->recipients[i]);
				return LIA_EPARSE;
			}
	}
	if (!text_ok(h->case_ref, strlen(h->case_ref))) {
		diag_set(d, "case reference must be UTF-8 without control "
			    "characters");
		return LIA_EPARSE;
	}
	if (!h->marking || !(mlen = strlen(h->marking)) ||
	    mlen > ENVELOPE_MARKING_MAX) {
		diag_set(d, "marking must be 1 to %d bytes",
			 ENVELOPE_MARKING_MAX);
		return LIA_EPARSE;
	}
	if (!marking_canonical(h->marking, mlen)) {
		diag_set(d, "marking is not canonical JSON (compact, sorted "
			    "keys)");
		return LIA_EPARSE;
	}
	return 0;
}

/* --- writing ------------------------------------------------------------ */

/* A cursor over a buffer sized in advance: the sizes are computed and
 * bounded before anything is written, so a put can never run past it. */
struct wr {
	uint8_t *p;
	size_t off;
};

static void put(struct wr *w, const void *src, size_t n)
{
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void put_u8(struct wr *w, unsigned v)
{
	w->p[w->off++] = (uint8_t)v;
}

static void put_u16(struct wr *w, size_t v)
{
	put_u8(w, (unsigned)(v >> 8) & 0xff);
	put_u8(w, (unsigned)v & 0xff);
}

static void put_u64(struct wr *w, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		put_u8(w, (unsigned)(v >> (8 * i)) & 0xff);
}

static size_t header_size(const struct envelope_header *h)
{
	size_t n = 40 + 1 + strlen(h->sender) + 1 + strlen(h->hub) + 1 + 2 +
		   strlen(h->case_ref) + 2 + strlen(h->marking);

	for (size_t i = 0; i < h->n_recipients; i++)
		n += 1 + strlen(h->recipients[i]);
	return n;
}

static void header_write(struct wr *w, const struct envelope_header *h)
{
	put(w, magic, sizeof(magic));
	put_u8(w, ENVELOPE_VERSION);
	put_u8(w, (unsigned)h->kind);
	put_u8(w, (unsigned)h->priority);
	put_u8(w, 0);
	put(w, h->id, ENVELOPE_ID_BYTES);
	put_u64(w, (uint64_t)h->created);
	put_u64(w, (uint64_t)h->expires);
	put_u8(w, (unsigned)strlen(h->sender));
	put(w, h->sender, strlen(h->sender));
	put_u8(w, (unsigned)strlen(h->hub));
	put(w, h->hub, strlen(h->hub));
	put_u8(w, (unsigned)h->n_recipients);
	for (size_t i = 0; i < h->n_recipients; i++) {
		put_u8(w, (unsigned)strlen(h->recipients[i]));
		put(w, h->recipients[i], strlen(h->recipients[i]));
	}
	put_u16(w, strlen(h->case_ref));
	put(w, h->case_ref, strlen(h->case_ref));
	put_u16(w, strlen(h->marking));
	put(w, h->marking, strlen(h->marking));
}

/* The nonce of every key slot (see the comment where a slot is made). */
static const uint8_t zero_nonce[NONCE_BYTES];

/* The key that wraps the content key for one recipient is crypto_kx's
 * session key between the ephemeral key (client) and the recipient's
 * X25519 key (server): BLAKE2b-512 over the shared point and both public
 * keys. The sender uses tx, the recipient the equal rx. */

int envelope_seal(const struct identity *sender,
		  const struct envelope_header *h,
		  const struct peer_key *recipients, size_t n,
		  const uint8_t *body, size_t body_len, uint8_t **out,
		  size_t *out_len, struct diag *d)
{
	uint8_t epk[EPK_BYTES], esk[crypto_kx_SECRETKEYBYTES];
	uint8_t ckey[KEY_BYTES], rx[crypto_kx_SESSIONKEYBYTES],
	    tx[crypto_kx_SESSIONKEYBYTES];
	uint8_t nonce[NONCE_BYTES];
	unsigned long long clen = 0;
	size_t hlen, total;
	struct wr w = {NULL, 0};
	int rc;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!sender || !h || !recipients || !out || !out_len ||
	    (!body && body_len)) {
		diag_set(d, "envelope_seal: missing argument");
		return LIA_EINVAL;
	}
	if (body_len > ENVELOPE_BODY_MAX) {
		diag_set(d,
			 "body of %zu bytes exceeds %u; send it as an "
			 "attachment",
			 body_len, ENVELOPE_BODY_MAX);
		return LIA_ETOOBIG;
	}
	if (header_check(h, d))
		return LIA_EINVAL;
	if (strcmp(h->sender, sender->agency)) {
		diag_set(d, "sender %s is not this node (%s)", h->sender,
			 sender->agency);
		return LIA_EINVAL;
	}
	if (n != h->n_recipients) {
		diag_set(d, "%zu recipient keys for %zu recipients", n,
			 h->n_recipients);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(recipients[i].agency, h->recipients[i])) {
			diag_set(d, "recipient key %zu is for %s, not %s",
				 i + 1, recipients[i].agency, h->recipients[i]);
			return LIA_EINVAL;
		}

	/* Every term is bounded above (header, recipients, body), so the
	 * sum stays far below SIZE_MAX; ENVELOPE_MAX is asserted for it. */
	hlen = header_size(h);
	total = hlen + EPK_BYTES + n * SLOT_BYTES + NONCE_BYTES + 4 + body_len +
		TAG_BYTES + SIG_BYTES;
	if (total > ENVELOPE_MAX)
		return LIA_EINTERNAL;
	if (!(w.p = malloc(total)))
		return LIA_ENOMEM;
	header_write(&w, h);
	if (w.off != hlen) {
		rc = LIA_EINTERNAL;
		goto out;
	}

	if (crypto_kx_keypair(epk, esk)) {
		rc = LIA_ECRYPTO;
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_keygen(ckey);
	put(&w, epk, EPK_BYTES);
	for (size_t i = 0; i < n; i++) {
		if (crypto_kx_client_session_keys(rx, tx, epk, esk,
						  recipients[i].box_pk)) {
			diag_set(d, "the X25519 key of %s is unusable",
				 recipients[i].agency);
			rc = LIA_ECRYPTO;
			goto out;
		}
		/* A zero nonce is safe: tx comes from a fresh ephemeral key
		 * and so encrypts exactly one message, this content key. */
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		    w.p + w.off, &clen, ckey, KEY_BYTES, w.p, hlen, NULL,
		    zero_nonce, tx);
		w.off += SLOT_BYTES;
	}
	randombytes_buf(nonce, sizeof(nonce));
	put(&w, nonce, sizeof(nonce));
	exchange_put_u32(w.p + w.off, (uint32_t)(body_len + TAG_BYTES));
	w.off += 4;
	/* An empty body may come as NULL; libsodium reads nothing then, but
	 * gets a valid pointer anyway. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    w.p + w.off, &clen, body ? body : zero_nonce, body_len, w.p, hlen,
	    NULL, nonce, ckey);
	w.off += body_len + TAG_BYTES;
	crypto_sign_detached(w.p + w.off, NULL, w.p, w.off, sender->sign_sk);
	w.off += SIG_BYTES;
	if (w.off != total) {
		rc = LIA_EINTERNAL;
		goto out;
	}
	*out = w.p;
	*out_len = total;
	w.p = NULL;
	rc = 0;
out:
	sodium_memzero(esk, sizeof(esk));
	sodium_memzero(ckey, sizeof(ckey));
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	free(w.p);
	return rc;
}

/* --- parsing ------------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t len, off;
	struct diag *d;
};

/* Take n bytes or fail: the single bounds check every read goes through. */
static const uint8_t *take(struct rd *r, size_t n, const char *what)
{
	const uint8_t *q;

	if (n > r->len - r->off) {
		diag_set(r->d, "envelope truncated in %s (byte %zu of %zu)",
			 what, r->off, r->len);
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

/* A length-prefixed agency code into out; empty allowed only if asked. */
static bool take_code(struct rd *r, char out[MARKING_CODE_MAX + 1],
		      bool may_be_empty, const char *what)
{
	const uint8_t *n = take(r, 1, what), *s;

	if (!n || !(s = take(r, *n, what)))
		return false;
	if ((*n || !may_be_empty) && !identity_agency_ok((const char *)s, *n)) {
		diag_set(r->d, "%s is not an agency code (byte %zu)", what,
			 r->off - *n);
		return false;
	}
	memcpy(out, s, *n);
	out[*n] = '\0';
	return true;
}

static bool take_u64(struct rd *r, int64_t *out, const char *what)
{
	const uint8_t *p = take(r, 8, what);
	uint64_t v = 0;

	if (!p)
		return false;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	if (v > INT64_MAX) {
		diag_set(r->d, "%s out of range", what);
		return false;
	}
	*out = (int64_t)v;
	return true;
}

static bool take_u16(struct rd *r, size_t *out, const char *what)
{
	const uint8_t *p = take(r, 2, what);

	if (!p)
		return false;
	*out = (size_t)p[0] << 8 | p[1];
	return true;
}

void envelope_free(struct envelope *env)
{
	if (!env)
		return;
	free(env->marking);
	free(env->raw);
	free(env);
}

int envelope_parse(const uint8_t *bytes, size_t len, struct envelope **out,
		   struct diag *d)
{
	struct rd r = {bytes, len, 0, d};
	struct envelope *env = NULL;
	struct envelope_header *h;
	const uint8_t *p;
	size_t n, ct_len;
	int rc = LIA_EPARSE;

	if (len > ENVELOPE_MAX) {
		diag_set(d, "envelope of %zu bytes exceeds %u", len,
			 ENVELOPE_MAX);
		return LIA_ETOOBIG;
	}
	if (!bytes && len)
		return LIA_EINVAL;
	if (!(env = calloc(1, sizeof(*env))))
		return LIA_ENOMEM;
	h = &env->h;
	if (!(p = take(&r, 8, "the fixed header")))
		goto out;
	if (memcmp(p, magic, sizeof(magic))) {
		diag_set(d, "not a liaison envelope (bad magic)");
		goto out;
	}
	if (p[4] != ENVELOPE_VERSION) {
		diag_set(d, "envelope version %u; this node reads %d", p[4],
			 ENVELOPE_VERSION);
		rc = p[4] > ENVELOPE_VERSION ? LIA_EVERSION : LIA_EPARSE;
		goto out;
	}
	if (p[5] < ENVELOPE_MESSAGE || p[5] > ENVELOPE_KIND_MAX ||
	    p[6] > ENVELOPE_IMMEDIATE || p[7]) {
		diag_set(d, "unknown kind, priority or reserved byte");
		goto out;
	}
	h->kind = (enum envelope_kind)p[5];
	h->priority = (enum envelope_priority)p[6];
	if (!(p = take(&r, ENVELOPE_ID_BYTES, "the id")))
		goto out;
	memcpy(h->id, p, ENVELOPE_ID_BYTES);
	if (!take_u64(&r, &h->created, "created") ||
	    !take_u64(&r, &h->expires, "expires") ||
	    !take_code(&r, h->sender, false, "sender") ||
	    !take_code(&r, h->hub, true, "hub") ||
	    !(p = take(&r, 1, "the recipient count")))
		goto out;
	h->n_recipients = *p;
	if (!h->n_recipients || h->n_recipients > ENVELOPE_RECIPIENTS_MAX) {
		diag_set(d, "%zu recipients (1 to %d allowed)", h->n_recipients,
			 ENVELOPE_RECIPIENTS_MAX);
		goto out;
	}
	for (size_t i = 0; i < h->n_recipients; i++)
		if (!take_code(&r, h->recipients[i], false, "a recipient"))
			goto out;
	if (!take_u16(&r, &n, "the case reference"))
		goto out;
	if (n > ENVELOPE_CASE_MAX) {
		diag_set(d, "case reference longer than %d bytes",
			 ENVELOPE_CASE_MAX);
		goto out;
	}
	if (!(p = take(&r, n, "the case reference")))
		goto out;
	memcpy(h->case_ref, p, n);
	h->case_ref[n] = '\0';
	/* An embedded NUL would make the C string shorter than the field. */
	if (memchr(p, 0, n)) {
		diag_set(d, "case reference contains a NUL byte");
		goto out;
	}
	if (!take_u16(&r, &n, "the marking"))
		goto out;
	if (n > ENVELOPE_MARKING_MAX) {
		diag_set(d, "marking longer than %d bytes",
			 ENVELOPE_MARKING_MAX);
		goto out;
	}
	if (!(p = take(&r, n, "the marking")))
		goto out;
	if (memchr(p, 0, n)) {
		diag_set(d, "marking contains a NUL byte");
		goto out;
	}
	if (!(env->marking = malloc(n + 1))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(env->marking, p, n);
	env->marking[n] = '\0';
	h->marking = env->marking;
	if (header_check(h, d))
		goto out;
	env->header_len = r.off;

	env->epk_off = r.off;
	if (!take(&r, EPK_BYTES, "the ephemeral key"))
		goto out;
	env->slots_off = r.off;
	if (!take(&r, h->n_recipients * SLOT_BYTES, "the wrapped keys"))
		goto out;
	env->nonce_off = r.off;
	if (!(p = take(&r, NONCE_BYTES + 4, "the body nonce and length")))
		goto out;
	ct_len = exchange_get_u32(p + NONCE_BYTES);
	if (ct_len < TAG_BYTES || ct_len - TAG_BYTES > ENVELOPE_BODY_MAX) {
		diag_set(d, "body length %zu out of range", ct_len);
		goto out;
	}
	env->ct_off = r.off;
	env->ct_len = ct_len;
	if (!take(&r, ct_len, "the body") ||
	    !take(&r, SIG_BYTES, "the signature"))
		goto out;
	if (r.off != len) {
		diag_set(d, "%zu bytes after the signature", len - r.off);
		goto out;
	}
	if (!(env->raw = malloc(len))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(env->raw, bytes, len);
	env->raw_len = len;
	*out = env;
	env = NULL;
	rc = 0;
out:
	envelope_free(env);
	return rc;
}

const struct envelope_header *envelope_get_header(const struct envelope *env)
{
	return &env->h;
}

const uint8_t *envelope_bytes(const struct envelope *env, size_t *len)
{
	*len = env->raw_len;
	return env->raw;
}

int envelope_verify(struct envelope *env,
		    const uint8_t sender_pk[IDENTITY_PK_BYTES])
{
	size_t signed_len = env->raw_len - SIG_BYTES;

	env->verified = false;
	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (crypto_sign_verify_detached(env->raw + signed_len, env->raw,
					signed_len, sender_pk))
		return LIA_ECRYPTO;
	env->verified = true;
	return 0;
}

int envelope_open(const struct envelope *env, const struct identity *recipient,
		  uint8_t **body, size_t *body_len, struct diag *d)
{
	const struct envelope_header *h = &env->h;
	uint8_t ckey[KEY_BYTES], rx[crypto_kx_SESSIONKEYBYTES],
	    tx[crypto_kx_SESSIONKEYBYTES];
	unsigned long long mlen = 0;
	uint8_t *plain = NULL;
	size_t i;
	int rc = LIA_ECRYPTO;

	if (!env->verified) {
		diag_set(d, "envelope opened before its signature was "
			    "verified");
		return LIA_EINVAL;
	}
	for (i = 0; i < h->n_recipients; i++)
		if (!strcmp(h->recipients[i], recipient->agency))
			break;
	if (i == h->n_recipients) {
		diag_set(d, "envelope is not addressed to %s",
			 recipient->agency);
		return LIA_EDENIED;
	}
	if (crypto_kx_server_session_keys(rx, tx, recipient->box_pk,
					  recipient->box_sk,
					  env->raw + env->epk_off)) {
		diag_set(d, "envelope: unusable ephemeral key");
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		ckey, &mlen, NULL, env->raw + env->slots_off + i * SLOT_BYTES,
		SLOT_BYTES, env->raw, env->header_len, zero_nonce, rx) ||
	    mlen != KEY_BYTES) {
		diag_set(d,
			 "envelope: the content key for %s does not "
			 "decrypt (wrong key or tampered)",
			 recipient->agency);
		goto out;
	}
	/* One spare byte so an empty body is still a real allocation. */
	if (!(plain = malloc(env->ct_len - TAG_BYTES + 1))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		plain, &mlen, NULL, env->raw + env->ct_off, env->ct_len,
		env->raw, env->header_len, env->raw + env->nonce_off, ckey)) {
		diag_set(d, "envelope: the body does not decrypt (tampered)");
		goto out;
	}
	*body = plain;
	*body_len = (size_t)mlen;
	plain = NULL;
	rc = 0;
out:
	sodium_memzero(ckey, sizeof(ckey));
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	free(plain);
	return rc;
}

int envelope_check_time(const struct envelope *env, int64_t now,
			int64_t max_skew, struct diag *d)
{
	int64_t limit;

	if (max_skew < 0 || now < 0)
		return LIA_EINVAL;
	/* A sum past INT64_MAX lies beyond any time an envelope can carry,
	 * so an overflow means "not in the future" and "not expired". */
	if (!__builtin_add_overflow(now, max_skew, &limit) &&
	    env->h.created > limit) {
		diag_set(d, "envelope created %lld s in the future",
			 (long long)(env->h.created - now));
		return LIA_EDENIED;
	}
	if (!__builtin_add_overflow(env->h.expires, max_skew, &limit) &&
	    now > limit) {
		diag_set(d, "envelope expired %lld s ago",
			 (long long)(now - env->h.expires));
		return LIA_EDENIED;
	}
	return 0;
}
