/* test_store.c - the SQLite store: versions, provenance, search, audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "liaison/entity.h"
#include "liaison/marking.h"
#include "liaison/store.h"
#include "liaison/strbuf.h"

struct fx {
	char dir[64];
	struct store *st;
};

static void rm_store(const char *dir)
{
	static const char *const names[] = { "store.db", "store.db-wal",
					     "store.db-shm" };
	char p[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_opts o = { .create = true };
	struct diag d;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (store_open(f->dir, &o, &f->st, &d)) {
		fprintf(stderr, "store_open: %s\n", d.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	rm_store(f->dir);
	free(f);
	return 0;
}

static void mk_marking(struct marking *m, const char *agency,
		       const char *class)
{
	marking_init(m);
	assert_int_equal(str_copy(m->agency, sizeof(m->agency), agency), 0);
	assert_int_equal(str_copy(m->classification,
				  sizeof(m->classification), class),
			 0);
}

/* An entity from alternating property names and values, NULL-ended. */
static struct entity *mk(const char *schema, const char *id, ...)
{
	struct entity *e = NULL;
	struct diag d;
	const char *p;
	va_list ap;

	if (entity_new(schema, id, &e, &d)) {
		fprintf(stderr, "entity_new: %s\n", d.msg);
		fail();
	}
	va_start(ap, id);
	while ((p = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		if (entity_adds(e, p, v, &d)) {
			fprintf(stderr, "entity_adds %s: %s\n", p, d.msg);
			fail();
		}
	}
	va_end(ap);
	return e;
}

static int64_t begin(struct store *st, const char *format, const char *actor)
{
	struct store_import imp = { .format = format, .files = "test.json",
				    .actor = actor };
	int64_t id = 0;
	struct diag d;
	int rc = store_import_begin(st, &imp, &id, &d);

	if (rc)
		fprintf(stderr, "begin: %s\n", d.msg);
	assert_int_equal(rc, 0);
	assert_true(id > 0);
	return id;
}

/* Put one entity (consumed) and return what happened. */
static enum store_change put(struct store *st, struct entity *e,
			     const struct marking *m)
{
	enum store_change ch = 0;
	struct diag d;
	int rc = store_put(st, e, m, &ch, &d);

	if (rc)
		fprintf(stderr, "put: %s\n", d.msg);
	assert_int_equal(rc, 0);
	entity_free(e);
	return ch;
}

static struct store_counts commit(struct store *st)
{
	struct store_counts c = { 0 };
	struct diag d;
	int rc = store_import_commit(st, &c, &d);

	if (rc)
		fprintf(stderr, "commit: %s\n", d.msg);
	assert_int_equal(rc, 0);
	return c;
}

static struct store_stats stats(struct store *st)
{
	struct store_stats s;
	struct diag d;

	assert_int_equal(store_stats(st, &s, NULL, NULL, &d), 0);
	return s;
}

/* --- open -------------------------------------------------------------- */

static void open_create_reopen(void **state)
{
	char dir[64] = "/tmp/liaison-store-XXXXXX", p[128];
	struct store_opts o = { 0 };
	struct store *st = NULL;
	struct stat sb;
	struct diag d;
	int v;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* Missing and not asked to create: nothing is made. */
	assert_int_equal(store_open(dir, &o, &st, &d), LIA_ENOTFOUND);
	assert_null(st);
	snprintf(p, sizeof(p), "%s/store.db", dir);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(store_open("/nonexistent/liaison", &o, &st, &d),
			 LIA_ENOTFOUND);

	o.create = true;
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	v = store_schema_version(st);
	assert_true(v >= 1);
	assert_int_equal(stats(st).records, 0);
	store_close(st);
	st = NULL;

	/* Only the owner may read the records. */
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	o.create = false;
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	assert_int_equal(store_schema_version(st), v);
	store_close(st);
	st = NULL;

	o.readonly = true;
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	assert_int_equal(store_schema_version(st), v);
	{
		struct store_import imp = { .format = "ftm", .actor = "x" };
		int64_t id;

		assert_int_equal(store_import_begin(st, &imp, &id, &d),
				 LIA_EDENIED);
	}
	store_close(st);
	st = NULL;

	/* A store others can read is refused rather than used. */
	assert_int_equal(chmod(p, 0644), 0);
	o.readonly = false;
	assert_int_equal(store_open(dir, &o, &st, &d), LIA_EDENIED);
	assert_null(st);
	assert_int_equal(chmod(p, 0600), 0);
	rm_store(dir);
}

static void newer_version(void **state)
{
	char dir[64] = "/tmp/liaison-store-XXXXXX", p[128];
	struct store_opts o = { .create = true };
	struct store *st = NULL;
	sqlite3 *db;
	struct diag d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	store_close(st);
	st = NULL;
	snprintf(p, sizeof(p), "%s/store.db", dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9999", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	diag_clear(&d);
	assert_int_equal(store_open(dir, &o, &st, &d), LIA_EVERSION);
	assert_null(st);
	assert_non_null(strstr(d.msg, "9999"));
	o.readonly = true;
	assert_int_equal(store_open(dir, &o, &st, &d), LIA_EVERSION);
	rm_store(dir);
}

static void not_a_database(void **state)
{
	char dir[64] = "/tmp/liaison-store-XXXXXX", p[128];
	struct store_opts o = { 0 };
	struct store *st = NULL;
	struct diag d;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/store.db", dir);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("this is not an SQLite database, it is just some text that "
	      "is long enough to have a header\n", fp);
	fclose(fp);
	assert_int_equal(chmod(p, 0600), 0);
	diag_clear(&d);
	assert_int_equal(store_open(dir, &o, &st, &d), LIA_ESTORE);
	assert_null(st);
	assert_true(d.msg[0] != '\0');
	rm_store(dir);
}

/* --- versions ---------------------------------------------------------- */

struct hist {
	int n;
	int64_t version[8], import_id[8];
	char format[8][16], actor[8][16], name[8][64], class[8][32];
	char hash[8][65];
};

static int hist_cb(const struct store_version *v, void *ctx)
{
	struct hist *h = ctx;
	const char *name = entity_first(v->entity, "name");

	assert_true(h->n < 8);
	h->version[h->n] = v->version;
	h->import_id[h->n] = v->import_id;
	str_copy(h->format[h->n], 16, v->format);
	str_copy(h->actor[h->n], 16, v->actor);
	str_copy(h->name[h->n], 64, name ? name : "");
	str_copy(h->class[h->n], 32, v->marking->classification);
	str_copy(h->hash[h->n], 65, v->hash);
	assert_int_equal(strlen(v->hash), 64);
	assert_true(v->created[0] != '\0');
	h->n++;
	return 0;
}

static void versions(void **state)
{
	struct fx *f = *state;
	struct store_record *r = NULL;
	struct store_counts c;
	struct marking m, m2;
	struct hist h = { 0 };
	int64_t i1, i2, i3, i4;
	struct diag d;

	mk_marking(&m, "NL-NP", "RESTRICTED");
	mk_marking(&m2, "NL-NP", "CONFIDENTIAL");

	i1 = begin(f->st, "ftm", "alice");
	assert_int_equal(put(f->st, mk("Person", "p1", "name", "Jan Jansen",
				       "birthDate", "1970-05-12", NULL),
			     &m),
			 STORE_NEW);
	c = commit(f->st);
	assert_int_equal(c.seen, 1);
	assert_int_equal(c.created, 1);

	assert_int_equal(store_get(f->st, "p1", &r, &d), 0);
	assert_int_equal(r->version, 1);
	assert_int_equal(r->import_id, i1);
	assert_string_equal(entity_first(r->entity, "name"), "Jan Jansen");
	assert_string_equal(entity_first(r->entity, "birthDate"),
			    "1970-05-12");
	assert_string_equal(r->marking.agency, "NL-NP");
	assert_string_equal(r->marking.classification, "RESTRICTED");
	assert_int_equal(strlen(r->first_seen), 20);
	store_record_free(r);
	r = NULL;

	/* The same again changes nothing. */
	i2 = begin(f->st, "ftm", "bob");
	assert_int_equal(put(f->st, mk("Person", "p1", "name", "Jan Jansen",
				       "birthDate", "1970-05-12", NULL),
			     &m),
			 STORE_UNCHANGED);
	c = commit(f->st);
	assert_int_equal(c.seen, 1);
	assert_int_equal(c.unchanged, 1);
	assert_int_equal(c.created + c.changed, 0);
	assert_int_equal(store_get(f->st, "p1", &r, &d), 0);
	assert_int_equal(r->version, 1);
	assert_int_equal(r->import_id, i1);
	store_record_free(r);
	r = NULL;

	/* A changed name is a new version from the new import. */
	i3 = begin(f->st, "csv", "carol");
	assert_int_equal(put(f->st, mk("Person", "p1", "name", "Jan Janssen",
				       "birthDate", "1970-05-12", NULL),
			     &m),
			 STORE_CHANGED);
	c = commit(f->st);
	assert_int_equal(c.changed, 1);

	/* A changed marking alone is a new version too. */
	i4 = begin(f->st, "un", "dave");
	assert_int_equal(put(f->st, mk("Person", "p1", "name", "Jan Janssen",
				       "birthDate", "1970-05-12", NULL),
			     &m2),
			 STORE_CHANGED);
	commit(f->st);

	assert_int_equal(store_get(f->st, "p1", &r, &d), 0);
	assert_int_equal(r->version, 3);
	assert_int_equal(r->import_id, i4);
	assert_string_equal(r->marking.classification, "CONFIDENTIAL");
	assert_string_equal(entity_first(r->entity, "name"), "Jan Janssen");
	store_record_free(r);

	assert_int_equal(store_history(f->st, "p1", hist_cb, &h, &d), 0);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.version[0], 1);
	assert_int_equal(h.import_id[0], i1);
	assert_string_equal(h.format[0], "ftm");
	assert_string_equal(h.actor[0], "alice");
	assert_string_equal(h.name[0], "Jan Jansen");
	assert_int_equal(h.version[1], 2);
	assert_int_equal(h.import_id[1], i3);
	assert_string_equal(h.format[1], "csv");
	assert_string_equal(h.actor[1], "carol");
	assert_string_equal(h.name[1], "Jan Janssen");
	assert_string_equal(h.class[1], "RESTRICTED");
	assert_int_equal(h.version[2], 3);
	assert_int_equal(h.import_id[2], i4);
	assert_string_equal(h.class[2], "CONFIDENTIAL");
	assert_string_not_equal(h.hash[0], h.hash[1]);
	assert_string_not_equal(h.hash[1], h.hash[2]);
	(void)i2;

	assert_int_equal(store_get(f->st, "nobody", &r, &d), LIA_ENOTFOUND);
	assert_int_equal(store_history(f->st, "nobody", hist_cb, &h, &d),
			 LIA_ENOTFOUND);
	assert_int_equal(store_get(f->st, "bad id!", &r, &d), LIA_EINVAL);

	assert_int_equal(stats(f->st).records, 1);
	assert_int_equal(stats(f->st).versions, 3);
	assert_int_equal(stats(f->st).imports, 4);
	marking_free(&m);
	marking_free(&m2);
}

static void abort_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct store_stats before, after;
	struct store_record *r = NULL;
	struct marking m;
	struct diag d;

	mk_marking(&m, "NL-NP", "RESTRICTED");
	begin(f->st, "ftm", "alice");
	put(f->st, mk("Person", "keep", "name", "Kept Person", NULL), &m);
	commit(f->st);
	before = stats(f->st);

	begin(f->st, "ftm", "mallory");
	put(f->st, mk("Person", "a1", "name", "Aborted One", NULL), &m);
	put(f->st, mk("Person", "a2", "name", "Aborted Two", NULL), &m);
	assert_int_equal(put(f->st, mk("Person", "keep", "name",
				       "Changed Then Aborted", NULL),
			     &m),
			 STORE_CHANGED);
	store_import_abort(f->st);

	after = stats(f->st);
	assert_int_equal(after.records, before.records);
	assert_int_equal(after.versions, before.versions);
	assert_int_equal(after.imports, before.imports);
	assert_int_equal(store_get(f->st, "a1", &r, &d), LIA_ENOTFOUND);
	assert_int_equal(store_get(f->st, "keep", &r, &d), 0);
	assert_int_equal(r->version, 1);
	assert_string_equal(entity_first(r->entity, "name"), "Kept Person");
	store_record_free(r);
	r = NULL;

	/* The aborted import's marking row is gone; a new import with the
	 * same marking must store it again, not point at a lost row. */
	begin(f->st, "ftm", "alice");
	put(f->st, mk("Person", "a1", "name", "Now Stored", NULL), &m);
	commit(f->st);
	assert_int_equal(store_get(f->st, "a1", &r, &d), 0);
	assert_string_equal(r->marking.agency, "NL-NP");
	store_record_free(r);

	/* No import open: put and commit are refused. */
	assert_int_equal(store_import_commit(f->st, NULL, &d), LIA_EINVAL);
	{
		struct entity *e = mk("Person", "x", "name", "X", NULL);
		assert_int_equal(store_put(f->st, e, &m, NULL, &d),
				 LIA_EINVAL);
		entity_free(e);
	}
	marking_free(&m);
}

static void bad_marking_rejected(void **state)
{
	struct fx *f = *state;
	struct marking m;
	struct entity *e = mk("Person", "p", "name", "P", NULL);
	struct diag d;

	mk_marking(&m, "NL-NP", "TOP-SECRET-ISH");
	begin(f->st, "ftm", "alice");
	assert_int_equal(store_put(f->st, e, &m, NULL, &d), LIA_EVALUE);
	store_import_abort(f->st);
	entity_free(e);
	marking_free(&m);
	assert_int_equal(stats(f->st).records, 0);
}

/* --- search ------------------------------------------------------------ */

struct hits {
	int n;
	char id[16][32];
	char class[16][32];
};

static int hit_cb(const struct store_hit *h, void *ctx)
{
	struct hits *s = ctx;

	assert_non_null(h->marking);
	assert_non_null(h->caption);
	if (s->n < 16) {
		str_copy(s->id[s->n], 32, h->id);
		str_copy(s->class[s->n], 32, h->marking->classification);
	}
	s->n++;
	return 0;
}

static bool has(const struct hits *s, const char *id)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (!strcmp(s->id[i], id))
			return true;
	return false;
}

static struct hits search(struct store *st, const struct store_query *q)
{
	struct hits s = { 0 };
	struct diag d;
	int rc = store_search(st, q, hit_cb, &s, &d);

	if (rc)
		fprintf(stderr, "search: %s\n", d.msg);
	assert_int_equal(rc, 0);
	return s;
}

static void fill(struct store *st)
{
	struct marking nl, de, nl2;

	mk_marking(&nl, "NL-NP", "RESTRICTED");
	mk_marking(&de, "DE-BKA", "SECRET");
	mk_marking(&nl2, "NL-NP", "UNCLASSIFIED");
	begin(st, "ftm", "alice");
	put(st, mk("Person", "per-petrov", "name", "Vladimir Petrov",
		   "nationality", "ru", "birthDate", "1970-05-12", NULL),
	    &nl);
	put(st, mk("Company", "co-petrov", "name", "Petrov Holdings Ltd",
		   "jurisdiction", "cy", "incorporationDate", "2001",
		   "registrationNumber", "HE-123456", NULL),
	    &de);
	put(st, mk("Person", "per-mueller", "name", "Jürgen Müller",
		   "nationality", "de", "birthDate", "1955", NULL),
	    &nl2);
	put(st, mk("Organization", "org-x", "name", "Xylo Foundation",
		   "country", "nl", NULL),
	    &nl);
	commit(st);
	marking_free(&nl);
	marking_free(&de);
	marking_free(&nl2);
}

static void search_filters(void **state)
{
	struct fx *f = *state;
	struct store_query q;
	struct hits s;
	struct diag d;

	fill(f->st);

	memset(&q, 0, sizeof(q));
	q.text = "petrov";
	s = search(f->st, &q);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, "per-petrov") && has(&s, "co-petrov"));

	/* Text outside names: a registration number. */
	q.text = "HE-123456";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");

	/* Diacritics are folded. */
	q.text = "muller";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-mueller");

	/* Words are ANDed. */
	q.text = "petrov holdings";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");

	/* Schema with descendants: Company is a LegalEntity. */
	q.text = "petrov";
	q.schema = "Organization";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");
	q.schema = "LegalEntity";
	q.text = "holdings";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");
	q.schema = "Person";
	q.text = NULL;
	s = search(f->st, &q);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.id[0], "per-mueller"); /* id order */
	assert_string_equal(s.id[1], "per-petrov");
	q.schema = NULL;

	q.country = "RU";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-petrov");
	q.country = "cy";
	q.text = "petrov";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");
	q.country = NULL;

	q.max_class = "restricted";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-petrov");
	assert_string_equal(s.class[0], "RESTRICTED");
	q.max_class = "SECRET";
	assert_int_equal(search(f->st, &q).n, 2);
	q.max_class = NULL;

	q.agency = "DE-BKA";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");
	q.agency = NULL;

	/* Partial dates: "1970" overlaps 1970-05-12. */
	q.text = NULL;
	q.date_from = "1970";
	q.date_to = "1970";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-petrov");
	q.date_from = "1970-05-13";
	q.date_to = NULL;
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "co-petrov");
	q.date_from = "1955-06";
	q.date_to = "1955-07-01";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-mueller");
	q.date_from = NULL;
	q.date_to = "1960";
	s = search(f->st, &q);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], "per-mueller");
	q.date_to = NULL;

	/* Paging. */
	q.limit = 2;
	s = search(f->st, &q);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.id[0], "co-petrov");
	q.offset = 2;
	s = search(f->st, &q);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.id[0], "per-mueller");
	q.offset = 0;
	q.limit = 10001;
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_EINVAL);
	q.limit = 0;

	/* Bad filters are rejected, not ignored. */
	q.schema = "NoSuchSchema";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_ESCHEMA);
	q.schema = NULL;
	q.date_from = "1970-13";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_EINVAL);
	q.date_from = "70";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_EINVAL);
	q.date_from = NULL;
	q.country = "rus";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_ETOOBIG);
	q.country = "r1";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_EINVAL);
	q.country = NULL;
	q.max_class = "COSMIC";
	assert_int_equal(store_search(f->st, &q, hit_cb, &s, &d), LIA_EINVAL);
}

static void search_hostile(void **state)
{
	static const char *const texts[] = {
		"\"",	     "\"\"",	      "NEAR(",	     "NEAR(petrov",
		"*",	     "petrov*",	      "OR",	     "-",
		"-petrov",   "petrov\" OR \"x", "names:petrov", ")(",
		"^petrov",   "AND",	      "NOT",	     "{names}: x",
		"'; DROP TABLE records; --", "\"\"\"\"\"",  "+",
	};
	struct fx *f = *state;
	struct store_query q = { 0 };
	struct hits s;
	struct diag d;

	fill(f->st);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		q.text = texts[i];
		s.n = 0;
		diag_clear(&d);
		if (store_search(f->st, &q, hit_cb, &s, &d)) {
			fprintf(stderr, "%s: %s\n", texts[i], d.msg);
			fail();
		}
	}
	/* Operators are words: "petrov OR muller" is not an OR. */
	q.text = "petrov OR muller";
	assert_int_equal(search(f->st, &q).n, 0);
	/* A trailing quote is part of the word, not a syntax error. */
	q.text = "petrov\"";
	assert_int_equal(search(f->st, &q).n, 2);
	/* Only spaces: no words, no hits (not everything). */
	q.text = "   ";
	assert_int_equal(search(f->st, &q).n, 0);
	/* The table is still there. */
	assert_int_equal(stats(f->st).records, 4);
}

struct each_ctx {
	int n;
	char id[8][32];
};

static int each_cb(const struct store_record *r, void *ctx)
{
	struct each_ctx *c = ctx;

	assert_true(c->n < 8);
	str_copy(c->id[c->n++], 32, entity_id(r->entity));
	assert_int_equal(r->version, 1);
	assert_true(r->marking.agency[0] != '\0');
	return 0;
}

static int schema_cb(const char *schema, uint64_t n, void *ctx)
{
	int *seen = ctx;

	if (!strcmp(schema, "Person")) {
		assert_int_equal(n, 2);
		seen[0]++;
	} else if (!strcmp(schema, "Company")) {
		assert_int_equal(n, 1);
		seen[1]++;
	}
	return 0;
}

static void each_and_stats(void **state)
{
	struct fx *f = *state;
	struct store_query q = { 0 };
	struct each_ctx c = { 0 };
	struct store_stats s;
	int seen[2] = { 0, 0 };
	struct diag d;

	fill(f->st);
	assert_int_equal(store_each(f->st, NULL, each_cb, &c, &d), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.id[0], "co-petrov");
	assert_string_equal(c.id[3], "per-petrov");

	memset(&c, 0, sizeof(c));
	q.schema = "LegalEntity";
	q.max_class = "RESTRICTED";
	q.text = "ignored by each";
	assert_int_equal(store_each(f->st, &q, each_cb, &c, &d), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.id[0], "org-x");

	assert_int_equal(store_stats(f->st, &s, schema_cb, seen, &d), 0);
	assert_int_equal(s.records, 4);
	assert_int_equal(s.versions, 4);
	assert_int_equal(s.imports, 1);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
}

/* A change moves the record in the index: the old name no longer finds
 * it, the new one does. */
static void reindex_on_change(void **state)
{
	struct fx *f = *state;
	struct store_query q = { 0 };
	struct marking m;

	mk_marking(&m, "NL-NP", "RESTRICTED");
	begin(f->st, "ftm", "alice");
	put(f->st, mk("Person", "p", "name", "Oldname Person", NULL), &m);
	commit(f->st);
	begin(f->st, "ftm", "alice");
	put(f->st, mk("Person", "p", "name", "Newname Person", NULL), &m);
	commit(f->st);
	q.text = "oldname";
	assert_int_equal(search(f->st, &q).n, 0);
	q.text = "newname";
	assert_int_equal(search(f->st, &q).n, 1);
	q.text = "person";
	assert_int_equal(search(f->st, &q).n, 1);
	/* The index agrees with the text it was built from. */
	{
		char p[128];
		sqlite3 *db;

		snprintf(p, sizeof(p), "%s/store.db", f->dir);
		assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db,
					      "INSERT INTO records_fts(records_fts)"
					      " VALUES('integrity-check')",
					      NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
	}
	marking_free(&m);
}

/* --- audit ------------------------------------------------------------- */

struct audit_ctx {
	int n;
	int64_t last;
	char action[8][16];
};

static int audit_cb(int64_t id, const char *at, const char *actor,
		    const char *action, const char *object, const char *detail,
		    void *ctx)
{
	struct audit_ctx *a = ctx;

	assert_true(id > a->last);
	a->last = id;
	assert_int_equal(strlen(at), 20);
	assert_string_equal(actor, "alice");
	assert_true(a->n < 8);
	str_copy(a->action[a->n++], 16, action);
	(void)object;
	(void)detail;
	return 0;
}

static void audit(void **state)
{
	struct fx *f = *state;
	struct audit_ctx a = { 0 };
	int64_t first;
	struct diag d;

	assert_int_equal(store_audit(f->st, "alice", "get", "p1", "", &d), 0);
	assert_int_equal(store_audit(f->st, "alice", "search", "petrov", NULL,
				     &d),
			 0);
	assert_int_equal(store_audit(f->st, "alice", "export", NULL, "all",
				     &d),
			 0);
	assert_int_equal(store_audit_each(f->st, 0, audit_cb, &a, &d), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.action[0], "get");
	assert_string_equal(a.action[1], "search");
	assert_string_equal(a.action[2], "export");

	/* Only the entries after an id. */
	first = a.last - 2;
	memset(&a, 0, sizeof(a));
	a.last = first;
	assert_int_equal(store_audit_each(f->st, first, audit_cb, &a, &d), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.action[0], "search");

	assert_int_equal(store_audit(f->st, "", "get", "x", "", &d),
			 LIA_EINVAL);
	assert_int_equal(store_audit(f->st, "alice", "get\nforged", "x", "",
				     &d),
			 LIA_EINVAL);
	begin(f->st, "ftm", "alice");
	assert_int_equal(store_audit(f->st, "alice", "get", "x", "", &d),
			 LIA_EINVAL);
	store_import_abort(f->st);
}

static void audit_append_only(void **state)
{
	struct fx *f = *state;
	char p[128];
	sqlite3 *db;
	struct diag d;

	assert_int_equal(store_audit(f->st, "alice", "get", "p1", "", &d), 0);
	snprintf(p, sizeof(p), "%s/store.db", f->dir);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL,
					  NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(db);
}

/* --- locking ----------------------------------------------------------- */

static void busy(void **state)
{
	struct fx *f = *state;
	struct store_opts o = { 0 };
	struct store_import imp = { .format = "ftm", .actor = "bob" };
	struct store *b = NULL;
	int64_t id;
	struct diag d;

	assert_int_equal(setenv("LIAISON_BUSY_MS", "50", 1), 0);
	assert_int_equal(store_open(f->dir, &o, &b, &d), 0);
	begin(f->st, "ftm", "alice");
	diag_clear(&d);
	assert_int_equal(store_import_begin(b, &imp, &id, &d), LIA_EBUSY);
	assert_non_null(strstr(d.msg, "another writer"));
	/* Readers are not blocked by the writer, nor is opening. */
	assert_int_equal(stats(b).records, 0);
	{
		struct store *c = NULL;

		assert_int_equal(store_open(f->dir, &o, &c, &d), 0);
		assert_int_equal(stats(c).records, 0);
		store_close(c);
	}
	commit(f->st);
	assert_int_equal(store_import_begin(b, &imp, &id, &d), 0);
	store_import_abort(b);
	store_close(b);

	assert_int_equal(setenv("LIAISON_BUSY_MS", "soon", 1), 0);
	assert_int_equal(store_open(f->dir, &o, &b, &d), LIA_ECONFIG);
	unsetenv("LIAISON_BUSY_MS");
}

static void bad_import_args(void **state)
{
	struct fx *f = *state;
	struct store_import imp = { .format = "ftm", .actor = "alice" };
	int64_t id;
	struct diag d;

	imp.sha256 = "XYZ";
	assert_int_equal(store_import_begin(f->st, &imp, &id, &d), LIA_EINVAL);
	imp.sha256 = NULL;
	imp.actor = "";
	assert_int_equal(store_import_begin(f->st, &imp, &id, &d), LIA_EINVAL);
	imp.actor = "alice";
	imp.format = NULL;
	assert_int_equal(store_import_begin(f->st, &imp, &id, &d), LIA_EINVAL);
	imp.format = "ftm";
	assert_int_equal(store_import_begin(f->st, &imp, &id, &d), 0);
	assert_int_equal(store_import_begin(f->st, &imp, &id, &d), LIA_EINVAL);
	store_import_abort(f->st);
	assert_int_equal(stats(f->st).imports, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_create_reopen),
		cmocka_unit_test(newer_version),
		cmocka_unit_test(not_a_database),
		cmocka_unit_test_setup_teardown(versions, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_marking_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(search_filters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(search_hostile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(each_and_stats, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reindex_on_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(audit, setup, teardown),
		cmocka_unit_test_setup_teardown(audit_append_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(busy, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_import_args, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
