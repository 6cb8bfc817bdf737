/*
 * interpol.c - INTERPOL public notices (red, yellow, UN special notices).
 *
 * Accepted containers: one notice object, the notices API page
 * {"_embedded": {"notices": [...]}}, a JSON array of notices, or JSON lines
 * with one notice per line. A notice becomes a Person "interpol-<id>"; each
 * arrest warrant a Sanction linked to it. A value that is present but not
 * valid for its property (a birth date "1980/13/45", a country "XX") is kept
 * as labelled text in the notes: dropping it would lose evidence and
 * guessing would invent it. Fields this importer does not know are kept as
 * labelled notes for the same reason.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/lines.h"
#include "liaison/entity.h"
#include "liaison/ingest.h"

#define INTERPOL_ID_MAX 64
#define READ_CHUNK 65536

enum notice_type { NOTICE_UNKNOWN, NOTICE_RED, NOTICE_YELLOW, NOTICE_UN };

static const char *const program_names[] = {
	[NOTICE_UNKNOWN] = "INTERPOL Notice",
	[NOTICE_RED] = "INTERPOL Red Notice",
	[NOTICE_YELLOW] = "INTERPOL Yellow Notice",
	[NOTICE_UN] = "INTERPOL-United Nations Security Council Special Notice",
};

/* Fields mapped below; anything else becomes a labelled note. */
static const char *const known_fields[] = {
	"entity_id", "name", "forename", "date_of_birth", "sex_id",
	"nationalities", "place_of_birth", "country_of_birth_id",
	"languages_spoken_ids", "height", "weight", "eyes_colors_id",
	"hairs_id", "distinguishing_marks", "arrest_warrants", "_links",
	/* Image links only; the pictures themselves are not imported. */
	"_embedded", NULL,
};

static bool is_known_field(const char *k)
{
	for (size_t i = 0; known_fields[i]; i++)
		if (!strcmp(known_fields[i], k))
			return true;
	return false;
}

/* The property that holds labelled notes on e's schema. FtM Things have
 * "notes"; Interval schemata such as Sanction only have "description". */
static const char *notes_prop(const struct entity *e)
{
	const struct schema *s = entity_schema(e);

	if (schema_prop(s, "notes"))
		return "notes";
	return "description";
}

static int add_note(struct entity *e, const char *label, const char *v,
		    size_t len, struct diag *d)
{
	struct strbuf sb;
	int rc;

	strbuf_init(&sb, 0);
	rc = strbuf_addf(&sb, "INTERPOL %s: ", label);
	if (!rc)
		rc = strbuf_add(&sb, v, len);
	if (rc) {
		diag_set(d, "%s: %s", label, err_str(rc));
		goto out;
	}
	rc = entity_add(e, notes_prop(e), sb.buf, sb.len, d);
out:
	strbuf_release(&sb);
	return rc;
}

/* Add v to prop; a value the type rejects goes to the notes, labelled. */
static int add_or_note(struct entity *e, const char *prop, const char *label,
		       const char *v, size_t len, struct diag *d)
{
	struct diag tmp;
	int rc;

	diag_clear(&tmp);
	rc = entity_add(e, prop, v, len, &tmp);
	if (rc == LIA_EVALUE)
		return add_note(e, label, v, len, d);
	if (rc && d)
		*d = tmp;
	return rc;
}

/* A string field: *out NULL when absent or null. */
static int get_str(const json_t *n, const char *key, const char **out,
		   size_t *len, struct diag *d)
{
	const json_t *v = json_object_get(n, key);

	*out = NULL;
	*len = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		diag_set(d, "%s: expected a string", key);
		return LIA_EPARSE;
	}
	*out = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* A field that is a string or an array of strings: each value is added to
 * prop (or noted). */
static int add_strings(struct entity *e, const json_t *n, const char *key,
		       const char *prop, struct diag *d)
{
	const json_t *v = json_object_get(n, key), *it;
	size_t i;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return add_or_note(e, prop, key, json_string_value(v),
				   json_string_length(v), d);
	if (!json_is_array(v)) {
		diag_set(d, "%s: expected a string or an array of strings",
			 key);
		return LIA_EPARSE;
	}
	json_array_foreach(v, i, it) {
		if (!json_is_string(it)) {
			diag_set(d, "%s[%zu]: expected a string", key, i);
			return LIA_EPARSE;
		}
		rc = add_or_note(e, prop, key, json_string_value(it),
				 json_string_length(it), d);
		if (rc)
			return rc;
	}
	return 0;
}

/* INTERPOL writes ISO 639-2 codes in upper case ("ENG"); FtM keeps them in
 * lower case. Only the case of a three-letter ASCII code is changed; any
 * other value is kept as a note. */
static int add_languages(struct entity *e, const json_t *n, struct diag *d)
{
	const char *key = "languages_spoken_ids";
	const json_t *v = json_object_get(n, key), *it;
	char code[4];
	const char *s;
	size_t i, len;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		diag_set(d, "%s: expected an array of strings", key);
		return LIA_EPARSE;
	}
	json_array_foreach(v, i, it) {
		if (!json_is_string(it)) {
			diag_set(d, "%s[%zu]: expected a string", key, i);
			return LIA_EPARSE;
		}
		s = json_string_value(it);
		len = json_string_length(it);
		if (len != 3) {
			rc = add_note(e, key, s, len, d);
		} else {
			for (size_t k = 0; k < 3; k++)
				code[k] = s[k] >= 'A' && s[k] <= 'Z'
						  ? (char)(s[k] - 'A' + 'a')
						  : s[k];
			code[3] = '\0';
			rc = entity_add(e, "spokenLanguage", code, 3, NULL);
			if (rc == LIA_EVALUE)
				rc = add_note(e, key, s, len, d);
			else if (rc)
				diag_set(d, "%s: %s", key, err_str(rc));
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Shortest decimal text that reads back as the same double. */
static void format_real(double x, char *buf, size_t n)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* height (m) and weight (kg): a positive number, as JSON number or text.
 * INTERPOL publishes 0 for "not known"; that and anything else that is not
 * a positive number is kept as a note rather than as a measurement. */
static int add_measure(struct entity *e, const json_t *n, const char *key,
		       const char *prop, struct diag *d)
{
	const json_t *v = json_object_get(n, key);
	char buf[64];
	const char *s;
	double x;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		char *end;
		x = strtod(s, &end);
		if (end == s || *end || !isfinite(x) || x <= 0)
			return add_note(e, key, s, json_string_length(v), d);
		return add_or_note(e, prop, key, s, json_string_length(v), d);
	}
	if (!json_is_number(v)) {
		diag_set(d, "%s: expected a number", key);
		return LIA_EPARSE;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else
		format_real(json_real_value(v), buf, sizeof(buf));
	if (json_number_value(v) <= 0)
		return add_note(e, key, buf, strlen(buf), d);
	return add_or_note(e, prop, key, buf, strlen(buf), d);
}

/* Keep a field this importer does not map, as "INTERPOL key: value". */
static int note_unknown(struct entity *e, const char *key, const json_t *v,
			struct diag *d)
{
	char *text;
	int rc;

	if (json_is_null(v))
		return 0;
	if (json_is_string(v))
		return add_note(e, key, json_string_value(v),
				json_string_length(v), d);
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!text) {
		diag_set(d, "%s: %s", key, err_str(LIA_ENOMEM));
		return LIA_ENOMEM;
	}
	rc = add_note(e, key, text, strlen(text), d);
	free(text);
	return rc;
}

static int add_name(struct entity *e, const json_t *n, struct diag *d)
{
	const char *fore, *last;
	size_t flen, llen;
	struct strbuf sb;
	int rc;

	rc = get_str(n, "forename", &fore, &flen, d);
	if (!rc)
		rc = get_str(n, "name", &last, &llen, d);
	if (rc)
		return rc;
	strbuf_init(&sb, 0);
	if (fore && flen)
		rc = strbuf_add(&sb, fore, flen);
	if (!rc && last && llen) {
		if (sb.len)
			rc = strbuf_addch(&sb, ' ');
		if (!rc)
			rc = strbuf_add(&sb, last, llen);
	}
	if (rc) {
		diag_set(d, "name: %s", err_str(rc));
		goto out;
	}
	rc = entity_add(e, "name", sb.buf, sb.len, d);
	if (rc)
		goto out;
	if (!entity_count(e, "name")) {
		diag_set(d, "notice has no name and no forename");
		rc = LIA_EPARSE;
		goto out;
	}
	if (fore)
		rc = entity_add(e, "firstName", fore, flen, d);
	if (!rc && last)
		rc = entity_add(e, "lastName", last, llen, d);
out:
	strbuf_release(&sb);
	return rc;
}

/* INTERPOL writes dates as 1980/05/12, 1980/05 or 1980. */
static int add_birth_date(struct entity *e, const json_t *n, struct diag *d)
{
	const char *v;
	char buf[64];
	size_t len;
	int rc;

	rc = get_str(n, "date_of_birth", &v, &len, d);
	if (rc || !v)
		return rc;
	if (len >= sizeof(buf))
		return add_note(e, "date_of_birth", v, len, d);
	for (size_t i = 0; i < len; i++)
		buf[i] = v[i] == '/' ? '-' : v[i];
	buf[len] = '\0';
	rc = entity_add(e, "birthDate", buf, len, NULL);
	if (rc == LIA_EVALUE)
		return add_note(e, "date_of_birth", v, len, d);
	if (rc)
		diag_set(d, "date_of_birth: %s", err_str(rc));
	return rc;
}

static int add_gender(struct entity *e, const json_t *n, struct diag *d)
{
	const char *v;
	size_t len;
	int rc;

	rc = get_str(n, "sex_id", &v, &len, d);
	if (rc || !v)
		return rc;
	if (len == 1 && v[0] == 'M')
		return entity_adds(e, "gender", "male", d);
	if (len == 1 && v[0] == 'F')
		return entity_adds(e, "gender", "female", d);
	/* "U" (unknown) and anything else: not a gender we may assert. */
	return add_note(e, "sex_id", v, len, d);
}

/* The self link names the notice type in its path and is the source. */
static int add_links(struct entity *e, const json_t *n,
		     enum notice_type *type, struct diag *d)
{
	const json_t *links = json_object_get(n, "_links"), *self, *href;
	const char *s;
	size_t len;
	int rc;

	*type = NOTICE_UNKNOWN;
	if (!links || json_is_null(links))
		return 0;
	if (!json_is_object(links)) {
		diag_set(d, "_links: expected an object");
		return LIA_EPARSE;
	}
	self = json_object_get(links, "self");
	if (!self || json_is_null(self))
		return 0;
	href = json_is_object(self) ? json_object_get(self, "href") : NULL;
	if (!href || !json_is_string(href)) {
		diag_set(d, "_links.self: expected {\"href\": \"...\"}");
		return LIA_EPARSE;
	}
	s = json_string_value(href);
	len = json_string_length(href);
	if (strlen(s) != len) {
		diag_set(d, "_links.self.href: contains a NUL byte");
		return LIA_EPARSE;
	}
	if (strstr(s, "/red/"))
		*type = NOTICE_RED;
	else if (strstr(s, "/yellow/"))
		*type = NOTICE_YELLOW;
	else if (strstr(s, "/un/"))
		*type = NOTICE_UN;
	if (len > 8 && !strncmp(s, "https://", 8))
		rc = add_or_note(e, "sourceUrl", "_links.self.href", s, len,
				 d);
	else
		rc = add_note(e, "_links.self.href", s, len, d);
	if (rc)
		return rc;
	if (*type == NOTICE_RED)
		rc = entity_adds(e, "topics", "wanted", d);
	else if (*type == NOTICE_YELLOW)
		rc = entity_adds(e, "topics", "missing", d);
	return rc;
}

/* "2020/12345" -> "interpol-2020-12345". Only what INTERPOL uses in ids
 * is accepted, so two notices cannot collide after the replacement. */
static int make_person_id(const json_t *n, char *out, size_t outsz,
			  struct diag *d)
{
	const char *v;
	size_t len;
	int rc;

	rc = get_str(n, "entity_id", &v, &len, d);
	if (rc)
		return rc;
	if (!v || !len) {
		diag_set(d, "notice has no entity_id");
		return LIA_EPARSE;
	}
	if (len > INTERPOL_ID_MAX) {
		diag_set(d, "entity_id: longer than %d bytes", INTERPOL_ID_MAX);
		return LIA_EPARSE;
	}
	rc = snprintf(out, outsz, "interpol-");
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			  (c >= 'a' && c <= 'z');
		if (c == '/')
			c = '-';
		else if (!ok) {
			diag_set(d, "entity_id: character %zu is not a letter, "
				 "digit or '/'", i + 1);
			return LIA_EPARSE;
		}
		out[rc++] = c;
	}
	out[rc] = '\0';
	return 0;
}

static int put(const struct ingest_sink *sink, struct entity *e,
	       struct diag *d)
{
	int rc = sink->put(sink->ctx, e, d);

	if (rc && d && !d->msg[0])
		diag_set(d, "the store refused %s", entity_id(e));
	return rc < 0 ? rc : rc ? LIA_EINTERNAL : 0;
}

static int import_warrant(const json_t *w, size_t idx, const char *pid,
			  enum notice_type type,
			  const struct ingest_sink *sink, struct diag *d)
{
	struct entity *s = NULL;
	char id[ENTITY_ID_MAX + 1];
	const char *v;
	size_t len;
	int rc;

	if (!json_is_object(w)) {
		diag_set(d, "arrest_warrants[%zu]: expected an object", idx);
		return LIA_EPARSE;
	}
	/* A cut id would silently name another record: refuse instead. */
	int k = snprintf(id, sizeof(id), "%s-warrant-%zu", pid, idx + 1);
	if (k < 0 || (size_t)k >= sizeof(id)) {
		diag_set(d, "arrest_warrants[%zu]: record id too long", idx);
		return LIA_ETOOBIG;
	}
	rc = entity_new("Sanction", id, &s, d);
	if (rc)
		goto out;
	rc = entity_adds(s, "entity", pid, d);
	if (!rc)
		rc = entity_adds(s, "authority", "INTERPOL", d);
	if (!rc)
		rc = entity_adds(s, "program", program_names[type], d);
	if (!rc)
		rc = get_str(w, "issuing_country_id", &v, &len, d);
	if (!rc && v)
		rc = add_or_note(s, "country", "issuing_country_id", v, len, d);
	if (!rc)
		rc = get_str(w, "charge", &v, &len, d);
	if (!rc && v)
		rc = add_or_note(s, "reason", "charge", v, len, d);
	if (!rc)
		rc = get_str(w, "charge_translation", &v, &len, d);
	if (!rc && v)
		rc = add_or_note(s, "summary", "charge_translation", v, len, d);
	if (rc) {
		diag_prefix(d, "arrest_warrants[%zu]: ", idx);
		goto out;
	}
	rc = put(sink, s, d);
out:
	entity_free(s);
	return rc;
}

static int import_notice(const json_t *n, const struct ingest_sink *sink,
			 struct diag *d)
{
	char pid[ENTITY_ID_MAX + 1];
	struct entity *e = NULL;
	enum notice_type type = NOTICE_UNKNOWN;
	const json_t *v, *warrants;
	const char *key;
	size_t i;
	int rc;

	if (!json_is_object(n)) {
		diag_set(d, "expected a notice object");
		return LIA_EPARSE;
	}
	rc = make_person_id(n, pid, sizeof(pid), d);
	if (rc)
		return rc;
	rc = entity_new("Person", pid, &e, d);
	if (rc)
		goto out;
	rc = add_name(e, n, d);
	if (!rc)
		rc = add_birth_date(e, n, d);
	if (!rc)
		rc = add_gender(e, n, d);
	if (!rc)
		rc = add_strings(e, n, "nationalities", "nationality", d);
	if (!rc)
		rc = add_strings(e, n, "place_of_birth", "birthPlace", d);
	if (!rc)
		rc = add_strings(e, n, "country_of_birth_id", "birthCountry",
				 d);
	if (!rc)
		rc = add_measure(e, n, "height", "height", d);
	if (!rc)
		rc = add_measure(e, n, "weight", "weight", d);
	if (!rc)
		rc = add_strings(e, n, "eyes_colors_id", "eyeColor", d);
	if (!rc)
		rc = add_strings(e, n, "hairs_id", "hairColor", d);
	if (!rc)
		rc = add_strings(e, n, "distinguishing_marks", "appearance", d);
	if (!rc)
		rc = add_links(e, n, &type, d);
	if (rc)
		goto out;
	rc = add_languages(e, n, d);
	json_object_foreach((json_t *)n, key, v) {
		if (rc)
			break;
		if (!is_known_field(key))
			rc = note_unknown(e, key, v, d);
	}
	if (rc)
		goto out;
	warrants = json_object_get(n, "arrest_warrants");
	if (warrants && !json_is_null(warrants) && !json_is_array(warrants)) {
		diag_set(d, "arrest_warrants: expected an array");
		rc = LIA_EPARSE;
		goto out;
	}
	rc = put(sink, e, d);
	if (rc || !warrants)
		goto out;
	json_array_foreach(warrants, i, v) {
		rc = import_warrant(v, i, pid, type, sink, d);
		if (rc)
			break;
	}
out:
	entity_free(e);
	return rc;
}

static int import_array(const json_t *a, const char *name, const char *what,
			const struct ingest_sink *sink, struct diag *d)
{
	const json_t *n;
	size_t i;
	int rc;

	json_array_foreach(a, i, n) {
		rc = import_notice(n, sink, d);
		if (rc) {
			diag_prefix(d, "%s[%zu]: ", what, i);
			diag_at(d, name, 0, 0);
			return rc;
		}
	}
	return 0;
}

static int import_document(const json_t *doc, const char *name,
			   const struct ingest_sink *sink, struct diag *d)
{
	const json_t *emb, *list;
	int rc;

	if (json_is_array(doc))
		return import_array(doc, name, "notice", sink, d);
	emb = json_object_get(doc, "_embedded");
	if (emb && !json_object_get(doc, "entity_id")) {
		list = json_is_object(emb) ? json_object_get(emb, "notices")
					   : NULL;
		if (!list || !json_is_array(list)) {
			diag_set(d, "_embedded.notices: expected an array");
			diag_at(d, name, 0, 0);
			return LIA_EPARSE;
		}
		return import_array(list, name, "_embedded.notices", sink, d);
	}
	rc = import_notice(doc, sink, d);
	if (rc)
		diag_at(d, name, 0, 0);
	return rc;
}

static int import_lines(FILE *f, const char *name, const char *pre,
			size_t pre_len, const struct ingest_sink *sink,
			struct diag *d)
{
	struct line_reader lr;
	json_t *j = NULL;
	int rc;

	lines_init(&lr, f, name, pre, pre_len, INGEST_LINE_MAX);
	for (;;) {
		rc = lines_next(&lr, d);
		if (rc <= 0)
			break;
		rc = lines_parse_object(&lr, &j, d);
		if (rc)
			break;
		rc = import_notice(j, sink, d);
		json_decref(j);
		if (rc) {
			diag_at(d, name, lr.lineno, 0);
			break;
		}
		if (sink->progress)
			sink->progress(sink->ctx, lr.offset);
	}
	lines_release(&lr);
	return rc;
}

/* Read up to max+1 bytes so the caller can tell "fits" from "too big". */
static int read_prefix(FILE *f, size_t max, struct strbuf *sb, bool *at_eof,
		       struct diag *d)
{
	char chunk[READ_CHUNK];
	size_t n, want;
	int rc;

	*at_eof = false;
	for (;;) {
		want = max + 1 - sb->len;
		if (!want)
			return 0;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = fread(chunk, 1, want, f);
		if (n) {
			rc = strbuf_add(sb, chunk, n);
			if (rc) {
				diag_set(d, "%s", err_str(rc));
				return rc;
			}
		}
		if (n < want) {
			if (ferror(f)) {
				diag_set(d, "read error");
				return LIA_EIO;
			}
			*at_eof = true;
			return 0;
		}
	}
}

static int interpol_stream(FILE *f, const char *name, size_t max,
			   const struct ingest_sink *sink, struct diag *d)
{
	struct strbuf buf;
	json_t *doc = NULL;
	bool at_eof, more;
	size_t i;
	int rc;

	strbuf_init(&buf, max + 1);
	rc = read_prefix(f, max, &buf, &at_eof, d);
	if (rc) {
		diag_at(d, name, 0, 0);
		goto out;
	}
	for (i = 0; i < buf.len; i++) {
		char c = buf.buf[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			break;
	}
	if (i == buf.len) {
		diag_set(d, "empty input: no notice");
		diag_at(d, name, 0, 0);
		rc = LIA_EPARSE;
		goto out;
	}
	if (buf.buf[i] == '[' || (buf.buf[i] == '{' && at_eof)) {
		if (!at_eof) {
			diag_set(d, "document larger than %zu bytes", max);
			diag_at(d, name, 0, 0);
			rc = LIA_ETOOBIG;
			goto out;
		}
		rc = lines_parse_document(buf.buf, buf.len, name, &doc, &more,
					  d);
		if (rc && more && buf.buf[i] == '{') {
			/* One object followed by more: JSON lines. */
			diag_clear(d);
			rc = import_lines(f, name, buf.buf, buf.len, sink, d);
			goto out;
		}
		if (rc)
			goto out;
		rc = import_document(doc, name, sink, d);
		if (!rc && sink->progress)
			sink->progress(sink->ctx, buf.len);
		goto out;
	}
	if (buf.buf[i] == '{') {
		/* Larger than any single document may be: only JSON lines
		 * can be valid. */
		rc = import_lines(f, name, buf.buf, buf.len, sink, d);
		goto out;
	}
	diag_set(d, "expected a notice object, a notices list or an array");
	diag_at(d, name, 0, 0);
	rc = LIA_EPARSE;
out:
	json_decref(doc);
	strbuf_release(&buf);
	return rc;
}

int ingest_interpol(FILE *f, const char *name,
		    const struct ingest_sink *sink, struct diag *d)
{
	if (!f || !sink || !sink->put) {
		diag_set(d, "ingest_interpol: missing input or sink");
		return LIA_EINVAL;
	}
	if (!name)
		name = "<input>";
	return interpol_stream(f, name, INGEST_LINE_MAX, sink, d);
}
