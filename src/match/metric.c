/*
 * metric.c - string similarity primitives for name matching: Jaro-Winkler,
 * Damerau-Levenshtein (optimal string alignment) and Double Metaphone.
 *
 * All of them work on short ASCII words and never allocate: match_score()
 * calls them for every token pair of every candidate.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "liaison/match.h"

/* Jaro needs a "matched" flag per character; names are short, and longer
 * input is compared on its first JW_MAX bytes only (a 64-byte token is
 * already far beyond any real name part). */
#define JW_MAX 64

double match_jaro_winkler(const char *a, size_t alen, const char *b,
			  size_t blen)
{
	bool am[JW_MAX] = { false }, bm[JW_MAX] = { false };
	size_t win, m = 0, t = 0, k = 0, prefix = 0;
	double jaro;

	if (alen > JW_MAX)
		alen = JW_MAX;
	if (blen > JW_MAX)
		blen = JW_MAX;
	if (alen == 0 && blen == 0)
		return 1.0;
	if (alen == 0 || blen == 0)
		return 0.0;
	win = (alen > blen ? alen : blen) / 2;
	win = win > 0 ? win - 1 : 0;
	for (size_t i = 0; i < alen; i++) {
		size_t lo = i > win ? i - win : 0;
		size_t hi = i + win + 1 < blen ? i + win + 1 : blen;
		for (size_t j = lo; j < hi; j++) {
			if (bm[j] || a[i] != b[j])
				continue;
			am[i] = bm[j] = true;
			m++;
			break;
		}
	}
	if (m == 0)
		return 0.0;
	for (size_t i = 0; i < alen; i++) {
		if (!am[i])
			continue;
		while (!bm[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	jaro = ((double)m / (double)alen + (double)m / (double)blen +
		((double)m - (double)t / 2.0) / (double)m) / 3.0;
	while (prefix < 4 && prefix < alen && prefix < blen &&
	       a[prefix] == b[prefix])
		prefix++;
	return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

#define DL_MAX 255

int match_damerau_levenshtein(const char *a, size_t alen, const char *b,
			      size_t blen)
{
	/* Three rolling rows are enough for OSA: the transposition looks
	 * back two rows. Kept on the stack so scoring never allocates. */
	unsigned short r0[DL_MAX + 1], r1[DL_MAX + 1], r2[DL_MAX + 1];
	unsigned short *pp = r0, *p = r1, *c = r2, *tmp;

	if (alen > DL_MAX || blen > DL_MAX)
		return LIA_ETOOBIG;
	for (size_t j = 0; j <= blen; j++)
		p[j] = (unsigned short)j;
	for (size_t i = 1; i <= alen; i++) {
		c[0] = (unsigned short)i;
		for (size_t j = 1; j <= blen; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = p[j] + 1u;

			if (c[j - 1] + 1u < v)
				v = c[j - 1] + 1u;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1u < v)
				v = pp[j - 2] + 1u;
			c[j] = (unsigned short)v;
		}
		tmp = pp;
		pp = p;
		p = c;
		c = tmp;
	}
	return p[blen];
}

/* --- Double Metaphone --------------------------------------------------
 *
 * Written from Lawrence Philips' description of the algorithm (C/C++ Users
 * Journal, June 2000): the word is scanned left to right, and each letter
 * in its context appends to a primary and an alternate key; keys stop at
 * four characters. Input here is already lower-case ASCII; we upper-case a
 * padded copy so look-behind and look-ahead never leave the buffer.
 */

#define DM_PAD 6
#define DM_WORD 48

struct dm {
	char w[DM_WORD + 2 * DM_PAD];
	int len, last;
	char p[MATCH_DM_MAX], s[MATCH_DM_MAX];
	int pl, sl;
	bool slavo;
};

static char dm_at(const struct dm *d, int i)
{
	if (i < 0 || i >= d->len)
		return '\0';
	return d->w[DM_PAD + i];
}

static bool dm_vowel(const struct dm *d, int i)
{
	char c = dm_at(d, i);

	return c && strchr("AEIOUY", c) != NULL;
}

/* True when the substring at i equals one of the NULL-terminated list. */
static bool dm_is(const struct dm *d, int i, const char *const *opts)
{
	if (i < 0)
		return false;
	for (; *opts; opts++) {
		int n = (int)strlen(*opts);

		if (i + n > d->len)
			continue;
		if (memcmp(d->w + DM_PAD + i, *opts, (size_t)n) == 0)
			return true;
	}
	return false;
}

#define AT(i, ...) dm_is(d, (i), (const char *const[]){ __VA_ARGS__, NULL })

static void dm_add2(struct dm *d, const char *p, const char *s)
{
	for (; *p && d->pl < 4; p++)
		d->p[d->pl++] = *p;
	for (; *s && d->sl < 4; s++)
		d->s[d->sl++] = *s;
}

static void dm_add(struct dm *d, const char *x)
{
	dm_add2(d, x, x);
}

static int dm_c(struct dm *d, int cur)
{
	if (cur > 1 && !dm_vowel(d, cur - 2) && AT(cur - 1, "ACH") &&
	    dm_at(d, cur + 2) != 'I' &&
	    (dm_at(d, cur + 2) != 'E' || AT(cur - 2, "BACHER", "MACHER"))) {
		dm_add(d, "K");
		return cur + 2;
	}
	if (cur == 0 && AT(cur, "CAESAR")) {
		dm_add(d, "S");
		return cur + 2;
	}
	if (AT(cur, "CHIA")) {
		dm_add(d, "K");
		return cur + 2;
	}
	if (AT(cur, "CH")) {
		if (cur > 0 && AT(cur, "CHAE")) {
			dm_add2(d, "K", "X");
			return cur + 2;
		}
		if (cur == 0 && (AT(cur + 1, "HARAC", "HARIS") ||
				 AT(cur + 1, "HOR", "HYM", "HIA", "HEM")) &&
		    !AT(0, "CHORE")) {
			dm_add(d, "K");
			return cur + 2;
		}
		if (AT(0, "VAN ", "VON ") || AT(0, "SCH") ||
		    AT(cur - 2, "ORCHES", "ARCHIT", "ORCHID") ||
		    AT(cur + 2, "T", "S") ||
		    ((AT(cur - 1, "A", "O", "U", "E") || cur == 0) &&
		     (AT(cur + 2, "L", "R", "N", "M", "B", "H", "F", "V",
			 "W", " ") || cur + 2 >= d->len))) {
			dm_add(d, "K");
		} else if (cur > 0) {
			if (AT(0, "MC"))
				dm_add(d, "K");
			else
				dm_add2(d, "X", "K");
		} else {
			dm_add(d, "X");
		}
		return cur + 2;
	}
	if (AT(cur, "CZ") && !AT(cur - 2, "WICZ")) {
		dm_add2(d, "S", "X");
		return cur + 2;
	}
	if (AT(cur + 1, "CIA")) {
		dm_add(d, "X");
		return cur + 3;
	}
	if (AT(cur, "CC") && !(cur == 1 && dm_at(d, 0) == 'M')) {
		if (AT(cur + 2, "I", "E", "H") && !AT(cur + 2, "HU")) {
			if ((cur == 1 && dm_at(d, cur - 1) == 'A') ||
			    AT(cur - 1, "UCCEE", "UCCES"))
				dm_add(d, "KS");
			else
				dm_add(d, "X");
			return cur + 3;
		}
		dm_add(d, "K");
		return cur + 2;
	}
	if (AT(cur, "CK", "CG", "CQ")) {
		dm_add(d, "K");
		return cur + 2;
	}
	if (AT(cur, "CI", "CE", "CY")) {
		if (AT(cur, "CIO", "CIE", "CIA"))
			dm_add2(d, "S", "X");
		else
			dm_add(d, "S");
		return cur + 2;
	}
	dm_add(d, "K");
	if (AT(cur + 1, " C", " Q", " G"))
		return cur + 3;
	if (AT(cur + 1, "C", "K", "Q") && !AT(cur + 1, "CE", "CI"))
		return cur + 2;
	return cur + 1;
}

static int dm_g(struct dm *d, int cur)
{
	if (dm_at(d, cur + 1) == 'H') {
		if (cur > 0 && !dm_vowel(d, cur - 1)) {
			dm_add(d, "K");
			return cur + 2;
		}
		if (cur == 0) {
			dm_add(d, dm_at(d, cur + 2) == 'I' ? "J" : "K");
			return cur + 2;
		}
		if ((cur > 1 && AT(cur - 2, "B", "H", "D")) ||
		    (cur > 2 && AT(cur - 3, "B", "H", "D")) ||
		    (cur > 3 && AT(cur - 4, "B", "H")))
			return cur + 2;
		if (cur > 2 && dm_at(d, cur - 1) == 'U' &&
		    AT(cur - 3, "C", "G", "L", "R", "T"))
			dm_add(d, "F");
		else if (cur > 0 && dm_at(d, cur - 1) != 'I')
			dm_add(d, "K");
		return cur + 2;
	}
	if (dm_at(d, cur + 1) == 'N') {
		if (cur == 1 && dm_vowel(d, 0) && !d->slavo)
			dm_add2(d, "KN", "N");
		else if (!AT(cur + 2, "EY") && dm_at(d, cur + 1) != 'Y' &&
			 !d->slavo)
			dm_add2(d, "N", "KN");
		else
			dm_add(d, "KN");
		return cur + 2;
	}
	if (AT(cur + 1, "LI") && !d->slavo) {
		dm_add2(d, "KL", "L");
		return cur + 2;
	}
	if (cur == 0 && (dm_at(d, cur + 1) == 'Y' ||
			 AT(cur + 1, "ES", "EP", "EB", "EL", "EY", "IB", "IL",
			    "IN", "IE", "EI", "ER"))) {
		dm_add2(d, "K", "J");
		return cur + 2;
	}
	if ((AT(cur + 1, "ER") || dm_at(d, cur + 1) == 'Y') &&
	    !AT(0, "DANGER", "RANGER", "MANGER") && !AT(cur - 1, "E", "I") &&
	    !AT(cur - 1, "RGY", "OGY")) {
		dm_add2(d, "K", "J");
		return cur + 2;
	}
	if (AT(cur + 1, "E", "I", "Y") || AT(cur - 1, "AGGI", "OGGI")) {
		if (AT(0, "VAN ", "VON ") || AT(0, "SCH") || AT(cur + 1, "ET"))
			dm_add(d, "K");
		else if (AT(cur + 1, "IER"))
			dm_add(d, "J");
		else
			dm_add2(d, "J", "K");
		return cur + 2;
	}
	dm_add(d, "K");
	return dm_at(d, cur + 1) == 'G' ? cur + 2 : cur + 1;
}

static int dm_s(struct dm *d, int cur)
{
	if (AT(cur - 1, "ISL", "YSL"))
		return cur + 1;
	if (cur == 0 && AT(cur, "SUGAR")) {
		dm_add2(d, "X", "S");
		return cur + 1;
	}
	if (AT(cur, "SH")) {
		if (AT(cur + 1, "HEIM", "HOEK", "HOLM", "HOLZ"))
			dm_add(d, "S");
		else
			dm_add(d, "X");
		return cur + 2;
	}
	if (AT(cur, "SIO", "SIA")) {
		if (!d->slavo)
			dm_add2(d, "S", "X");
		else
			dm_add(d, "S");
		return cur + 3;
	}
	if ((cur == 0 && AT(cur + 1, "M", "N", "L", "W")) ||
	    AT(cur + 1, "Z")) {
		dm_add2(d, "S", "X");
		return AT(cur + 1, "Z") ? cur + 2 : cur + 1;
	}
	if (AT(cur, "SC")) {
		if (dm_at(d, cur + 2) == 'H') {
			if (AT(cur + 3, "OO", "ER", "EN", "UY", "ED", "EM")) {
				if (AT(cur + 3, "ER", "EN"))
					dm_add2(d, "X", "SK");
				else
					dm_add(d, "SK");
				return cur + 3;
			}
			if (cur == 0 && !dm_vowel(d, 3) && dm_at(d, 3) != 'W')
				dm_add2(d, "X", "S");
			else
				dm_add(d, "X");
			return cur + 3;
		}
		if (AT(cur + 2, "I", "E", "Y"))
			dm_add(d, "S");
		else
			dm_add(d, "SK");
		return cur + 3;
	}
	if (cur == d->last && AT(cur - 2, "AI", "OI"))
		dm_add2(d, "", "S");
	else
		dm_add(d, "S");
	return AT(cur + 1, "S", "Z") ? cur + 2 : cur + 1;
}

static int dm_t(struct dm *d, int cur)
{
	if (AT(cur, "TION")) {
		dm_add(d, "X");
		return cur + 3;
	}
	if (AT(cur, "TIA", "TCH")) {
		dm_add(d, "X");
		return cur + 3;
	}
	if (AT(cur, "TH", "TTH")) {
		if (AT(cur + 2, "OM", "AM") || AT(0, "VAN ", "VON ") ||
		    AT(0, "SCH"))
			dm_add(d, "T");
		else
			dm_add2(d, "0", "T");
		return cur + 2;
	}
	dm_add(d, "T");
	return AT(cur + 1, "T", "D") ? cur + 2 : cur + 1;
}

static int dm_letter(struct dm *d, int cur)
{
	char c = dm_at(d, cur), n = dm_at(d, cur + 1);

	switch (c) {
	case 'A': case 'E': case 'I': case 'O': case 'U': case 'Y':
		if (cur == 0)
			dm_add(d, "A");
		return cur + 1;
	case 'B':
		dm_add(d, "P");
		return n == 'B' ? cur + 2 : cur + 1;
	case 'C':
		return dm_c(d, cur);
	case 'D':
		if (AT(cur, "DG")) {
			if (AT(cur + 2, "I", "E", "Y")) {
				dm_add(d, "J");
				return cur + 3;
			}
			dm_add(d, "TK");
			return cur + 2;
		}
		dm_add(d, "T");
		return AT(cur, "DT", "DD") ? cur + 2 : cur + 1;
	case 'F':
		dm_add(d, "F");
		return n == 'F' ? cur + 2 : cur + 1;
	case 'G':
		return dm_g(d, cur);
	case 'H':
		if ((cur == 0 || dm_vowel(d, cur - 1)) && dm_vowel(d, cur + 1)) {
			dm_add(d, "H");
			return cur + 2;
		}
		return cur + 1;
	case 'J':
		if (AT(cur, "JOSE") || AT(0, "SAN ")) {
			if ((cur == 0 && dm_at(d, cur + 4) == ' ') ||
			    (cur == 0 && cur + 4 == d->len) || AT(0, "SAN "))
				dm_add(d, "H");
			else
				dm_add2(d, "J", "H");
			return cur + 1;
		}
		if (cur == 0)
			dm_add2(d, "J", "A");
		else if (dm_vowel(d, cur - 1) && !d->slavo &&
			 (n == 'A' || n == 'O'))
			dm_add2(d, "J", "H");
		else if (cur == d->last)
			dm_add2(d, "J", "");
		else if (!AT(cur + 1, "L", "T", "K", "S", "N", "M", "B", "Z") &&
			 !AT(cur - 1, "S", "K", "L"))
			dm_add(d, "J");
		return n == 'J' ? cur + 2 : cur + 1;
	case 'K':
		dm_add(d, "K");
		return n == 'K' ? cur + 2 : cur + 1;
	case 'L':
		if (n == 'L') {
			if ((cur == d->len - 3 &&
			     AT(cur - 1, "ILLO", "ILLA", "ALLE")) ||
			    ((AT(d->last - 1, "AS", "OS") ||
			      AT(d->last, "A", "O")) &&
			     AT(cur - 1, "ALLE"))) {
				dm_add2(d, "L", "");
				return cur + 2;
			}
			dm_add(d, "L");
			return cur + 2;
		}
		dm_add(d, "L");
		return cur + 1;
	case 'M':
		dm_add(d, "M");
		if ((AT(cur - 1, "UMB") &&
		     (cur + 1 == d->last || AT(cur + 2, "ER"))) || n == 'M')
			return cur + 2;
		return cur + 1;
	case 'N':
		dm_add(d, "N");
		return n == 'N' ? cur + 2 : cur + 1;
	case 'P':
		if (n == 'H') {
			dm_add(d, "F");
			return cur + 2;
		}
		dm_add(d, "P");
		return AT(cur + 1, "P", "B") ? cur + 2 : cur + 1;
	case 'Q':
		dm_add(d, "K");
		return n == 'Q' ? cur + 2 : cur + 1;
	case 'R':
		if (cur == d->last && !d->slavo && AT(cur - 2, "IE") &&
		    !AT(cur - 4, "ME", "MA"))
			dm_add2(d, "", "R");
		else
			dm_add(d, "R");
		return n == 'R' ? cur + 2 : cur + 1;
	case 'S':
		return dm_s(d, cur);
	case 'T':
		return dm_t(d, cur);
	case 'V':
		dm_add(d, "F");
		return n == 'V' ? cur + 2 : cur + 1;
	case 'W':
		if (AT(cur, "WR")) {
			dm_add(d, "R");
			return cur + 2;
		}
		if (cur == 0 && (dm_vowel(d, cur + 1) || AT(cur, "WH"))) {
			if (dm_vowel(d, cur + 1))
				dm_add2(d, "A", "F");
			else
				dm_add(d, "A");
		}
		if ((cur == d->last && dm_vowel(d, cur - 1)) ||
		    AT(cur - 1, "EWSKI", "EWSKY", "OWSKI", "OWSKY") ||
		    AT(0, "SCH")) {
			dm_add2(d, "", "F");
			return cur + 1;
		}
		if (AT(cur, "WICZ", "WITZ")) {
			dm_add2(d, "TS", "FX");
			return cur + 4;
		}
		return cur + 1;
	case 'X':
		if (!(cur == d->last && (AT(cur - 3, "IAU", "EAU") ||
					 AT(cur - 2, "AU", "OU"))))
			dm_add(d, "KS");
		return AT(cur + 1, "C", "X") ? cur + 2 : cur + 1;
	case 'Z':
		if (n == 'H') {
			dm_add(d, "J");
			return cur + 2;
		}
		if (AT(cur + 1, "ZO", "ZI", "ZA") ||
		    (d->slavo && cur > 0 && dm_at(d, cur - 1) != 'T'))
			dm_add2(d, "S", "TS");
		else
			dm_add(d, "S");
		return n == 'Z' ? cur + 2 : cur + 1;
	default:
		return cur + 1;
	}
}

void match_double_metaphone(const char *w, size_t len,
			    char primary[MATCH_DM_MAX],
			    char alternate[MATCH_DM_MAX])
{
	struct dm st, *d = &st;
	int cur = 0;

	memset(d, 0, sizeof(*d));
	if (len > DM_WORD)
		len = DM_WORD;
	for (size_t i = 0; i < len; i++) {
		char c = w[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		d->w[DM_PAD + i] = c;
	}
	d->len = (int)len;
	d->last = d->len - 1;
	/* Slavo-Germanic words keep some letters hard (W, K, CZ, WITZ). */
	d->slavo = strchr(d->w + DM_PAD, 'W') || strchr(d->w + DM_PAD, 'K') ||
		   strstr(d->w + DM_PAD, "CZ") || strstr(d->w + DM_PAD, "WITZ");
	/* Silent first letter of GN, KN, PN, WR, PS. */
	if (AT(0, "GN", "KN", "PN", "WR", "PS"))
		cur = 1;
	if (dm_at(d, 0) == 'X') {
		dm_add(d, "S");
		cur = 1;
	}
	while ((d->pl < 4 || d->sl < 4) && cur < d->len)
		cur = dm_letter(d, cur);
	memcpy(primary, d->p, (size_t)d->pl);
	primary[d->pl] = '\0';
	/* Like the reference, an alternate equal to the primary is empty. */
	if (d->sl == d->pl && memcmp(d->s, d->p, (size_t)d->pl) == 0) {
		alternate[0] = '\0';
	} else {
		memcpy(alternate, d->s, (size_t)d->sl);
		alternate[d->sl] = '\0';
	}
}
