/*
 * ofac.c - the OFAC SDN list in its legacy CSV layout.
 *
 * Four files, all sorted by entry number and without header rows:
 *   sdn.csv       ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
 *                 Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
 *   alt.csv       ent_num, alt_num, alt_type, alt_name, alt_remarks
 *   add.csv       ent_num, add_num, address, city, country, add_remarks
 *   comments.csv  ent_num, remarks continuation
 * They are joined in one streaming merge: the sdn reader stays on the
 * current entry while each other reader is advanced over the rows of the
 * same number, so only one entry is ever held in memory. A row out of
 * order, or an alt or add row that belongs to no sdn entry, fails the
 * import. The comments file is the exception: OFAC publishes it for the
 * whole list, so with a partial sdn file some of its rows have no entry;
 * those are skipped and reported through sink->warn, never silently.
 *
 * The remarks are kept whole in `notes`; the common structured items in
 * them are also parsed into typed properties when the value validates.
 * A value that does not validate is simply not copied: it is still in the
 * notes, never dropped and never "fixed".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/csv.h"
#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

#define OFAC_MAX_FIELD ((size_t)1 << 20)
#define OFAC_KIDS_MAX 4096 /* dependent entities of one entry */

enum { SRC_SDN, SRC_ALT, SRC_ADD, SRC_COMMENTS, SRC_N };

static const size_t ofac_ncols[SRC_N] = {12, 5, 6, 2};

struct ofac_src {
	const char *path;
	FILE *f;
	struct csv_reader *r;
	bool have;     /* a row is loaded and not yet consumed */
	uint64_t ent;  /* its entry number */
	uint64_t prev; /* the previous row's entry number */
	bool started;
};

struct ofac_entry {
	uint64_t ent;
	struct entity *main;
	struct entity **kids;
	size_t n_kids, cap_kids;
	struct strbuf remarks;
	unsigned n_docs, n_wallets;
};

struct ofac_ctx {
	struct ofac_src src[SRC_N];
	const struct ingest_sink *sink;
	struct ofac_entry e;
	struct strbuf tmp;
};

/* "-0- " is how the legacy files spell an empty field; the last field of
 * the real address file is even cut to "-0". */
static bool ofac_is_empty(const char *s, size_t len)
{
	return (len == 4 && !memcmp(s, "-0- ", 4)) ||
	       (len == 3 && !memcmp(s, "-0-", 3)) ||
	       (len == 2 && !memcmp(s, "-0", 2)) || len == 0;
}

/* Field i of the current row of src, or NULL when it is empty. */
static const char *ofac_get(const struct ofac_src *s, size_t i, size_t *len)
{
	const char *v = csv_field(s->r, i, len);

	if (!v || ofac_is_empty(v, *len))
		return NULL;
	return v;
}

static int ofac_fail(struct diag *d, const struct ofac_src *s, int err,
		     const char *msg)
{
	diag_set(d, "%s", msg);
	diag_at(d, s->path, csv_line(s->r), 1);
	return err;
}

/* Give a reason from a lower layer (entity_add...) the row's position. */
static void ofac_at(struct diag *d, const struct ofac_src *s)
{
	if (!d->file[0])
		diag_at(d, s->path, csv_line(s->r), 0);
}

static int ofac_number(const struct ofac_src *s, size_t i, const char *what,
		       uint64_t *out, struct diag *d)
{
	size_t len;
	const char *v = csv_field(s->r, i, &len);

	if (!v || str_to_u64(v, len, out)) {
		diag_set(d, "%s is not a number", what);
		diag_at(d, s->path, csv_line(s->r), 1);
		return LIA_EPARSE;
	}
	return 0;
}

/* Load the next row of s and check the sort order. */
static int ofac_advance(struct ofac_src *s, bool strict, struct diag *d)
{
	int rc;

	s->have = false;
	if (!s->r)
		return 0;
	rc = csv_next(s->r, d);
	if (rc <= 0)
		return rc;
	if ((rc = ofac_number(s, 0, "entry number", &s->ent, d)))
		return rc;
	if (s->started && (s->ent < s->prev || (strict && s->ent == s->prev))) {
		diag_set(d,
			 "entry %" PRIu64 " out of order (after %" PRIu64 ")",
			 s->ent, s->prev);
		diag_at(d, s->path, csv_line(s->r), 1);
		return LIA_EPARSE;
	}
	s->started = true;
	s->prev = s->ent;
	s->have = true;
	return 0;
}

/*
 * Adding values. ofac_add() is for values parsed out of the remarks: a
 * value that does not validate (or a property the schema lacks) is left
 * alone because the remarks text in notes already holds it. ofac_add_or_note()
 * is for whole columns: a value that does not validate goes into notes as
 * labelled text so nothing of the column is lost.
 */
static int ofac_add(struct entity *e, const char *prop, const char *v,
		    size_t len, struct diag *d)
{
	int rc = entity_add(e, prop, v, len, d);

	if (rc == LIA_EVALUE || rc == LIA_ESCHEMA)
		return 0;
	return rc;
}

static int ofac_note(struct ofac_ctx *c, struct entity *e, const char *label,
		     const char *v, size_t len, struct diag *d)
{
	int rc;

	strbuf_reset(&c->tmp);
	if ((rc = strbuf_addf(&c->tmp, "%s: ", label)) ||
	    (rc = strbuf_add(&c->tmp, v, len)))
		return rc;
	return entity_add(e, "notes", c->tmp.buf, c->tmp.len, d);
}

static int ofac_add_or_note(struct ofac_ctx *c, struct entity *e,
			    const char *prop, const char *label, const char *v,
			    size_t len, struct diag *d)
{
	int rc;

	if (!v)
		return 0;
	rc = prop ? entity_add(e, prop, v, len, d) : LIA_EVALUE;
	if (rc == LIA_EVALUE)
		rc = ofac_note(c, e, label, v, len, d);
	return rc;
}

static int ofac_kid(struct ofac_ctx *c, const char *schema, const char *id,
		    struct entity **out, struct diag *d)
{
	struct ofac_entry *en = &c->e;
	struct entity *k = NULL;
	int rc;

	if (en->n_kids == OFAC_KIDS_MAX) {
		diag_set(d, "entry %" PRIu64 " has too many records", en->ent);
		return LIA_ETOOBIG;
	}
	if (en->n_kids == en->cap_kids) {
		size_t ncap = en->cap_kids ? en->cap_kids * 2 : 8;
		struct entity **nk = realloc(en->kids, ncap * sizeof(*nk));

		if (!nk)
			return LIA_ENOMEM;
		en->kids = nk;
		en->cap_kids = ncap;
	}
	if ((rc = entity_new(schema, id, &k, d)))
		return rc;
	en->kids[en->n_kids++] = k;
	*out = k;
	return 0;
}

static void ofac_entry_clear(struct ofac_entry *en)
{
	entity_free(en->main);
	en->main = NULL;
	for (size_t i = 0; i < en->n_kids; i++)
		entity_free(en->kids[i]);
	en->n_kids = 0;
	strbuf_reset(&en->remarks);
	en->n_docs = 0;
	en->n_wallets = 0;
}

/* ---- remarks ---------------------------------------------------------- */

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static const char *const ofac_months[12] = {"Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec"};

/* One OFAC date ("14 Jun 1975", "Jan 1960", "1946") as ISO text in out.
 * Returns false when the text has another form. */
static bool ofac_date(const char *s, size_t len, char out[16])
{
	int day = 0, mon = 0;
	size_t i = 0;

	if (len >= 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] == ' ') {
		day = (s[0] - '0') * 10 + (s[1] - '0');
		i = 3;
	}
	if (len - i >= 4 && s[i] >= 'A' && s[i] <= 'Z') {
		for (int m = 0; m < 12; m++)
			if (!memcmp(s + i, ofac_months[m], 3) &&
			    s[i + 3] == ' ')
				mon = m + 1;
		if (!mon)
			return false;
		i += 4;
	} else if (day) {
		return false;
	}
	if (len - i != 4)
		return false;
	for (size_t k = i; k < len; k++)
		if (s[k] < '0' || s[k] > '9')
			return false;
	if (day)
		snprintf(out, 16, "%.4s-%02d-%02d", s + i, mon, day);
	else if (mon)
		snprintf(out, 16, "%.4s-%02d", s + i, mon);
	else
		snprintf(out, 16, "%.4s", s + i);
	return true;
}

/* "DOB 14 Jun 1975", "DOB circa 1960", "DOB 1946 to 1948". */
static int ofac_dob(struct entity *e, const char *s, size_t len, struct diag *d)
{
	const char *to = NULL;
	char a[16], b[16];
	int rc;

	if (starts(s, len, "circa ")) {
		s += 6;
		len -= 6;
	}
	for (size_t i = 0; i + 4 <= len; i++)
		if (!memcmp(s + i, " to ", 4)) {
			to = s + i;
			break;
		}
	if (to) {
		size_t l1 = (size_t)(to - s);

		if (!ofac_date(s, l1, a) || !ofac_date(to + 4, len - l1 - 4, b))
			return 0;
		if ((rc = ofac_add(e, "birthDate", a, strlen(a), d)))
			return rc;
		return ofac_add(e, "birthDate", b, strlen(b), d);
	}
	if (!ofac_date(s, len, a))
		return 0;
	return ofac_add(e, "birthDate", a, strlen(a), d);
}

/* "717637093 (Russia)" into number and country; country may be empty. */
static void ofac_split_doc(const char *s, size_t len, size_t *nlen,
			   const char **country, size_t *clen)
{
	*nlen = len;
	*country = NULL;
	*clen = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == ' ' && s[i + 1] == '(') {
			const char *end = memchr(s + i + 2, ')', len - i - 2);

			*nlen = i;
			if (end) {
				*country = s + i + 2;
				*clen = (size_t)(end - *country);
			}
			return;
		}
	}
}

static int ofac_document(struct ofac_ctx *c, const char *schema,
			 const char *prop, const char *type, const char *s,
			 size_t len, struct diag *d)
{
	struct entity *main = c->e.main, *doc;
	const char *country;
	size_t nlen, clen;
	char id[ENTITY_ID_MAX];
	int rc;

	ofac_split_doc(s, len, &nlen, &country, &clen);
	if (nlen == 0)
		return 0;
	if ((rc = ofac_add(main, prop, s, nlen, d)))
		return rc;
	snprintf(id, sizeof(id), "ofac-%" PRIu64 "-doc-%u", c->e.ent,
		 ++c->e.n_docs);
	if ((rc = ofac_kid(c, schema, id, &doc, d)))
		return rc;
	if ((rc = entity_adds(doc, "holder", entity_id(main), d)) ||
	    (rc = ofac_add(doc, "number", s, nlen, d)) ||
	    (rc = entity_adds(doc, "type", type, d)))
		return rc;
	if (country && (rc = ofac_add(doc, "country", country, clen, d)))
		return rc;
	return 0;
}

static int ofac_wallet(struct ofac_ctx *c, const char *s, size_t len,
		       struct diag *d)
{
	const char *sp = memchr(s, ' ', len);
	struct entity *w;
	char id[ENTITY_ID_MAX];
	int rc;

	if (!sp || sp == s || (size_t)(sp - s) + 1 >= len)
		return 0;
	snprintf(id, sizeof(id), "ofac-%" PRIu64 "-wallet-%u", c->e.ent,
		 ++c->e.n_wallets);
	if ((rc = ofac_kid(c, "CryptoWallet", id, &w, d)))
		return rc;
	if ((rc = entity_adds(w, "holder", entity_id(c->e.main), d)) ||
	    (rc = ofac_add(w, "currency", s, (size_t)(sp - s), d)))
		return rc;
	return ofac_add(w, "publicKey", sp + 1, len - (size_t)(sp - s) - 1, d);
}

struct ofac_idkind {
	const char *prefix;
	const char *schema; /* NULL: only the property */
	const char *prop;
	const char *type; /* the document's type */
};

static const struct ofac_idkind ofac_ids[] = {
    {"Passport ", "Passport", "passportNumber", "Passport"},
    {"National ID No. ", "Identification", "idNumber", "National ID"},
    {"Cedula No. ", "Identification", "idNumber", "Cedula"},
    {"Identification Number ", "Identification", "idNumber",
     "Identification Number"},
    {"D.N.I. ", "Identification", "idNumber", "D.N.I."},
    {"SSN ", "Identification", "idNumber", "SSN"},
    {"Tax ID No. ", NULL, "taxNumber", NULL},
    {"Registration ID ", NULL, "registrationNumber", NULL},
    {"Registration Number ", NULL, "registrationNumber", NULL},
};

static int ofac_item(struct ofac_ctx *c, const char *s, size_t len,
		     struct diag *d)
{
	struct entity *e = c->e.main;
	bool person = !strcmp(entity_schema(e)->name, "Person");

	while (len && s[len - 1] == ' ')
		len--;
	if (len && s[len - 1] == '.')
		len--;
	if (starts(s, len, "alt. ")) {
		s += 5;
		len -= 5;
	}
	if (starts(s, len, "DOB "))
		return ofac_dob(e, s + 4, len - 4, d);
	if (starts(s, len, "POB "))
		return ofac_add(e, "birthPlace", s + 4, len - 4, d);
	if (len == 11 && starts(s, len, "Gender Male"))
		return ofac_add(e, "gender", "male", 4, d);
	if (len == 13 && starts(s, len, "Gender Female"))
		return ofac_add(e, "gender", "female", 6, d);
	if (starts(s, len, "nationality "))
		return ofac_add(e, "nationality", s + 12, len - 12, d);
	if (starts(s, len, "citizen "))
		return ofac_add(e, "citizenship", s + 8, len - 8, d);
	for (size_t i = 0; i < sizeof(ofac_ids) / sizeof(ofac_ids[0]); i++) {
		const struct ofac_idkind *k = &ofac_ids[i];
		size_t n = strlen(k->prefix);

		if (!starts(s, len, k->prefix))
			continue;
		if (k->schema)
			return ofac_document(c, k->schema, k->prop, k->type,
					     s + n, len - n, d);
		if (!strcmp(k->prop, "registrationNumber") && person)
			return 0;
		{
			const char *country;
			size_t nlen, clen;

			ofac_split_doc(s + n, len - n, &nlen, &country, &clen);
			return ofac_add(e, k->prop, s + n, nlen, d);
		}
	}
	if (starts(s, len, "Vessel Registration Identification IMO "))
		return ofac_add(e, "imoNumber", s + 39, len - 39, d);
	if (starts(s, len, "MMSI "))
		return ofac_add(e, "mmsi", s + 5, len - 5, d);
	if (starts(s, len, "Email Address "))
		return ofac_add(e, "email", s + 14, len - 14, d);
	if (starts(s, len, "Website "))
		return ofac_add(e, "website", s + 8, len - 8, d);
	if (starts(s, len, "Digital Currency Address - "))
		return ofac_wallet(c, s + 27, len - 27, d);
	if (starts(s, len, "a.k.a. '") && len > 9 && s[len - 1] == '\'')
		return ofac_add(e, "alias", s + 8, len - 9, d);
	return 0;
}

static int ofac_remarks(struct ofac_ctx *c, struct diag *d)
{
	const char *s = c->e.remarks.buf;
	size_t len = c->e.remarks.len;
	int rc;

	if (!len)
		return 0;
	if ((rc = entity_add(c->e.main, "notes", s, len, d)))
		return rc;
	while (len) {
		size_t n = 0;

		while (n < len &&
		       !(n + 1 < len && s[n] == ';' && s[n + 1] == ' '))
			n++;
		if ((rc = ofac_item(c, s, n, d)))
			return rc;
		if (n == len)
			break;
		s += n + 2;
		len -= n + 2;
	}
	return 0;
}

/* ---- rows ------------------------------------------------------------- */

/* "SDGT] [IRGC] [IFSR": the legacy file drops the outer brackets. */
static int ofac_programs(struct entity *s, const char *v, size_t len,
			 struct diag *d)
{
	while (len) {
		size_t n = 0;
		size_t a = 0, b;
		int rc;

		while (n < len && v[n] != ']')
			n++;
		b = n;
		while (a < b && (v[a] == '[' || v[a] == ' '))
			a++;
		while (b > a && v[b - 1] == ' ')
			b--;
		if (b > a && (rc = entity_add(s, "program", v + a, b - a, d)))
			return rc;
		if (n == len)
			break;
		v += n + 1;
		len -= n + 1;
	}
	return 0;
}

static const char *ofac_schema(const char *type, size_t len)
{
	if (!type)
		return "Organization";
	if (len == 10 && !memcmp(type, "individual", 10))
		return "Person";
	if (len == 6 && !memcmp(type, "vessel", 6))
		return "Vessel";
	if (len == 8 && !memcmp(type, "aircraft", 8))
		return "Airplane";
	return NULL;
}

/* Tonnage is printed with thousands separators ("99,030"). Only that exact
 * form is read; anything else is kept as labelled text. */
static int ofac_tonnage(struct ofac_ctx *c, const char *prop, const char *label,
			const char *v, size_t len, struct diag *d)
{
	char num[32];
	size_t n = 0, group = 0, groups = 0;
	bool ok = len > 0 && len < sizeof(num);

	for (size_t i = 0; ok && i < len; i++) {
		if (v[i] >= '0' && v[i] <= '9') {
			num[n++] = v[i];
			group++;
		} else if (v[i] == ',' && group >= 1 &&
			   (groups ? group == 3 : group <= 3)) {
			groups++;
			group = 0;
		} else {
			ok = false;
		}
	}
	if (ok && groups && group != 3)
		ok = false;
	if (!ok)
		return ofac_add_or_note(c, c->e.main, NULL, label, v, len, d);
	return ofac_add_or_note(c, c->e.main, prop, label, num, n, d);
}

static int ofac_sdn_row(struct ofac_ctx *c, struct diag *d)
{
	struct ofac_src *s = &c->src[SRC_SDN];
	struct ofac_entry *en = &c->e;
	const char *name, *type, *v, *schema;
	size_t nlen, tlen, len;
	char id[ENTITY_ID_MAX];
	struct entity *e, *sanc;
	bool vessel;
	int rc;

	en->ent = s->ent;
	name = ofac_get(s, 1, &nlen);
	if (!name)
		return ofac_fail(d, s, LIA_EPARSE, "entry without name");
	type = ofac_get(s, 2, &tlen);
	schema = ofac_schema(type, tlen);
	if (!schema)
		return ofac_fail(d, s, LIA_EPARSE, "unknown SDN_Type");
	vessel = !strcmp(schema, "Vessel");
	snprintf(id, sizeof(id), "ofac-%" PRIu64, en->ent);
	if ((rc = entity_new(schema, id, &en->main, d)))
		goto out;
	e = en->main;
	if ((rc = entity_add(e, "name", name, nlen, d)))
		goto out;
	if (!strcmp(schema, "Person")) {
		const char *comma = NULL;

		for (size_t i = 0; i + 1 < nlen; i++)
			if (name[i] == ',' && name[i + 1] == ' ') {
				comma = name + i;
				break;
			}
		if (comma &&
		    ((rc = ofac_add_or_note(c, e, "lastName", "Last name", name,
					    (size_t)(comma - name), d)) ||
		     (rc = ofac_add_or_note(
			  c, e, "firstName", "First name", comma + 2,
			  nlen - (size_t)(comma - name) - 2, d))))
			goto out;
	}
	if ((rc = entity_adds(e, "topics", "sanction", d)))
		goto out;
	v = ofac_get(s, 4, &len);
	rc = ofac_add_or_note(c, e, !strcmp(schema, "Person") ? "title" : NULL,
			      "Title", v, len, d);
	if (rc)
		goto out;
	v = ofac_get(s, 5, &len);
	if ((rc = ofac_add_or_note(c, e, vessel ? "callSign" : NULL,
				   "Call sign", v, len, d)))
		goto out;
	v = ofac_get(s, 6, &len);
	if ((rc = ofac_add_or_note(c, e, vessel ? "type" : NULL, "Vessel type",
				   v, len, d)))
		goto out;
	v = ofac_get(s, 7, &len);
	if (v && (rc = vessel ? ofac_tonnage(c, "tonnage", "Tonnage", v, len, d)
			      : ofac_note(c, e, "Tonnage", v, len, d)))
		goto out;
	v = ofac_get(s, 8, &len);
	if (v &&
	    (rc = vessel
		      ? ofac_tonnage(c, "grossRegisteredTonnage",
				     "Gross registered tonnage", v, len, d)
		      : ofac_note(c, e, "Gross registered tonnage", v, len, d)))
		goto out;
	v = ofac_get(s, 9, &len);
	if ((rc = ofac_add_or_note(c, e, vessel ? "flag" : NULL, "Vessel flag",
				   v, len, d)))
		goto out;
	v = ofac_get(s, 10, &len);
	if ((rc = ofac_add_or_note(c, e, NULL, "Vessel owner", v, len, d)))
		goto out;
	v = ofac_get(s, 11, &len);
	if (v && (rc = strbuf_add(&en->remarks, v, len)))
		goto out;

	v = ofac_get(s, 3, &len);
	snprintf(id, sizeof(id), "ofac-%" PRIu64 "-sanction", en->ent);
	if ((rc = ofac_kid(c, "Sanction", id, &sanc, d)) ||
	    (rc = entity_adds(sanc, "entity", entity_id(e), d)) ||
	    (rc = entity_adds(sanc, "authority",
			      "Office of Foreign Assets Control", d)) ||
	    (rc = entity_adds(sanc, "country", "us", d)))
		goto out;
	if (v && (rc = ofac_programs(sanc, v, len, d)))
		goto out;
out:
	if (rc)
		ofac_at(d, s);
	return rc;
}

static int ofac_alt_row(struct ofac_ctx *c, struct diag *d)
{
	struct ofac_src *s = &c->src[SRC_ALT];
	const char *type, *name, *rem, *prop;
	size_t tlen, nlen, rlen;
	uint64_t num;
	int rc;

	if ((rc = ofac_number(s, 1, "alt_num", &num, d)))
		return rc;
	type = ofac_get(s, 2, &tlen);
	name = ofac_get(s, 3, &nlen);
	if (!type || !name)
		return ofac_fail(d, s, LIA_EPARSE,
				 "alias without type or name");
	if (tlen == 3 && (!memcmp(type, "aka", 3) || !memcmp(type, "nka", 3)))
		prop = "alias";
	else if (tlen == 3 && !memcmp(type, "fka", 3))
		prop = "previousName";
	else
		return ofac_fail(d, s, LIA_EPARSE, "unknown alt_type");
	if ((rc = ofac_add_or_note(c, c->e.main, prop, "Alias", name, nlen, d)))
		goto out;
	rem = ofac_get(s, 4, &rlen);
	rc =
	    ofac_add_or_note(c, c->e.main, NULL, "Alias remarks", rem, rlen, d);
out:
	if (rc)
		ofac_at(d, s);
	return rc;
}

static int ofac_add_row(struct ofac_ctx *c, struct diag *d)
{
	struct ofac_src *s = &c->src[SRC_ADD];
	const char *street, *city, *country, *rem;
	size_t slen, clen, colen, rlen;
	char id[ENTITY_ID_MAX];
	struct entity *a;
	uint64_t num;
	int rc;

	if ((rc = ofac_number(s, 1, "add_num", &num, d)))
		return rc;
	street = ofac_get(s, 2, &slen);
	city = ofac_get(s, 3, &clen);
	country = ofac_get(s, 4, &colen);
	rem = ofac_get(s, 5, &rlen);
	/* A row of nothing but "-0-" carries no address to keep. */
	if (!street && !city && !country && !rem)
		return 0;
	snprintf(id, sizeof(id), "ofac-%" PRIu64 "-addr-%" PRIu64, c->e.ent,
		 num);
	if ((rc = ofac_kid(c, "Address", id, &a, d)) ||
	    (rc =
		 ofac_add_or_note(c, a, "street", "Street", street, slen, d)) ||
	    (rc = ofac_add_or_note(c, a, "city", "City", city, clen, d)) ||
	    (rc = ofac_add_or_note(c, a, "country", "Country", country, colen,
				   d)) ||
	    (rc = ofac_add_or_note(c, a, "remarks", "Remarks", rem, rlen, d)))
		goto out;
	strbuf_reset(&c->tmp);
	{
		const char *parts[3] = {street, city, country};
		size_t lens[3] = {slen, clen, colen};

		for (int i = 0; i < 3; i++) {
			if (!parts[i])
				continue;
			if ((c->tmp.len &&
			     (rc = strbuf_add(&c->tmp, ", ", 2))) ||
			    (rc = strbuf_add(&c->tmp, parts[i], lens[i])))
				goto out;
		}
	}
	if (c->tmp.len && (rc = ofac_add_or_note(c, a, "full", "Address",
						 c->tmp.buf, c->tmp.len, d)))
		goto out;
	rc = entity_adds(c->e.main, "addressEntity", id, d);
out:
	if (rc)
		ofac_at(d, s);
	return rc;
}

static int ofac_comment_row(struct ofac_ctx *c, struct diag *d)
{
	struct ofac_src *s = &c->src[SRC_COMMENTS];
	size_t len;
	const char *v = csv_field(s->r, 1, &len);
	int rc;

	/* The continuation goes on exactly where the sdn remarks were cut,
	 * sometimes in the middle of a word, so nothing is put between. */
	if (!v || ofac_is_empty(v, len))
		return 0;
	rc = strbuf_add(&c->e.remarks, v, len);
	if (rc)
		ofac_fail(d, s, rc, "remarks too long");
	return rc;
}

/* A comments row whose entry is not in the sdn file: report and skip. */
static int ofac_orphan_comment(struct ofac_ctx *c, struct ofac_src *s,
			       struct diag *d)
{
	if (c->sink->warn) {
		struct diag w;

		diag_clear(&w);
		diag_set(&w, "entry %" PRIu64 " is not in the sdn file; its "
			     "remarks continuation was skipped", s->ent);
		diag_at(&w, s->path, csv_line(s->r), 1);
		c->sink->warn(c->sink->ctx, &w);
	}
	return ofac_advance(s, false, d);
}

typedef int (*ofac_row_fn)(struct ofac_ctx *c, struct diag *d);

static int ofac_entry(struct ofac_ctx *c, struct diag *d)
{
	static const ofac_row_fn fns[SRC_N] = {NULL, ofac_alt_row, ofac_add_row,
					       ofac_comment_row};
	struct ofac_entry *en = &c->e;
	int rc;

	if ((rc = ofac_sdn_row(c, d)))
		return rc;
	for (int k = SRC_ALT; k < SRC_N; k++) {
		struct ofac_src *s = &c->src[k];

		/* Rows up to the previous entry were consumed, so a row
		 * still below this one belongs to no sdn entry. */
		while (k == SRC_COMMENTS && s->have && s->ent < en->ent) {
			if ((rc = ofac_orphan_comment(c, s, d)))
				return rc;
		}
		if (s->have && s->ent < en->ent)
			return ofac_fail(d, s, LIA_EPARSE,
					 "row for an entry that is not in "
					 "the sdn file");
		while (s->have && s->ent == en->ent) {
			if ((rc = fns[k](c, d)) ||
			    (rc = ofac_advance(s, false, d)))
				return rc;
		}
	}
	if ((rc = ofac_remarks(c, d))) {
		ofac_at(d, &c->src[SRC_SDN]);
		return rc;
	}
	if ((rc = c->sink->put(c->sink->ctx, en->main, d)))
		return rc;
	for (size_t i = 0; i < en->n_kids; i++)
		if ((rc = c->sink->put(c->sink->ctx, en->kids[i], d)))
			return rc;
	return 0;
}

static int ofac_open(struct ofac_src *s, const char *path, size_t ncols,
		     struct diag *d)
{
	struct csv_opts o = {.max_field = OFAC_MAX_FIELD,
			     .expect_fields = ncols};
	int rc;

	s->path = path;
	if (!path)
		return 0;
	s->f = fopen(path, "rb");
	if (!s->f) {
		diag_set(d, "cannot open: %s", strerror(errno));
		diag_at(d, path, 0, 0);
		return LIA_EIO;
	}
	rc = csv_open(s->f, path, &o, &s->r);
	return rc;
}

int ingest_ofac(const struct ofac_files *files, const struct ingest_sink *sink,
		struct diag *d)
{
	struct ofac_ctx *c;
	const char *paths[SRC_N];
	uint64_t sent = 0;
	int rc;

	struct diag local;

	if (!files || !files->sdn || !sink || !sink->put)
		return LIA_EINVAL;
	/* Positions are added to reasons from lower layers, so a diag is
	 * always needed even when the caller wants none. */
	if (!d)
		d = &local;
	diag_clear(d);
	c = calloc(1, sizeof(*c));
	if (!c)
		return LIA_ENOMEM;
	c->sink = sink;
	strbuf_init(&c->e.remarks, 4 * OFAC_MAX_FIELD);
	strbuf_init(&c->tmp, 4 * OFAC_MAX_FIELD);
	paths[SRC_SDN] = files->sdn;
	paths[SRC_ALT] = files->alt;
	paths[SRC_ADD] = files->add;
	paths[SRC_COMMENTS] = files->comments;
	for (int k = 0; k < SRC_N; k++)
		if ((rc = ofac_open(&c->src[k], paths[k], ofac_ncols[k], d)))
			goto out;
	for (int k = SRC_ALT; k < SRC_N; k++)
		if ((rc = ofac_advance(&c->src[k], false, d)))
			goto out;
	for (;;) {
		struct ofac_src *s = &c->src[SRC_SDN];

		if ((rc = ofac_advance(s, true, d)))
			goto out;
		if (!s->have)
			break;
		rc = ofac_entry(c, d);
		ofac_entry_clear(&c->e);
		if (rc)
			goto out;
		if (sink->progress && ++sent % 256 == 0) {
			uint64_t bytes = 0;

			for (int k = 0; k < SRC_N; k++)
				if (c->src[k].r)
					bytes += csv_offset(c->src[k].r);
			sink->progress(sink->ctx, bytes);
		}
	}
	while (c->src[SRC_COMMENTS].have)
		if ((rc = ofac_orphan_comment(c, &c->src[SRC_COMMENTS], d)))
			goto out;
	for (int k = SRC_ALT; k < SRC_N; k++) {
		if (c->src[k].have) {
			rc = ofac_fail(d, &c->src[k], LIA_EPARSE,
				       "row for an entry that is not in the "
				       "sdn file");
			goto out;
		}
	}
	rc = 0;
out:
	ofac_entry_clear(&c->e);
	free(c->e.kids);
	strbuf_release(&c->e.remarks);
	strbuf_release(&c->tmp);
	for (int k = 0; k < SRC_N; k++) {
		csv_close(c->src[k].r);
		if (c->src[k].f)
			fclose(c->src[k].f);
	}
	free(c);
	return rc;
}
