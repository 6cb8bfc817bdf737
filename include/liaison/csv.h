/*
 * csv.h - a strict, streaming RFC 4180 reader.
 *
 * Reads one record at a time from a FILE, so memory does not grow with the
 * file. Strict: a quote may open a field only at its start; inside a quoted
 * field '""' is a quote; after the closing quote only a separator or the end
 * of the line may follow; every byte must be valid UTF-8; a field longer than
 * max_field or a record with more than max_fields fields is rejected. Line
 * ends are LF or CRLF; a single 0x1A (DOS end-of-file mark) as the very last
 * byte is accepted and ignored. Errors carry file, line and column.
 */
#ifndef LIAISON_CSV_H
#define LIAISON_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "liaison/error.h"

struct csv_opts {
	char sep;             /* ',' by default (0) */
	size_t max_field;     /* bytes, 0 = 1 MiB */
	size_t max_fields;    /* per record, 0 = 1024 */
	size_t expect_fields; /* reject records with another count, 0 = any */
	bool trim_header;     /* trim spaces around header names */
};

struct csv_reader;

/* name is used in diagnostics only. The reader does not own f. */
int csv_open(FILE *f, const char *name, const struct csv_opts *o,
	     struct csv_reader **out);
void csv_close(struct csv_reader *r);

/* Read the next record: 1 when a record was read, 0 at end of input,
 * negative (LIA_EPARSE, LIA_ETOOBIG, LIA_EIO) with d set on error. Fields
 * stay valid until the next call. A completely empty line is an error
 * except as the last line of the file. */
int csv_next(struct csv_reader *r, struct diag *d);
size_t csv_count(const struct csv_reader *r);
const char *csv_field(const struct csv_reader *r, size_t i, size_t *len);
/* Line on which the current record started (1-based). */
unsigned long csv_line(const struct csv_reader *r);
/* Bytes consumed so far (for progress). */
unsigned long long csv_offset(const struct csv_reader *r);

#endif
