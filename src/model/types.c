/*
 * types.c - validation and normalisation of property values.
 *
 * Every validator works on untrusted (pointer, length) input, writes to
 * `out` only on success (a failed call truncates out back to where it was),
 * and explains a rejection in the diag. Nothing is repaired: a value that
 * is not valid for its type is rejected so the importer can report it.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "liaison/types.h"
#include "model/countries.h"

#define IDENTIFIER_MAX 256
#define ENTITY_ID_MAX 256
#define TOPIC_MAX 64
#define CHECKSUM_MAX 128
#define MIMETYPE_MAX 255
#define EMAIL_LOCAL_MAX 64
#define EMAIL_DOMAIN_MAX 253
#define IBAN_MAX 34

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(unsigned char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* ASCII case-insensitive comparison of [a, a+alen) with the C string b.
 * Bytes outside ASCII must match exactly. */
static bool eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (!b[i] || to_lower(a[i]) != to_lower(b[i]))
			return false;
	}
	return b[i] == '\0';
}

static void trim(const char **v, size_t *len)
{
	const char *s = *v;
	size_t n = *len, full;

	while (n && is_space((unsigned char)s[0])) {
		s++;
		n--;
	}
	full = n;
	/* A '\r' directly before a trimmed '\n' is part of a CRLF line end
	 * (check_common admits it only there). */
	while (n && (is_space((unsigned char)s[n - 1]) ||
		     (s[n - 1] == '\r' && n < full && s[n] == '\n')))
		n--;
	*v = s;
	*len = n;
}

/*
 * The checks every value passes whatever its type: bounded length, valid
 * UTF-8, and no control characters (C0, DEL, C1) except tab and, where
 * allow_nl, newline. Control characters are refused because they can forge
 * log lines and hide text from a reviewer.
 */
static int check_common(const char *v, size_t len, bool allow_nl,
			bool allow_crlf, struct diag *d)
{
	size_t bad;

	if (len > TYPES_VALUE_MAX) {
		diag_set(d, "value too long: %zu bytes, at most %d", len,
			 TYPES_VALUE_MAX);
		return LIA_EVALUE;
	}
	if (len && !v) {
		diag_set(d, "value missing");
		return LIA_EVALUE;
	}
	if (!utf8_valid(v, len, &bad)) {
		diag_set(d, "not valid UTF-8 at byte %zu", bad);
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\t' || (c == '\n' && allow_nl))
			continue;
		/* A machine readable zone may come with CRLF line ends. */
		if (c == '\r' && allow_crlf && i + 1 < len && v[i + 1] == '\n')
			continue;
		if (c < 0x20 || c == 0x7f) {
			diag_set(d, "control character 0x%02x at byte %zu", c,
				 i);
			return LIA_EVALUE;
		}
		/* U+0080..U+009F are encoded as C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)v[i + 1] >= 0x80 &&
		    (unsigned char)v[i + 1] <= 0x9f) {
			diag_set(d, "control character U+%04X at byte %zu",
				 (unsigned char)v[i + 1], i);
			return LIA_EVALUE;
		}
	}
	return 0;
}

static int empty_check(size_t len, struct diag *d)
{
	if (len == 0) {
		diag_set(d, "empty value");
		return LIA_EVALUE;
	}
	return 0;
}

/* ---- Unicode NFC ------------------------------------------------------ */

int types_nfc(const char *v, size_t len, struct strbuf *out, struct diag *d)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	UChar *u16 = NULL, *norm = NULL;
	char *utf8 = NULL;
	int32_t n16 = 0, nnorm = 0, n8 = 0;
	size_t bytes;
	int rc;

	if (!out)
		return LIA_EINVAL;
	if (len > TYPES_VALUE_MAX) {
		diag_set(d, "value too long: %zu bytes, at most %d", len,
			 TYPES_VALUE_MAX);
		return LIA_EVALUE;
	}
	if (!utf8_valid(v, len, NULL)) {
		diag_set(d, "not valid UTF-8");
		return LIA_EVALUE;
	}
	if (len == 0)
		return 0;
	/* ASCII is already in NFC; most values are ASCII, and the round trip
	 * through UTF-16 would cost more than the rest of an import. */
	{
		size_t i = 0;
		while (i < len && !((unsigned char)v[i] & 0x80))
			i++;
		if (i == len)
			return strbuf_add(out, v, len);
	}
	nfc = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st)) {
		diag_set(d, "ICU NFC unavailable: %s", u_errorName(st));
		return LIA_EINTERNAL;
	}
	/* UTF-16 never needs more code units than UTF-8 has bytes. */
	if ((rc = size_mul(len + 1, sizeof(UChar), &bytes)))
		return rc;
	u16 = malloc(bytes);
	if (!u16) {
		rc = LIA_ENOMEM;
		goto out;
	}
	u_strFromUTF8(u16, (int32_t)len + 1, &n16, v, (int32_t)len, &st);
	if (U_FAILURE(st)) {
		diag_set(d, "not valid UTF-8 (%s)", u_errorName(st));
		rc = LIA_EVALUE;
		goto out;
	}
	/* Preflight: NFC may grow a string (rarely); ask ICU for the size. */
	nnorm = unorm2_normalize(nfc, u16, n16, NULL, 0, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		rc = LIA_EINTERNAL;
		goto out;
	}
	st = U_ZERO_ERROR;
	if ((rc = size_mul((size_t)nnorm + 1, sizeof(UChar), &bytes)))
		goto out;
	norm = malloc(bytes);
	if (!norm) {
		rc = LIA_ENOMEM;
		goto out;
	}
	nnorm = unorm2_normalize(nfc, u16, n16, norm, nnorm + 1, &st);
	if (U_FAILURE(st)) {
		rc = LIA_EINTERNAL;
		goto out;
	}
	u_strToUTF8(NULL, 0, &n8, norm, nnorm, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		rc = LIA_EINTERNAL;
		goto out;
	}
	st = U_ZERO_ERROR;
	utf8 = malloc((size_t)n8 + 1);
	if (!utf8) {
		rc = LIA_ENOMEM;
		goto out;
	}
	u_strToUTF8(utf8, n8 + 1, NULL, norm, nnorm, &st);
	if (U_FAILURE(st)) {
		rc = LIA_EINTERNAL;
		goto out;
	}
	rc = strbuf_add(out, utf8, (size_t)n8);
out:
	free(u16);
	free(utf8);
	free(norm);
	return rc;
}

/* ---- dates ------------------------------------------------------------ */

/* Parse exactly n digits at s into *val. */
static bool digits(const char *s, size_t n, unsigned *val)
{
	unsigned x = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		x = x * 10 + (unsigned)(s[i] - '0');
	}
	*val = x;
	return true;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30,
					   31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int types_date(const char *v, size_t len, struct strbuf *out, struct diag *d)
{
	unsigned y, m, day, hh, mm, ss;
	size_t i = 0;
	int rc;

	if ((rc = check_common(v, len, false, false, d)))
		return rc;
	if (len < 4 || !digits(v, 4, &y)) {
		diag_set(d, "not a valid date: expected a four-digit year");
		return LIA_EVALUE;
	}
	if (y < 1000 || y > 2999) {
		diag_set(d, "not a valid date: year %u out of range", y);
		return LIA_EVALUE;
	}
	i = 4;
	if (i == len)
		goto ok;
	if (v[i] != '-' || len < i + 3 || !digits(v + i + 1, 2, &m)) {
		diag_set(d, "not a valid date: expected -MM after the year");
		return LIA_EVALUE;
	}
	if (m < 1 || m > 12) {
		diag_set(d, "not a valid date: month %u", m);
		return LIA_EVALUE;
	}
	i += 3;
	if (i == len)
		goto ok;
	if (v[i] != '-' || len < i + 3 || !digits(v + i + 1, 2, &day)) {
		diag_set(d, "not a valid date: expected -DD after the month");
		return LIA_EVALUE;
	}
	if (day < 1 || day > days_in_month(y, m)) {
		diag_set(d, "not a valid date: day %u of month %u", day, m);
		return LIA_EVALUE;
	}
	i += 3;
	if (i == len)
		goto ok;
	if (v[i] != 'T' || len < i + 6 || !digits(v + i + 1, 2, &hh) ||
	    v[i + 3] != ':' || !digits(v + i + 4, 2, &mm)) {
		diag_set(d, "not a valid date: unexpected text after the day");
		return LIA_EVALUE;
	}
	if (hh > 23 || mm > 59) {
		diag_set(d, "not a valid date: time %02u:%02u", hh, mm);
		return LIA_EVALUE;
	}
	i += 6;
	if (i < len && v[i] == ':') {
		if (len < i + 3 || !digits(v + i + 1, 2, &ss) || ss > 59) {
			diag_set(d, "not a valid date: bad seconds");
			return LIA_EVALUE;
		}
		i += 3;
	}
	if (i < len && v[i] == 'Z')
		i++;
	if (i != len) {
		diag_set(d, "not a valid date: unexpected text after the time");
		return LIA_EVALUE;
	}
ok:
	return out ? strbuf_add(out, v, len) : 0;
}

/* ---- countries -------------------------------------------------------- */

/* Alpha-2 codes index a 26x26 table built once; 0 means no country. */
static uint16_t alpha2_index[26 * 26];
static pthread_once_t alpha2_once = PTHREAD_ONCE_INIT;

static void alpha2_build(void)
{
	for (size_t i = 0; i < country_table_len; i++) {
		const char *c = country_table[i].alpha2;
		int a = c[0] | 0x20, b = c[1] | 0x20;

		if (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z')
			alpha2_index[(a - 'a') * 26 + (b - 'a')] =
				(uint16_t)(i + 1);
	}
}

static const char *alpha2_lookup(const char *v)
{
	int a = (unsigned char)v[0], b = (unsigned char)v[1];

	pthread_once(&alpha2_once, alpha2_build);
	if (a < 0x80 && b < 0x80) {
		a |= 0x20;
		b |= 0x20;
		if (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z') {
			uint16_t k = alpha2_index[(a - 'a') * 26 + (b - 'a')];
			if (k)
				return country_table[k - 1].alpha2;
		}
	}
	return NULL;
}

int types_country(const char *v, size_t len, char out[3], struct diag *d)
{
	const char *code = NULL;
	int rc;

	if ((rc = check_common(v, len, false, false, d)))
		return rc;
	trim(&v, &len);
	if ((rc = empty_check(len, d)))
		return rc;
	if (len == 2) {
		/* The common case by far: one array lookup. */
		code = alpha2_lookup(v);
	} else if (len == 3) {
		for (size_t i = 0; i < country_table_len && !code; i++) {
			const char *c = len == 2 ? country_table[i].alpha2
						 : country_table[i].alpha3;
			if (eq_nocase(v, len, c))
				code = country_table[i].alpha2;
		}
	}
	for (size_t i = 0; i < country_table_len && !code; i++)
		if (eq_nocase(v, len, country_table[i].name))
			code = country_table[i].alpha2;
	for (size_t i = 0; i < country_aliases_len && !code; i++)
		if (eq_nocase(v, len, country_aliases[i].name))
			code = country_aliases[i].alpha2;
	if (!code) {
		diag_set(d, "not a known country: \"%.*s\"",
			 len > 64 ? 64 : (int)len, v);
		return LIA_EVALUE;
	}
	if (out) {
		out[0] = code[0];
		out[1] = code[1];
		out[2] = '\0';
	}
	return 0;
}

const char *types_country_name(const char *code)
{
	if (!code)
		return NULL;
	for (size_t i = 0; i < country_table_len; i++)
		if (strcmp(code, country_table[i].alpha2) == 0)
			return country_table[i].name;
	return NULL;
}

/* ---- IBAN ------------------------------------------------------------- */

/* IBAN lengths per country, from the SWIFT IBAN registry. */
static const struct {
	char cc[3];
	unsigned char len;
} iban_lengths[] = {
	{ "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 }, { "AZ", 28 },
	{ "BA", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 }, { "BI", 27 },
	{ "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 }, { "CY", 28 },
	{ "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 }, { "DO", 28 },
	{ "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 }, { "FK", 18 },
	{ "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 }, { "GI", 23 },
	{ "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HN", 28 }, { "HR", 21 },
	{ "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 },
	{ "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
	{ "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 },
	{ "PS", 29 }, { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 },
	{ "RU", 33 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 },
	{ "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 }, { "ST", 25 },
	{ "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
	{ "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 },
};

int types_iban(const char *v, size_t len, struct strbuf *out, struct diag *d)
{
	char buf[IBAN_MAX + 1];
	size_t n = 0, want = 0;
	unsigned rem = 0;
	int rc;

	if ((rc = check_common(v, len, false, false, d)))
		return rc;
	trim(&v, &len);
	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (c == ' ')
			continue;
		if (!is_alnum((unsigned char)c)) {
			diag_set(d, "IBAN contains a character other than "
				    "letters, digits and spaces");
			return LIA_EVALUE;
		}
		if (n == IBAN_MAX) {
			diag_set(d, "IBAN longer than %d characters", IBAN_MAX);
			return LIA_EVALUE;
		}
		buf[n++] = to_upper(c);
	}
	buf[n] = '\0';
	if (n < 5 || !is_upper((unsigned char)buf[0]) ||
	    !is_upper((unsigned char)buf[1]) ||
	    !is_digit((unsigned char)buf[2]) ||
	    !is_digit((unsigned char)buf[3])) {
		diag_set(d, "IBAN must start with a country code and two "
			    "check digits");
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < sizeof(iban_lengths) / sizeof(iban_lengths[0]);
	     i++) {
		if (buf[0] == iban_lengths[i].cc[0] &&
		    buf[1] == iban_lengths[i].cc[1])
			want = iban_lengths[i].len;
	}
	if (!want) {
		diag_set(d, "IBAN country %c%c does not use IBANs", buf[0],
			 buf[1]);
		return LIA_EVALUE;
	}
	if (n != want) {
		diag_set(d, "IBAN for %c%c must have %zu characters, not %zu",
			 buf[0], buf[1], want, n);
		return LIA_EVALUE;
	}
	/* Move the first four characters to the end, read letters as 10..35
	 * and take the number mod 97 digit by digit, so it never overflows. */
	for (size_t k = 0; k < n; k++) {
		char c = buf[(k + 4) % n];

		if (is_digit((unsigned char)c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	if (rem != 1) {
		diag_set(d, "IBAN check digits do not match");
		return LIA_EVALUE;
	}
	return out ? strbuf_add(out, buf, n) : 0;
}

/* ---- e-mail, phone, URL ----------------------------------------------- */

static bool email_local_char(unsigned char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

/*
 * Only ASCII addresses in the dot-atom form are accepted: quoted local
 * parts, IP literals and internationalised addresses are so rare in the
 * records we exchange that accepting them would mostly let garbage in.
 */
static int email(const char *v, size_t len, struct strbuf *out,
		 struct diag *d)
{
	const char *at = NULL;
	size_t local, dom, label = 0, dots = 0, mark;
	int rc;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == '@') {
			if (at) {
				diag_set(d, "not an e-mail address: more "
					    "than one '@'");
				return LIA_EVALUE;
			}
			at = v + i;
		}
	}
	if (!at) {
		diag_set(d, "not an e-mail address: no '@'");
		return LIA_EVALUE;
	}
	local = (size_t)(at - v);
	dom = len - local - 1;
	if (local == 0 || local > EMAIL_LOCAL_MAX) {
		diag_set(d, "not an e-mail address: local part must have 1 "
			    "to %d characters", EMAIL_LOCAL_MAX);
		return LIA_EVALUE;
	}
	if (v[0] == '.' || v[local - 1] == '.') {
		diag_set(d, "not an e-mail address: local part starts or "
			    "ends with a dot");
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < local; i++) {
		if (!email_local_char((unsigned char)v[i]) ||
		    (v[i] == '.' && i + 1 < local && v[i + 1] == '.')) {
			diag_set(d, "not an e-mail address: bad character "
				    "in local part");
			return LIA_EVALUE;
		}
	}
	if (dom == 0 || dom > EMAIL_DOMAIN_MAX) {
		diag_set(d, "not an e-mail address: bad domain length");
		return LIA_EVALUE;
	}
	for (size_t i = 0; i <= dom; i++) {
		char c = i < dom ? at[1 + i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || at[i] == '-') {
				diag_set(d, "not an e-mail address: bad "
					    "domain label");
				return LIA_EVALUE;
			}
			if (i < dom)
				dots++;
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)c) && c != '-') {
			diag_set(d, "not an e-mail address: bad character "
				    "in domain");
			return LIA_EVALUE;
		}
		if (label == 0 && c == '-') {
			diag_set(d, "not an e-mail address: bad domain label");
			return LIA_EVALUE;
		}
		label++;
	}
	if (!dots) {
		diag_set(d, "not an e-mail address: domain has no dot");
		return LIA_EVALUE;
	}
	if (!out)
		return 0;
	mark = out->len;
	if ((rc = strbuf_add(out, v, local + 1)))
		return rc;
	for (size_t i = 0; i < dom; i++) {
		if ((rc = strbuf_addch(out, to_lower(at[1 + i])))) {
			strbuf_setlen(out, mark);
			return rc;
		}
	}
	return 0;
}

/* Validate a phone number; with digits_form set, append the digits form. */
static int phone(const char *v, size_t len, struct strbuf *out,
		 bool digits_form, struct diag *d)
{
	char buf[24];
	size_t n = 0, ndig = 0;

	for (size_t i = 0; i < len; i++) {
		char c = v[i];

		if (c == '+') {
			if (i != 0) {
				diag_set(d, "not a phone number: '+' only at "
					    "the start");
				return LIA_EVALUE;
			}
			buf[n++] = c;
		} else if (is_digit((unsigned char)c)) {
			if (++ndig > 20) {
				diag_set(d, "not a phone number: more than 20 "
					    "digits");
				return LIA_EVALUE;
			}
			buf[n++] = c;
		} else if (!strchr(" -()./", c) || c == '\0') {
			diag_set(d, "not a phone number: character '%c'",
				 c);
			return LIA_EVALUE;
		}
	}
	if (ndig < 5) {
		diag_set(d, "not a phone number: fewer than 5 digits");
		return LIA_EVALUE;
	}
	if (!out)
		return 0;
	return digits_form ? strbuf_add(out, buf, n) : strbuf_add(out, v, len);
}

int types_phone_digits(const char *v, size_t len, struct strbuf *out,
		       struct diag *d)
{
	int rc;

	if ((rc = check_common(v, len, false, false, d)))
		return rc;
	trim(&v, &len);
	return phone(v, len, out, true, d);
}

static int url(const char *v, size_t len, struct strbuf *out, struct diag *d)
{
	size_t skip, i, host_start, host_end;

	if (len >= 7 && eq_nocase(v, 7, "http://"))
		skip = 7;
	else if (len >= 8 && eq_nocase(v, 8, "https://"))
		skip = 8;
	else {
		diag_set(d, "not a URL: must start with http:// or https://");
		return LIA_EVALUE;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= 0x20 || c == 0x7f) {
			diag_set(d, "not a URL: space or control character");
			return LIA_EVALUE;
		}
	}
	/* The authority runs to the first '/', '?' or '#'; the host is what
	 * follows any userinfo and precedes any port. */
	for (i = skip; i < len && !strchr("/?#", v[i]); i++)
		;
	host_end = i;
	host_start = skip;
	for (i = skip; i < host_end; i++)
		if (v[i] == '@')
			host_start = i + 1;
	for (i = host_start; i < host_end; i++) {
		if (v[i] == ':' && v[host_start] != '[') {
			for (size_t k = i + 1; k < host_end; k++) {
				if (!is_digit((unsigned char)v[k])) {
					diag_set(d, "not a URL: bad port");
					return LIA_EVALUE;
				}
			}
			host_end = i;
			break;
		}
	}
	if (host_end <= host_start) {
		diag_set(d, "not a URL: no host");
		return LIA_EVALUE;
	}
	return out ? strbuf_add(out, v, len) : 0;
}

/* ---- small types ------------------------------------------------------ */

static int identifier(const char *v, size_t len, struct strbuf *out,
		      struct diag *d)
{
	if (len > IDENTIFIER_MAX) {
		diag_set(d, "identifier longer than %d bytes", IDENTIFIER_MAX);
		return LIA_EVALUE;
	}
	if (memchr(v, '\t', len)) {
		diag_set(d, "identifier contains a tab");
		return LIA_EVALUE;
	}
	return out ? strbuf_add(out, v, len) : 0;
}

static int entity_id(const char *v, size_t len, struct strbuf *out,
		     struct diag *d)
{
	if (len > ENTITY_ID_MAX) {
		diag_set(d, "entity id longer than %d bytes", ENTITY_ID_MAX);
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!is_alnum(c) && !strchr("._:-", c)) {
			diag_set(d, "entity id contains a character other "
				    "than A-Z a-z 0-9 . _ : -");
			return LIA_EVALUE;
		}
	}
	return out ? strbuf_add(out, v, len) : 0;
}

/*
 * Decimal numbers: [+-]digits[.digits]. Exponents, thousands separators,
 * "NaN" and "inf" are rejected: a value like "1e3" or "1,000" is ambiguous
 * between locales and tools, and a wrong amount is worse than none.
 */
static int number(const char *v, size_t len, struct strbuf *out,
		  struct diag *d)
{
	size_t i = 0, intd = 0, frac = 0;

	if (i < len && (v[i] == '+' || v[i] == '-'))
		i++;
	while (i < len && is_digit((unsigned char)v[i])) {
		i++;
		intd++;
	}
	if (i < len && v[i] == '.') {
		i++;
		while (i < len && is_digit((unsigned char)v[i])) {
			i++;
			frac++;
		}
		if (!frac)
			intd = 0;
	}
	if (!intd || i != len) {
		diag_set(d, "not a number: expected [+-]digits[.digits]");
		return LIA_EVALUE;
	}
	return out ? strbuf_add(out, v, len) : 0;
}

static int gender(const char *v, size_t len, struct strbuf *out,
		  struct diag *d)
{
	const char *g = NULL;

	if (eq_nocase(v, len, "male") || eq_nocase(v, len, "m"))
		g = "male";
	else if (eq_nocase(v, len, "female") || eq_nocase(v, len, "f"))
		g = "female";
	else if (eq_nocase(v, len, "other"))
		g = "other";
	if (!g) {
		diag_set(d, "not a gender: expected male, female or other");
		return LIA_EVALUE;
	}
	return out ? strbuf_addstr(out, g) : 0;
}

static int language(const char *v, size_t len, struct strbuf *out,
		    struct diag *d)
{
	if (len != 3 || !strchr("abcdefghijklmnopqrstuvwxyz", v[0]) ||
	    !strchr("abcdefghijklmnopqrstuvwxyz", v[1]) ||
	    !strchr("abcdefghijklmnopqrstuvwxyz", v[2]) || !v[0] || !v[1] ||
	    !v[2]) {
		diag_set(d, "not a language: expected three lower-case "
			    "letters (ISO 639)");
		return LIA_EVALUE;
	}
	return out ? strbuf_add(out, v, len) : 0;
}

/* Hex digests; stored lower case. The length must be a whole number of
 * bytes, at least 4 (CRC-32) and at most 64 (SHA-512). */
static int checksum(const char *v, size_t len, struct strbuf *out,
		    struct diag *d)
{
	size_t mark;
	int rc;

	if (len < 8 || len > CHECKSUM_MAX || len % 2) {
		diag_set(d, "not a checksum: expected an even number of hex "
			    "digits, 8 to %d", CHECKSUM_MAX);
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < len; i++) {
		if (!v[i] || !strchr("0123456789abcdefABCDEF", v[i])) {
			diag_set(d, "not a checksum: non-hex character");
			return LIA_EVALUE;
		}
	}
	if (!out)
		return 0;
	mark = out->len;
	for (size_t i = 0; i < len; i++) {
		if ((rc = strbuf_addch(out, to_lower(v[i])))) {
			strbuf_setlen(out, mark);
			return rc;
		}
	}
	return 0;
}

static int topic(const char *v, size_t len, struct strbuf *out,
		 struct diag *d)
{
	if (len > TOPIC_MAX) {
		diag_set(d, "topic longer than %d bytes", TOPIC_MAX);
		return LIA_EVALUE;
	}
	for (size_t i = 0; i < len; i++) {
		if (!v[i] || !strchr("abcdefghijklmnopqrstuvwxyz0123456789.-",
				     v[i])) {
			diag_set(d, "not a topic: expected a-z 0-9 . -");
			return LIA_EVALUE;
		}
	}
	return out ? strbuf_add(out, v, len) : 0;
}

static bool mime_token_char(unsigned char c)
{
	return is_alnum(c) || (c && strchr("!#$&^_.+-", c));
}

/* type/subtype, both RFC 6838 tokens; parameters are not accepted. Stored
 * lower case, since media types are case-insensitive. */
static int mimetype(const char *v, size_t len, struct strbuf *out,
		    struct diag *d)
{
	size_t slash = 0, mark;
	int rc;

	if (len > MIMETYPE_MAX)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '/') {
			if (slash)
				goto bad;
			slash = i;
		} else if (!mime_token_char((unsigned char)v[i])) {
			goto bad;
		}
	}
	if (!slash || slash + 1 == len)
		goto bad;
	if (!out)
		return 0;
	mark = out->len;
	for (size_t i = 0; i < len; i++) {
		if ((rc = strbuf_addch(out, to_lower(v[i])))) {
			strbuf_setlen(out, mark);
			return rc;
		}
	}
	return 0;
bad:
	diag_set(d, "not a MIME type: expected type/subtype");
	return LIA_EVALUE;
}

static int json(const char *v, size_t len, struct strbuf *out,
		struct diag *d)
{
	json_error_t err;
	json_t *j = json_loadb(v, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
			       &err);

	if (!j) {
		diag_set(d, "not valid JSON: %s", err.text);
		return LIA_EVALUE;
	}
	json_decref(j);
	return out ? strbuf_add(out, v, len) : 0;
}

/* IPv4 or IPv6, stored in the canonical text form of inet_ntop. */
static int ip(const char *v, size_t len, struct strbuf *out, struct diag *d)
{
	char in[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int af;

	if (len == 0 || len >= sizeof(in) || memchr(v, '\0', len))
		goto bad;
	memcpy(in, v, len);
	in[len] = '\0';
	af = memchr(v, ':', len) ? AF_INET6 : AF_INET;
	if (inet_pton(af, in, bin) != 1 ||
	    !inet_ntop(af, bin, txt, sizeof(txt)))
		goto bad;
	return out ? strbuf_addstr(out, txt) : 0;
bad:
	diag_set(d, "not an IP address");
	return LIA_EVALUE;
}

/* ---- ICAO 9303 machine readable zone ---------------------------------- */

int types_mrz_check_digit(const char *s, size_t len)
{
	static const int weight[3] = { 7, 3, 1 };
	unsigned sum = 0;

	if (!s && len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned val;

		if (is_digit(c))
			val = c - '0';
		else if (is_upper(c))
			val = c - 'A' + 10;
		else if (c == '<')
			val = 0;
		else
			return -1;
		sum += val * (unsigned)weight[i % 3];
	}
	return (int)(sum % 10);
}

/* Verify the check digit at `cd` over [s, s+len). A filler '<' in place of
 * the digit is accepted only when the field is all fillers, as 9303 allows
 * for empty optional data. */
static int mrz_verify(const char *s, size_t len, char cd, const char *what,
		      struct diag *d)
{
	int want = types_mrz_check_digit(s, len);

	if (cd == '<' && want == 0) {
		for (size_t i = 0; i < len; i++)
			if (s[i] != '<')
				goto bad;
		return 0;
	}
	if (want >= 0 && is_digit((unsigned char)cd) && cd - '0' == want)
		return 0;
bad:
	diag_set(d, "MRZ check digit for the %s does not match", what);
	return LIA_EVALUE;
}

/* Copy a field into dst (size dstsz), dropping trailing '<' fillers and
 * turning inner fillers into spaces. */
static void mrz_field(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t n = 0;

	while (len && s[len - 1] == '<')
		len--;
	for (size_t i = 0; i < len && n + 1 < dstsz; i++)
		dst[n++] = s[i] == '<' ? ' ' : s[i];
	dst[n] = '\0';
}

/* Split the name field at the first "<<" into surname and given names. */
static void mrz_names(struct mrz *m, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (s[i] == '<' && s[i + 1] == '<')
			break;
	if (i + 1 >= len) {
		mrz_field(m->surname, sizeof(m->surname), s, len);
		m->given[0] = '\0';
		return;
	}
	mrz_field(m->surname, sizeof(m->surname), s, i);
	mrz_field(m->given, sizeof(m->given), s + i + 2, len - i - 2);
}

static int mrz_date(const char *s, const char *what, struct diag *d)
{
	unsigned mm, dd;

	/* 9303 allows fillers for unknown parts of a date of birth. */
	if (!digits(s + 2, 2, &mm) || !digits(s + 4, 2, &dd))
		return 0;
	if (mm < 1 || mm > 12 || dd < 1 || dd > 31) {
		diag_set(d, "MRZ %s is not a valid date", what);
		return LIA_EVALUE;
	}
	return 0;
}

/* The fields TD2 and TD3 share: line 2 up to the expiry check digit. */
static int mrz_line2(struct mrz *m, const char *l2, struct diag *d)
{
	int rc;

	if ((rc = mrz_verify(l2, 9, l2[9], "document number", d)) ||
	    (rc = mrz_verify(l2 + 13, 6, l2[19], "date of birth", d)) ||
	    (rc = mrz_verify(l2 + 21, 6, l2[27], "date of expiry", d)) ||
	    (rc = mrz_date(l2 + 13, "date of birth", d)) ||
	    (rc = mrz_date(l2 + 21, "date of expiry", d)))
		return rc;
	mrz_field(m->number, sizeof(m->number), l2, 9);
	mrz_field(m->nationality, sizeof(m->nationality), l2 + 10, 3);
	memcpy(m->birth, l2 + 13, 6);
	m->sex = l2[20];
	memcpy(m->expiry, l2 + 21, 6);
	return 0;
}

static int mrz_td1(struct mrz *m, const char *l1, const char *l2,
		   const char *l3, struct diag *d)
{
	char comp[60];
	size_t numlen = 9;
	int rc;

	if (l1[14] == '<' && l1[15] != '<') {
		/* A number longer than nine characters continues in the
		 * optional data; its check digit is the last character
		 * before the first filler there. */
		size_t end = 15;
		char num[32];

		while (end < 30 && l1[end] != '<')
			end++;
		if (end - 15 < 2) {
			diag_set(d, "MRZ long document number is malformed");
			return LIA_EVALUE;
		}
		memcpy(num, l1 + 5, 9);
		memcpy(num + 9, l1 + 15, end - 16);
		numlen = 9 + end - 16;
		if ((rc = mrz_verify(num, numlen, l1[end - 1],
				     "document number", d)))
			return rc;
		if (numlen >= sizeof(m->number)) {
			diag_set(d, "MRZ document number too long");
			return LIA_EVALUE;
		}
		memcpy(m->number, num, numlen);
		m->number[numlen] = '\0';
	} else {
		if ((rc = mrz_verify(l1 + 5, 9, l1[14], "document number", d)))
			return rc;
		mrz_field(m->number, sizeof(m->number), l1 + 5, 9);
	}
	if ((rc = mrz_verify(l2, 6, l2[6], "date of birth", d)) ||
	    (rc = mrz_verify(l2 + 8, 6, l2[14], "date of expiry", d)) ||
	    (rc = mrz_date(l2, "date of birth", d)) ||
	    (rc = mrz_date(l2 + 8, "date of expiry", d)))
		return rc;
	/* Composite: line 1 from the number on, the two dates with their
	 * check digits, and the optional data of line 2. */
	memcpy(comp, l1 + 5, 25);
	memcpy(comp + 25, l2, 7);
	memcpy(comp + 32, l2 + 8, 7);
	memcpy(comp + 39, l2 + 18, 11);
	if ((rc = mrz_verify(comp, 50, l2[29], "composite", d)))
		return rc;
	memcpy(m->birth, l2, 6);
	m->sex = l2[7];
	memcpy(m->expiry, l2 + 8, 6);
	mrz_field(m->nationality, sizeof(m->nationality), l2 + 15, 3);
	mrz_names(m, l3, 30);
	return 0;
}

static int mrz_td2(struct mrz *m, const char *l1, const char *l2,
		   struct diag *d)
{
	char comp[40];
	int rc;

	if ((rc = mrz_line2(m, l2, d)))
		return rc;
	memcpy(comp, l2, 10);
	memcpy(comp + 10, l2 + 13, 7);
	memcpy(comp + 17, l2 + 21, 14);
	if ((rc = mrz_verify(comp, 31, l2[35], "composite", d)))
		return rc;
	mrz_names(m, l1 + 5, 31);
	return 0;
}

static int mrz_td3(struct mrz *m, const char *l1, const char *l2,
		   struct diag *d)
{
	char comp[40];
	int rc;

	if ((rc = mrz_line2(m, l2, d)) ||
	    (rc = mrz_verify(l2 + 28, 14, l2[42], "personal number", d)))
		return rc;
	memcpy(comp, l2, 10);
	memcpy(comp + 10, l2 + 13, 7);
	memcpy(comp + 17, l2 + 21, 22);
	if ((rc = mrz_verify(comp, 39, l2[43], "composite", d)))
		return rc;
	mrz_names(m, l1 + 5, 39);
	return 0;
}

/* Split v into at most 3 lines at '\n' or "\r\n". */
static int mrz_lines(const char *v, size_t len, const char *line[3],
		     size_t linelen[3], size_t *nlines, struct diag *d)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t end;

		if (i < len && v[i] != '\n')
			continue;
		end = i;
		if (end > start && v[end - 1] == '\r')
			end--;
		if (n == 3) {
			diag_set(d, "MRZ has more than three lines");
			return LIA_EVALUE;
		}
		line[n] = v + start;
		linelen[n++] = end - start;
		start = i + 1;
	}
	*nlines = n;
	return 0;
}

int types_mrz(const char *v, size_t len, struct mrz *out, struct diag *d)
{
	const char *line[3];
	size_t linelen[3], nlines = 0, width;
	struct mrz m;
	int rc;

	memset(&m, 0, sizeof(m));
	if (len > 200) {
		diag_set(d, "MRZ longer than three lines of 30 or two of 44");
		return LIA_EVALUE;
	}
	if ((rc = check_common(v, len, true, true, d)))
		return rc;
	trim(&v, &len);
	if ((rc = mrz_lines(v, len, line, linelen, &nlines, d)))
		return rc;
	width = linelen[0];
	for (size_t k = 0; k < nlines; k++) {
		if (linelen[k] != width) {
			diag_set(d, "MRZ lines differ in length");
			return LIA_EVALUE;
		}
		for (size_t i = 0; i < width; i++) {
			unsigned char c = (unsigned char)line[k][i];

			if (!is_upper(c) && !is_digit(c) && c != '<') {
				diag_set(d, "MRZ line %zu: character other "
					    "than A-Z, 0-9 and '<'",
					 k + 1);
				return LIA_EVALUE;
			}
		}
	}
	if (nlines == 3 && width == 30)
		m.format = MRZ_TD1;
	else if (nlines == 2 && width == 36)
		m.format = MRZ_TD2;
	else if (nlines == 2 && width == 44)
		m.format = MRZ_TD3;
	else {
		diag_set(d, "MRZ layout is not TD1 (3x30), TD2 (2x36) or "
			    "TD3 (2x44)");
		return LIA_EVALUE;
	}
	if (!is_upper((unsigned char)line[0][0])) {
		diag_set(d, "MRZ document code must start with a letter");
		return LIA_EVALUE;
	}
	mrz_field(m.doc_code, sizeof(m.doc_code), line[0], 2);
	mrz_field(m.issuer, sizeof(m.issuer), line[0] + 2, 3);
	if (m.format == MRZ_TD1)
		rc = mrz_td1(&m, line[0], line[1], line[2], d);
	else if (m.format == MRZ_TD2)
		rc = mrz_td2(&m, line[0], line[1], d);
	else
		rc = mrz_td3(&m, line[0], line[1], d);
	if (rc)
		return rc;
	if (m.sex != 'M' && m.sex != 'F' && m.sex != '<') {
		diag_set(d, "MRZ sex must be M, F or '<'");
		return LIA_EVALUE;
	}
	if (out)
		*out = m;
	return 0;
}

/* The normal form of an MRZ: its lines joined by '\n', no '\r'. */
static int mrz_value(const char *v, size_t len, struct strbuf *out,
		     struct diag *d)
{
	struct mrz m;
	size_t mark;
	int rc;

	if ((rc = types_mrz(v, len, &m, d)) || !out)
		return rc;
	mark = out->len;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\r')
			continue;
		if ((rc = strbuf_addch(out, v[i]))) {
			strbuf_setlen(out, mark);
			return rc;
		}
	}
	return 0;
}

/* ---- free text and names ---------------------------------------------- */

/* Names: runs of whitespace become one space, then NFC. */
static int name(const char *v, size_t len, struct strbuf *out,
		struct diag *d)
{
	struct strbuf tmp;
	int rc = 0;

	strbuf_init(&tmp, TYPES_VALUE_MAX);
	for (size_t i = 0; i < len; i++) {
		if (is_space((unsigned char)v[i])) {
			while (i + 1 < len && is_space((unsigned char)v[i + 1]))
				i++;
			rc = strbuf_addch(&tmp, ' ');
		} else {
			rc = strbuf_addch(&tmp, v[i]);
		}
		if (rc)
			goto out;
	}
	rc = out ? types_nfc(tmp.buf, tmp.len, out, d) : 0;
out:
	strbuf_release(&tmp);
	return rc;
}

/* ---- dispatch --------------------------------------------------------- */

int types_normalize(enum ptype t, const char *v, size_t len,
		    struct strbuf *out, struct diag *d)
{
	char cc[3];
	int rc;

	if ((unsigned)t >= PTYPE__COUNT) {
		diag_set(d, "unknown property type %d", (int)t);
		return LIA_EINVAL;
	}
	if ((rc = check_common(v, len, t == PTYPE_TEXT || t == PTYPE_MRZ,
				t == PTYPE_MRZ, d)))
		return rc;
	trim(&v, &len);
	if ((rc = empty_check(len, d)))
		return rc;
	switch (t) {
	case PTYPE_STRING:
	case PTYPE_TEXT:
	case PTYPE_ADDRESS:
		return out ? types_nfc(v, len, out, d) : 0;
	case PTYPE_NAME:
		return name(v, len, out, d);
	case PTYPE_DATE:
		return types_date(v, len, out, d);
	case PTYPE_COUNTRY:
		if ((rc = types_country(v, len, cc, d)))
			return rc;
		return out ? strbuf_add(out, cc, 2) : 0;
	case PTYPE_IBAN:
		return types_iban(v, len, out, d);
	case PTYPE_EMAIL:
		return email(v, len, out, d);
	case PTYPE_PHONE:
		return phone(v, len, out, false, d);
	case PTYPE_URL:
		return url(v, len, out, d);
	case PTYPE_IDENTIFIER:
		return identifier(v, len, out, d);
	case PTYPE_ENTITY:
		return entity_id(v, len, out, d);
	case PTYPE_NUMBER:
		return number(v, len, out, d);
	case PTYPE_GENDER:
		return gender(v, len, out, d);
	case PTYPE_LANGUAGE:
		return language(v, len, out, d);
	case PTYPE_TOPIC:
		return topic(v, len, out, d);
	case PTYPE_MRZ:
		return mrz_value(v, len, out, d);
	case PTYPE_CHECKSUM:
		return checksum(v, len, out, d);
	case PTYPE_MIMETYPE:
		return mimetype(v, len, out, d);
	case PTYPE_JSON:
		return json(v, len, out, d);
	case PTYPE_IP:
		return ip(v, len, out, d);
	case PTYPE__COUNT:
		break;
	}
	diag_set(d, "unknown property type %d", (int)t);
	return LIA_EINTERNAL;
}
