/*
 * csv.c - a strict, streaming RFC 4180 reader.
 *
 * The reader pulls bytes through its own fread() buffer and keeps the line
 * and column of the next byte, so every error can point at the exact place
 * in the file. One record is held at a time: its fields are stored back to
 * back, each NUL-terminated, in one bounded strbuf, with an array of start
 * offsets. Nothing is repaired: the first deviation from the grammar stops
 * the reader for good.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/csv.h"
#include "liaison/error.h"
#include "liaison/strbuf.h"

#define CSV_BUF_SIZE ((size_t)64 << 10)
#define CSV_DEFAULT_MAX_FIELD ((size_t)1 << 20)
#define CSV_DEFAULT_MAX_FIELDS ((size_t)1024)
/* A record may never exceed this, whatever the per-field limits allow. */
#define CSV_RECORD_MAX STRBUF_DEFAULT_MAX

/* What csv_peek() returns besides a byte. */
#define CSV_EOF (-1)
#define CSV_IOERR (-2)

/* The DOS end-of-file mark some Windows tools append. */
#define CSV_SUB 0x1a

struct csv_reader {
	FILE *f;
	char name[256];
	char sep;
	size_t max_field;
	size_t max_fields;
	size_t expect_fields;
	bool trim_header;

	unsigned char buf[CSV_BUF_SIZE];
	size_t pos, end;
	bool eof;

	unsigned long line, col;    /* of the next unread byte */
	unsigned long long offset;  /* bytes consumed */
	unsigned long rec_line;	    /* where the current record started */
	unsigned long long records; /* records returned so far */

	struct strbuf data; /* field bytes, each NUL-terminated */
	size_t *offs;	    /* start of each field in data */
	size_t *lens;
	size_t nfields, cap_fields;

	int err; /* sticky: once failed, always failed */
	bool done;
};

int csv_open(FILE *f, const char *name, const struct csv_opts *o,
	     struct csv_reader **out)
{
	struct csv_reader *r;
	char sep = o && o->sep ? o->sep : ',';

	if (!f || !out)
		return LIA_EINVAL;
	/* These separators would make the grammar ambiguous. */
	if (sep == '"' || sep == '\n' || sep == '\r' || sep == '\0' ||
	    (unsigned char)sep >= 0x80)
		return LIA_EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return LIA_ENOMEM;
	r->f = f;
	/* The name is for messages only, so a cut name is acceptable. */
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	r->sep = sep;
	r->max_field = o && o->max_field ? o->max_field : CSV_DEFAULT_MAX_FIELD;
	r->max_fields =
	    o && o->max_fields ? o->max_fields : CSV_DEFAULT_MAX_FIELDS;
	r->expect_fields = o ? o->expect_fields : 0;
	r->trim_header = o ? o->trim_header : false;
	r->line = 1;
	r->col = 1;
	strbuf_init(&r->data, CSV_RECORD_MAX);
	*out = r;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	strbuf_release(&r->data);
	free(r->offs);
	free(r->lens);
	free(r);
}

/* Make at least `need` unread bytes available unless the input ends
 * first. Returns 0 or LIA_EIO. */
static int csv_fill(struct csv_reader *r, size_t need)
{
	while (r->end - r->pos < need && !r->eof) {
		size_t n;

		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		n = fread(r->buf + r->end, 1, sizeof(r->buf) - r->end, r->f);
		if (n == 0) {
			if (ferror(r->f))
				return LIA_EIO;
			r->eof = true;
		}
		r->end += n;
	}
	return 0;
}

/* The next byte without consuming it, CSV_EOF or CSV_IOERR. A 0x1A that is
 * the very last byte of the input reads as the end of input. */
static int csv_peek(struct csv_reader *r)
{
	int c;

	if (csv_fill(r, 1))
		return CSV_IOERR;
	if (r->pos == r->end)
		return CSV_EOF;
	c = r->buf[r->pos];
	if (c == CSV_SUB) {
		if (csv_fill(r, 2))
			return CSV_IOERR;
		if (r->end - r->pos == 1)
			return CSV_EOF;
	}
	return c;
}

static void csv_advance(struct csv_reader *r, int c)
{
	r->pos++;
	r->offset++;
	if (c == '\n') {
		r->line++;
		r->col = 1;
	} else {
		r->col++;
	}
}

static int csv_fail(struct csv_reader *r, struct diag *d, int err,
		    unsigned long line, unsigned long col, const char *msg)
{
	diag_set(d, "%s", msg);
	diag_at(d, r->name, line, col);
	r->err = err;
	return err;
}

static int csv_ioerr(struct csv_reader *r, struct diag *d)
{
	return csv_fail(r, d, LIA_EIO, r->line, r->col, "read error");
}

/* Bytes that no field may hold, wherever it is. */
static int csv_check_byte(struct csv_reader *r, struct diag *d, int c)
{
	if (c == '\0')
		return csv_fail(r, d, LIA_EPARSE, r->line, r->col,
				"NUL byte in field");
	if (c == CSV_SUB)
		return csv_fail(
		    r, d, LIA_EPARSE, r->line, r->col,
		    "0x1A end-of-file mark before the end of input");
	return 0;
}

static int csv_push(struct csv_reader *r, struct diag *d, int c, size_t fstart,
		    unsigned long fline, unsigned long fcol)
{
	int err;

	if (r->data.len - fstart >= r->max_field)
		return csv_fail(r, d, LIA_ETOOBIG, fline, fcol,
				"field longer than the limit");
	err = strbuf_addch(&r->data, (char)c);
	if (err == LIA_ETOOBIG)
		return csv_fail(r, d, err, r->rec_line, 1,
				"record longer than the limit");
	if (err)
		r->err = err;
	return err;
}

/* Find where byte `bad` of a field's content sits in the file. Quoted
 * content differs from the raw bytes only by doubled quotes and by the
 * opening quote, and it may span lines. */
static void csv_locate(const char *s, size_t bad, bool quoted,
		       unsigned long *line, unsigned long *col)
{
	if (quoted)
		(*col)++;
	for (size_t i = 0; i < bad; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (quoted && s[i] == '"') {
			*col += 2;
		} else {
			(*col)++;
		}
	}
}

static int csv_end_field(struct csv_reader *r, struct diag *d, size_t fstart,
			 bool quoted, unsigned long fline, unsigned long fcol)
{
	size_t len = r->data.len - fstart;
	size_t bad;
	int err;

	if (!utf8_valid(r->data.buf + fstart, len, &bad)) {
		csv_locate(r->data.buf + fstart, bad, quoted, &fline, &fcol);
		return csv_fail(r, d, LIA_EPARSE, fline, fcol, "invalid UTF-8");
	}
	if (r->nfields == r->max_fields)
		return csv_fail(r, d, LIA_ETOOBIG, fline, fcol,
				"too many fields in record");
	if (r->nfields == r->cap_fields) {
		size_t ncap = r->cap_fields ? r->cap_fields * 2 : 16;
		size_t bytes;
		size_t *no, *nl;

		if (ncap > r->max_fields)
			ncap = r->max_fields;
		if (size_mul(ncap, sizeof(size_t), &bytes))
			return r->err = LIA_EOVERFLOW;
		no = realloc(r->offs, bytes);
		if (!no)
			return r->err = LIA_ENOMEM;
		r->offs = no;
		nl = realloc(r->lens, bytes);
		if (!nl)
			return r->err = LIA_ENOMEM;
		r->lens = nl;
		r->cap_fields = ncap;
	}
	err = strbuf_addch(&r->data, '\0');
	if (err == LIA_ETOOBIG)
		return csv_fail(r, d, err, r->rec_line, 1,
				"record longer than the limit");
	if (err)
		return r->err = err;
	r->offs[r->nfields] = fstart;
	r->lens[r->nfields] = len;
	r->nfields++;
	return 0;
}

/* Consume a line end whose first byte c ('\n' or '\r') is next. */
static int csv_eol(struct csv_reader *r, struct diag *d, int c)
{
	unsigned long line = r->line, col = r->col;

	csv_advance(r, c);
	if (c == '\r') {
		int n = csv_peek(r);

		if (n == CSV_IOERR)
			return csv_ioerr(r, d);
		if (n != '\n')
			return csv_fail(r, d, LIA_EPARSE, line, col,
					"carriage return not followed by "
					"line feed");
		csv_advance(r, n);
	}
	return 0;
}

/* Read one field. *last is set when the record ends after it. */
static int csv_field_read(struct csv_reader *r, struct diag *d, bool *last)
{
	unsigned long fline = r->line, fcol = r->col;
	size_t fstart = r->data.len;
	bool quoted = false;
	int c, err;

	c = csv_peek(r);
	if (c == '"') {
		quoted = true;
		csv_advance(r, c);
		for (;;) {
			c = csv_peek(r);
			if (c == CSV_IOERR)
				return csv_ioerr(r, d);
			if (c == CSV_EOF)
				return csv_fail(r, d, LIA_EPARSE, fline, fcol,
						"quoted field not closed at "
						"end of input");
			if (c == '"') {
				csv_advance(r, c);
				c = csv_peek(r);
				if (c != '"')
					break;
			} else if ((err = csv_check_byte(r, d, c))) {
				return err;
			}
			if ((err = csv_push(r, d, c, fstart, fline, fcol)))
				return err;
			csv_advance(r, c);
		}
		/* After the closing quote: separator, line end or EOF. */
		if (c == CSV_IOERR)
			return csv_ioerr(r, d);
		if (c != r->sep && c != '\n' && c != '\r' && c != CSV_EOF)
			return csv_fail(r, d, LIA_EPARSE, r->line, r->col,
					"unexpected character after closing "
					"quote");
	} else {
		for (;;) {
			if (c == CSV_IOERR)
				return csv_ioerr(r, d);
			if (c == r->sep || c == '\n' || c == '\r' ||
			    c == CSV_EOF)
				break;
			if (c == '"')
				return csv_fail(r, d, LIA_EPARSE, r->line,
						r->col,
						"quote inside unquoted field");
			if ((err = csv_check_byte(r, d, c)))
				return err;
			if ((err = csv_push(r, d, c, fstart, fline, fcol)))
				return err;
			csv_advance(r, c);
			c = csv_peek(r);
		}
	}
	if ((err = csv_end_field(r, d, fstart, quoted, fline, fcol)))
		return err;
	*last = true;
	if (c == r->sep) {
		csv_advance(r, c);
		*last = false;
	} else if (c == '\n' || c == '\r') {
		if ((err = csv_eol(r, d, c)))
			return err;
	}
	return 0;
}

/* Remove spaces around each field of the current record in place. */
static void csv_trim_fields(struct csv_reader *r)
{
	for (size_t i = 0; i < r->nfields; i++) {
		char *s = r->data.buf + r->offs[i];
		size_t len = r->lens[i];
		size_t a = 0;

		while (len > 0 && s[len - 1] == ' ')
			len--;
		while (a < len && s[a] == ' ')
			a++;
		r->offs[i] += a;
		r->lens[i] = len - a;
		s[len] = '\0';
	}
}

int csv_next(struct csv_reader *r, struct diag *d)
{
	bool last = false;
	int c, err;

	if (!r)
		return LIA_EINVAL;
	if (r->err)
		return r->err;
	if (r->done)
		return 0;
	strbuf_reset(&r->data);
	r->nfields = 0;
	r->rec_line = r->line;

	c = csv_peek(r);
	if (c == CSV_IOERR)
		return csv_ioerr(r, d);
	if (c == CSV_EOF) {
		r->done = true;
		return 0;
	}
	if (c == '\n' || c == '\r') {
		/* Only the last line of a file may be empty: elsewhere an
		 * empty line means lost or corrupted data. */
		if ((err = csv_eol(r, d, c)))
			return err;
		c = csv_peek(r);
		if (c == CSV_IOERR)
			return csv_ioerr(r, d);
		if (c != CSV_EOF)
			return csv_fail(r, d, LIA_EPARSE, r->rec_line, 1,
					"empty line");
		r->done = true;
		return 0;
	}
	while (!last) {
		if ((err = csv_field_read(r, d, &last)))
			return err;
	}
	if (r->trim_header && r->records == 0)
		csv_trim_fields(r);
	if (r->expect_fields && r->nfields != r->expect_fields) {
		char msg[96];

		snprintf(msg, sizeof(msg), "expected %zu fields, found %zu",
			 r->expect_fields, r->nfields);
		return csv_fail(r, d, LIA_EPARSE, r->rec_line, 1, msg);
	}
	r->records++;
	return 1;
}

size_t csv_count(const struct csv_reader *r)
{
	return r ? r->nfields : 0;
}

const char *csv_field(const struct csv_reader *r, size_t i, size_t *len)
{
	if (!r || i >= r->nfields)
		return NULL;
	if (len)
		*len = r->lens[i];
	return r->data.buf + r->offs[i];
}

unsigned long csv_line(const struct csv_reader *r)
{
	return r ? r->rec_line : 0;
}

unsigned long long csv_offset(const struct csv_reader *r)
{
	return r ? r->offset : 0;
}
