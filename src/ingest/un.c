/*
 * un.c - the UN Security Council consolidated list (XML).
 *
 * The document is read with libxml2's streaming xmlTextReader: each
 * INDIVIDUAL or ENTITY element is expanded into a small tree, turned into
 * entities, and skipped with xmlTextReaderNext() so the reader can free it;
 * memory stays that of one record. The parser never touches the network,
 * never loads a DTD and never substitutes entities, and a document that
 * has a DOCTYPE at all is rejected: the list has none, and a DOCTYPE is how
 * entity expansion attacks come in.
 *
 * Every value that does not validate for its property is kept as labelled
 * text in the notes, and every element the importer does not know is kept
 * the same way, so nothing of a record is lost.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "ingest/un_internal.h"
#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/ingest.h"
#include "liaison/strbuf.h"

#define UN_KIDS_MAX 4096 /* dependent entities of one record */

/* libxml2 2.12 made the error argument const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *un_xml_error;
#else
typedef xmlErrorPtr un_xml_error;
#endif

struct un_ctx {
	const char *name;
	const struct ingest_sink *sink;
	xmlTextReaderPtr reader;
	FILE *f;
	uint64_t bytes;
	/* The first error libxml2 reported. */
	bool xml_err;
	unsigned long eline, ecol;
	char emsg[256];

	uint64_t dataid;
	struct entity *main;
	struct entity *kids[UN_KIDS_MAX];
	size_t n_kids;
	unsigned n_docs, n_addrs;
	struct strbuf tmp;
};

static void un_error(void *arg, un_xml_error err)
{
	struct un_ctx *c = arg;
	size_t n;

	if (c->xml_err || !err)
		return;
	c->xml_err = true;
	c->eline = err->line > 0 ? (unsigned long)err->line : 0;
	c->ecol = err->int2 > 0 ? (unsigned long)err->int2 : 0;
	snprintf(c->emsg, sizeof(c->emsg), "%s",
		 err->message ? err->message : "XML error");
	n = strlen(c->emsg);
	while (n && (c->emsg[n - 1] == '\n' || c->emsg[n - 1] == ' '))
		c->emsg[--n] = '\0';
}

static bool un_is(const xmlNode *n, const char *tag)
{
	return n->type == XML_ELEMENT_NODE &&
	       !xmlStrcmp(n->name, (const xmlChar *)tag);
}

/* The text of an element, or NULL when it has none. Caller xmlFree()s. */
static char *un_text(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const xmlChar *p = t;

	if (!t)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p) {
		xmlFree(t);
		return NULL;
	}
	return (char *)t;
}

static char *un_child_text(const xmlNode *parent, const char *tag)
{
	for (const xmlNode *n = parent->children; n; n = n->next)
		if (un_is(n, tag))
			return un_text(n);
	return NULL;
}

static int un_fail(struct diag *d, struct un_ctx *c, const xmlNode *n,
		   const char *msg)
{
	long line = n ? xmlGetLineNo(n) : 0;

	diag_set(d, "%s", msg);
	diag_at(d, c->name, line > 0 ? (unsigned long)line : 0, 0);
	return LIA_EPARSE;
}

/* Add v to prop; when it does not validate, keep "label: v" in the text
 * property `notes` (which is "notes" on things and "description" on
 * intervals) instead. prop NULL means: only as text. */
static int un_add(struct un_ctx *c, struct entity *e, const char *prop,
		  const char *notes, const char *label, const char *v,
		  struct diag *d)
{
	int rc;

	if (!v)
		return 0;
	rc = prop ? entity_adds(e, prop, v, d) : LIA_EVALUE;
	if (rc != LIA_EVALUE)
		return rc;
	strbuf_reset(&c->tmp);
	if ((rc = strbuf_addf(&c->tmp, "%s: %s", label, v)))
		return rc;
	return entity_add(e, notes, c->tmp.buf, c->tmp.len, d);
}

/* Keep an element the importer has no property for as labelled text. */
static int un_keep(struct un_ctx *c, struct entity *e, const char *notes,
		   const xmlNode *n, struct diag *d)
{
	char *v = un_text(n);
	int rc = un_add(c, e, NULL, notes, (const char *)n->name, v, d);

	xmlFree(v);
	return rc;
}

static int un_kid(struct un_ctx *c, const char *schema, const char *id,
		  struct entity **out, struct diag *d)
{
	int rc;

	if (c->n_kids == UN_KIDS_MAX) {
		diag_set(d, "record has too many parts");
		return LIA_ETOOBIG;
	}
	if ((rc = entity_new(schema, id, &c->kids[c->n_kids], d)))
		return rc;
	*out = c->kids[c->n_kids++];
	return 0;
}

/* Join the texts of the given children with ", " into c->tmp. */
static int un_join(struct un_ctx *c, const xmlNode *parent,
		   const char *const *tags, struct strbuf *out)
{
	int rc = 0;

	strbuf_reset(out);
	for (size_t i = 0; tags[i]; i++) {
		char *v = un_child_text(parent, tags[i]);

		if (!v)
			continue;
		if (out->len)
			rc = strbuf_add(out, ", ", 2);
		if (!rc)
			rc = strbuf_addstr(out, v);
		xmlFree(v);
		if (rc)
			return rc;
	}
	return 0;
}

/* <TITLE><VALUE>..</VALUE>...</TITLE> and its kin. */
static int un_values(struct un_ctx *c, const xmlNode *n, const char *prop,
		     const char *label, struct diag *d)
{
	int rc = 0;

	for (const xmlNode *v = n->children; v && !rc; v = v->next) {
		char *t;

		if (v->type != XML_ELEMENT_NODE)
			continue;
		t = un_text(v);
		rc = un_is(v, "VALUE")
			 ? un_add(c, c->main, prop, "notes", label, t, d)
			 : un_add(c, c->main, NULL, "notes",
				  (const char *)v->name, t, d);
		xmlFree(t);
	}
	return rc;
}

static int un_alias(struct un_ctx *c, const xmlNode *n, struct diag *d)
{
	char *q = un_child_text(n, "QUALITY");
	char *name = un_child_text(n, "ALIAS_NAME");
	const char *prop = NULL;
	int rc = 0;

	if (!q || !strcmp(q, "Good") || !strcmp(q, "a.k.a."))
		prop = "alias";
	else if (!strcmp(q, "Low"))
		prop = "weakAlias";
	else if (!strcmp(q, "f.k.a."))
		prop = "previousName";
	if (name && (rc = un_add(c, c->main, prop, "notes", "Alias", name, d)))
		goto out;
	for (const xmlNode *k = n->children; k && !rc; k = k->next) {
		char *t;

		if (k->type != XML_ELEMENT_NODE || un_is(k, "QUALITY") ||
		    un_is(k, "ALIAS_NAME"))
			continue;
		t = un_text(k);
		if (t) {
			/* Details of one alias (its own birth date or place)
			 * stay with that alias as text. */
			strbuf_reset(&c->tmp);
			rc = strbuf_addf(&c->tmp, "Alias %s: %s: %s",
					 name ? name : "", k->name, t);
			if (!rc)
				rc = entity_add(c->main, "notes", c->tmp.buf,
						c->tmp.len, d);
		}
		xmlFree(t);
	}
out:
	xmlFree(q);
	xmlFree(name);
	return rc;
}

static int un_dob(struct un_ctx *c, const xmlNode *n, struct diag *d)
{
	int rc = 0;

	for (const xmlNode *k = n->children; k && !rc; k = k->next) {
		char *t;

		if (k->type != XML_ELEMENT_NODE || un_is(k, "TYPE_OF_DATE"))
			continue;
		t = un_text(k);
		/* EXACT, APPROXIMATELY and BETWEEN all give dates or years:
		 * each is a possible birth date. */
		if (un_is(k, "DATE") || un_is(k, "YEAR") ||
		    un_is(k, "FROM_YEAR") || un_is(k, "TO_YEAR"))
			rc = un_add(c, c->main, "birthDate", "notes",
				    "Date of birth", t, d);
		else
			rc = un_add(c, c->main, NULL, "notes", "Date of birth",
				    t, d);
		xmlFree(t);
	}
	return rc;
}

static int un_pob(struct un_ctx *c, const xmlNode *n, struct diag *d)
{
	static const char *const parts[] = {"STREET", "CITY", "STATE_PROVINCE",
					    "COUNTRY", NULL};
	struct strbuf place;
	char *country = NULL;
	int rc;

	strbuf_init(&place, 0);
	if ((rc = un_join(c, n, parts, &place)))
		goto out;
	if (place.len && (rc = un_add(c, c->main, "birthPlace", "notes",
				      "Place of birth", place.buf, d)))
		goto out;
	country = un_child_text(n, "COUNTRY");
	if ((rc = un_add(c, c->main, "birthCountry", "notes",
			 "Country of birth", country, d)))
		goto out;
	for (const xmlNode *k = n->children; k && !rc; k = k->next) {
		if (k->type != XML_ELEMENT_NODE || un_is(k, "STREET") ||
		    un_is(k, "CITY") || un_is(k, "STATE_PROVINCE") ||
		    un_is(k, "COUNTRY"))
			continue;
		rc = un_keep(c, c->main, "notes", k, d);
	}
out:
	xmlFree(country);
	strbuf_release(&place);
	return rc;
}

static int un_document(struct un_ctx *c, const xmlNode *n, struct diag *d)
{
	char *type = un_child_text(n, "TYPE_OF_DOCUMENT");
	char *number = un_child_text(n, "NUMBER");
	bool passport = type && strstr(type, "Passport");
	bool any = false;
	char id[ENTITY_ID_MAX];
	struct entity *doc;
	int rc = 0;

	for (const xmlNode *k = n->children; k; k = k->next) {
		char *t = k->type == XML_ELEMENT_NODE ? un_text(k) : NULL;

		any = any || t;
		xmlFree(t);
	}
	if (!any)
		goto out;
	snprintf(id, sizeof(id), "un-%" PRIu64 "-doc-%u", c->dataid,
		 ++c->n_docs);
	if ((rc = un_kid(c, passport ? "Passport" : "Identification", id, &doc,
			 d)) ||
	    (rc = entity_adds(doc, "holder", entity_id(c->main), d)))
		goto out;
	if (number &&
	    (rc = un_add(c, c->main, passport ? "passportNumber" : "idNumber",
			 "notes", "Document number", number, d)))
		goto out;
	for (const xmlNode *k = n->children; k && !rc; k = k->next) {
		const char *prop = NULL, *label = NULL;
		char *t;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (un_is(k, "TYPE_OF_DOCUMENT") ||
		    un_is(k, "TYPE_OF_DOCUMENT2"))
			prop = "type", label = "Type";
		else if (un_is(k, "NUMBER"))
			prop = "number", label = "Number";
		else if (un_is(k, "ISSUING_COUNTRY") ||
			 un_is(k, "COUNTRY_OF_ISSUE"))
			prop = "country", label = "Country of issue";
		else if (un_is(k, "DATE_OF_ISSUE"))
			prop = "issueDate", label = "Date of issue";
		else if (un_is(k, "CITY_OF_ISSUE"))
			label = "City of issue";
		else if (un_is(k, "NOTE"))
			label = "Note";
		else
			label = (const char *)k->name;
		t = un_text(k);
		rc = un_add(c, doc, prop, "description", label, t, d);
		xmlFree(t);
	}
out:
	xmlFree(type);
	xmlFree(number);
	return rc;
}

static int un_address(struct un_ctx *c, const xmlNode *n, struct diag *d)
{
	static const char *const parts[] = {
	    "STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", NULL};
	struct strbuf full;
	char id[ENTITY_ID_MAX];
	struct entity *a = NULL;
	bool any = false;
	int rc = 0;

	for (const xmlNode *k = n->children; k; k = k->next) {
		char *t = k->type == XML_ELEMENT_NODE ? un_text(k) : NULL;

		any = any || t;
		xmlFree(t);
	}
	if (!any)
		return 0;
	strbuf_init(&full, 0);
	snprintf(id, sizeof(id), "un-%" PRIu64 "-addr-%u", c->dataid,
		 ++c->n_addrs);
	if ((rc = un_kid(c, "Address", id, &a, d)))
		goto out;
	for (const xmlNode *k = n->children; k && !rc; k = k->next) {
		const char *prop = NULL, *label = NULL;
		char *t;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (un_is(k, "STREET"))
			prop = "street", label = "Street";
		else if (un_is(k, "CITY"))
			prop = "city", label = "City";
		else if (un_is(k, "STATE_PROVINCE"))
			prop = "region", label = "Region";
		else if (un_is(k, "ZIP_CODE"))
			prop = "postalCode", label = "Postal code";
		else if (un_is(k, "COUNTRY"))
			prop = "country", label = "Country";
		else if (un_is(k, "NOTE"))
			prop = "remarks", label = "Note";
		else
			label = (const char *)k->name;
		t = un_text(k);
		rc = un_add(c, a, prop, "notes", label, t, d);
		xmlFree(t);
	}
	if (rc || (rc = un_join(c, n, parts, &full)))
		goto out;
	if (full.len &&
	    (rc = un_add(c, a, "full", "notes", "Address", full.buf, d)))
		goto out;
	rc = entity_adds(c->main, "addressEntity", id, d);
out:
	strbuf_release(&full);
	return rc;
}

static void un_clear(struct un_ctx *c)
{
	entity_free(c->main);
	c->main = NULL;
	for (size_t i = 0; i < c->n_kids; i++)
		entity_free(c->kids[i]);
	c->n_kids = 0;
	c->n_docs = 0;
	c->n_addrs = 0;
}

static int un_record(struct un_ctx *c, const xmlNode *rec, bool individual,
		     struct diag *d)
{
	static const char *const names[] = {"FIRST_NAME", "SECOND_NAME",
					    "THIRD_NAME", "FOURTH_NAME", NULL};
	const char *alias_tag =
	    individual ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
	const char *addr_tag =
	    individual ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS";
	char *dataid = un_child_text(rec, "DATAID");
	char id[ENTITY_ID_MAX];
	struct entity *e, *sanc;
	struct strbuf name;
	int rc;

	strbuf_init(&name, 0);
	if (!dataid || str_to_u64(dataid, strlen(dataid), &c->dataid)) {
		rc = un_fail(d, c, rec, "DATAID missing or not a number");
		goto out;
	}
	snprintf(id, sizeof(id), "un-%" PRIu64, c->dataid);
	if ((rc = entity_new(individual ? "Person" : "Organization", id,
			     &c->main, d)))
		goto out;
	e = c->main;
	for (size_t i = 0; names[i]; i++) {
		char *v = un_child_text(rec, names[i]);
		size_t a = 0, b;

		if (!v)
			continue;
		b = strlen(v);
		while (a < b && v[a] == ' ')
			a++;
		while (b > a && v[b - 1] == ' ')
			b--;
		if ((name.len && (rc = strbuf_addch(&name, ' '))) ||
		    (rc = strbuf_add(&name, v + a, b - a))) {
			xmlFree(v);
			goto out;
		}
		xmlFree(v);
	}
	if (!name.len) {
		rc = un_fail(d, c, rec, "record without a name");
		goto out;
	}
	if ((rc = entity_add(e, "name", name.buf, name.len, d)) ||
	    (rc = entity_adds(e, "topics", "sanction", d)))
		goto out;
	snprintf(id, sizeof(id), "un-%" PRIu64 "-sanction", c->dataid);
	if ((rc = un_kid(c, "Sanction", id, &sanc, d)) ||
	    (rc = entity_adds(sanc, "entity", entity_id(e), d)) ||
	    (rc = entity_adds(sanc, "authority",
			      "United Nations Security Council", d)))
		goto out;

	for (const xmlNode *k = rec->children; k && !rc; k = k->next) {
		char *t = NULL;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (un_is(k, "DATAID") || un_is(k, "FIRST_NAME") ||
		    un_is(k, "SECOND_NAME") || un_is(k, "THIRD_NAME") ||
		    un_is(k, "FOURTH_NAME") ||
		    /* Bookkeeping of the list itself, not about the person
		     * or body: version, sort keys, "UN List". */
		    un_is(k, "VERSIONNUM") || un_is(k, "SORT_KEY") ||
		    un_is(k, "SORT_KEY_LAST_MOD") || un_is(k, "LIST_TYPE"))
			continue;
		if (un_is(k, "UN_LIST_TYPE") || un_is(k, "REFERENCE_NUMBER") ||
		    un_is(k, "LISTED_ON")) {
			const char *prop = un_is(k, "UN_LIST_TYPE") ? "program"
					   : un_is(k, "LISTED_ON")
					       ? "listingDate"
					       : "unscId";

			t = un_text(k);
			rc = un_add(c, sanc, prop, "description",
				    (const char *)k->name, t, d);
		} else if (un_is(k, "GENDER")) {
			t = un_text(k);
			rc = un_add(c, e, "gender", "notes", "Gender", t, d);
		} else if (un_is(k, "COMMENTS1")) {
			t = un_text(k);
			rc = un_add(c, e, "notes", "notes", "Comments", t, d);
		} else if (un_is(k, "NAME_ORIGINAL_SCRIPT")) {
			t = un_text(k);
			rc = un_add(c, e, "alias", "notes", "Original script",
				    t, d);
		} else if (un_is(k, "TITLE")) {
			rc = un_values(c, k, individual ? "title" : NULL,
				       "Title", d);
		} else if (un_is(k, "DESIGNATION")) {
			rc = un_values(c, k, individual ? "position" : NULL,
				       "Designation", d);
		} else if (un_is(k, "NATIONALITY")) {
			rc = un_values(c, k, individual ? "nationality" : NULL,
				       "Nationality", d);
		} else if (un_is(k, "LAST_DAY_UPDATED")) {
			rc = un_values(c, k, "modifiedAt", "Last updated", d);
		} else if (un_is(k, alias_tag)) {
			rc = un_alias(c, k, d);
		} else if (un_is(k, addr_tag)) {
			rc = un_address(c, k, d);
		} else if (individual && un_is(k, "INDIVIDUAL_DATE_OF_BIRTH")) {
			rc = un_dob(c, k, d);
		} else if (individual &&
			   un_is(k, "INDIVIDUAL_PLACE_OF_BIRTH")) {
			rc = un_pob(c, k, d);
		} else if (individual && un_is(k, "INDIVIDUAL_DOCUMENT")) {
			rc = un_document(c, k, d);
		} else {
			rc = un_keep(c, e, "notes", k, d);
		}
		xmlFree(t);
	}
	if (rc)
		goto out;
	if ((rc = c->sink->put(c->sink->ctx, e, d)))
		goto out;
	for (size_t i = 0; i < c->n_kids; i++)
		if ((rc = c->sink->put(c->sink->ctx, c->kids[i], d)))
			goto out;
out:
	if (rc && !d->file[0]) {
		long line = xmlGetLineNo(rec);

		diag_at(d, c->name, line > 0 ? (unsigned long)line : 0, 0);
	}
	un_clear(c);
	strbuf_release(&name);
	xmlFree(dataid);
	return rc;
}

static int un_xml_fail(struct un_ctx *c, struct diag *d)
{
	if (c->xml_err) {
		diag_set(d, "%s", c->emsg);
		diag_at(d, c->name, c->eline, c->ecol);
	} else {
		diag_set(d, "malformed XML");
		diag_at(
		    d, c->name,
		    (unsigned long)xmlTextReaderGetParserLineNumber(c->reader),
		    (unsigned long)xmlTextReaderGetParserColumnNumber(
			c->reader));
	}
	return LIA_EPARSE;
}

static int un_structure_fail(struct un_ctx *c, struct diag *d, const char *msg)
{
	diag_set(d, "%s", msg);
	diag_at(d, c->name,
		(unsigned long)xmlTextReaderGetParserLineNumber(c->reader),
		(unsigned long)xmlTextReaderGetParserColumnNumber(c->reader));
	return LIA_EPARSE;
}

/* Walk the document: CONSOLIDATED_LIST > INDIVIDUALS > INDIVIDUAL and
 * CONSOLIDATED_LIST > ENTITIES > ENTITY, nothing else. */
static int un_walk(struct un_ctx *c, struct diag *d)
{
	xmlTextReaderPtr r = c->reader;
	bool seen_root = false, in_individuals = false;
	uint64_t records = 0;
	int rc = xmlTextReaderRead(r);

	for (;;) {
		const xmlChar *tag;
		int type, depth;

		if (c->xml_err)
			return un_xml_fail(c, d);
		if (rc == 0)
			break;
		if (rc < 0)
			return un_xml_fail(c, d);
		type = xmlTextReaderNodeType(r);
		depth = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			return un_structure_fail(c, d, "DOCTYPE not allowed");
		if (type == XML_READER_TYPE_ENTITY_REFERENCE)
			return un_structure_fail(
			    c, d, "entity reference not allowed");
		if (type != XML_READER_TYPE_ELEMENT) {
			rc = xmlTextReaderRead(r);
			continue;
		}
		tag = xmlTextReaderConstLocalName(r);
		if (!tag)
			return LIA_ENOMEM;
		if (depth == 0) {
			if (seen_root ||
			    xmlStrcmp(tag, BAD_CAST "CONSOLIDATED_LIST"))
				return un_structure_fail(
				    c, d, "unexpected root element");
			seen_root = true;
		} else if (depth == 1) {
			in_individuals =
			    !xmlStrcmp(tag, BAD_CAST "INDIVIDUALS");
			if (!in_individuals &&
			    xmlStrcmp(tag, BAD_CAST "ENTITIES"))
				return un_structure_fail(
				    c, d, "unexpected element in list");
		} else if (depth == 2) {
			bool ind = !xmlStrcmp(tag, BAD_CAST "INDIVIDUAL");
			xmlNodePtr n;
			int err;

			if (ind != in_individuals ||
			    (!ind && xmlStrcmp(tag, BAD_CAST "ENTITY")))
				return un_structure_fail(
				    c, d, "unexpected element in list");
			n = xmlTextReaderExpand(r);
			if (!n || c->xml_err)
				return un_xml_fail(c, d);
			if ((err = un_record(c, n, ind, d)))
				return err;
			if (c->sink->progress && ++records % 64 == 0)
				c->sink->progress(c->sink->ctx, c->bytes);
			rc = xmlTextReaderNext(r);
			continue;
		}
		rc = xmlTextReaderRead(r);
	}
	if (!seen_root)
		return un_structure_fail(c, d, "no CONSOLIDATED_LIST element");
	if (c->sink->progress)
		c->sink->progress(c->sink->ctx, c->bytes);
	return 0;
}

#define UN_OPTS (XML_PARSE_NONET | XML_PARSE_NOXINCNODE)

static int un_run(struct un_ctx *c, struct diag *d)
{
	struct diag local;
	int rc;

	if (!d)
		d = &local;
	diag_clear(d);
	if (!c->reader) {
		diag_set(d, "cannot create XML reader");
		return LIA_ENOMEM;
	}
	strbuf_init(&c->tmp, 0);
	/* Route errors to us before the first byte is parsed. */
	xmlTextReaderSetStructuredErrorHandler(c->reader, un_error, c);
	rc = un_walk(c, d);
	un_clear(c);
	strbuf_release(&c->tmp);
	xmlFreeTextReader(c->reader);
	c->reader = NULL;
	return rc;
}

static int un_read(void *arg, char *buf, int len)
{
	struct un_ctx *c = arg;
	size_t n;

	if (len <= 0)
		return 0;
	n = fread(buf, 1, (size_t)len, c->f);
	if (n == 0 && ferror(c->f))
		return -1;
	c->bytes += n;
	return (int)n;
}

static int un_close(void *arg)
{
	(void)arg;
	return 0;
}

int ingest_un(const char *path, const struct ingest_sink *sink, struct diag *d)
{
	struct un_ctx *c;
	int rc;

	if (!path || !sink || !sink->put)
		return LIA_EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return LIA_ENOMEM;
	c->name = path;
	c->sink = sink;
	c->f = fopen(path, "rb");
	if (!c->f) {
		diag_set(d, "cannot open file");
		diag_at(d, path, 0, 0);
		free(c);
		return LIA_EIO;
	}
	c->reader = xmlReaderForIO(un_read, un_close, c, path, NULL, UN_OPTS);
	rc = un_run(c, d);
	if (!rc && ferror(c->f)) {
		diag_set(d, "read error");
		diag_at(d, path, 0, 0);
		rc = LIA_EIO;
	}
	fclose(c->f);
	free(c);
	return rc;
}

int un_ingest_memory(const char *buf, size_t len, const char *name,
		     const struct ingest_sink *sink, struct diag *d)
{
	struct un_ctx *c;
	int rc;

	if (!buf || !sink || !sink->put || len > INT32_MAX)
		return LIA_EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return LIA_ENOMEM;
	c->name = name ? name : "";
	c->sink = sink;
	c->bytes = len;
	c->reader = xmlReaderForMemory(buf, (int)len, NULL, NULL, UN_OPTS);
	rc = un_run(c, d);
	free(c);
	return rc;
}
