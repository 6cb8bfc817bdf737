/*
 * lines.h - private to src/ingest: a bounded line reader and the JSON
 * parsing step shared by the line-based importers (FtM, INTERPOL).
 *
 * The reader returns one line at a time without its '\n', never holds more
 * than `max` bytes, and can first replay bytes the caller already read (the
 * INTERPOL importer sniffs the start of its input before it knows whether
 * the input is one document or JSON lines).
 */
#ifndef LIAISON_INGEST_LINES_H
#define LIAISON_INGEST_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "liaison/error.h"
#include "liaison/strbuf.h"

struct line_reader {
	FILE *f;
	const char *name;        /* for diagnostics */
	const char *pre;         /* bytes to replay before reading f */
	size_t pre_len, pre_pos;
	size_t max;              /* longest accepted line, without '\n' */
	unsigned long lineno;    /* number of the line last returned */
	uint64_t offset;         /* bytes consumed so far */
	struct strbuf line;      /* the current line, without '\n' */
	unsigned long blank;     /* first blank line not yet followed by data */
	char *buf;               /* read buffer: lines are cut with memchr */
	size_t blen, bpos;
};

/* pre (may be NULL) is not copied: it must outlive the reader. */
void lines_init(struct line_reader *lr, FILE *f, const char *name,
		const char *pre, size_t pre_len, size_t max);
void lines_release(struct line_reader *lr);

/* Next non-blank line into lr->line: 1 when a line was read, 0 at the end
 * of input, negative with d set on error. Blank lines (only white space)
 * are skipped when nothing but more blank lines follows them up to the end
 * of the input; a blank line followed by data is LIA_EPARSE naming the
 * blank line. A line longer than max is LIA_ETOOBIG. */
int lines_next(struct line_reader *lr, struct diag *d);

/* Parse the current line as one JSON object: valid UTF-8, no duplicate
 * keys, nothing after the object. On error d has file:line:column. */
int lines_parse_object(struct line_reader *lr, json_t **out, struct diag *d);

/* Parse a whole document buffer (JSON_REJECT_DUPLICATES); on error d has
 * file:line:column from jansson. *eof_expected is set when the only
 * problem is more data after the first value (it may be NULL). */
int lines_parse_document(const char *buf, size_t len, const char *name,
			 json_t **out, bool *eof_expected, struct diag *d);

#endif
