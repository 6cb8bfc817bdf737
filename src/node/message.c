/*
 * message.c - the JSON body of message and receipt envelopes.
 *
 * The body arrives from another agency: it is untrusted even after the
 * envelope's signature verified (a partner's node can have bugs or be
 * compromised). Parsing is strict: exactly the known keys with the right
 * types and bounded lengths; every record is validated as an import would
 * (entity_from_json, marking_from_json on this node's ladder); attachment
 * descriptors by attach_desc_from_json. Nothing is repaired.
 */
#include <string.h>

#include <sodium.h>

#include "liaison/entity.h"
#include "liaison/envelope.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "node_int.h"

#define MSG_VERSION 1
#define MSG_VERSION_BLOB 2 /* attachments beside the envelope */
/* Base64 of the largest attachment an envelope body can carry. */
#define MSG_DATA_MAX ((size_t)ENVELOPE_BODY_MAX)

void node_message_free(struct node_message *m)
{
	if (!m)
		return;
	free(m->subject);
	free(m->text);
	for (size_t i = 0; i < m->n_records; i++) {
		entity_free(m->records[i].entity);
		marking_free(&m->records[i].marking);
	}
	free(m->records);
	for (size_t i = 0; i < m->n_attach; i++) {
		if (m->attach[i].desc) {
			attach_desc_wipe(m->attach[i].desc);
			free(m->attach[i].desc);
		}
		free(m->attach[i].data);
	}
	free(m->attach);
	free(m);
}

static bool keys_only(const json_t *o, const char *const *keys, size_t n,
		      const char **bad)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		bool ok = false;
		(void)v;
		for (size_t i = 0; i < n && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (!ok) {
			*bad = k;
			return false;
		}
	}
	return true;
}

/* A bounded string of valid UTF-8 (jansson guarantees UTF-8 already) and,
 * unless multiline, without control characters. */
static int get_str(const json_t *o, const char *key, size_t max, bool need,
		   bool multiline, const char **out, struct diag *d)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	size_t len;

	if (!v) {
		if (need) {
			diag_set(d, "message: \"%s\" missing", key);
			return LIA_EPARSE;
		}
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v)) {
		diag_set(d, "message: \"%s\" must be a string", key);
		return LIA_EPARSE;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max || strlen(s) != len) {
		diag_set(d, "message: \"%s\" longer than %zu bytes or holds "
			    "NUL", key, max);
		return LIA_EPARSE;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) ||
		    c == 0x7f) {
			diag_set(d, "message: \"%s\" holds a control "
				    "character", key);
			return LIA_EPARSE;
		}
	}
	*out = s;
	return 0;
}

static int parse_record(const json_t *rj, const struct ladder *l,
			struct node_msg_record *r, struct diag *d)
{
	json_t *copy = NULL;
	int err;

	if (!json_is_object(rj) || !json_is_object(json_object_get(rj,
								    "marking"))) {
		diag_set(d, "message: a record must be an object with a "
			    "\"marking\"");
		return LIA_EPARSE;
	}
	if ((err = marking_from_json(json_object_get(rj, "marking"), l,
				     &r->marking, d)) ||
	    (err = marking_validate(&r->marking, l, d))) {
		diag_prefix(d, "message: record marking: ");
		return LIA_EPARSE;
	}
	copy = json_copy((json_t *)rj);
	if (!copy || json_object_del(copy, "marking")) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = entity_from_json(copy, &r->entity, d))) {
		diag_prefix(d, "message: record: ");
		err = LIA_EPARSE;
	}
out:
	json_decref(copy);
	return err;
}

int node_msg_record_parse(const json_t *rj, const struct ladder *l,
			  struct node_msg_record *r, struct diag *d)
{
	return parse_record(rj, l, r, d);
}

/* A version 2 attachment: the descriptor and the id of the encrypted
 * file, which travels beside the envelope. */
static int parse_attach_blob(const json_t *aj, struct node_msg_attach *a,
			     struct diag *d)
{
	json_t *copy = NULL;
	const json_t *blob = json_object_get(aj, "blob");
	int err = 0;

	if (!json_is_object(aj) || !json_is_string(blob) ||
	    !attach_blob_hex_ok(json_string_value(blob),
				json_string_length(blob))) {
		diag_set(d, "message: an attachment must be an object with "
			    "\"blob\", 64 lower-case hex digits");
		return LIA_EPARSE;
	}
	a->desc = calloc(1, sizeof(*a->desc));
	copy = json_copy((json_t *)aj);
	if (!a->desc || !copy || json_object_del(copy, "blob")) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = attach_desc_from_json(copy, a->desc, d))) {
		diag_prefix(d, "message: ");
		goto out;
	}
	memcpy(a->blob, json_string_value(blob), sizeof(a->blob));
out:
	json_decref(copy);
	return err;
}

static int parse_attach(const json_t *aj, struct node_msg_attach *a,
			struct diag *d)
{
	json_t *copy = NULL;
	const json_t *data = json_object_get(aj, "data");
	size_t blen, dlen;
	int err = 0;

	if (!json_is_object(aj) || !json_is_string(data)) {
		diag_set(d, "message: an attachment must be an object with "
			    "\"data\"");
		return LIA_EPARSE;
	}
	dlen = json_string_length(data);
	if (dlen > MSG_DATA_MAX) {
		diag_set(d, "message: attachment data too big");
		return LIA_ETOOBIG;
	}
	a->desc = calloc(1, sizeof(*a->desc));
	blen = dlen / 4 * 3 + 3;
	a->data = malloc(blen);
	copy = json_copy((json_t *)aj);
	if (!a->desc || !a->data || !copy || json_object_del(copy, "data")) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = attach_desc_from_json(copy, a->desc, d))) {
		diag_prefix(d, "message: ");
		goto out;
	}
	if (sodium_base642bin(a->data, blen, json_string_value(data), dlen,
			      NULL, &a->len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    a->len != attach_encrypted_size(a->desc->size)) {
		diag_set(d, "message: attachment data is not base64 of %llu "
			    "encrypted bytes",
			 (unsigned long long)attach_encrypted_size(
				 a->desc->size));
		err = LIA_EPARSE;
	}
out:
	json_decref(copy);
	return err;
}

int node_message_parse(const uint8_t *body, size_t len, const struct ladder *l,
		       struct node_message **out, struct diag *d)
{
	static const char *const keys[] = {
		"v", "subject", "text", "reply_to", "records", "attachments",
	};
	struct node_message *m = NULL;
	json_error_t jerr;
	json_t *o = NULL, *arr;
	const char *s, *bad = NULL;
	bool blobs;
	int err = LIA_EPARSE;

	if (len > ENVELOPE_BODY_MAX) {
		diag_set(d, "message: body too big");
		return LIA_ETOOBIG;
	}
	o = json_loadb((const char *)body, len,
		       JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		diag_set(d, "message: %s", jerr.text);
		return LIA_EPARSE;
	}
	if (!json_is_object(o) || !keys_only(o, keys, 6, &bad)) {
		diag_set(d, "message: not an object, or unknown key \"%.40s\"",
			 bad ? bad : "");
		goto out;
	}
	/* Version 2 differs only in how attachments travel: beside the
	 * envelope, named by their blob id, instead of inline. */
	if (!json_is_integer(json_object_get(o, "v")) ||
	    (json_integer_value(json_object_get(o, "v")) != MSG_VERSION &&
	     json_integer_value(json_object_get(o, "v")) != MSG_VERSION_BLOB)) {
		diag_set(d, "message: version must be %d or %d", MSG_VERSION,
			 MSG_VERSION_BLOB);
		goto out;
	}
	blobs = json_integer_value(json_object_get(o, "v")) == MSG_VERSION_BLOB;
	if (!(m = calloc(1, sizeof(*m)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = get_str(o, "subject", NODE_SUBJECT_MAX, true, false, &s,
			   d)))
		goto out;
	if (!(m->subject = strdup(s))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = get_str(o, "text", NODE_TEXT_MAX, false, true, &s, d)))
		goto out;
	if (!(m->text = strdup(s ? s : ""))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = get_str(o, "reply_to", 32, false, false, &s, d)))
		goto out;
	if (s) {
		err = LIA_EPARSE;
		if (!node_hex32(s)) {
			diag_set(d, "message: reply_to must be an envelope id");
			goto out;
		}
		memcpy(m->reply_to, s, 33);
	}
	err = LIA_EPARSE;
	arr = json_object_get(o, "records");
	if (arr && (!json_is_array(arr) ||
		    json_array_size(arr) > NODE_MSG_RECORDS_MAX)) {
		diag_set(d, "message: records must be an array of at most %d",
			 NODE_MSG_RECORDS_MAX);
		goto out;
	}
	if (arr && json_array_size(arr)) {
		m->records = calloc(json_array_size(arr), sizeof(*m->records));
		if (!m->records) {
			err = LIA_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(arr); i++) {
			marking_init(&m->records[i].marking);
			m->n_records = i + 1;
			if ((err = parse_record(json_array_get(arr, i), l,
						&m->records[i], d)))
				goto out;
		}
	}
	err = LIA_EPARSE;
	arr = json_object_get(o, "attachments");
	if (arr && (!json_is_array(arr) ||
		    json_array_size(arr) > NODE_MSG_ATTACH_MAX)) {
		diag_set(d, "message: attachments must be an array of at "
			    "most %d", NODE_MSG_ATTACH_MAX);
		goto out;
	}
	if (arr && json_array_size(arr)) {
		m->attach = calloc(json_array_size(arr), sizeof(*m->attach));
		if (!m->attach) {
			err = LIA_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(arr); i++) {
			m->n_attach = i + 1;
			if ((err = blobs ? parse_attach_blob(
					       json_array_get(arr, i),
					       &m->attach[i], d)
					 : parse_attach(json_array_get(arr, i),
							&m->attach[i], d)))
				goto out;
		}
	}
	*out = m;
	m = NULL;
	err = 0;
out:
	node_message_free(m);
	json_decref(o);
	return err;
}

int node_receipt_parse(const uint8_t *body, size_t len,
		       char (*ids)[33], size_t max, size_t *n,
		       struct diag *d)
{
	static const char *const keys[] = {"v", "for"};
	json_error_t jerr;
	json_t *o, *f;
	const char *bad = NULL;
	size_t k = 0;
	int err = LIA_EPARSE;

	if (len > NODE_RECEIPT_BODY_MAX) {
		diag_set(d, "receipt: body too big");
		return LIA_ETOOBIG;
	}
	o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		diag_set(d, "receipt: %s", jerr.text);
		return LIA_EPARSE;
	}
	if (!json_is_object(o) || !keys_only(o, keys, 2, &bad) ||
	    !json_is_integer(json_object_get(o, "v")) ||
	    json_integer_value(json_object_get(o, "v")) != MSG_VERSION) {
		diag_set(d, "receipt: not a version %d receipt", MSG_VERSION);
		goto out;
	}
	/* "for" is one envelope id, or (a batched receipt) an array of
	 * 1..max distinct ids. */
	f = json_object_get(o, "for");
	if (json_is_string(f)) {
		if (!max || !node_hex32(json_string_value(f)))
			goto bad_id;
		memcpy(ids[0], json_string_value(f), 33);
		k = 1;
	} else if (json_is_array(f) && json_array_size(f) >= 1 &&
		   json_array_size(f) <= max) {
		for (size_t i = 0; i < json_array_size(f); i++) {
			const char *id = json_string_value(json_array_get(f, i));

			if (!id || !node_hex32(id))
				goto bad_id;
			for (size_t j = 0; j < k; j++)
				if (!strcmp(ids[j], id)) {
					diag_set(d, "receipt: envelope %s "
						    "named twice", id);
					goto out;
				}
			memcpy(ids[k++], id, 33);
		}
	} else {
		goto bad_id;
	}
	*n = k;
	err = 0;
	goto out;
bad_id:
	diag_set(d, "receipt: \"for\" must be an envelope id or an array of "
		    "1..%zu of them", max);
out:
	json_decref(o);
	return err;
}

/* ------------------------------------------------------ query bodies */

#define QBODY_MAX 16384 /* a query or answer body is small */

static int load_small(const uint8_t *body, size_t len, const char *what,
		      const char *const *keys, size_t n_keys, json_t **out,
		      struct diag *d)
{
	json_error_t jerr;
	json_t *o;
	const char *bad = NULL;

	if (len > QBODY_MAX) {
		diag_set(d, "%s: body too big", what);
		return LIA_ETOOBIG;
	}
	o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		diag_set(d, "%s: %s", what, jerr.text);
		return LIA_EPARSE;
	}
	if (!json_is_object(o) || !keys_only(o, keys, n_keys, &bad) ||
	    !json_is_integer(json_object_get(o, "v")) ||
	    json_integer_value(json_object_get(o, "v")) != MSG_VERSION) {
		diag_set(d, "%s: not a version %d object, or unknown key "
			    "\"%.40s\"", what, MSG_VERSION, bad ? bad : "");
		json_decref(o);
		return LIA_EPARSE;
	}
	*out = o;
	return 0;
}

/* Copy an optional bounded string into buf ("" when absent). */
static int get_into(const json_t *o, const char *key, char *buf, size_t n,
		    bool need, struct diag *d)
{
	const char *s;
	int err = get_str(o, key, n - 1, need, false, &s, d);

	if (err)
		return err;
	if (s && need && !*s) {
		diag_set(d, "message: \"%s\" is empty", key);
		return LIA_EPARSE;
	}
	(void)str_copy(buf, n, s ? s : "");
	return 0;
}

static bool dob_ok(const char *s)
{
	size_t n = strlen(s);

	if (n != 0 && n != 4 && n != 7 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i == 4 || i == 7) ? s[i] != '-'
				       : !(s[i] >= '0' && s[i] <= '9'))
			return false;
	/* Month and day in range; a real calendar check is not needed to
	 * screen, a value no calendar has is refused. */
	if (n >= 7 && ((s[5] - '0') * 10 + (s[6] - '0') < 1 ||
		       (s[5] - '0') * 10 + (s[6] - '0') > 12))
		return false;
	if (n == 10 && ((s[8] - '0') * 10 + (s[9] - '0') < 1 ||
			(s[8] - '0') * 10 + (s[9] - '0') > 31))
		return false;
	return true;
}

int node_query_parse(const uint8_t *body, size_t len, struct node_query *out,
		     struct diag *d)
{
	static const char *const keys[] = {"v", "name", "dob", "nationality",
					   "id_number", "schema", "reason"};
	struct node_query q;
	json_t *o = NULL;
	int err;

	memset(&q, 0, sizeof(q));
	if ((err = load_small(body, len, "query", keys, 7, &o, d)))
		return err;
	if ((err = get_into(o, "name", q.name, sizeof(q.name), true, d)) ||
	    (err = get_into(o, "dob", q.dob, sizeof(q.dob), false, d)) ||
	    (err = get_into(o, "nationality", q.nationality,
			    sizeof(q.nationality), false, d)) ||
	    (err = get_into(o, "id_number", q.id_number, sizeof(q.id_number),
			    false, d)) ||
	    (err = get_into(o, "schema", q.schema, sizeof(q.schema), false,
			    d)) ||
	    (err = get_into(o, "reason", q.reason, sizeof(q.reason), false,
			    d)))
		goto out;
	err = LIA_EPARSE;
	if (!dob_ok(q.dob)) {
		diag_set(d, "query: dob must be YYYY, YYYY-MM or YYYY-MM-DD");
		goto out;
	}
	if (q.nationality[0] &&
	    (strlen(q.nationality) != 2 || q.nationality[0] < 'a' ||
	     q.nationality[0] > 'z' || q.nationality[1] < 'a' ||
	     q.nationality[1] > 'z')) {
		diag_set(d, "query: nationality must be lower-case alpha-2");
		goto out;
	}
	if (q.schema[0] && strcmp(q.schema, "Person") &&
	    strcmp(q.schema, "Company")) {
		diag_set(d, "query: schema must be Person or Company");
		goto out;
	}
	*out = q;
	err = 0;
out:
	json_decref(o);
	return err;
}

static bool code_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return n > 0 && n <= MARKING_CODE_MAX;
}

static int parse_hit(const json_t *hj, struct node_answer_hit *h,
		     struct diag *d)
{
	static const char *const keys[] = {"ref", "score", "classification",
					   "handling", "tlp"};
	struct marking m;
	const json_t *sc = json_object_get(hj, "score");
	const char *s, *bad = NULL;
	int err;

	if (!json_is_object(hj) || !keys_only(hj, keys, 5, &bad)) {
		diag_set(d, "answer: a hit must be an object of known keys");
		return LIA_EPARSE;
	}
	if ((err = get_into(hj, "ref", h->ref, sizeof(h->ref), true, d)) ||
	    (err = get_into(hj, "classification", h->classification,
			    sizeof(h->classification), true, d)))
		return err;
	if (!node_hex32(h->ref) || !code_ok(h->classification) ||
	    !json_is_real(sc) || !(json_real_value(sc) > 0.0) ||
	    json_real_value(sc) > 1.0) {
		diag_set(d, "answer: a hit needs a hex ref, a level and a "
			    "score in (0, 1]");
		return LIA_EPARSE;
	}
	h->score = json_real_value(sc);
	marking_init(&m);
	if ((err = get_str(hj, "handling", 2, true, false, &s, d)) ||
	    (err = marking_set_handling(&m, s, d)))
		goto out;
	h->handling = m.handling;
	if ((err = get_str(hj, "tlp", 16, true, false, &s, d)) ||
	    (err = marking_set_tlp(&m, s, d)))
		goto out;
	h->tlp = m.tlp;
out:
	marking_free(&m);
	if (err) {
		diag_prefix(d, "answer: ");
		return LIA_EPARSE;
	}
	return 0;
}

int node_answer_parse(const uint8_t *body, size_t len, struct node_answer *out,
		      struct diag *d)
{
	static const char *const keys[] = {"v", "query", "hits"};
	struct node_answer a;
	json_t *o = NULL, *arr;
	int err;

	memset(&a, 0, sizeof(a));
	if ((err = load_small(body, len, "answer", keys, 3, &o, d)))
		return err;
	if ((err = get_into(o, "query", a.query, sizeof(a.query), true, d)))
		goto out;
	err = LIA_EPARSE;
	arr = json_object_get(o, "hits");
	if (!node_hex32(a.query) || !json_is_array(arr) ||
	    json_array_size(arr) > NODE_ANSWER_HITS_MAX) {
		diag_set(d, "answer: needs a query id and at most %d hits",
			 NODE_ANSWER_HITS_MAX);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if ((err = parse_hit(json_array_get(arr, i), &a.hits[i], d)))
			goto out;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(a.hits[k].ref, a.hits[i].ref)) {
				diag_set(d, "answer: a ref twice");
				err = LIA_EPARSE;
				goto out;
			}
		a.n_hits = i + 1;
	}
	*out = a;
	err = 0;
out:
	json_decref(o);
	return err;
}
