/*
 * types.h - validation and normalisation of property values.
 *
 * A value is untrusted bytes (pointer, length). Each validator either
 * accepts the value and appends its normal form to `out`, or rejects it with
 * LIA_EVALUE and a reason in `d` (never both). Nothing is "fixed": a value
 * that is not valid for its type is rejected, so importers can report it.
 * Every value must be valid UTF-8, free of control characters other than
 * tab and newline (newline only for text), and at most TYPES_VALUE_MAX bytes.
 */
#ifndef LIAISON_TYPES_H
#define LIAISON_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/schema.h"
#include "liaison/strbuf.h"

#define TYPES_VALUE_MAX 65536

/* Validate v as type t; on success append the normal form to out. */
int types_normalize(enum ptype t, const char *v, size_t len,
		    struct strbuf *out, struct diag *d);

/* Unicode NFC of valid UTF-8 (ICU). Appends to out. */
int types_nfc(const char *v, size_t len, struct strbuf *out, struct diag *d);

/* Partial dates. Accepts YYYY, YYYY-MM, YYYY-MM-DD (and a time part
 * THH:MM[:SS][Z] which is kept); checks month and day ranges including leap
 * years; years 1000..2999. */
int types_date(const char *v, size_t len, struct strbuf *out, struct diag *d);

/* Countries: ISO alpha-2 (any case), alpha-3, and common English names
 * ("Russia", "United Kingdom", "Iran (Islamic Republic of)") map to the
 * lower-case alpha-2 code. out must hold 3 bytes. */
int types_country(const char *v, size_t len, char out[3], struct diag *d);

/* Country display name for a lower-case alpha-2 code, or NULL. */
const char *types_country_name(const char *code);

/* IBAN: spaces allowed in input; country length table and mod-97 check. */
int types_iban(const char *v, size_t len, struct strbuf *out, struct diag *d);

/* Phone: '+', digits and the separators " -()./" ; appends the digits form
 * ("+4930123456" or "030123456") used for indexing. */
int types_phone_digits(const char *v, size_t len, struct strbuf *out,
		       struct diag *d);

/* ICAO Doc 9303 machine readable zone. Lines may be separated by '\n'.
 * Checks the layout (TD1: 3x30, TD2: 2x36, TD3: 2x44) and every check digit. */
enum mrz_format { MRZ_TD1 = 1, MRZ_TD2, MRZ_TD3 };
struct mrz {
	enum mrz_format format;
	char doc_code[3];        /* "P", "I", "ID", ... */
	char issuer[4];          /* issuing state, alpha-3 */
	char number[10];         /* document number without fillers */
	char birth[7];           /* YYMMDD as printed */
	char expiry[7];          /* YYMMDD */
	char sex;                /* 'M', 'F' or '<' */
	char nationality[4];
	char surname[64];        /* fillers '<' turned into spaces */
	char given[64];
};
int types_mrz(const char *v, size_t len, struct mrz *out, struct diag *d);

/* The ICAO 7-3-1 check digit of [s, s+len), or -1 if a character is not
 * allowed (A-Z, 0-9, '<'). */
int types_mrz_check_digit(const char *s, size_t len);

#endif
