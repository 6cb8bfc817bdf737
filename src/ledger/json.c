/*
 * json.c - proofs and tree heads as JSON, and the signed bytes of a head.
 *
 * The proof form uses the field names of the RFC 6962 test vectors that
 * transparency-dev publishes (leafIdx, treeSize, leafHash, root, proof;
 * size1, size2, root1, root2, proof), so that other tools read it without a
 * mapping. Parsing is strict: what is not exactly right is rejected, never
 * repaired, because a proof is evidence and two readings of one document
 * must not exist. docs/LEDGER-FORMAT.md is the specification.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/ledger.h"

static const char head_context[] = "liaison-ledger-tree-head";

/* Base64 of a hash (44 characters) or signature (88) plus NUL. */
#define B64_MAX 96

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

void ledger_head_signed_bytes(const struct ledger_head *h,
			      uint8_t out[LEDGER_HEAD_SIGNED_SIZE])
{
	size_t o = sizeof(head_context) - 1;

	_Static_assert(sizeof(head_context) - 1 + 1 + 8 + LEDGER_HASH_SIZE +
			       8 ==
			   LEDGER_HEAD_SIGNED_SIZE,
		       "tree head layout");
	memcpy(out, head_context, o);
	out[o++] = (uint8_t)h->version;
	put_be64(out + o, h->size);
	o += 8;
	memcpy(out + o, h->root, LEDGER_HASH_SIZE);
	o += LEDGER_HASH_SIZE;
	put_be64(out + o, (uint64_t)h->time_ms);
}

int ledger_head_verify(const struct ledger_head *h,
		       const uint8_t pk[LEDGER_PK_SIZE])
{
	uint8_t msg[LEDGER_HEAD_SIGNED_SIZE];

	if (!h || !pk)
		return LIA_EINVAL;
	if (h->version != LEDGER_HEAD_VERSION)
		return LIA_EVERSION;
	if (h->time_ms < 0 || h->size > LEDGER_SIZE_MAX)
		return LIA_ECRYPTO;
	/* The head names its key for the reader's convenience; what counts
	 * is the key the verifier trusts, so both must agree. */
	if (sodium_memcmp(h->pk, pk, LEDGER_PK_SIZE) != 0)
		return LIA_ECRYPTO;
	ledger_head_signed_bytes(h, msg);
	if (crypto_sign_verify_detached(h->sig, msg, sizeof(msg), pk) != 0)
		return LIA_ECRYPTO;
	return 0;
}

/* --- writing --------------------------------------------------------- */

static int set_b64(json_t *o, const char *key, const uint8_t *bin, size_t n)
{
	char b64[B64_MAX];

	sodium_bin2base64(b64, sizeof(b64), bin, n,
			  sodium_base64_VARIANT_ORIGINAL);
	return json_object_set_new(o, key, json_string(b64)) ? LIA_ENOMEM : 0;
}

static int set_u64(json_t *o, const char *key, uint64_t v)
{
	if (v > LEDGER_SIZE_MAX)
		return LIA_EINVAL;
	return json_object_set_new(o, key, json_integer((json_int_t)v))
		   ? LIA_ENOMEM
		   : 0;
}

static int dump(json_t *o, char **out)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s)
		return LIA_ENOMEM;
	*out = s;
	return 0;
}

int ledger_proof_to_json(const struct ledger_proof *p, char **out)
{
	json_t *o = NULL, *arr;
	bool inc;
	int err;

	if (!p || !out || p->n > LEDGER_PROOF_MAX ||
	    (p->kind != LEDGER_INCLUSION && p->kind != LEDGER_CONSISTENCY))
		return LIA_EINVAL;
	inc = p->kind == LEDGER_INCLUSION;
	if (!(o = json_object())) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = set_u64(o, inc ? "leafIdx" : "size1", p->a)) ||
	    (err = set_u64(o, inc ? "treeSize" : "size2", p->b)) ||
	    (err = set_b64(o, inc ? "leafHash" : "root1", p->hash_a,
			   LEDGER_HASH_SIZE)) ||
	    (err = set_b64(o, inc ? "root" : "root2", p->hash_b,
			   LEDGER_HASH_SIZE)))
		goto out;
	arr = json_array();
	if (!arr || json_object_set_new(o, "proof", arr)) {
		err = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		char b64[B64_MAX];

		sodium_bin2base64(b64, sizeof(b64), p->path[i],
				  LEDGER_HASH_SIZE,
				  sodium_base64_VARIANT_ORIGINAL);
		if (json_array_append_new(arr, json_string(b64))) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	err = dump(o, out);
out:
	json_decref(o);
	return err;
}

int ledger_head_to_json(const struct ledger_head *h, char **out)
{
	json_t *o = NULL;
	int err;

	if (!h || !out || h->time_ms < 0)
		return LIA_EINVAL;
	if (!(o = json_object())) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (json_object_set_new(o, "version", json_integer(h->version))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = set_u64(o, "size", h->size)) ||
	    (err = set_u64(o, "time_ms", (uint64_t)h->time_ms)) ||
	    (err = set_b64(o, "root", h->root, LEDGER_HASH_SIZE)) ||
	    (err = set_b64(o, "pk", h->pk, LEDGER_PK_SIZE)) ||
	    (err = set_b64(o, "sig", h->sig, LEDGER_SIG_SIZE)))
		goto out;
	err = dump(o, out);
out:
	json_decref(o);
	return err;
}

/* --- parsing --------------------------------------------------------- */

/* The value of a field that must be present. */
static json_t *need(json_t *o, const char *key, struct diag *d)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		diag_set(d, "ledger: missing field \"%s\"", key);
	return v;
}

static int get_u64(json_t *o, const char *key, uint64_t *out, struct diag *d)
{
	json_t *v = need(o, key, d);

	if (!v)
		return LIA_EPARSE;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		diag_set(d, "ledger: \"%s\" must be an integer >= 0", key);
		return LIA_EPARSE;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Strict base64 (standard alphabet, padded, no spaces) of exactly n
 * bytes. libsodium refuses non-zero padding bits, so each value has one
 * spelling. */
static int b64_exact(json_t *v, const char *what, uint8_t *out, size_t n,
		     struct diag *d)
{
	const char *s, *end = NULL;
	size_t slen, got = 0;

	if (!json_is_string(v)) {
		diag_set(d, "ledger: %s must be a base64 string", what);
		return LIA_EPARSE;
	}
	s = json_string_value(v);
	slen = json_string_length(v);
	if (slen !=
		sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) -
		    1 ||
	    sodium_base642bin(out, n, s, slen, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + slen || got != n) {
		diag_set(d, "ledger: %s is not base64 of %zu bytes", what, n);
		return LIA_EPARSE;
	}
	return 0;
}

static int get_b64(json_t *o, const char *key, uint8_t *out, size_t n,
		   struct diag *d)
{
	json_t *v = need(o, key, d);

	if (!v)
		return LIA_EPARSE;
	return b64_exact(v, key, out, n, d);
}

/* Exactly the given fields, plus an optional "desc" string. */
static int only_fields(json_t *o, const char *const *keys, size_t nkeys,
		       struct diag *d)
{
	const char *key;
	json_t *v;

	json_object_foreach (o, key, v) {
		bool known = false;

		for (size_t i = 0; i < nkeys; i++)
			known = known || strcmp(key, keys[i]) == 0;
		if (!known && strcmp(key, "desc") == 0 && json_is_string(v))
			known = true;
		if (!known) {
			diag_set(d, "ledger: unexpected field \"%.64s\"", key);
			return LIA_EPARSE;
		}
	}
	return 0;
}

static int load(const void *bytes, size_t len, json_t **out, struct diag *d)
{
	json_error_t jerr;
	json_t *o;

	if (!bytes && len)
		return LIA_EINVAL;
	if (len > LEDGER_JSON_MAX) {
		diag_set(d, "ledger: document of %zu bytes exceeds %d", len,
			 LEDGER_JSON_MAX);
		return LIA_ETOOBIG;
	}
	o = json_loadb(bytes ? bytes : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		diag_set(d, "ledger: %s", jerr.text);
		diag_at(d, NULL, (unsigned long)jerr.line,
			(unsigned long)jerr.column);
		return LIA_EPARSE;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		diag_set(d, "ledger: not a JSON object");
		return LIA_EPARSE;
	}
	*out = o;
	return 0;
}

int ledger_proof_parse(const void *bytes, size_t len, struct ledger_proof *out,
		       struct diag *d)
{
	static const char *const inc_keys[] = {"leafIdx", "treeSize",
					       "leafHash", "root", "proof"};
	static const char *const con_keys[] = {"size1", "size2", "root1",
					       "root2", "proof"};
	struct ledger_proof *p = NULL;
	json_t *o = NULL, *arr;
	bool inc;
	int err;

	if (!out)
		return LIA_EINVAL;
	if ((err = load(bytes, len, &o, d)))
		return err;
	/* Built aside and copied on success: out is untouched on error. */
	if (!(p = calloc(1, sizeof(*p)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	inc = json_object_get(o, "leafIdx") != NULL;
	p->kind = inc ? LEDGER_INCLUSION : LEDGER_CONSISTENCY;
	if ((err = only_fields(o, inc ? inc_keys : con_keys, 5, d)) ||
	    (err = get_u64(o, inc ? "leafIdx" : "size1", &p->a, d)) ||
	    (err = get_u64(o, inc ? "treeSize" : "size2", &p->b, d)) ||
	    (err = get_b64(o, inc ? "leafHash" : "root1", p->hash_a,
			   LEDGER_HASH_SIZE, d)) ||
	    (err = get_b64(o, inc ? "root" : "root2", p->hash_b,
			   LEDGER_HASH_SIZE, d)))
		goto out;
	arr = need(o, "proof", d);
	if (!arr || !json_is_array(arr)) {
		if (arr)
			diag_set(d, "ledger: \"proof\" must be an array");
		err = LIA_EPARSE;
		goto out;
	}
	if (json_array_size(arr) > LEDGER_PROOF_MAX) {
		diag_set(d, "ledger: proof of %zu hashes exceeds %d",
			 json_array_size(arr), LEDGER_PROOF_MAX);
		err = LIA_EPARSE;
		goto out;
	}
	p->n = json_array_size(arr);
	for (size_t i = 0; i < p->n; i++) {
		char what[32];

		snprintf(what, sizeof(what), "proof[%zu]", i);
		if ((err = b64_exact(json_array_get(arr, i), what, p->path[i],
				     LEDGER_HASH_SIZE, d)))
			goto out;
	}
	*out = *p;
out:
	free(p);
	json_decref(o);
	return err;
}

int ledger_head_parse(const void *bytes, size_t len, struct ledger_head *out,
		      struct diag *d)
{
	static const char *const keys[] = {"version", "size", "time_ms",
					   "root",    "pk",   "sig"};
	struct ledger_head h;
	json_t *o = NULL, *v;
	uint64_t t;
	int err;

	if (!out)
		return LIA_EINVAL;
	if ((err = load(bytes, len, &o, d)))
		return err;
	memset(&h, 0, sizeof(h));
	if ((err = only_fields(o, keys, 6, d)))
		goto out;
	v = need(o, "version", d);
	if (!v || !json_is_integer(v) || json_integer_value(v) < 1) {
		if (v)
			diag_set(d, "ledger: bad head version");
		err = LIA_EPARSE;
		goto out;
	}
	if (json_integer_value(v) > LEDGER_HEAD_VERSION) {
		diag_set(d, "ledger: head version %lld is newer than %d",
			 (long long)json_integer_value(v), LEDGER_HEAD_VERSION);
		err = LIA_EVERSION;
		goto out;
	}
	h.version = (int)json_integer_value(v);
	if ((err = get_u64(o, "size", &h.size, d)) ||
	    (err = get_u64(o, "time_ms", &t, d)) ||
	    (err = get_b64(o, "root", h.root, LEDGER_HASH_SIZE, d)) ||
	    (err = get_b64(o, "pk", h.pk, LEDGER_PK_SIZE, d)) ||
	    (err = get_b64(o, "sig", h.sig, LEDGER_SIG_SIZE, d)))
		goto out;
	h.time_ms = (int64_t)t; /* jansson integers are at most INT64_MAX */
	*out = h;
out:
	json_decref(o);
	return err;
}
