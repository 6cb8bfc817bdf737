/*
 * test_types.c - validation and normalisation of property values, with
 * known valid and invalid values for every type, and country coverage of
 * the real UN and OFAC lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liaison/types.h"

/* Normalise s as t; fail the test unless it yields want. */
static void ok(enum ptype t, const char *s, const char *want)
{
	struct strbuf sb;
	struct diag d;
	int rc;

	strbuf_init(&sb, STRBUF_DEFAULT_MAX);
	diag_clear(&d);
	rc = types_normalize(t, s, strlen(s), &sb, &d);
	if (rc)
		fail_msg("%s \"%s\" rejected: %s", ptype_name(t), s, d.msg);
	if (strcmp(sb.buf, want))
		fail_msg("%s \"%s\" gave \"%s\", want \"%s\"", ptype_name(t), s,
			 sb.buf, want);
	strbuf_release(&sb);
}

/* Expect s to be rejected as t with a reason containing `why`; out must
 * be left as it was. */
static void bad(enum ptype t, const char *s, size_t len, const char *why)
{
	struct strbuf sb;
	struct diag d;
	int rc;

	strbuf_init(&sb, STRBUF_DEFAULT_MAX);
	assert_int_equal(strbuf_addstr(&sb, "keep"), 0);
	diag_clear(&d);
	rc = types_normalize(t, s, len, &sb, &d);
	if (rc != LIA_EVALUE)
		fail_msg("%s \"%.*s\" accepted (rc %d, \"%s\")", ptype_name(t),
			 (int)len, s, rc, sb.buf);
	assert_string_equal(sb.buf, "keep");
	if (why && !strstr(d.msg, why))
		fail_msg("%s \"%.*s\": reason \"%s\" lacks \"%s\"",
			 ptype_name(t), (int)len, s, d.msg, why);
	strbuf_release(&sb);
}

#define BAD(t, s, why) bad(t, s, strlen(s), why)

static void test_common(void **state)
{
	(void)state;
	char *big = malloc(TYPES_VALUE_MAX + 2);

	assert_non_null(big);
	memset(big, 'a', TYPES_VALUE_MAX + 1);
	big[TYPES_VALUE_MAX + 1] = '\0';
	bad(PTYPE_STRING, big, TYPES_VALUE_MAX + 1, "too long");
	ok(PTYPE_STRING, "  padded\t", "padded");
	ok(PTYPE_STRING, "a\tb", "a\tb");
	BAD(PTYPE_STRING, "a\nb", "control");
	ok(PTYPE_TEXT, "line one\nline two", "line one\nline two");
	BAD(PTYPE_TEXT, "cr\r\nlf", "control");
	BAD(PTYPE_STRING, "bell\a", "control");
	BAD(PTYPE_STRING, "del\x7f", "control");
	BAD(PTYPE_STRING, "c1 \xc2\x85 next line", "control");
	BAD(PTYPE_STRING, "bad \xff utf8", "UTF-8");
	BAD(PTYPE_STRING, "overlong \xc0\xaf", "UTF-8");
	bad(PTYPE_STRING, "nul\0inside", 10, "control");
	BAD(PTYPE_STRING, "   ", "empty");
	BAD(PTYPE_NAME, "", "empty");
	free(big);
}

static void test_nfc_and_names(void **state)
{
	(void)state;
	struct strbuf sb;

	ok(PTYPE_NAME, "Rene\xcc\x81", "Ren\xc3\xa9");
	ok(PTYPE_STRING, "e\xcc\x81", "\xc3\xa9");
	ok(PTYPE_NAME, "  Frau   Dr.\tIrene  Nierstenh\xc3\xb6" "fer ",
	   "Frau Dr. Irene Nierstenh\xc3\xb6" "fer");
	/* Cyrillic, Arabic and Chinese names pass unchanged. */
	ok(PTYPE_NAME, "\xd0\x92\xd0\xbb\xd0\xb0\xd0\xb4\xd0\xb8\xd0\xbc\xd0"
		       "\xb8\xd1\x80 \xd0\x9f\xd1\x83\xd1\x82\xd0\xb8\xd0\xbd",
	   "\xd0\x92\xd0\xbb\xd0\xb0\xd0\xb4\xd0\xb8\xd0\xbc\xd0"
	   "\xb8\xd1\x80 \xd0\x9f\xd1\x83\xd1\x82\xd0\xb8\xd0\xbd");
	ok(PTYPE_NAME, "\xd8\xa3\xd8\xb3\xd8\xa7\xd9\x85\xd8\xa9",
	   "\xd8\xa3\xd8\xb3\xd8\xa7\xd9\x85\xd8\xa9");
	ok(PTYPE_NAME, "\xe4\xb9\xa0\xe8\xbf\x91\xe5\xb9\xb3",
	   "\xe4\xb9\xa0\xe8\xbf\x91\xe5\xb9\xb3");
	/* Hangul jamo compose into a syllable under NFC. */
	ok(PTYPE_NAME, "\xe1\x84\x80\xe1\x85\xa1", "\xea\xb0\x80");
	ok(PTYPE_ADDRESS, "Schillerstra\xc3\x9f" "e 19, 76135 Karlsruhe",
	   "Schillerstra\xc3\x9f" "e 19, 76135 Karlsruhe");

	strbuf_init(&sb, STRBUF_DEFAULT_MAX);
	assert_int_equal(types_nfc("A\xcc\x8a", 3, &sb, NULL), 0);
	assert_string_equal(sb.buf, "\xc3\x85");
	assert_int_equal(types_nfc("\xed\xa0\x80", 3, &sb, NULL), LIA_EVALUE);
	assert_string_equal(sb.buf, "\xc3\x85");
	strbuf_release(&sb);
}

static void test_dates(void **state)
{
	(void)state;
	ok(PTYPE_DATE, "1970", "1970");
	ok(PTYPE_DATE, "1970-05", "1970-05");
	ok(PTYPE_DATE, "1970-05-12", "1970-05-12");
	ok(PTYPE_DATE, " 2011-12-29 ", "2011-12-29");
	ok(PTYPE_DATE, "2000-02-29", "2000-02-29");
	ok(PTYPE_DATE, "2024-02-29T23:59", "2024-02-29T23:59");
	ok(PTYPE_DATE, "2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z");
	BAD(PTYPE_DATE, "1970-13-01", "month 13");
	BAD(PTYPE_DATE, "1970-02-30", "day 30");
	BAD(PTYPE_DATE, "1900-02-29", "day 29");
	BAD(PTYPE_DATE, "2023-02-29", "day 29");
	BAD(PTYPE_DATE, "1970-04-31", "day 31");
	BAD(PTYPE_DATE, "1970-00", "month 0");
	BAD(PTYPE_DATE, "1970-01-00", "day 0");
	BAD(PTYPE_DATE, "70-01-01", "year");
	BAD(PTYPE_DATE, "1970/05/12", "not a valid date");
	BAD(PTYPE_DATE, "1970-05-12x", "not a valid date");
	BAD(PTYPE_DATE, "1970-5-12", "not a valid date");
	BAD(PTYPE_DATE, "0999", "year 999");
	BAD(PTYPE_DATE, "3000-01-01", "year 3000");
	BAD(PTYPE_DATE, "1970-05-12T24:00", "time");
	BAD(PTYPE_DATE, "1970-05-12T12:00:60", "seconds");
	BAD(PTYPE_DATE, "1970-05-12T12:00Zjunk", "after the time");
	BAD(PTYPE_DATE, "1970-05T12:00", "not a valid date");
	BAD(PTYPE_DATE, "", "empty");
}

static void country_ok(const char *in, const char *want)
{
	char cc[3] = "";
	struct diag d;

	if (types_country(in, strlen(in), cc, &d))
		fail_msg("country \"%s\" rejected: %s", in, d.msg);
	if (strcmp(cc, want))
		fail_msg("country \"%s\" gave %s, want %s", in, cc, want);
}

static void test_countries(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "DE", "de" }, { "de", "de" }, { "deu", "de" },
		{ "GBR", "gb" }, { "Germany", "de" },
		{ "Russia", "ru" }, { "Russian Federation", "ru" },
		{ "RUSSIAN FEDERATION", "ru" }, { "Iran", "ir" },
		{ "Iran (Islamic Republic of)", "ir" }, { "Syria", "sy" },
		{ "Syrian Arab Republic", "sy" },
		{ "Democratic People's Republic of Korea", "kp" },
		{ "North Korea", "kp" }, { "Korea, North", "kp" },
		{ "Korea, South", "kr" }, { "United Kingdom", "gb" },
		{ "United Kingdom of Great Britain and Northern Ireland",
		  "gb" },
		{ "Democratic Republic of the Congo", "cd" },
		{ "Congo, Democratic Republic of the", "cd" },
		{ "Congo, Republic of the", "cg" }, { "Venezuela", "ve" },
		{ "Venezuela (Bolivarian Republic of)", "ve" },
		{ "Turkey", "tr" }, { "T\xc3\xbcrkiye", "tr" },
		{ "Viet Nam", "vn" }, { "Vietnam", "vn" }, { "Burma", "mm" },
		{ "Myanmar", "mm" }, { "Kosovo", "xk" }, { "XK", "xk" },
		{ "Bahamas, The", "bs" }, { "Cote d Ivoire", "ci" },
		{ "C\xc3\xb4te d'Ivoire", "ci" }, { "Man, Isle of", "im" },
		{ "China, Hong Kong Special Administrative Region", "hk" },
		{ "State of Palestine", "ps" }, { " Iraq ", "iq" },
		{ "United States", "us" }, { "united states", "us" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		country_ok(cases[i][0], cases[i][1]);
	ok(PTYPE_COUNTRY, "Russia", "ru");
	BAD(PTYPE_COUNTRY, "Region: Crimea", "not a known country");
	BAD(PTYPE_COUNTRY, "Atlantis", "not a known country");
	BAD(PTYPE_COUNTRY, "ZZ", "not a known country");
	BAD(PTYPE_COUNTRY, "Germanyy", "not a known country");
	BAD(PTYPE_COUNTRY, "Germ", "not a known country");
	assert_string_equal(types_country_name("de"), "Germany");
	assert_string_equal(types_country_name("xk"), "Kosovo");
	assert_null(types_country_name("zz"));
	assert_null(types_country_name("DE"));
}

/* Every country name in the real OFAC address file (5th column) and UN
 * list must map, except the few that are not countries. */
static int data_missing;

static int not_a_country(const char *s)
{
	static const char *const skip[] = {
		"-0-", "undetermined", "na", "Netherlands Antilles",
		"Palestinian", "Region: Crimea", "Region: Gaza",
		"Region: Kafia Kingi", "Region: Northern Mali",
	};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(s, skip[i]))
			return 1;
	return 0;
}

static size_t check_country_value(const char *s, size_t len)
{
	char buf[256];
	char cc[3];
	struct diag d;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\r'))
		len--;
	while (len && *s == ' ') {
		s++;
		len--;
	}
	if (!len || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (not_a_country(buf))
		return 0;
	if (types_country(buf, len, cc, &d))
		fail_msg("real country \"%s\" rejected: %s", buf, d.msg);
	return 1;
}

static void test_countries_real(void **state)
{
	(void)state;
	const char *dir = getenv("LIAISON_DATA");
	char path[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t got;
	static const char *const tags[] = {
		"<COUNTRY>", "<COUNTRY_OF_ISSUE>", "<NATIONALITY>",
	};

	if (dir)
		snprintf(path, sizeof(path), "%s/sanctions/ofac_add.csv", dir);
	f = dir ? fopen(path, "r") : NULL;
	if (!f) {
		data_missing = 1;
		skip();
		return;
	}
	/* OFAC: id,id,address,city/state/zip,"country",remarks; fields may
	 * be quoted, so take the fifth field honouring quotes. */
	while ((got = getline(&line, &cap, f)) > 0) {
		size_t field = 0, start = 0;
		int q = 0;

		for (size_t i = 0; i <= (size_t)got; i++) {
			char c = i < (size_t)got ? line[i] : ',';

			if (c == '"')
				q = !q;
			if ((c == ',' || c == '\n') && !q) {
				if (field == 4) {
					size_t b = start, e = i;
					if (e > b && line[b] == '"')
						b++;
					if (e > b && line[e - 1] == '"')
						e--;
					n += check_country_value(line + b,
								 e - b);
					break;
				}
				field++;
				start = i + 1;
			}
		}
	}
	fclose(f);
	assert_true(n > 9000);

	snprintf(path, sizeof(path), "%s/sanctions/UN_consolidated.xml", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = 0;
	while ((got = getline(&line, &cap, f)) > 0) {
		for (size_t t = 0; t < 3; t++) {
			char *p = strstr(line, tags[t]), *e;

			if (!p)
				continue;
			p += strlen(tags[t]);
			if (t == 2) {
				/* <NATIONALITY><VALUE>x</VALUE> may span
				 * lines; read on to the VALUE element. */
				while (!strstr(p, "<VALUE>") &&
				       (got = getline(&line, &cap, f)) > 0)
					p = line;
				p = strstr(p, "<VALUE>");
				if (!p)
					break;
				p += 7;
			}
			e = strchr(p, '<');
			if (e)
				n += check_country_value(p, (size_t)(e - p));
		}
	}
	free(line);
	fclose(f);
	assert_true(n > 500);
}

static void test_iban(void **state)
{
	(void)state;
	ok(PTYPE_IBAN, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000");
	ok(PTYPE_IBAN, "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432");
	ok(PTYPE_IBAN, "NL91ABNA0417164300", "NL91ABNA0417164300");
	ok(PTYPE_IBAN, "gb82west12345698765432", "GB82WEST12345698765432");
	BAD(PTYPE_IBAN, "DE89 3704 0044 0532 0130 01", "check digits");
	BAD(PTYPE_IBAN, "DE88 3704 0044 0532 0130 00", "check digits");
	BAD(PTYPE_IBAN, "GB82 WEST 1234 5698 7654 33", "check digits");
	BAD(PTYPE_IBAN, "NL91ABNA0417164301", "check digits");
	BAD(PTYPE_IBAN, "DE89 3704 0044 0532 0130 0", "22 characters");
	BAD(PTYPE_IBAN, "US12 3456 7890 1234", "does not use IBANs");
	BAD(PTYPE_IBAN, "DE89-3704-0044-0532-0130-00", "character");
	BAD(PTYPE_IBAN, "8937040044", "country code");
	BAD(PTYPE_IBAN, "DE89370400440532013000000000000000000", "longer");
}

static void test_email_phone_url(void **state)
{
	(void)state;
	struct strbuf sb;
	struct diag d;

	ok(PTYPE_EMAIL, "John.Doe@Example.ORG", "John.Doe@example.org");
	ok(PTYPE_EMAIL, "a+b@mail.example.co.uk", "a+b@mail.example.co.uk");
	BAD(PTYPE_EMAIL, "john@doe@example.org", "more than one");
	BAD(PTYPE_EMAIL, "john.example.org", "no '@'");
	BAD(PTYPE_EMAIL, "@example.org", "local part");
	BAD(PTYPE_EMAIL, "john@localhost", "no dot");
	BAD(PTYPE_EMAIL, "john@example..org", "domain label");
	BAD(PTYPE_EMAIL, "john@-example.org", "domain label");
	BAD(PTYPE_EMAIL, "jo hn@example.org", "local part");
	BAD(PTYPE_EMAIL, "john..doe@example.org", "local part");
	BAD(PTYPE_EMAIL,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@example.org",
	    "local part");

	ok(PTYPE_PHONE, " +49 (30) 123-456 ", "+49 (30) 123-456");
	ok(PTYPE_PHONE, "030/123.456", "030/123.456");
	BAD(PTYPE_PHONE, "1234", "fewer than 5");
	BAD(PTYPE_PHONE, "123456789012345678901", "more than 20");
	BAD(PTYPE_PHONE, "49+30123456", "'+'");
	BAD(PTYPE_PHONE, "+49 30 CALL ME", "character");
	strbuf_init(&sb, 64);
	assert_int_equal(types_phone_digits("+49 (30) 123-456", 16, &sb, &d),
			 0);
	assert_string_equal(sb.buf, "+4930123456");
	strbuf_reset(&sb);
	assert_int_equal(types_phone_digits("030/123.456", 11, &sb, &d), 0);
	assert_string_equal(sb.buf, "030123456");
	strbuf_reset(&sb);
	assert_int_equal(types_phone_digits("12", 2, &sb, &d), LIA_EVALUE);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);

	ok(PTYPE_URL, "https://www.treasury.gov/ofac?x=1#y",
	   "https://www.treasury.gov/ofac?x=1#y");
	ok(PTYPE_URL, "HTTP://example.org:8080", "HTTP://example.org:8080");
	BAD(PTYPE_URL, "ftp://example.org/", "http");
	BAD(PTYPE_URL, "https://", "no host");
	BAD(PTYPE_URL, "https:///path", "no host");
	BAD(PTYPE_URL, "https://exa mple.org", "space");
	BAD(PTYPE_URL, "https://example.org:80x/", "port");
	BAD(PTYPE_URL, "javascript:alert(1)", "http");
}

static void test_small_types(void **state)
{
	(void)state;
	char id[300];

	ok(PTYPE_IDENTIFIER, " L898902C3 ", "L898902C3");
	memset(id, '7', 257);
	id[257] = '\0';
	BAD(PTYPE_IDENTIFIER, id, "longer than 256");
	BAD(PTYPE_IDENTIFIER, "a\tb", "tab");

	ok(PTYPE_NUMBER, "113969.15", "113969.15");
	ok(PTYPE_NUMBER, "-5", "-5");
	ok(PTYPE_NUMBER, "+0.5", "+0.5");
	BAD(PTYPE_NUMBER, "1e3", "not a number");
	BAD(PTYPE_NUMBER, "1,000", "not a number");
	BAD(PTYPE_NUMBER, "1.", "not a number");
	BAD(PTYPE_NUMBER, ".5", "not a number");
	BAD(PTYPE_NUMBER, "-", "not a number");
	BAD(PTYPE_NUMBER, "NaN", "not a number");

	ok(PTYPE_GENDER, "Male", "male");
	ok(PTYPE_GENDER, "F", "female");
	ok(PTYPE_GENDER, "other", "other");
	BAD(PTYPE_GENDER, "unknown", "not a gender");

	ok(PTYPE_LANGUAGE, "deu", "deu");
	BAD(PTYPE_LANGUAGE, "DEU", "language");
	BAD(PTYPE_LANGUAGE, "de", "language");

	ok(PTYPE_ENTITY, "6d03aec76fdeec8f9697d8b19954ab6fc2568bc8",
	   "6d03aec76fdeec8f9697d8b19954ab6fc2568bc8");
	ok(PTYPE_ENTITY, "ofac-1234:x_y.z", "ofac-1234:x_y.z");
	BAD(PTYPE_ENTITY, "a b", "entity id");
	BAD(PTYPE_ENTITY, "a/b", "entity id");

	ok(PTYPE_CHECKSUM, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
	   "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	BAD(PTYPE_CHECKSUM, "xyz12345", "hex");
	BAD(PTYPE_CHECKSUM, "abc", "checksum");

	ok(PTYPE_TOPIC, "sanction", "sanction");
	ok(PTYPE_TOPIC, "role.pep", "role.pep");
	BAD(PTYPE_TOPIC, "Sanction", "topic");

	ok(PTYPE_MIMETYPE, "Application/PDF", "application/pdf");
	BAD(PTYPE_MIMETYPE, "text", "MIME");
	BAD(PTYPE_MIMETYPE, "text/plain; charset=utf-8", "MIME");
	BAD(PTYPE_MIMETYPE, "text/", "MIME");

	ok(PTYPE_JSON, "{\"a\": [1, 2]}", "{\"a\": [1, 2]}");
	ok(PTYPE_JSON, "42", "42");
	BAD(PTYPE_JSON, "{\"a\": 1, \"a\": 2}", "JSON");
	BAD(PTYPE_JSON, "{\"a\":", "JSON");

	ok(PTYPE_IP, "192.0.2.1", "192.0.2.1");
	ok(PTYPE_IP, "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	BAD(PTYPE_IP, "256.1.1.1", "IP");
	BAD(PTYPE_IP, "1.2.3", "IP");
	BAD(PTYPE_IP, "2001:db8::g", "IP");
}

static const char td3[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
			  "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const char td1[] = "I<UTOD231458907<<<<<<<<<<<<<<<\n"
			  "7408122F1204159UTO<<<<<<<<<<<6\n"
			  "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
static const char td2[] = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n"
			  "D231458907UTO7408122F1204159<<<<<<<6";

static void mrz_bad(const char *s, const char *why)
{
	struct mrz m;
	struct diag d;

	diag_clear(&d);
	memset(&m, 0x55, sizeof(m));
	if (types_mrz(s, strlen(s), &m, &d) != LIA_EVALUE)
		fail_msg("MRZ accepted: %s", s);
	assert_int_equal(m.format, 0x55555555);
	if (!strstr(d.msg, why))
		fail_msg("MRZ reason \"%s\" lacks \"%s\"", d.msg, why);
}

/* Replace character i of a copy of s with c and expect rejection. */
static void mrz_flip(const char *s, size_t i, char c, const char *why)
{
	char buf[200];

	assert_true(strlen(s) < sizeof(buf));
	memcpy(buf, s, strlen(s) + 1);
	buf[i] = c;
	mrz_bad(buf, why);
}

static void test_mrz(void **state)
{
	(void)state;
	struct mrz m;
	struct diag d;
	char crlf[200];

	assert_int_equal(types_mrz_check_digit("L898902C3", 9), 6);
	assert_int_equal(types_mrz_check_digit("740812", 6), 2);
	assert_int_equal(types_mrz_check_digit("120415", 6), 9);
	assert_int_equal(types_mrz_check_digit("ZE184226B<<<<<", 14), 1);
	assert_int_equal(types_mrz_check_digit("<<<", 3), 0);
	assert_int_equal(types_mrz_check_digit("ab", 2), -1);

	assert_int_equal(types_mrz(td3, strlen(td3), &m, &d), 0);
	assert_int_equal(m.format, MRZ_TD3);
	assert_string_equal(m.doc_code, "P");
	assert_string_equal(m.issuer, "UTO");
	assert_string_equal(m.number, "L898902C3");
	assert_string_equal(m.birth, "740812");
	assert_string_equal(m.expiry, "120415");
	assert_int_equal(m.sex, 'F');
	assert_string_equal(m.nationality, "UTO");
	assert_string_equal(m.surname, "ERIKSSON");
	assert_string_equal(m.given, "ANNA MARIA");

	assert_int_equal(types_mrz(td1, strlen(td1), &m, &d), 0);
	assert_int_equal(m.format, MRZ_TD1);
	assert_string_equal(m.doc_code, "I");
	assert_string_equal(m.number, "D23145890");
	assert_string_equal(m.birth, "740812");
	assert_string_equal(m.surname, "ERIKSSON");
	assert_string_equal(m.given, "ANNA MARIA");

	assert_int_equal(types_mrz(td2, strlen(td2), &m, &d), 0);
	assert_int_equal(m.format, MRZ_TD2);
	assert_string_equal(m.number, "D23145890");
	assert_string_equal(m.expiry, "120415");
	assert_string_equal(m.given, "ANNA MARIA");

	snprintf(crlf, sizeof(crlf), "%.44s\r\n%s\r\n", td3, td3 + 45);
	assert_int_equal(types_mrz(crlf, strlen(crlf), &m, &d), 0);
	ok(PTYPE_MRZ, crlf, td3);

	/* One changed digit in each checked field names that field. */
	mrz_flip(td3, 45 + 1, '9', "document number");
	mrz_flip(td3, 45 + 14, '5', "date of birth");
	mrz_flip(td3, 45 + 22, '3', "date of expiry");
	mrz_flip(td3, 45 + 30, '9', "personal number");
	mrz_flip(td3, 45 + 43, '1', "composite");
	mrz_flip(td1, 8, '3', "document number");
	mrz_flip(td1, 31 + 2, '1', "date of birth");
	mrz_flip(td1, 31 + 10, '5', "date of expiry");
	mrz_flip(td1, 31 + 29, '7', "composite");
	mrz_flip(td2, 37 + 2, '1', "document number");
	mrz_flip(td2, 37 + 35, '5', "composite");
	mrz_flip(td3, 3, 'a', "character");
	mrz_bad("P<UTO\nL898", "differ in length");
	mrz_bad(td3 + 45, "layout");
	mrz_bad("", "layout");
	BAD(PTYPE_MRZ, td3 + 1, "MRZ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_nfc_and_names),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_countries),
		cmocka_unit_test(test_countries_real),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_email_phone_url),
		cmocka_unit_test(test_small_types),
		cmocka_unit_test(test_mrz),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0 && data_missing) {
		fprintf(stderr, "LIAISON_DATA sanctions files not found: "
				"skipping the real-data country check\n");
		return 77;
	}
	return rc;
}
