/* lines.c - bounded line reader and JSON line parsing for the importers. */
#include <stdlib.h>
#include <string.h>

#include "ingest/lines.h"

void lines_init(struct line_reader *lr, FILE *f, const char *name,
		const char *pre, size_t pre_len, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = f;
	lr->name = name ? name : "";
	lr->pre = pre;
	lr->pre_len = pre ? pre_len : 0;
	lr->max = max;
	/* One byte of slack lets the reader notice a line of exactly max+1
	 * bytes without ever holding more. */
	strbuf_init(&lr->line, max + 1);
}

void lines_release(struct line_reader *lr)
{
	strbuf_release(&lr->line);
	free(lr->buf);
	lr->buf = NULL;
}

#define LINES_BUF (64 * 1024)

/* Read one raw line (possibly blank) without its '\n'. Returns 1 for a
 * line, 0 at the end of input, negative on error. Whole runs up to the
 * next newline are copied at once: byte-at-a-time reading was the
 * largest single cost of an import. */
static int read_raw(struct line_reader *lr, struct diag *d)
{
	bool any = false, nl_seen = false;
	int rc;

	strbuf_reset(&lr->line);
	if (!lr->buf && !(lr->buf = malloc(LINES_BUF)))
		return LIA_ENOMEM;
	while (!nl_seen) {
		const char *src, *nl;
		size_t avail, take;
		bool from_pre = lr->pre_pos < lr->pre_len;

		if (from_pre) {
			src = lr->pre + lr->pre_pos;
			avail = lr->pre_len - lr->pre_pos;
		} else {
			if (lr->bpos == lr->blen) {
				lr->blen = fread(lr->buf, 1, LINES_BUF, lr->f);
				lr->bpos = 0;
				if (!lr->blen)
					break;
			}
			src = lr->buf + lr->bpos;
			avail = lr->blen - lr->bpos;
		}
		any = true;
		nl = memchr(src, '\n', avail);
		take = nl ? (size_t)(nl - src) : avail;
		if (take > lr->max - lr->line.len) {
			diag_set(d, "line longer than %zu bytes", lr->max);
			diag_at(d, lr->name, lr->lineno + 1, 0);
			return LIA_ETOOBIG;
		}
		rc = strbuf_add(&lr->line, src, take);
		if (rc) {
			diag_set(d, "%s", err_str(rc));
			diag_at(d, lr->name, lr->lineno + 1, 0);
			return rc;
		}
		nl_seen = nl != NULL;
		take += nl_seen;
		lr->offset += take;
		if (from_pre)
			lr->pre_pos += take;
		else
			lr->bpos += take;
	}
	if (!nl_seen && ferror(lr->f)) {
		diag_set(d, "read error");
		diag_at(d, lr->name, lr->lineno + 1, 0);
		return LIA_EIO;
	}
	if (!any)
		return 0;
	lr->lineno++;
	return 1;
}

static bool is_blank(const struct strbuf *sb)
{
	for (size_t i = 0; i < sb->len; i++) {
		char c = sb->buf[i];
		if (c != ' ' && c != '\t' && c != '\r')
			return false;
	}
	return true;
}

int lines_next(struct line_reader *lr, struct diag *d)
{
	int rc;

	for (;;) {
		rc = read_raw(lr, d);
		if (rc <= 0)
			return rc;
		if (!is_blank(&lr->line))
			break;
		if (!lr->blank)
			lr->blank = lr->lineno;
	}
	/* Data after a blank line: the blank was not trailing padding but a
	 * hole in the file, a sign of corruption or concatenation. */
	if (lr->blank) {
		diag_set(d, "blank line in the middle of the input");
		diag_at(d, lr->name, lr->blank, 0);
		return LIA_EPARSE;
	}
	return 1;
}

static void jansson_diag(const json_error_t *err, const char *name,
			 unsigned long line, struct diag *d)
{
	diag_set(d, "invalid JSON: %s", err->text);
	diag_at(d, name, line,
		err->column > 0 ? (unsigned long)err->column : 0);
}

int lines_parse_object(struct line_reader *lr, json_t **out, struct diag *d)
{
	json_error_t err;
	json_t *j;
	size_t bad;

	if (!utf8_valid(lr->line.buf, lr->line.len, &bad)) {
		diag_set(d, "invalid UTF-8 at byte %zu of the line", bad + 1);
		diag_at(d, lr->name, lr->lineno, bad + 1);
		return LIA_EPARSE;
	}
	j = json_loadb(lr->line.buf, lr->line.len, JSON_REJECT_DUPLICATES,
		       &err);
	if (!j) {
		jansson_diag(&err, lr->name, lr->lineno, d);
		return LIA_EPARSE;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		diag_set(d, "expected a JSON object");
		diag_at(d, lr->name, lr->lineno, 1);
		return LIA_EPARSE;
	}
	*out = j;
	return 0;
}

int lines_parse_document(const char *buf, size_t len, const char *name,
			 json_t **out, bool *eof_expected, struct diag *d)
{
	json_error_t err;
	json_t *j;
	size_t bad;

	if (eof_expected)
		*eof_expected = false;
	if (!utf8_valid(buf, len, &bad)) {
		diag_set(d, "invalid UTF-8 at byte offset %zu", bad);
		diag_at(d, name, 0, 0);
		return LIA_EPARSE;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		if (eof_expected &&
		    json_error_code(&err) == json_error_end_of_input_expected)
			*eof_expected = true;
		jansson_diag(&err, name,
			     err.line > 0 ? (unsigned long)err.line : 0, d);
		return LIA_EPARSE;
	}
	*out = j;
	return 0;
}
