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

#define MSG_VERSION 1
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

static bool hex_id_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; n == 32 && i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n == 32;
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
	if (!json_is_integer(json_object_get(o, "v")) ||
	    json_integer_value(json_object_get(o, "v")) != MSG_VERSION) {
		diag_set(d, "message: version must be %d", MSG_VERSION);
		goto out;
	}
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
		if (!hex_id_ok(s)) {
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
			if ((err = parse_attach(json_array_get(arr, i),
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

int node_receipt_parse(const uint8_t *body, size_t len, char for_id[33],
		       struct diag *d)
{
	static const char *const keys[] = {"v", "for"};
	json_error_t jerr;
	json_t *o;
	const char *s = NULL, *bad = NULL;
	int err = LIA_EPARSE;

	if (len > 4096) {
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
	if ((err = get_str(o, "for", 32, true, false, &s, d)))
		goto out;
	if (!hex_id_ok(s)) {
		diag_set(d, "receipt: \"for\" must be an envelope id");
		err = LIA_EPARSE;
		goto out;
	}
	memcpy(for_id, s, 33);
out:
	json_decref(o);
	return err;
}
