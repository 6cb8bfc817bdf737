/*
 * screen_rows.c - the rows of batch screening files: which column holds
 * what, and one row turned into a name with its evidence. Kept apart from
 * the index so the row reader can be fuzzed on its own.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

/* --- batch rows ------------------------------------------------------ */

static bool col_is(const char *f, size_t len, const char *name)
{
	while (len && isspace((unsigned char)*f)) {
		f++;
		len--;
	}
	while (len && isspace((unsigned char)f[len - 1]))
		len--;
	return len == strlen(name) && !strncasecmp(f, name, len);
}

int node_screen_header(const char *const *fields, const size_t *lens,
		       size_t n, struct node_screen_cols *cols,
		       struct diag *d)
{
	struct node_screen_cols c;
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
		{"full_name", offsetof(struct node_screen_cols, full_name)},
		{"name", offsetof(struct node_screen_cols, full_name)},
		{"first_name", offsetof(struct node_screen_cols, first)},
		{"middle_name", offsetof(struct node_screen_cols, middle)},
		{"last_name", offsetof(struct node_screen_cols, last)},
		{"date_of_birth", offsetof(struct node_screen_cols, dob)},
		{"gender", offsetof(struct node_screen_cols, gender)},
		{"place_of_birth", offsetof(struct node_screen_cols, pob)},
		{"nationality", offsetof(struct node_screen_cols, nationality)},
		{"id_number", offsetof(struct node_screen_cols, id_number)},
	};

	c.full_name = c.first = c.middle = c.last = c.dob = c.gender =
		c.pob = c.nationality = c.id_number = -1;
	c.n_cols = n;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(known) / sizeof(*known); k++) {
			int *slot = (int *)((char *)&c + known[k].off);
			if (!col_is(fields[i], lens[i], known[k].name))
				continue;
			if (*slot >= 0) {
				diag_set(d, "column \"%s\" appears twice",
					 known[k].name);
				return LIA_EPARSE;
			}
			*slot = (int)i;
		}
	}
	if (c.full_name < 0 && c.first < 0 && c.last < 0) {
		diag_set(d, "the header needs full_name (or name), or "
			    "first_name/last_name");
		return LIA_EPARSE;
	}
	*cols = c;
	return 0;
}

/* Field i trimmed, or NULL when the column is absent or the cell empty. */
static const char *cell(const char *const *f, const size_t *lens, int i,
			size_t *len)
{
	const char *s;
	size_t n;

	if (i < 0)
		return NULL;
	s = f[i];
	n = lens[i];
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return NULL;
	*len = n;
	return s;
}

int node_screen_row(const struct node_screen_cols *cols,
		    const char *const *fields, const size_t *lens, size_t n,
		    struct node_screen_row *row, struct diag *d)
{
	struct node_screen_row r;
	struct strbuf sb;
	const char *v;
	size_t len = 0;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (n != cols->n_cols) {
		diag_set(d, "expected %zu fields, found %zu", cols->n_cols, n);
		return LIA_EVALUE;
	}
	strbuf_init(&sb, sizeof(r.name) - 1);
	if ((v = cell(fields, lens, cols->full_name, &len))) {
		rc = strbuf_add(&sb, v, len);
	} else {
		const int parts[3] = {cols->first, cols->middle, cols->last};
		for (int i = 0; i < 3 && !rc; i++) {
			if (!(v = cell(fields, lens, parts[i], &len)))
				continue;
			if (sb.len)
				rc = strbuf_addch(&sb, ' ');
			if (!rc)
				rc = strbuf_add(&sb, v, len);
		}
	}
	if (rc) {
		diag_set(d, "name longer than %zu bytes", sizeof(r.name) - 1);
		rc = LIA_EVALUE;
		goto out;
	}
	if (!sb.len) {
		diag_set(d, "no name in this row");
		rc = LIA_EVALUE;
		goto out;
	}
	memcpy(r.name, sb.buf, sb.len + 1);

	if ((v = cell(fields, lens, cols->dob, &len))) {
		strbuf_reset(&sb);
		if ((rc = types_date(v, len, &sb, d)) || sb.len >= sizeof(r.dob)) {
			diag_prefix(d, "date_of_birth: ");
			rc = LIA_EVALUE;
			goto out;
		}
		memcpy(r.dob, sb.buf, sb.len + 1);
		r.extra.dob[r.extra.n_dob++] = r.dob;
	}
	if ((v = cell(fields, lens, cols->gender, &len))) {
		char g = (char)tolower((unsigned char)v[0]);
		if ((len == 1 || col_is(v, len, "male") ||
		     col_is(v, len, "female")) &&
		    (g == 'm' || g == 'f')) {
			r.gender = g;
			r.extra.gender = g;
		} else if (!col_is(v, len, "u") && !col_is(v, len, "unknown")) {
			diag_set(d, "gender: \"%.*s\" is not male, female or "
				    "unknown", (int)(len > 32 ? 32 : len), v);
			rc = LIA_EVALUE;
			goto out;
		}
	}
	if ((v = cell(fields, lens, cols->nationality, &len))) {
		if ((rc = types_country(v, len, r.nationality, d))) {
			diag_prefix(d, "nationality: ");
			goto out;
		}
		r.extra.country[r.extra.n_country++] = r.nationality;
	}
	if ((v = cell(fields, lens, cols->id_number, &len))) {
		if (len >= sizeof(r.id_number)) {
			diag_set(d, "id_number longer than %zu bytes",
				 sizeof(r.id_number) - 1);
			rc = LIA_EVALUE;
			goto out;
		}
		memcpy(r.id_number, v, len);
		r.id_number[len] = '\0';
		r.extra.id[r.extra.n_id++] = r.id_number;
	}
	*row = r;
	/* The extra's pointers must follow the copy. */
	for (size_t i = 0; i < row->extra.n_dob; i++)
		row->extra.dob[i] = row->dob;
	for (size_t i = 0; i < row->extra.n_country; i++)
		row->extra.country[i] = row->nationality;
	for (size_t i = 0; i < row->extra.n_id; i++)
		row->extra.id[i] = row->id_number;
out:
	strbuf_release(&sb);
	return rc;
}
