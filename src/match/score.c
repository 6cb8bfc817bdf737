/*
 * score.c - match_score(): align the tokens of two prepared names, turn
 * the alignment into a name score, and adjust it with the other evidence.
 *
 * No allocation here: the index calls this for every candidate of every
 * query, so everything lives on the stack with fixed bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"

/* Below this a token pair is not evidence of the same name part. */
#define TOK_MIN 0.72
/* Weight of a token present on one side only, relative to one that
 * contradicts a token of the other side. */
#define EXTRA_WEIGHT 0.3
/* Adjacent tokens are also tried joined ("abdul rahman" / "abdulrahman")
 * when the names are short enough for it to stay cheap. */
#define JOIN_MAX 8
#define ITEMS_MAX (MATCH_TOKENS_MAX * MATCH_TOKENS_MAX)
#define JOIN_BUF 96

struct item {
	struct match_token t; /* the token or two joined */
	uint8_t a, b;	      /* constituent tokens (b == a if single) */
	uint64_t bag;	      /* letters present, and present twice */
	uint64_t dk1, dk2;    /* Double Metaphone keys as integers */
	double inv;	      /* 1 / length */
	uint32_t pre4;	      /* the first four letters, zero padded */
	char buf[JOIN_BUF];
};

struct cand {
	float sim;
	uint8_t qi, ci; /* item indexes */
	uint8_t phon;
};

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Letter classes for comparing a consonant skeleton (Arabic, Hebrew and
 * Thai transliterations lack short vowels) with a full spelling. */
static int abjad_class(char c)
{
	switch (c) {
	case 'b':
	case 'p':
		return 1;
	case 'f':
	case 'v':
		return 2;
	case 'k':
	case 'q':
	case 'c':
	case 'g':
		return 3;
	case 's':
	case 'z':
		return 4;
	case 't':
	case 'd':
		return 5;
	default:
		return 0;
	}
}

static bool abjad_eq(char a, char l)
{
	int ca = abjad_class(a);

	if (a == l)
		return true;
	if (ca && ca == abjad_class(l))
		return true;
	/* Weak letters: waw is w, v, o or u; yeh is y, i, e or j; alef is
	 * any vowel. */
	if (a == 'w')
		return l == 'v' || l == 'o' || l == 'u';
	if (a == 'f' || a == 'v')
		return l == 'w'; /* German and Polish spell v as w */
	if (a == 'y')
		return l == 'i' || l == 'e' || l == 'j';
	/* Persian, Urdu and Turkish say dhal, dad and zah as z (Ramazan,
	 * Zulfiqar, Fazal) and theh as s (Usman, Osman); Egypt says jeem
	 * as g (Ragab, Gamal) and Turkish writes it c (Cemal). */
	if (a == 'd')
		return l == 'z';
	if (a == 't')
		return l == 's';
	if (a == 'j')
		return l == 'g' || l == 'c';
	if (a == 'a' || a == 'e' || a == 'i' || a == 'o' || a == 'u')
		return is_vowel(l) || l == 'y';
	return false;
}

/* Longest text abjad_sim() compares: a token, or a whole name of a few
 * words (abjad_name()). */
#define AB_MAX 48

/* The Latin letters abjad_eq(a, .) accepts, per letter a, as bit masks
 * (generated from abjad_eq; match_abjad_table_ok() checks them). */
static const uint32_t abjad_masks[26] = {
    0x1104111u, 0x0008002u, 0x0010444u, 0x2080008u, 0x1104111u, 0x0600020u,
    0x0010444u, 0x0000080u, 0x1104111u, 0x0000244u, 0x0010444u, 0x0000800u,
    0x0001000u, 0x0002000u, 0x1104111u, 0x0008002u, 0x0010444u, 0x0020000u,
    0x2040000u, 0x00c0008u, 0x1104111u, 0x0600020u, 0x0704000u, 0x0800000u,
    0x1000310u, 0x2040000u,
};

static uint32_t abjad_mask(char a)
{
	return a >= 'a' && a <= 'z' ? abjad_masks[a - 'a'] : 0;
}

bool match_abjad_table_ok(void)
{
	for (char a = 'a'; a <= 'z'; a++) {
		for (char l = 'a'; l <= 'z'; l++) {
			bool t = (abjad_mask(a) >> (l - 'a')) & 1;

			if (t != abjad_eq(a, l))
				return false;
		}
	}
	return true;
}

/* The letters before which Arabic assimilates the l of its article
 * ("al-rahman" is said and often written "ar-rahman", "ur-rahman";
 * "al-din" is "ad-din", "eddine"): t, th, d, dh, r, z, s, sh and the
 * emphatics, l and n, as the transliteration writes them. */
static bool sun_letter(char c)
{
	return c == 't' || c == 'd' || c == 'r' || c == 'z' || c == 's' ||
	       c == 'l' || c == 'n';
}

/* Cost of leaving out the skeleton letter a[i]: a doubled letter or the
 * ICAO marker x nothing, a weak letter (alef, waw, yeh, heh, ayn as e)
 * little, the l of the article "al" before a sun letter almost nothing
 * (it is written but not said), any other letter in full. */
static float abjad_skip(const char *a, size_t an, size_t i)
{
	char c = a[i];

	if (c == ' ' || (i > 0 && a[i - 1] == c) || c == 'x')
		return 0.0f;
	if (c == 'l' && i > 0 && a[i - 1] == 'a' &&
	    (i == 1 || a[i - 2] == ' ') && i + 1 < an && sun_letter(a[i + 1]))
		return 0.2f;
	/* The h of a digraph for one Arabic letter (th, dh, kh, gh, sh)
	 * that Latin spellings often write with one letter (Usman, Zikr,
	 * Halid). */
	if (c == 'h' && i > 0 &&
	    (a[i - 1] == 't' || a[i - 1] == 'd' || a[i - 1] == 'k' ||
	     a[i - 1] == 'g' || a[i - 1] == 's'))
		return 0.2f;
	if (c == 'a' || c == 'w' || c == 'y' || c == 'h' || c == 'e')
		return 0.6f;
	return 1.0f;
}

/* Cost of a Latin letter l[j] that no skeleton letter stands for: vowels
 * (short vowels are not written) and doubled letters are free, the h of
 * a digraph or a y cheap. */
static float latin_skip(const char *l, size_t j)
{
	char c = l[j];

	if (c == ' ' || is_vowel(c) || (j > 0 && l[j - 1] == c))
		return 0.0f;
	return c == 'h' || c == 'y' ? 0.4f : 1.0f;
}

/* A lower bound of the edit cost abjad_sim() computes: letters of either
 * side that nothing on the other side can stand for must be paid at
 * least at their cheapest. */
static double abjad_cost_bound(const char *a, size_t an, const char *l,
			       size_t ln)
{
	uint32_t ma = 0, ml = 0;
	double cost = 0;

	for (size_t j = 0; j < ln; j++)
		if (l[j] >= 'a' && l[j] <= 'z')
			ml |= 1u << (l[j] - 'a');
		else if (l[j] != ' ')
			return 0; /* digits and the like: no bound */
	for (size_t i = 0; i < an; i++) {
		uint32_t m = abjad_mask(a[i]);
		char c = a[i];

		if (c == ' ')
			continue;
		if (c < 'a' || c > 'z')
			return 0;
		ma |= m;
		if (m & ml)
			continue;
		cost += abjad_skip(a, an, i);
	}
	for (size_t j = 0; j < ln; j++) {
		if (l[j] == ' ' || (ma & (1u << (l[j] - 'a'))))
			continue;
		cost += latin_skip(l, j);
	}
	return cost;
}

/* Similarity of Latin l read as the skeleton a (an abjad transliteration):
 * an edit distance where abjad_eq() letters agree and the costs of
 * abjad_skip() and latin_skip() apply, over the consonants of l. Spaces
 * are free on both sides, so that whole names compare across word
 * boundaries that the two scripts draw differently. */
static double abjad_sim(const char *a, size_t an, const char *l, size_t ln,
			double floor)
{
	float dp[AB_MAX + 1][AB_MAX + 1];
	float ska[AB_MAX], skl[AB_MAX];
	size_t cons = 0;

	if (an == 0 || ln == 0 || an > AB_MAX || ln > AB_MAX)
		return 0.0;
	for (size_t j = 0; j < ln; j++)
		cons +=
		    l[j] != ' ' && !is_vowel(l[j]) && !(j && l[j] == l[j - 1]);
	/* Below floor the value is not used: skip the table when even
	 * the cheapest path cannot reach it. */
	if (floor > 0 && 0.95 * (1.0 - abjad_cost_bound(a, an, l, ln) /
					   (double)(cons < 2 ? 2 : cons)) <
			     floor)
		return 0.0;
	for (size_t i = 0; i < an; i++)
		ska[i] = abjad_skip(a, an, i);
	for (size_t j = 0; j < ln; j++)
		skl[j] = latin_skip(l, j);
	dp[0][0] = 0;
	for (size_t i = 0; i <= an; i++) {
		uint32_t m = i ? abjad_mask(a[i - 1]) : 0;

		for (size_t j = 0; j <= ln; j++) {
			float v = i || j ? 1e9f : 0.0f;

			/* abjad_eq() through its table: this is the inner
			 * loop. */
			if (i && j &&
			    (a[i - 1] == l[j - 1] ||
			     (l[j - 1] >= 'a' && l[j - 1] <= 'z' &&
			      ((m >> (l[j - 1] - 'a')) & 1))) &&
			    dp[i - 1][j - 1] < v)
				v = dp[i - 1][j - 1];
			if (j && dp[i][j - 1] + skl[j - 1] < v)
				v = dp[i][j - 1] + skl[j - 1];
			if (i && dp[i - 1][j] + ska[i - 1] < v)
				v = dp[i - 1][j] + ska[i - 1];
			dp[i][j] = v;
		}
	}
	if (cons < 2)
		cons = 2;
	{
		double s = 1.0 - dp[an][ln] / (double)cons;

		/* Never as strong as an exact spelling. */
		return s < 0 ? 0 : s * 0.95;
	}
}

/* A 64-bit bag of characters: bit c for a letter or digit present, bit
 * 36 + letter for a letter present at least twice. popcount(x & ~y) is a
 * lower bound on the characters of x that no character of y can match. */
static uint64_t char_bag(const char *s, size_t n)
{
	uint64_t once = 0, twice = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int b = c >= 'a' && c <= 'z'   ? c - 'a'
			: c >= '0' && c <= '9' ? 26 + c - '0'
					       : -1;
		uint64_t bit;

		if (b < 0)
			continue;
		bit = 1ULL << b;
		if (b < 26 && (once & bit))
			twice |= 1ULL << (36 + b);
		once |= bit;
	}
	return once | twice;
}

/* A key of up to 7 bytes as an integer (0 = none); keys of one letter
 * are flagged in the top byte: two of them alone never agree. */
static uint64_t dm_int(const char *k)
{
	uint64_t v = 0;
	size_t n = 0;

	/* Keys are a few bytes: a loop beats a call to strnlen here. */
	for (; n < MATCH_DM_MAX - 1 && k[n]; n++)
		v |= (uint64_t)(unsigned char)k[n] << (8 * n);
	if (n == 1)
		v |= 1ULL << 63;
	return v;
}

static bool dm_agree_int(const struct item *a, const struct item *b)
{
	if (!a->dk1 || !b->dk1)
		return false;
	if ((a->dk1 >> 63) && (b->dk1 >> 63))
		return false;
	return a->dk1 == b->dk1 || (b->dk2 && a->dk1 == b->dk2) ||
	       (a->dk2 && a->dk2 == b->dk1) ||
	       (a->dk2 && b->dk2 && a->dk2 == b->dk2);
}

static int popc(uint64_t x)
{
	/* SWAR: without -mpopcnt the builtin is a library call. */
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
}

/* An upper bound of the string part of tok_sim() (Jaro-Winkler averaged
 * with the edit similarity) from lengths and character bags only. */
static double str_sim_bound(const struct item *x, const struct item *y)
{
	size_t la = x->t.len, lb = y->t.len;
	size_t ua = (size_t)popc(x->bag & ~y->bag);
	size_t ub = (size_t)popc(y->bag & ~x->bag);
	size_t ma = la > ua ? la - ua : 0, mb = lb > ub ? lb - ub : 0;
	size_t m = ma < mb ? ma : mb, pre, dl;
	uint32_t diff = x->pre4 ^ y->pre4;
	double j, jw;

	if (m == 0)
		return 0.0;
	/* Multiplications by the stored reciprocals and the prefix from
	 * the stored first letters: this runs for every pair of tokens,
	 * and the divisions and the reads of the strings were most of it.
	 * The rounding may differ from the exact quotients by an ulp; the
	 * caller leaves a margin for that. */
	j = ((double)m * x->inv + (double)m * y->inv + 1.0) * (1.0 / 3.0);
	pre = diff ? (size_t)__builtin_ctz(diff) / 8 : 4;
	if (pre > la)
		pre = la;
	if (pre > lb)
		pre = lb;
	jw = j + (double)pre * 0.1 * (1.0 - j);
	if (jw < 0.6)
		return jw;
	dl = ua > ub ? ua : ub;
	if (la > lb ? la - lb > dl : lb - la > dl)
		dl = la > lb ? la - lb : lb - la;
	j = (jw + 1.0 - (double)dl * (x->inv < y->inv ? x->inv : y->inv)) * 0.5;
	return j > 0.6 ? j : 0.6;
}

static bool dm_agree(const struct match_token *a, const struct match_token *b)
{
	if (!a->dm1[0] || !b->dm1[0])
		return false;
	if (strlen(a->dm1) < 2 && strlen(b->dm1) < 2)
		return false;
	return !strcmp(a->dm1, b->dm1) ||
	       (b->dm2[0] && !strcmp(a->dm1, b->dm2)) ||
	       (a->dm2[0] && !strcmp(a->dm2, b->dm1)) ||
	       (a->dm2[0] && b->dm2[0] && !strcmp(a->dm2, b->dm2));
}

/* Similarity of two tokens in [0, 1]; *phon says phonetics decided it. */
static double tok_sim(const struct match_token *a, bool aa,
		      const struct match_token *b, bool ab, bool *phon)
{
	double s, x;
	int d;

	*phon = false;
	if (a->len == b->len && memcmp(a->s, b->s, a->len) == 0)
		return 1.0;
	if ((a->flags | b->flags) & MATCH_TOK_NUMBER)
		return 0.0;
	if (a->len == 1 || b->len == 1)
		return a->s[0] == b->s[0] ? 0.9 : 0.0;
	/* Jaro-Winkler alone is generous to words that share a prefix
	 * ("matilda", "madeline"); averaging with the edit similarity keeps
	 * typing errors high and different names low. */
	s = match_jaro_winkler(a->s, a->len, b->s, b->len);
	/* Far apart already: the edit distance could not lift the pair
	 * over TOK_MIN, and it is the costlier of the two. */
	d = s < 0.6 ? -1
		    : match_damerau_levenshtein(a->s, a->len, b->s, b->len);
	if (d >= 0) {
		size_t m = a->len > b->len ? a->len : b->len;

		s = (s + 1.0 - (double)d / (double)m) / 2.0;
	}
	/* Same sound: strong when the spellings are also close, weaker when
	 * only the keys agree (Jaro-Winkler is blind on short words: "eun"
	 * and "un" share no letter at the same place). */
	if (s < 0.88 && dm_agree(a, b)) {
		*phon = true;
		s = s > 0.5 ? 0.88 : 0.78;
	}
	if (aa != ab) {
		x = aa ? abjad_sim(a->s, a->len, b->s, b->len, TOK_MIN)
		       : abjad_sim(b->s, b->len, a->s, a->len, TOK_MIN);
		if (x > s)
			s = x;
	}
	return s;
}

/* tok_sim() with a cheap rejection first: pairs that share too few
 * characters to reach TOK_MIN and have no phonetic or skeleton route
 * are answered 0 without Jaro-Winkler. */
static double item_sim(const struct item *x, bool aa, const struct item *y,
		       bool ab, bool *phon)
{
	const struct match_token *a = &x->t, *b = &y->t;

	*phon = false;
	if (aa == ab && a->len > 1 && b->len > 1 && a->len <= 64 &&
	    b->len <= 64 && !((a->flags | b->flags) & MATCH_TOK_NUMBER) &&
	    !dm_agree_int(x, y) && str_sim_bound(x, y) < TOK_MIN - 1e-9)
		return 0.0;
	return tok_sim(a, aa, b, ab, phon);
}

static void item_sig(struct item *t)
{
	t->pre4 = 0;
	for (size_t i = 0; i < 4 && i < t->t.len; i++)
		t->pre4 |= (uint32_t)(unsigned char)t->t.s[i] << (8 * i);
	t->inv = t->t.len ? 1.0 / (double)t->t.len : 0.0;
	t->bag = char_bag(t->t.s, t->t.len);
	t->dk1 = dm_int(t->t.dm1);
	t->dk2 = dm_int(t->t.dm2);
}

void match_tok_sim_pair(const struct match_token *a, bool aa,
			const struct match_token *b, bool ab, double *exact,
			double *fast)
{
	struct item x, y;
	bool phon;

	x.t = *a;
	y.t = *b;
	item_sig(&x);
	item_sig(&y);
	*exact = tok_sim(a, aa, b, ab, &phon);
	*fast = item_sim(&x, aa, &y, ab, &phon);
}

double match_tok_min(void)
{
	return TOK_MIN;
}

/* A form's items: its tokens, then (only once asked for) adjacent tokens
 * joined. Made once per form of a match_score() call, not again for every
 * pairing of forms and for the joined pass. */
struct side {
	const struct match_form *f;
	bool abjad;
	size_t n1, n2; /* items: singles, and with the joins */
	bool joined;
	struct item it[2 * MATCH_TOKENS_MAX];
};

static void side_init(struct side *sd, const struct match_form *f, bool abjad)
{
	sd->f = f;
	sd->abjad = abjad;
	sd->joined = false;
	sd->n1 = 0;
	for (size_t i = 0; i < f->n_tok; i++) {
		struct item *t = &sd->it[sd->n1++];

		t->t = f->tok[i];
		t->a = t->b = (uint8_t)i;
		item_sig(t);
	}
	sd->n2 = sd->n1;
}

static void side_join(struct side *sd)
{
	const struct match_form *f = sd->f;

	if (sd->joined)
		return;
	sd->joined = true;
	if (f->n_tok > JOIN_MAX)
		return;
	for (size_t i = 0; i + 1 < f->n_tok; i++) {
		const struct match_token *x = &f->tok[i], *y = &f->tok[i + 1];
		struct item *t = &sd->it[sd->n2];

		if ((size_t)x->len + y->len >= JOIN_BUF ||
		    ((x->flags | y->flags) &
		     (MATCH_TOK_NUMBER | MATCH_TOK_INITIAL)))
			continue;
		memcpy(t->buf, x->s, x->len);
		memcpy(t->buf + x->len, y->s, y->len);
		memset(&t->t, 0, sizeof(t->t));
		t->t.s = t->buf;
		t->t.len = (uint16_t)(x->len + y->len);
		t->t.weight = x->weight > y->weight ? x->weight : y->weight;
		t->a = (uint8_t)i;
		t->b = (uint8_t)(i + 1);
		item_sig(t);
		sd->n2++;
	}
}

static bool cand_before(const struct cand *a, const struct cand *b)
{
	if (a->sim != b->sim)
		return a->sim > b->sim;
	if (a->qi != b->qi)
		return a->qi < b->qi;
	return a->ci < b->ci;
}

/* Insertion sort: a few dozen pairs at most pass TOK_MIN, and qsort's
 * indirect comparisons cost more than the sort. */
static void sort_cands(struct cand *cd, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct cand t = cd[i];
		size_t j = i;

		while (j && cand_before(&t, &cd[j - 1])) {
			cd[j] = cd[j - 1];
			j--;
		}
		cd[j] = t;
	}
}

struct align {
	double score;
	double credit_q[MATCH_TOKENS_MAX], credit_c[MATCH_TOKENS_MAX];
	int8_t pair_q[MATCH_TOKENS_MAX]; /* matched item per q token */
	size_t n_pairs, n_phon;
};

/* Greedy best-first assignment over the similarity matrix of tokens and
 * joined neighbours; each token is used at most once. */
static double align_once(const struct side *qs, const struct side *cs,
			 struct cand *cd, struct align *al, bool join)
{
	const struct match_form *q = qs->f, *c = cs->f;
	const struct item *qi = qs->it, *ci = cs->it;
	bool qa = qs->abjad, ca = cs->abjad;
	size_t nq = join ? qs->n2 : qs->n1, nc = join ? cs->n2 : cs->n1;
	size_t ncd = 0;
	bool used_q[MATCH_TOKENS_MAX] = {false};
	bool used_c[MATCH_TOKENS_MAX] = {false};
	double mq = 0, mc = 0, uq = 0, uc = 0, cr = 0;
	double conflict, extra, matched;

	/* Only what is read later: credits of the tokens there are (the
	 * explanation reads the candidate's), no pairs yet. This runs for
	 * every pairing of forms of every candidate. */
	al->score = 0;
	al->n_pairs = al->n_phon = 0;
	for (size_t i = 0; i < q->n_tok; i++)
		al->credit_q[i] = 0;
	for (size_t j = 0; j < c->n_tok; j++)
		al->credit_c[j] = 0;
	for (size_t i = 0; i < MATCH_TOKENS_MAX; i++)
		al->pair_q[i] = -1;
	for (size_t i = 0; i < nq; i++) {
		for (size_t j = 0; j < nc && ncd < ITEMS_MAX; j++) {
			bool phon;
			double s;

			/* Joined with joined would only re-find singles. */
			if (qi[i].a != qi[i].b && ci[j].a != ci[j].b)
				continue;
			s = item_sim(&qi[i], qa, &ci[j], ca, &phon);
			if (s < TOK_MIN)
				continue;
			cd[ncd].sim = (float)s;
			cd[ncd].qi = (uint8_t)i;
			cd[ncd].ci = (uint8_t)j;
			cd[ncd].phon = phon;
			ncd++;
		}
	}
	sort_cands(cd, ncd);
	for (size_t k = 0; k < ncd; k++) {
		const struct item *x = &qi[cd[k].qi], *y = &ci[cd[k].ci];

		if (used_q[x->a] || used_q[x->b] || used_c[y->a] ||
		    used_c[y->b])
			continue;
		used_q[x->a] = used_q[x->b] = true;
		used_c[y->a] = used_c[y->b] = true;
		al->credit_q[x->a] = al->credit_q[x->b] = cd[k].sim;
		al->credit_c[y->a] = al->credit_c[y->b] = cd[k].sim;
		al->pair_q[x->a] = (int8_t)y->a;
		if (x->b != x->a)
			al->pair_q[x->b] = (int8_t)y->b;
		al->n_pairs++;
		al->n_phon += cd[k].phon;
	}
	for (size_t i = 0; i < q->n_tok; i++) {
		if (used_q[i]) {
			mq += q->tok[i].weight;
			cr += q->tok[i].weight * al->credit_q[i];
		} else {
			uq += q->tok[i].weight;
		}
	}
	for (size_t j = 0; j < c->n_tok; j++) {
		if (used_c[j]) {
			mc += c->tok[j].weight;
			cr += c->tok[j].weight * al->credit_c[j];
		} else {
			uc += c->tok[j].weight;
		}
	}
	if (mq + mc <= 0)
		return 0.0;
	/* Unmatched names on both sides contradict each other (John Smith,
	 * Peter Smith); unmatched names on one side only are missing
	 * information (Putin, Vladimir Putin) and cost less. */
	conflict = uq < uc ? uq : uc;
	extra = (uq > uc ? uq : uc) - conflict;
	matched = (mq + mc) / 2.0;
	al->score = cr / (mq + mc) * matched /
		    (matched + conflict + EXTRA_WEIGHT * extra);
	return al->score;
}

/* Joined neighbours are only worth trying when the counts differ. */
static double align_forms(struct side *qs, struct side *cs, struct cand *cd,
			  struct align *al)
{
	double s = align_once(qs, cs, cd, al, false);
	struct align j;
	double sj;

	/* Joining only changes the count of tokens: with equal counts a
	 * join on one side would need a split on the other. */
	if (qs->f->n_tok == cs->f->n_tok)
		return s;
	side_join(qs);
	side_join(cs);
	sj = align_once(qs, cs, cd, &j, true);
	if (sj > s) {
		*al = j;
		s = sj;
	}
	return s;
}

static bool is_abjad(const struct match_name *n, const struct match_form *f)
{
	return (n->script == SCRIPT_ARABIC || n->script == SCRIPT_HEBREW ||
		n->script == SCRIPT_THAI) &&
	       strcmp(f->origin, "latin") != 0;
}

/* Best similarity of a whole abjad form read against a whole Latin form,
 * above floor (0 otherwise). Word boundaries differ between the scripts:
 * Arabic writes the article with the next word (عبد الرحمن, "bd alrhmn")
 * where Latin spellings join it to the previous one ("Abdul Rahman") or
 * write the name as one word ("Abdurrahman", "Noureddine"), so token
 * alignment alone misses them. */
static double abjad_name(const struct match_name *q, const struct match_name *c,
			 double floor)
{
	double best = 0.0;

	for (size_t i = 0; i < q->n_forms; i++) {
		bool qa = is_abjad(q, &q->form[i]);

		for (size_t j = 0; j < c->n_forms; j++) {
			const struct match_form *a = &q->form[i];
			const struct match_form *l = &c->form[j];
			double s;

			if (qa == is_abjad(c, l))
				continue;
			if (!qa) {
				a = &c->form[j];
				l = &q->form[i];
			}
			if (a->n_tok < 2 && l->n_tok < 2)
				continue; /* tok_sim() compared them */
			s = abjad_sim(a->text, strnlen(a->text, AB_MAX + 1),
				      l->text, strnlen(l->text, AB_MAX + 1),
				      floor > best ? floor : best);
			if (s > best)
				best = s;
		}
	}
	return best;
}

/* --- acronyms ------------------------------------------------------------ */

/* An acronym is as good as a spelling ("BNC" for Banco Nacional de Cuba)
 * but it is evidence, not proof: many bodies share three initials. Two
 * letters are too common to say much. */
#define ACRO_SIM 0.88
#define ACRO_SIM_SHORT 0.5
#define ACRO_MIN 2
#define ACRO_MAX 6

/* Connecting words that acronyms usually leave out. */
static const char *const acro_skip[] = {
    "of", "the", "and", "for", "in", "on", "de",  "del", "des", "du", "la",
    "le", "les", "el",	"al",  "et", "y",  "und", "fur", "da",	"di", NULL};

bool match_connective(const char *s, size_t len)
{
	for (const char *const *w = acro_skip; *w; w++)
		if (strlen(*w) == len && !memcmp(*w, s, len))
			return true;
	return false;
}

static bool acro_connective(const struct match_token *t)
{
	return (t->flags & MATCH_TOK_PARTICLE) ||
	       match_connective(t->s, t->len);
}

/* Whether the single token a spells the initials of f's tokens, legal
 * forms always left out, connectives left out or kept. */
static bool acro_spells(const struct match_token *a, const struct match_form *f,
			bool keep_conn)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n_tok; i++) {
		const struct match_token *t = &f->tok[i];

		if (t->flags & (MATCH_TOK_LEGAL_FORM | MATCH_TOK_NUMBER))
			continue;
		if (!keep_conn && acro_connective(t))
			continue;
		if (k >= a->len || a->s[k] != t->s[0])
			return false;
		k++;
	}
	return k == a->len;
}

/* Name similarity of a one-word acronym a against the form f, 0 if f
 * does not spell it. */
static double acro_form(const struct match_form *a, const struct match_form *f)
{
	const struct match_token *t = &a->tok[0];
	size_t sig = 0;

	if (a->n_tok != 1 || t->len < ACRO_MIN || t->len > ACRO_MAX)
		return 0.0;
	for (size_t i = 0; i < t->len; i++)
		if (t->s[i] < 'a' || t->s[i] > 'z')
			return 0.0;
	for (size_t i = 0; i < f->n_tok; i++)
		sig += !(f->tok[i].flags & MATCH_TOK_LEGAL_FORM) &&
		       !acro_connective(&f->tok[i]);
	if (sig < 2)
		return 0.0;
	if (!acro_spells(t, f, false) && !acro_spells(t, f, true))
		return 0.0;
	return t->len >= 3 ? ACRO_SIM : ACRO_SIM_SHORT;
}

/* Best acronym similarity between any forms of q and c (either side may
 * be the acronym); persons have no acronyms. */
static double acronym(const struct match_name *q, const struct match_name *c,
		      const struct match_form **fq,
		      const struct match_form **fc)
{
	double best = 0.0;

	if (q->kind == MATCH_PERSON || c->kind == MATCH_PERSON)
		return 0.0;
	for (size_t i = 0; i < q->n_forms; i++) {
		for (size_t j = 0; j < c->n_forms; j++) {
			double s = acro_form(&q->form[i], &c->form[j]);
			double r = acro_form(&c->form[j], &q->form[i]);

			if (s > best || r > best) {
				best = s > r ? s : r;
				*fq = &q->form[i];
				*fc = &c->form[j];
			}
		}
	}
	return best;
}

/* An acronym inside a longer name: "IRGC Missile Command" for "Islamic
 * Revolutionary Guard Corps al-Ghadir Missile Command", "SMP Bank" for
 * "Bank Severny Morskoy Put". If a word of a (three to six letters) spells
 * the initials of a run of consecutive words of f (connectives inside the
 * run may be left out), out is f with that run replaced by the word, so
 * that the rest of the two names can be aligned as usual. */
static bool acro_run(const struct match_form *a, const struct match_form *f,
		     struct match_form *out, struct match_token *shown)
{
	uint32_t initials = 0;

	/* This runs for every candidate scored, so cheap tests first. Three
	 * letters stand for three words at least: f must be two words longer
	 * than a. Most words have a letter that begins no word of f: one
	 * mask test rules them out. */
	if (f->n_tok < a->n_tok + 2)
		return false;
	for (size_t j = 0; j < f->n_tok; j++)
		if (f->tok[j].s[0] >= 'a' && f->tok[j].s[0] <= 'z')
			initials |= 1u << (f->tok[j].s[0] - 'a');
	for (size_t i = 0; i < a->n_tok; i++) {
		const struct match_token *t = &a->tok[i];
		bool alpha = t->len >= 3 && t->len <= ACRO_MAX &&
			     !(t->flags & MATCH_TOK_LEGAL_FORM);

		for (size_t k = 0; alpha && k < t->len; k++)
			alpha = t->s[k] >= 'a' && t->s[k] <= 'z' &&
				(initials >> (t->s[k] - 'a') & 1);
		if (!alpha)
			continue;
		for (size_t j = 0; j < f->n_tok; j++) {
			size_t k = 0, e = j;

			while (e < f->n_tok && k < t->len) {
				const struct match_token *u = &f->tok[e];

				if (u->flags & MATCH_TOK_LEGAL_FORM)
					break;
				if (u->s[0] == t->s[k])
					k++;
				else if (k == 0 || !acro_connective(u))
					break;
				e++;
			}
			if (k < t->len || e - j < 2)
				continue;
			*out = *f;
			out->tok[j] = *t;
			out->tok[j].weight = 1.0f;
			out->tok[j].flags = 0;
			/* The explanation shows the run the word stands for:
			 * the form's words are one string, spaces between. */
			*shown = out->tok[j];
			shown->s = f->tok[j].s;
			shown->len =
			    (uint16_t)(f->tok[e - 1].s + f->tok[e - 1].len -
				       f->tok[j].s);
			memmove(&out->tok[j + 1], &f->tok[e],
				(f->n_tok - e) * sizeof(f->tok[0]));
			out->n_tok = f->n_tok - (e - j) + 1;
			return true;
		}
	}
	return false;
}

/* The best reading of acronym_in_name(), for the explanation: the two
 * forms as aligned, the run the acronym stands for in place of the
 * acronym. */
struct acro_best {
	struct match_form q, c;
	struct align al;
};

/* Best alignment of the two names with an acronym run of either side read
 * as the words it stands for, discounted like a whole-name acronym. */
static double acronym_in_name(const struct match_name *q,
			      const struct match_name *c, struct cand *cd,
			      struct acro_best *ab)
{
	struct match_form tmp;
	struct match_token shown;
	struct side qs, cs;
	struct align al;
	double best = 0.0;

	if (q->kind == MATCH_PERSON || c->kind == MATCH_PERSON)
		return 0.0;
	for (size_t i = 0; i < q->n_forms; i++) {
		for (size_t j = 0; j < c->n_forms; j++) {
			for (int dir = 0; dir < 2; dir++) {
				const struct match_form *a =
				    dir ? &c->form[j] : &q->form[i];
				const struct match_form *f =
				    dir ? &q->form[i] : &c->form[j];
				double s;

				if (!acro_run(a, f, &tmp, &shown))
					continue;
				side_init(&qs, dir ? &tmp : &q->form[i], false);
				side_init(&cs, dir ? &c->form[j] : &tmp, false);
				s = ACRO_SIM * align_forms(&qs, &cs, cd, &al);
				if (s <= best)
					continue;
				best = s;
				if (!ab)
					continue;
				ab->q = dir ? tmp : q->form[i];
				ab->c = dir ? c->form[j] : tmp;
				ab->al = al;
				/* The acronym is the one word of tmp whose
				 * text is not in f's. */
				for (size_t k = 0; k < tmp.n_tok; k++) {
					struct match_token *t =
					    dir ? &ab->q.tok[k] : &ab->c.tok[k];

					if (t->s < f->text ||
					    t->s > f->text + strlen(f->text))
						*t = shown;
				}
			}
		}
	}
	return best;
}

/* --- other evidence ----------------------------------------------------- */

/* What an equal full birth date adds: enough to lift a name of which
 * one of two parts agrees (0.50) to the default threshold. */
#define DOB_FULL 0.10

struct pdate {
	int y, m, d;
};

static bool parse_date(const char *s, struct pdate *p)
{
	size_t n;

	memset(p, 0, sizeof(*p));
	if (!s)
		return false;
	n = strlen(s);
	if (n < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		p->y = p->y * 10 + (s[i] - '0');
	}
	if (n >= 7 && s[4] == '-' && s[5] >= '0' && s[5] <= '9' &&
	    s[6] >= '0' && s[6] <= '9')
		p->m = (s[5] - '0') * 10 + (s[6] - '0');
	if (p->m && n >= 10 && s[7] == '-' && s[8] >= '0' && s[8] <= '9' &&
	    s[9] >= '0' && s[9] <= '9')
		p->d = (s[8] - '0') * 10 + (s[9] - '0');
	return true;
}

static bool date_typo(const struct pdate *a, const struct pdate *b)
{
	char x[16], y[16];
	int d;

	snprintf(x, sizeof(x), "%04d%02d%02d", a->y, a->m, a->d);
	snprintf(y, sizeof(y), "%04d%02d%02d", b->y, b->m, b->d);
	d = match_damerau_levenshtein(x, strlen(x), y, strlen(y));
	return d == 1;
}

/* value in [0, 1] and signed contribution of two birth dates. */
static void date_cmp(const struct pdate *a, const struct pdate *b, double *val,
		     double *contrib)
{
	int dy = abs(a->y - b->y);

	if (a->m && b->m && a->d && b->d && date_typo(a, b)) {
		/* One digit wrong or two swapped: a typing error, not
		 * another person. */
		*val = 0.6;
		*contrib = 0.0;
	} else if (dy >= 2) {
		*val = 0.0;
		*contrib = -0.20;
	} else if (dy == 1) {
		*val = 0.3;
		*contrib = -0.06;
	} else if (!a->m || !b->m) {
		*val = 0.8;
		*contrib = 0.02;
	} else if (a->m == b->m && (!a->d || !b->d || a->d == b->d)) {
		/* A full date in common is rare between strangers (about one
		 * pair in 20,000 of a generation): with it, one of two name
		 * parts in common (a given name replaced by a nickname, a
		 * married surname) is enough to show the pair to an
		 * officer. Twins are the exception the officer resolves. */
		*val = a->d && b->d ? 1.0 : 0.9;
		*contrib = a->d && b->d ? DOB_FULL : 0.03;
	} else if (a->d && b->d && a->m == b->d && a->d == b->m) {
		*val = 0.7;
		*contrib = 0.01; /* day and month swapped: a typing error */
	} else if (a->m == b->m) {
		*val = 0.5;
		*contrib = -0.02;
	} else {
		*val = 0.4;
		*contrib = -0.04;
	}
}

static size_t norm_id(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; s && *s && n + 1 < cap; s++) {
		char c = *s;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

static void add_feature(struct match_explain *ex, const char *name, double val,
			double contrib)
{
	if (!ex || ex->n >= MATCH_FEATURES_MAX)
		return;
	ex->f[ex->n].name = name;
	ex->f[ex->n].value = val;
	ex->f[ex->n].contribution = contrib;
	ex->n++;
}

static double evidence(const struct match_extra *a, const struct match_extra *b,
		       struct match_explain *ex)
{
	double total = 0.0;
	size_t na, nb;

	if (!a || !b)
		return 0.0;
	na = a->n_dob < MATCH_EXTRA_MAX ? a->n_dob : MATCH_EXTRA_MAX;
	nb = b->n_dob < MATCH_EXTRA_MAX ? b->n_dob : MATCH_EXTRA_MAX;
	if (na && nb) {
		double best = -1, bc = 0;

		for (size_t i = 0; i < na; i++) {
			struct pdate x, y;

			if (!parse_date(a->dob[i], &x))
				continue;
			for (size_t j = 0; j < nb; j++) {
				double v, c;

				if (!parse_date(b->dob[j], &y))
					continue;
				date_cmp(&x, &y, &v, &c);
				if (v > best) {
					best = v;
					bc = c;
				}
			}
		}
		if (best >= 0) {
			total += bc;
			add_feature(ex, "dob", best, bc);
		}
	}
	if (a->gender && b->gender) {
		bool same = a->gender == b->gender;

		total += same ? 0.0 : -0.15;
		add_feature(ex, "gender", same ? 1.0 : 0.0, same ? 0.0 : -0.15);
	}
	na = a->n_country < MATCH_EXTRA_MAX ? a->n_country : MATCH_EXTRA_MAX;
	nb = b->n_country < MATCH_EXTRA_MAX ? b->n_country : MATCH_EXTRA_MAX;
	if (na && nb) {
		bool any = false;

		for (size_t i = 0; i < na && !any; i++) {
			for (size_t j = 0; j < nb && !any; j++)
				any = a->country[i] && b->country[j] &&
				      !strcmp(a->country[i], b->country[j]);
		}
		total += any ? 0.02 : -0.03;
		add_feature(ex, "country", any ? 1.0 : 0.0, any ? 0.02 : -0.03);
	}
	na = a->n_id < MATCH_EXTRA_MAX ? a->n_id : MATCH_EXTRA_MAX;
	nb = b->n_id < MATCH_EXTRA_MAX ? b->n_id : MATCH_EXTRA_MAX;
	if (na && nb) {
		bool any = false;

		for (size_t i = 0; i < na && !any; i++) {
			char x[64];

			if (norm_id(a->id[i], x, sizeof(x)) < 4)
				continue;
			for (size_t j = 0; j < nb && !any; j++) {
				char y[64];

				any = norm_id(b->id[j], y, sizeof(y)) >= 4 &&
				      !strcmp(x, y);
			}
		}
		/* Different numbers are normal (passport renewed, other
		 * document): only agreement is evidence. */
		total += any ? 0.25 : 0.0;
		add_feature(ex, "id", any ? 1.0 : 0.0, any ? 0.25 : 0.0);
	}
	return total;
}

/* Append n bytes of s at out + o, as snprintf would: as much as fits,
 * always terminated; returns the offset the whole would end at. This runs
 * for every scored candidate, where snprintf's parsing was measurable. */
static size_t put(char *out, size_t cap, size_t o, const char *s, size_t n)
{
	if (o < cap) {
		size_t k = cap - 1 - o < n ? cap - 1 - o : n;

		memcpy(out + o, s, k);
		out[o + k] = '\0';
	}
	return o + n;
}

static void write_alignment(const struct match_form *q,
			    const struct match_form *c, const struct align *al,
			    char *out, size_t cap)
{
	size_t o = 0;
	bool cov[MATCH_TOKENS_MAX] = {false};

	out[0] = '\0';
	for (size_t i = 0; i < q->n_tok && o < cap; i++) {
		const struct match_token *t = &q->tok[i];
		int j = al->pair_q[i];

		if (o)
			o = put(out, cap, o, " ", 1);
		if (j < 0)
			o = put(out, cap, o, "-", 1);
		o = put(out, cap, o, t->s, t->len);
		if (j >= 0) {
			cov[j] = true;
			o = put(out, cap, o, "=", 1);
			o = put(out, cap, o, c->tok[j].s, c->tok[j].len);
		}
	}
	for (size_t j = 0; j < c->n_tok && o < cap; j++) {
		if (cov[j] || al->credit_c[j] > 0)
			continue;
		o = put(out, cap, o, o ? " +" : "+", o ? 2 : 1);
		o = put(out, cap, o, c->tok[j].s, c->tok[j].len);
	}
}

double match_score(const struct match_name *q, const struct match_extra *qe,
		   const struct match_name *c, const struct match_extra *ce,
		   struct match_explain *ex)
{
	struct side qs, cs;
	struct cand cd[ITEMS_MAX];
	struct align al, best_al;
	size_t bq = 0, bc = 0;
	double best = -1.0, acro = 0.0, score;
	bool whole = false, in_name = false;
	const struct match_form *aq = NULL, *ac = NULL;
	struct acro_best ab;

	if (ex)
		memset(ex, 0, sizeof(*ex));
	if (!q || !c || !q->n_forms || !c->n_forms)
		return 0.0;
	memset(&best_al, 0, sizeof(best_al));
	for (size_t i = 0; i < q->n_forms && best < 1.0; i++) {
		for (size_t j = 0; j < c->n_forms && best < 1.0; j++) {
			/* The same spelling needs no search over every pair
			 * of forms; an explanation only needs this pair's
			 * alignment. */
			if (strcmp(q->form[i].text, c->form[j].text))
				continue;
			best = 1.0;
			bq = i;
			bc = j;
			if (ex) {
				side_init(&qs, &q->form[i],
					  is_abjad(q, &q->form[i]));
				side_init(&cs, &c->form[j],
					  is_abjad(c, &c->form[j]));
				(void)align_forms(&qs, &cs, cd, &best_al);
			}
		}
	}
	for (size_t i = 0; i < q->n_forms && best < 1.0; i++) {
		side_init(&qs, &q->form[i], is_abjad(q, &q->form[i]));
		for (size_t j = 0; j < c->n_forms && best < 1.0; j++) {
			double s;

			side_init(&cs, &c->form[j], is_abjad(c, &c->form[j]));
			s = align_forms(&qs, &cs, cd, &al);

			if (s > best) {
				best = s;
				best_al = al;
				bq = i;
				bc = j;
			}
		}
	}
	if (best < 0.95 &&
	    (is_abjad(q, &q->form[0]) || is_abjad(c, &c->form[0]))) {
		/* Only strong evidence: a whole name read as a skeleton
		 * weaker than one word agreeing says little. */
		double w = abjad_name(q, c, best > TOK_MIN ? best : TOK_MIN);

		if (w > best) {
			best = w;
			whole = true;
		}
	}
	if (best < ACRO_SIM) {
		double r = acronym_in_name(q, c, cd, ex ? &ab : NULL);

		acro = acronym(q, c, &aq, &ac);
		if (r > acro) {
			acro = r;
			in_name = true;
		}
	}
	score = best > acro ? best : acro;
	if (ex) {
		ex->form_q = q->form[bq].text;
		ex->form_c = c->form[bc].text;
		if (acro > best)
			add_feature(ex, "acronym", acro, acro);
		else if (whole)
			add_feature(ex, "skeleton", best, best);
		else
			add_feature(ex, "name", best, best);
		add_feature(ex, "phonetic",
			    best_al.n_pairs ? (double)best_al.n_phon /
						  (double)best_al.n_pairs
					    : 0.0,
			    0.0);
		if (acro > best && in_name) {
			write_alignment(&ab.q, &ab.c, &ab.al, ex->alignment,
					sizeof(ex->alignment));
			/* The texts are the names' own (tmp copies the
			 * pointer), so they outlive ab. */
			ex->form_q = ab.q.text;
			ex->form_c = ab.c.text;
		} else if (acro > best && aq && ac) {
			/* One name is the other's initials: "bnc=banco
			 * nacional de cuba". */
			size_t o = put(ex->alignment, sizeof(ex->alignment), 0,
				       aq->text, strlen(aq->text));

			o = put(ex->alignment, sizeof(ex->alignment), o, "=",
				1);
			(void)put(ex->alignment, sizeof(ex->alignment), o,
				  ac->text, strlen(ac->text));
			ex->form_q = aq->text;
			ex->form_c = ac->text;
		} else
			write_alignment(&q->form[bq], &c->form[bc], &best_al,
					ex->alignment, sizeof(ex->alignment));
	}
	score += evidence(qe, ce, ex);
	if (score < 0.0)
		score = 0.0;
	if (score > 1.0)
		score = 1.0;
	return score;
}

int match_explain_text(const struct match_explain *ex, double score,
		       struct strbuf *out)
{
	size_t start;
	int ret;

	if (!ex || !out)
		return LIA_EINVAL;
	start = out->len;
	ret = strbuf_addf(out, "%.2f =", score);
	for (size_t i = 0; !ret && i < ex->n && i < MATCH_FEATURES_MAX; i++)
		ret = strbuf_addf(out, " %s %.2f (%+.2f)", ex->f[i].name,
				  ex->f[i].value, ex->f[i].contribution);
	if (!ret && ex->alignment[0])
		ret = strbuf_addf(out, " [%s]", ex->alignment);
	if (!ret && ex->form_q && ex->form_c)
		ret = strbuf_addf(out, " {%s | %s}", ex->form_q, ex->form_c);
	if (ret)
		strbuf_setlen(out, start);
	return ret;
}
