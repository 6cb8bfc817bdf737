/*
 * body.c - the strict JSON reading every exchange body parser shares
 * (alerts, hits, requests, releases): a bounded, duplicate-free version 1
 * object of known keys, bounded strings without control characters, and
 * the 32-hex-digit ids and references.
 */
#include <string.h>

#include <jansson.h>

#include "liaison/error.h"
#include "node_int.h"

bool node_hex32(const char *s)
{
	size_t n = strnlen(s, 33);

	for (size_t i = 0; n == 32 && i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n == 32;
}

int node_body_load(const uint8_t *body, size_t len, size_t max,
		   const char *what, const char *const *keys, size_t n_keys,
		   json_t **out, struct diag *d)
{
	json_error_t jerr;
	const char *k;
	json_t *o, *v;

	if (!body || len > max) {
		diag_set(d, "%s: body missing or too big", what);
		return LIA_ETOOBIG;
	}
	o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		diag_set(d, "%s: %s", what, jerr.text);
		return LIA_EPARSE;
	}
	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "v")) ||
	    json_integer_value(json_object_get(o, "v")) != NODE_BODY_VERSION) {
		diag_set(d, "%s: not a version %d object", what,
			 NODE_BODY_VERSION);
		json_decref(o);
		return LIA_EPARSE;
	}
	json_object_foreach (o, k, v) {
		bool ok = false;

		for (size_t i = 0; i < n_keys && !ok; i++)
			ok = !strcmp(k, keys[i]);
		if (!ok) {
			diag_set(d, "%s: unknown key \"%.40s\"", what, k);
			json_decref(o);
			return LIA_EPARSE;
		}
	}
	*out = o;
	return 0;
}

int node_body_text(const json_t *o, const char *key, char *buf, size_t n,
		   enum node_need need, const char *what, struct diag *d)
{
	const json_t *v = json_object_get(o, key);
	const char *s;
	size_t len;

	if (!v) {
		if (need != NODE_OPTIONAL) {
			diag_set(d, "%s: \"%s\" missing", what, key);
			return LIA_EPARSE;
		}
		buf[0] = 0;
		return 0;
	}
	if (!json_is_string(v)) {
		diag_set(d, "%s: \"%s\" must be a string", what, key);
		return LIA_EPARSE;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= n || strlen(s) != len) {
		diag_set(d, "%s: \"%s\" too long or holds NUL", what, key);
		return LIA_EPARSE;
	}
	if (need == NODE_NONEMPTY && !len) {
		diag_set(d, "%s: \"%s\" is empty", what, key);
		return LIA_EPARSE;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			diag_set(d, "%s: \"%s\" holds a control character",
				 what, key);
			return LIA_EPARSE;
		}
	memcpy(buf, s, len + 1);
	return 0;
}
