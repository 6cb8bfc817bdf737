/*
 * icao.c - ICAO Doc 9303 Part 3 transliteration to the MRZ alphabet.
 *
 * A passport's machine-readable zone spells every name with A-Z only; the
 * issuing state transliterates with the tables of Doc 9303 Part 3 section
 * 6 (Latin diacritics, Cyrillic, Arabic; Greek per ELOT 743 as used by
 * Greece). Producing the same form from the source-script name lets a
 * scanned MRZ name meet its listed original exactly.
 */
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf8.h>

#include "liaison/match.h"

struct icao_map {
	uint16_t cp;
	const char *to;
};

/* Upper-case code points only; lower case is mapped with u_toupper. The
 * Latin entries are the ones whose ICAO spelling is not simply the base
 * letter (other accented letters fall back to their decomposition). */
static const struct icao_map icao_table[] = {
	/* Latin (Doc 9303 Part 3, 6 A) */
	{ 0x00C4, "AE" }, { 0x00C5, "AA" }, { 0x00C6, "AE" }, { 0x00D0, "D" },
	{ 0x00D6, "OE" }, { 0x00D8, "OE" }, { 0x00DC, "UE" }, { 0x00DE, "TH" },
	{ 0x00DF, "SS" }, { 0x0110, "D" }, { 0x0126, "H" }, { 0x0131, "I" },
	{ 0x0132, "IJ" }, { 0x013F, "L" }, { 0x0141, "L" }, { 0x014A, "N" },
	{ 0x0152, "OE" }, { 0x0166, "T" }, { 0x1E9E, "SS" },
	/* Cyrillic (6 B), Russian values; other languages' letters too */
	{ 0x0402, "D" }, { 0x0403, "G" }, { 0x0404, "IE" }, { 0x0405, "DZ" },
	{ 0x0406, "I" }, { 0x0407, "I" }, { 0x0408, "J" }, { 0x0409, "LJ" },
	{ 0x040A, "NJ" }, { 0x040B, "C" }, { 0x040C, "K" }, { 0x040E, "U" },
	{ 0x040F, "DZ" }, { 0x0401, "E" },
	{ 0x0410, "A" }, { 0x0411, "B" }, { 0x0412, "V" }, { 0x0413, "G" },
	{ 0x0414, "D" }, { 0x0415, "E" }, { 0x0416, "ZH" }, { 0x0417, "Z" },
	{ 0x0418, "I" }, { 0x0419, "I" }, { 0x041A, "K" }, { 0x041B, "L" },
	{ 0x041C, "M" }, { 0x041D, "N" }, { 0x041E, "O" }, { 0x041F, "P" },
	{ 0x0420, "R" }, { 0x0421, "S" }, { 0x0422, "T" }, { 0x0423, "U" },
	{ 0x0424, "F" }, { 0x0425, "KH" }, { 0x0426, "TS" }, { 0x0427, "CH" },
	{ 0x0428, "SH" }, { 0x0429, "SHCH" }, { 0x042A, "IE" }, { 0x042B, "Y" },
	{ 0x042C, "" }, { 0x042D, "E" }, { 0x042E, "IU" }, { 0x042F, "IA" },
	{ 0x0490, "G" }, { 0x0462, "E" }, { 0x0472, "F" }, { 0x0474, "Y" },
	/* Greek (ELOT 743 letters; digraphs handled in icao_greek()) */
	{ 0x0391, "A" }, { 0x0392, "V" }, { 0x0393, "G" }, { 0x0394, "D" },
	{ 0x0395, "E" }, { 0x0396, "Z" }, { 0x0397, "I" }, { 0x0398, "TH" },
	{ 0x0399, "I" }, { 0x039A, "K" }, { 0x039B, "L" }, { 0x039C, "M" },
	{ 0x039D, "N" }, { 0x039E, "X" }, { 0x039F, "O" }, { 0x03A0, "P" },
	{ 0x03A1, "R" }, { 0x03A3, "S" }, { 0x03A4, "T" }, { 0x03A5, "Y" },
	{ 0x03A6, "F" }, { 0x03A7, "CH" }, { 0x03A8, "PS" }, { 0x03A9, "O" },
	/* Arabic (6 C): the X-prefixed codes keep the MRZ form reversible */
	{ 0x0621, "XE" }, { 0x0622, "XAA" }, { 0x0623, "XAE" }, { 0x0624, "U" },
	{ 0x0625, "I" }, { 0x0626, "XI" }, { 0x0627, "A" }, { 0x0628, "B" },
	{ 0x0629, "XTA" }, { 0x062A, "T" }, { 0x062B, "XTH" }, { 0x062C, "J" },
	{ 0x062D, "XH" }, { 0x062E, "XKH" }, { 0x062F, "D" }, { 0x0630, "XDH" },
	{ 0x0631, "R" }, { 0x0632, "Z" }, { 0x0633, "S" }, { 0x0634, "XSH" },
	{ 0x0635, "XSS" }, { 0x0636, "XDZ" }, { 0x0637, "XTT" },
	{ 0x0638, "XZZ" }, { 0x0639, "E" }, { 0x063A, "XGH" }, { 0x0641, "F" },
	{ 0x0642, "Q" }, { 0x0643, "K" }, { 0x0644, "L" }, { 0x0645, "M" },
	{ 0x0646, "N" }, { 0x0647, "H" }, { 0x0648, "W" }, { 0x0649, "XAY" },
	{ 0x064A, "Y" }, { 0x067E, "P" }, { 0x0686, "XC" }, { 0x06A9, "K" },
	{ 0x06AF, "G" }, { 0x06CC, "Y" },
	/* Vowel signs that carry sound; tanwin, shadda and sukun add no
	 * letter a person would write in a name. */
	{ 0x064E, "A" }, { 0x064F, "U" }, { 0x0650, "I" },
};

static const char *icao_lookup(UChar32 c)
{
	size_t n = sizeof(icao_table) / sizeof(icao_table[0]);

	for (size_t i = 0; i < n; i++) {
		if (icao_table[i].cp == (uint32_t)c)
			return icao_table[i].to;
	}
	return NULL;
}

static bool icao_sep(struct strbuf *out)
{
	return out->len > 0 && out->buf[out->len - 1] != ' ';
}

/* Greek: ELOT 743 writes the vowel digraphs as their sound. Returns the
 * number of code points consumed (0 if no digraph at c1 c2). */
static int icao_greek(UChar32 c1, UChar32 c2, const char **to)
{
	if (c1 == 0x039F && c2 == 0x03A5) {
		*to = "OU";
		return 2;
	}
	if (c1 == 0x0391 && c2 == 0x03A5) {
		*to = "AV";
		return 2;
	}
	if (c1 == 0x0395 && c2 == 0x03A5) {
		*to = "EV";
		return 2;
	}
	return 0;
}

/* Upper-case base letter of c, with accents taken off (NFD, first code
 * point); c itself if it has no decomposition. */
static UChar32 icao_base(UChar32 c)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	UChar dec[8];
	int32_t n;
	UChar32 b;

	c = u_toupper(c);
	if (U_FAILURE(st))
		return c;
	n = unorm2_getDecomposition(nfd, c, dec, 8, &st);
	if (U_FAILURE(st) || n <= 0)
		return c;
	U16_GET(dec, 0, 0, n, b);
	return u_toupper(b);
}

int match_icao(const char *s, size_t len, struct strbuf *out, struct diag *d)
{
	size_t start = out->len;
	int32_t i = 0, n;
	int ret = 0;

	if (!s)
		return LIA_EINVAL;
	if (len > MATCH_NAME_MAX) {
		diag_set(d, "name longer than %d bytes", MATCH_NAME_MAX);
		return LIA_ETOOBIG;
	}
	if (!utf8_valid(s, len, NULL)) {
		diag_set(d, "name is not valid UTF-8");
		return LIA_EVALUE;
	}
	n = (int32_t)len;
	while (i < n) {
		UChar32 c, c2 = 0;
		int32_t at = i, next;
		const char *to = NULL;

		U8_NEXT(s, i, n, c);
		next = i;
		if (next < n)
			U8_NEXT(s, next, n, c2);
		/* The table first: Ä is AE, not its base letter A. */
		c = u_toupper(c);
		if (!icao_lookup(c))
			c = icao_base(c);
		if (u_charType(c) == U_NON_SPACING_MARK)
			continue;
		if (c == '\'' || c == 0x2019 || c == 0x02BC || c == 0x02B9 ||
		    c == 0x0640)
			continue; /* apostrophes and tatweel join */
		if (icao_greek(c, c2 ? icao_base(c2) : 0, &to) &&
		    u_toupper(c2) != 0x03AB) {   /* Ϋ: two vowels, no digraph */
			i = next;
		} else if (c >= 'A' && c <= 'Z') {
			char ch = (char)c;

			ret = strbuf_add(out, &ch, 1);
			if (ret)
				goto out;
			continue;
		} else {
			to = icao_lookup(c);
		}
		if (to) {
			ret = strbuf_addstr(out, to);
			if (ret)
				goto out;
			continue;
		}
		if (u_isalpha(c)) {
			diag_set(d, "no ICAO transliteration for U+%04X at "
				 "byte %d", (unsigned)c, (int)at);
			ret = LIA_EVALUE;
			goto out;
		}
		/* Spaces, punctuation, digits: a separator in the MRZ. */
		if (icao_sep(out) && out->len > start) {
			ret = strbuf_addch(out, ' ');
			if (ret)
				goto out;
		}
	}
	while (out->len > start && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
out:
	if (ret)
		strbuf_setlen(out, start);
	return ret;
}
