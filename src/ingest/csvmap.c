/*
 * csvmap.c - CSV import driven by a JSON mapping file.
 *
 * The mapping names the schema, which header column feeds which property,
 * constant values for every row, and how ids are made. It is checked
 * completely when loaded (schema, every property, every constant value), so
 * a mistake in it is reported before any row is read. Rows are then read
 * with the strict CSV reader; a value its property rejects stops the import
 * with file:line and the column: for a user's spreadsheet we would rather
 * ask than guess what "03/04/05" meant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "liaison/csv.h"
#include "liaison/entity.h"
#include "liaison/ingest.h"

#define MAPPING_FILE_MAX ((size_t)1 << 20)
#define MAPPING_COLUMNS_MAX 1024
#define MAPPING_CONSTANTS_MAX 1024
#define HASH_HEX_LEN (crypto_hash_sha256_BYTES * 2)
/* Room for the hex digest after the prefix within the id limit. */
#define ID_PREFIX_MAX (ENTITY_ID_MAX - HASH_HEX_LEN)
#define PROGRESS_STEP ((unsigned long long)1 << 20)

struct map_col {
	char *header;                  /* trimmed header name */
	const struct schema_prop *prop;
};

struct map_const {
	const struct schema_prop *prop;
	char *value;
};

struct csv_mapping {
	const struct schema *schema;
	char *id_column;               /* NULL: ids are content hashes */
	char id_prefix[ID_PREFIX_MAX + 1];
	struct map_col *cols;          /* sorted by header name */
	size_t n_cols;
	struct map_const *consts;
	size_t n_consts;
	json_t *marking;               /* NULL when the mapping sets none */
	char sep;
};

void csv_mapping_free(struct csv_mapping *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_cols; i++)
		free(m->cols[i].header);
	for (size_t i = 0; i < m->n_consts; i++)
		free(m->consts[i].value);
	free(m->cols);
	free(m->consts);
	free(m->id_column);
	json_decref(m->marking);
	free(m);
}

const json_t *csv_mapping_marking(const struct csv_mapping *m)
{
	return m ? m->marking : NULL;
}

static bool id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == ':' ||
	       c == '-';
}

static int read_file(const char *path, struct strbuf *sb, struct diag *d)
{
	char chunk[16384];
	FILE *f;
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f) {
		diag_set(d, "cannot open the mapping file");
		return LIA_ENOTFOUND;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = strbuf_add(sb, chunk, n);
		if (rc) {
			diag_set(d, "mapping file larger than %zu bytes",
				 MAPPING_FILE_MAX);
			goto out;
		}
	}
	if (ferror(f)) {
		diag_set(d, "read error");
		rc = LIA_EIO;
	}
out:
	fclose(f);
	return rc;
}

/* A JSON string that is also a safe C string (no NUL inside). */
static const char *cstr(const json_t *v)
{
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	return strlen(s) == json_string_length(v) ? s : NULL;
}

static int cmp_col(const void *a, const void *b)
{
	return strcmp(((const struct map_col *)a)->header,
		      ((const struct map_col *)b)->header);
}

static int load_columns(struct csv_mapping *m, const json_t *cols,
			struct diag *d)
{
	const char *key, *pname;
	const json_t *v;
	size_t n = json_object_size(cols);

	if (!n) {
		diag_set(d, "columns: maps no column");
		return LIA_EPARSE;
	}
	if (n > MAPPING_COLUMNS_MAX) {
		diag_set(d, "columns: more than %d", MAPPING_COLUMNS_MAX);
		return LIA_ETOOBIG;
	}
	m->cols = calloc(n, sizeof(*m->cols));
	if (!m->cols)
		return LIA_ENOMEM;
	json_object_foreach((json_t *)cols, key, v) {
		struct map_col *c = &m->cols[m->n_cols];

		pname = cstr(v);
		if (!*key || !pname) {
			diag_set(d, "columns: \"%s\": expected a header name "
				 "mapped to a property name", key);
			return LIA_EPARSE;
		}
		c->prop = schema_prop(m->schema, pname);
		if (!c->prop) {
			diag_set(d, "columns: \"%s\": schema %s has no "
				 "property \"%s\"", key, m->schema->name,
				 pname);
			return LIA_ESCHEMA;
		}
		c->header = strdup(key);
		if (!c->header)
			return LIA_ENOMEM;
		m->n_cols++;
	}
	/* A stable order that does not depend on the mapping file or the CSV
	 * column order keeps hash ids stable when either is rearranged. */
	qsort(m->cols, m->n_cols, sizeof(*m->cols), cmp_col);
	return 0;
}

static int add_const(struct csv_mapping *m, struct entity *probe,
		     const struct schema_prop *p, const json_t *v,
		     struct diag *d)
{
	struct map_const *c;
	const char *s = cstr(v);
	int rc;

	if (!s) {
		diag_set(d, "constants: \"%s\": expected text", p->name);
		return LIA_EPARSE;
	}
	if (m->n_consts >= MAPPING_CONSTANTS_MAX) {
		diag_set(d, "constants: more than %d values",
			 MAPPING_CONSTANTS_MAX);
		return LIA_ETOOBIG;
	}
	/* Validate now so a bad constant fails before any row is read. */
	rc = entity_adds(probe, p->name, s, d);
	if (rc) {
		diag_prefix(d, "constants: ");
		return rc;
	}
	c = &m->consts[m->n_consts];
	c->prop = p;
	c->value = strdup(s);
	if (!c->value)
		return LIA_ENOMEM;
	m->n_consts++;
	return 0;
}

static int load_constants(struct csv_mapping *m, const json_t *consts,
			  struct diag *d)
{
	struct entity *probe = NULL;
	const struct schema_prop *p;
	const char *key;
	const json_t *v, *it;
	size_t i, total = 0;
	int rc;

	json_object_foreach((json_t *)consts, key, v) {
		total += json_is_array(v) ? json_array_size(v) : 1;
		if (total > MAPPING_CONSTANTS_MAX) {
			diag_set(d, "constants: more than %d values",
				 MAPPING_CONSTANTS_MAX);
			return LIA_ETOOBIG;
		}
	}
	if (!total)
		return 0;
	m->consts = calloc(total, sizeof(*m->consts));
	if (!m->consts)
		return LIA_ENOMEM;
	rc = entity_new(m->schema->name, "mapping-check", &probe, d);
	if (rc)
		goto out;
	json_object_foreach((json_t *)consts, key, v) {
		p = schema_prop(m->schema, key);
		if (!p) {
			diag_set(d, "constants: schema %s has no property "
				 "\"%s\"", m->schema->name, key);
			rc = LIA_ESCHEMA;
			goto out;
		}
		if (!json_is_array(v)) {
			rc = add_const(m, probe, p, v, d);
			if (rc)
				goto out;
			continue;
		}
		json_array_foreach(v, i, it) {
			rc = add_const(m, probe, p, it, d);
			if (rc)
				goto out;
		}
	}
out:
	entity_free(probe);
	return rc;
}

static int load_mapping(struct csv_mapping *m, const json_t *j,
			struct diag *d)
{
	static const char *const allowed[] = {
		"schema", "id_column", "id_prefix", "columns",
		"constants", "marking", "separator", NULL,
	};
	const char *key, *s;
	const json_t *v;
	int rc;

	if (!json_is_object(j)) {
		diag_set(d, "the mapping must be a JSON object");
		return LIA_EPARSE;
	}
	json_object_foreach((json_t *)j, key, v) {
		size_t i;
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i]) {
			diag_set(d, "unknown key \"%s\"", key);
			return LIA_EPARSE;
		}
	}

	s = cstr(json_object_get(j, "schema"));
	if (!s) {
		diag_set(d, "schema: required, the name of a schema");
		return LIA_EPARSE;
	}
	m->schema = schema_get(s);
	if (!m->schema || (m->schema->flags & SCHEMA_ABSTRACT)) {
		diag_set(d, "schema: \"%s\" is not a schema entities can have",
			 s);
		return LIA_ESCHEMA;
	}

	v = json_object_get(j, "id_column");
	if (v) {
		s = cstr(v);
		if (!s || !*s) {
			diag_set(d, "id_column: expected a header name");
			return LIA_EPARSE;
		}
		m->id_column = strdup(s);
		if (!m->id_column)
			return LIA_ENOMEM;
	}

	v = json_object_get(j, "id_prefix");
	s = v ? cstr(v) : "csv-";
	if (!s || str_copy(m->id_prefix, sizeof(m->id_prefix), s)) {
		diag_set(d, "id_prefix: expected text of at most %d bytes",
			 (int)ID_PREFIX_MAX);
		return LIA_EPARSE;
	}
	for (const char *p = s; *p; p++) {
		if (!id_char(*p)) {
			diag_set(d, "id_prefix: only letters, digits and "
				 "._:- may appear in ids");
			return LIA_EPARSE;
		}
	}

	m->sep = ',';
	v = json_object_get(j, "separator");
	if (v) {
		s = cstr(v);
		if (!s || strlen(s) != 1 ||
		    (s[0] != '\t' && !(s[0] > 0x20 && s[0] < 0x7f)) ||
		    s[0] == '"' || (s[0] >= '0' && s[0] <= '9') ||
		    (s[0] >= 'A' && s[0] <= 'Z') ||
		    (s[0] >= 'a' && s[0] <= 'z')) {
			diag_set(d, "separator: expected one punctuation "
				 "character or a tab");
			return LIA_EPARSE;
		}
		m->sep = s[0];
	}

	v = json_object_get(j, "columns");
	if (!v || !json_is_object(v)) {
		diag_set(d, "columns: required, an object of header name to "
			 "property");
		return LIA_EPARSE;
	}
	rc = load_columns(m, v, d);
	if (rc)
		return rc;

	v = json_object_get(j, "constants");
	if (v) {
		if (!json_is_object(v)) {
			diag_set(d, "constants: expected an object");
			return LIA_EPARSE;
		}
		rc = load_constants(m, v, d);
		if (rc)
			return rc;
	}

	v = json_object_get(j, "marking");
	if (v) {
		if (!json_is_object(v)) {
			diag_set(d, "marking: expected an object");
			return LIA_EPARSE;
		}
		m->marking = json_deep_copy(v);
		if (!m->marking)
			return LIA_ENOMEM;
	}
	return 0;
}

int csv_mapping_load(const char *path, struct csv_mapping **out,
		     struct diag *d)
{
	struct csv_mapping *m = NULL;
	struct strbuf sb;
	json_error_t err;
	json_t *j = NULL;
	int rc;

	strbuf_init(&sb, MAPPING_FILE_MAX);
	if (!path || !out) {
		diag_set(d, "csv_mapping_load: missing argument");
		rc = LIA_EINVAL;
		goto out;
	}
	if (sodium_init() < 0) {
		diag_set(d, "libsodium failed to initialise");
		rc = LIA_ECRYPTO;
		goto out;
	}
	rc = read_file(path, &sb, d);
	if (rc) {
		diag_at(d, path, 0, 0);
		goto out;
	}
	if (!utf8_valid(sb.buf, sb.len, NULL)) {
		diag_set(d, "the mapping file is not valid UTF-8");
		diag_at(d, path, 0, 0);
		rc = LIA_EPARSE;
		goto out;
	}
	j = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		diag_set(d, "invalid JSON: %s", err.text);
		diag_at(d, path, err.line > 0 ? (unsigned long)err.line : 0,
			err.column > 0 ? (unsigned long)err.column : 0);
		rc = LIA_EPARSE;
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		rc = LIA_ENOMEM;
		diag_set(d, "%s", err_str(rc));
		goto out;
	}
	rc = load_mapping(m, j, d);
	if (rc) {
		if (rc == LIA_ENOMEM)
			diag_set(d, "%s", err_str(rc));
		diag_at(d, path, 0, 0);
		goto out;
	}
	*out = m;
	m = NULL;
out:
	csv_mapping_free(m);
	json_decref(j);
	strbuf_release(&sb);
	return rc;
}

/* Cells are compared and hashed without the spaces around them, which
 * some exporters put after every separator. */
static const char *trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

static void hash_field(crypto_hash_sha256_state *st, const char *s,
		       size_t len)
{
	unsigned char n[8];

	/* Length-prefixed, so ("ab","c") and ("a","bc") differ. */
	for (int i = 0; i < 8; i++)
		n[i] = (unsigned char)((uint64_t)len >> (8 * (7 - i)));
	crypto_hash_sha256_update(st, n, sizeof(n));
	crypto_hash_sha256_update(st, (const unsigned char *)s, len);
}

struct row_ctx {
	const struct csv_mapping *map;
	struct csv_reader *r;
	size_t *idx;       /* header index of each mapped column */
	size_t id_idx;
	const char *name;
};

static int make_id(const struct row_ctx *rc_, char *id, size_t idsz,
		   struct diag *d)
{
	const struct csv_mapping *m = rc_->map;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[HASH_HEX_LEN + 1];
	crypto_hash_sha256_state st;
	const char *v;
	size_t len;

	if (m->id_column) {
		v = trim(csv_field(rc_->r, rc_->id_idx, &len), &len);
		if (!len) {
			diag_set(d, "column \"%s\": empty id", m->id_column);
			return LIA_EPARSE;
		}
		if (strlen(m->id_prefix) + len >= idsz) {
			diag_set(d, "column \"%s\": id longer than %d bytes",
				 m->id_column, ENTITY_ID_MAX);
			return LIA_EPARSE;
		}
		snprintf(id, idsz, "%s%.*s", m->id_prefix, (int)len, v);
		return 0;
	}
	crypto_hash_sha256_init(&st);
	hash_field(&st, "liaison-csv-1", 13);
	hash_field(&st, m->schema->name, strlen(m->schema->name));
	for (size_t i = 0; i < m->n_cols; i++) {
		v = trim(csv_field(rc_->r, rc_->idx[i], &len), &len);
		hash_field(&st, m->cols[i].header, strlen(m->cols[i].header));
		hash_field(&st, v, len);
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	snprintf(id, idsz, "%s%s", m->id_prefix, hex);
	return 0;
}

static int import_row(const struct row_ctx *x, const struct ingest_sink *sink,
		      struct diag *d)
{
	const struct csv_mapping *m = x->map;
	char id[ENTITY_ID_MAX + 1];
	struct entity *e = NULL;
	const char *v;
	size_t len, filled = 0;
	int rc;

	rc = make_id(x, id, sizeof(id), d);
	if (rc)
		goto out;
	rc = entity_new(m->schema->name, id, &e, d);
	if (rc) {
		if (m->id_column)
			diag_prefix(d, "column \"%s\": ", m->id_column);
		goto out;
	}
	for (size_t i = 0; i < m->n_cols; i++) {
		v = trim(csv_field(x->r, x->idx[i], &len), &len);
		if (!len)
			continue;
		rc = entity_add(e, m->cols[i].prop->name, v, len, d);
		if (rc) {
			diag_prefix(d, "column \"%s\": ", m->cols[i].header);
			goto out;
		}
		filled++;
	}
	if (!filled) {
		/* With hash ids every empty row would also share one id. */
		diag_set(d, "no value in any mapped column");
		rc = LIA_EPARSE;
		goto out;
	}
	for (size_t i = 0; i < m->n_consts; i++) {
		rc = entity_adds(e, m->consts[i].prop->name, m->consts[i].value,
				 d);
		if (rc)
			goto out;
	}
	rc = sink->put(sink->ctx, e, d);
	if (rc) {
		if (d && !d->msg[0])
			diag_set(d, "the store refused %s", id);
		rc = rc < 0 ? rc : LIA_EINTERNAL;
	}
out:
	entity_free(e);
	return rc;
}

/* Index of a trimmed header name, or an error when it is missing or
 * appears twice (then which column is meant would be a guess). */
static int find_header(struct csv_reader *r, const char *want, size_t *out,
		       struct diag *d)
{
	size_t n = csv_count(r), len, wlen = strlen(want);
	bool found = false;
	const char *h;

	for (size_t i = 0; i < n; i++) {
		h = trim(csv_field(r, i, &len), &len);
		if (len != wlen || memcmp(h, want, len))
			continue;
		if (found) {
			diag_set(d, "column \"%s\" appears twice in the header",
				 want);
			return LIA_EPARSE;
		}
		*out = i;
		found = true;
	}
	if (!found) {
		diag_set(d, "column \"%s\" of the mapping is not in the header",
			 want);
		return LIA_ENOTFOUND;
	}
	return 0;
}

int ingest_csv(FILE *f, const char *name, const struct csv_mapping *map,
	       const struct ingest_sink *sink, struct diag *d)
{
	struct csv_opts o = { 0 };
	struct csv_reader *r = NULL;
	struct row_ctx x = { 0 };
	unsigned long long next_progress = PROGRESS_STEP;
	size_t n_header;
	int rc;

	if (!f || !map || !sink || !sink->put) {
		diag_set(d, "ingest_csv: missing input, mapping or sink");
		return LIA_EINVAL;
	}
	if (!name)
		name = "<input>";
	o.sep = map->sep;
	o.trim_header = true;
	rc = csv_open(f, name, &o, &r);
	if (rc) {
		diag_set(d, "%s", err_str(rc));
		diag_at(d, name, 0, 0);
		return rc;
	}
	x.map = map;
	x.r = r;
	x.name = name;
	rc = csv_next(r, d);
	if (rc <= 0) {
		if (!rc) {
			diag_set(d, "empty file: no header");
			diag_at(d, name, 0, 0);
			rc = LIA_EPARSE;
		}
		goto out;
	}
	rc = 0;
	n_header = csv_count(r);
	x.idx = calloc(map->n_cols, sizeof(*x.idx));
	if (!x.idx) {
		rc = LIA_ENOMEM;
		diag_set(d, "%s", err_str(rc));
		goto out;
	}
	for (size_t i = 0; i < map->n_cols && !rc; i++)
		rc = find_header(r, map->cols[i].header, &x.idx[i], d);
	if (!rc && map->id_column)
		rc = find_header(r, map->id_column, &x.id_idx, d);
	if (rc) {
		diag_at(d, name, csv_line(r), 0);
		goto out;
	}
	for (;;) {
		rc = csv_next(r, d);
		if (rc <= 0)
			break;
		if (csv_count(r) != n_header) {
			diag_set(d, "row has %zu fields, the header has %zu",
				 csv_count(r), n_header);
			diag_at(d, name, csv_line(r), 0);
			rc = LIA_EPARSE;
			break;
		}
		rc = import_row(&x, sink, d);
		if (rc) {
			diag_at(d, name, csv_line(r), 0);
			break;
		}
		if (sink->progress && csv_offset(r) >= next_progress) {
			sink->progress(sink->ctx, csv_offset(r));
			next_progress = csv_offset(r) + PROGRESS_STEP;
		}
	}
	if (!rc && sink->progress)
		sink->progress(sink->ctx, csv_offset(r));
out:
	free(x.idx);
	csv_close(r);
	return rc;
}
