/*
 * error.h - the one error enum of liaison, and diagnostics with a location.
 *
 * Every function of the library returns 0 on success or one of the negative
 * codes below. Out-parameters are written only on success. Functions that
 * can explain a failure take a `struct diag *` (which may be NULL); they fill
 * it with a one-line, human-readable reason and, for parsers, the position in
 * the input (file, line, column) so the CLI can print `file:line:col: reason`.
 */
#ifndef LIAISON_ERROR_H
#define LIAISON_ERROR_H

#include <stddef.h>

enum lia_err {
	LIA_OK = 0,
	LIA_ENOMEM = -1,     /* out of memory */
	LIA_EINVAL = -2,     /* invalid argument (a caller's mistake) */
	LIA_EIO = -3,        /* operating-system I/O error */
	LIA_EPARSE = -4,     /* malformed input file or message */
	LIA_ENOTFOUND = -5,  /* no such record, file or key */
	LIA_EEXIST = -6,     /* already exists */
	LIA_ETOOBIG = -7,    /* input exceeds a hard limit */
	LIA_EOVERFLOW = -8,  /* size arithmetic would overflow */
	LIA_ESTORE = -9,     /* the store failed (SQLite or later PostgreSQL) */
	LIA_EVERSION = -10,  /* store or file written by a newer version */
	LIA_EDENIED = -11,   /* forbidden by a marking, role or policy */
	LIA_EBUSY = -12,     /* locked by another process */
	LIA_ECONFIG = -13,   /* node configuration missing or invalid */
	LIA_EVALUE = -14,    /* a property value is invalid for its type */
	LIA_ESCHEMA = -15,   /* unknown schema or property */
	LIA_ECRYPTO = -16,   /* cryptographic failure */
	LIA_EINTERNAL = -17, /* a bug: an invariant did not hold */
	LIA_ERR_MIN = -17
};

/* Static English message for a code; never NULL, also for unknown codes. */
const char *err_str(int err);

/* Where and why something failed. All buffers are inline: no ownership. */
struct diag {
	char file[256];      /* input name, "" if none */
	unsigned long line;  /* 1-based, 0 if unknown */
	unsigned long col;   /* 1-based, 0 if unknown */
	char msg[512];       /* reason, one line, no trailing newline */
};

/* Clear a diag. d may be NULL. */
void diag_clear(struct diag *d);

/* Set the reason (printf format). Replaces any earlier reason. d may be
 * NULL. Control characters in the result are replaced by '?' so untrusted
 * input echoed in a reason cannot forge log lines. */
void diag_set(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current reason with more context ("prop: " + reason). */
void diag_prefix(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record the position. file may be NULL to keep the current one. */
void diag_at(struct diag *d, const char *file, unsigned long line,
	     unsigned long col);

/* Format as "file:line:col: msg" (omitting unknown parts) into buf.
 * Always NUL-terminates when n > 0. Returns buf. */
const char *diag_format(const struct diag *d, char *buf, size_t n);

#endif
