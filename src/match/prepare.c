/*
 * prepare.c - match_prepare(): a name's Latin forms and their tokens with
 * role, weight and phonetic keys.
 *
 * Everything that costs (ICU, Double Metaphone, role lookups) happens here
 * once per name, so that match_score() only compares prepared data.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "match_int.h"

#define WORDS_MAX 64

/* Token weights: how much a token's agreement (or its absence) says about
 * identity. A surname or given name says most; a particle ("al", "van") or
 * an initial much less; a title or a legal form almost nothing - two
 * different people are both "Dr", two firms both "LLC". */
#define W_FULL 1.0f
#define W_SHORT 0.8f
#define W_PATRONYMIC 0.6f
#define W_NUMBER 0.5f
#define W_INITIAL 0.3f
#define W_PARTICLE 0.2f
#define W_GENERIC 0.35f
#define W_LEGAL 0.15f
#define W_HONORIFIC 0.02f

static const char *const particles[] = {
    "al",    "el",  "bin", "ibn", "bint", "binti", "abu", "abd", "abdul",
    "abdel", "ul",  "van", "von", "der",  "den",   "de",  "del", "della",
    "di",    "da",  "das", "dos", "do",	  "du",	   "la",  "le",	 "les",
    "ter",   "ten", "mac", "y",	  "zu",	  "st",	   NULL};

/* Words of organisation names that many unrelated bodies share. */
static const char *const org_generic[] = {"and",
					  "of",
					  "the",
					  "for",
					  "und",
					  "et",
					  "y",
					  "i",
					  "e",
					  "fur",
					  "company",
					  "group",
					  "international",
					  "holding",
					  "holdings",
					  "trading",
					  "trade",
					  "foundation",
					  "society",
					  "organization",
					  "organisation",
					  "association",
					  "charitable",
					  "charity",
					  "bank",
					  "industries",
					  "industrial",
					  "industry",
					  "enterprise",
					  "enterprises",
					  "services",
					  "service",
					  "general",
					  "national",
					  "global",
					  "network",
					  "establishment",
					  "est",
					  "institute",
					  "center",
					  "centre",
					  "office",
					  "committee",
					  "commerce",
					  "commercial",
					  "investment",
					  "investments",
					  "import",
					  "export",
					  "shipping",
					  "petroleum",
					  "oil",
					  "gas",
					  "energy",
					  "ministry",
					  "agency",
					  "front",
					  "movement",
					  "brigade",
					  "battalion",
					  "army",
					  "party",
					  "branch",
					  "sons",
					  "brothers",
					  "union",
					  "council",
					  NULL};

static const char *const honorifics[] = {
    "mr",	    "mrs",	 "ms",	      "miss",	    "mister",
    "dr",	    "doctor",	 "prof",      "professor",  "sir",
    "dame",	    "lord",	 "lady",      "rev",	    "reverend",
    "fr",	    "father",	 "sheikh",    "shaykh",	    "sheik",
    "shaikh",	    "haji",	 "hajji",     "hadji",	    "hajj",
    "mullah",	    "mulla",	 "maulana",   "maulvi",	    "mawlawi",
    "mawlana",	    "sayyid",	 "syed",      "imam",	    "ayatollah",
    "general",	    "gen",	 "colonel",   "col",	    "major",
    "maj",	    "captain",	 "capt",      "lieutenant", "lt",
    "sergeant",	    "sgt",	 "admiral",   "adm",	    "brigadier",
    "marshal",	    "commander", "cmdr",      "president",  "presidente",
    "president",    "prezident", "prasident", "praesident", "predsjednik",
    "presedintele", "presiden",	 "elnok",     "prezydent",  "minister",
    "senator",	    "emir",	 "amir",      "prince",	    "princess",
    "king",	    "queen",	 "herr",      "frau",	    "sr",
    "sra",	    "srta",	 "don",	      "dona",	    "mme",
    "mlle",	    "m",	 "gospodin",  NULL};

/* Single-word legal forms and the one spelling they are compared as. */
static const char *const legal_words[][2] = {
    {"llc", "llc"},
    {"ltd", "ltd"},
    {"limited", "ltd"},
    {"inc", "inc"},
    {"incorporated", "inc"},
    {"corp", "corp"},
    {"corporation", "corp"},
    {"co", "co"},
    {"company", "co"},
    {"cie", "co"},
    {"cia", "co"},
    {"gmbh", "gmbh"},
    {"ag", "ag"},
    {"sa", "sa"},
    {"sas", "sas"},
    {"sarl", "sarl"},
    {"srl", "srl"},
    {"spa", "spa"},
    {"bv", "bv"},
    {"nv", "nv"},
    {"plc", "plc"},
    {"ooo", "ooo"},
    {"oao", "oao"},
    {"zao", "zao"},
    {"pao", "pao"},
    {"ao", "ao"},
    {"jsc", "jsc"},
    {"ojsc", "ojsc"},
    {"cjsc", "cjsc"},
    {"pjsc", "pjsc"},
    {"llp", "llp"},
    {"lp", "lp"},
    {"fze", "fze"},
    {"fzco", "fzco"},
    {"fzc", "fzc"},
    {"fzllc", "fzllc"},
    {"pte", "pte"},
    {"pty", "pty"},
    {"kg", "kg"},
    {"ohg", "ohg"},
    {"ab", "ab"},
    {"oy", "oy"},
    {"asa", "asa"},
    {"sl", "sl"},
    {"bhd", "bhd"},
    {"sdn", "sdn"},
    {"tov", "tov"},
    {"ltda", "ltda"},
    {"eirl", "eirl"},
    {"sae", "sae"},
    {"sal", "sal"},
    {"wll", "wll"},
    {"kft", "kft"},
    {"doo", "doo"},
    {"sro", "sro"},
    {"as", "as"},
    {"ad", "ad"},
    {"ead", "ead"},
    {"ood", "ood"},
    {"gie", "gie"},
};

/* Multi-word legal forms; a trailing '*' matches any ending, so that
 * transliteration variants of Russian forms ("ogranichennoy",
 * "ogranichennoi") meet. */
static const char *const legal_phrases[][10] = {
    {"ooo", "obshchestvo", "s", "ogranichenn*", "otvetstvenn*", NULL},
    {"oao", "otkryt*", "aktsionern*", "obshchestvo", NULL},
    {"zao", "zakryt*", "aktsionern*", "obshchestvo", NULL},
    {"pao", "publichn*", "aktsionern*", "obshchestvo", NULL},
    {"ao", "aktsionern*", "obshchestvo", NULL},
    {"srldecv", "s", "de", "rl", "de", "cv", NULL},
    {"sadecv", "sa", "de", "cv", NULL},
    {"sadecv", "s", "a", "de", "c", "v", NULL},
    {"srldecv", "s", "de", "r", "l", "de", "c", "v", NULL},
    {"sa", "s", "a", NULL},
    {"srl", "s", "de", "rl", NULL},
    {"sa", "sociedad", "anonima", NULL},
    {"sa", "societe", "anonyme", NULL},
    {"sa", "sociedade", "anonima", NULL},
    {"llc", "limited", "liability", "company", NULL},
    {"llp", "limited", "liability", "partnership", NULL},
    {"lp", "limited", "partnership", NULL},
    {"plc", "public", "limited", "company", NULL},
    {"ojsc", "open", "joint", "stock", "company", NULL},
    {"cjsc", "closed", "joint", "stock", "company", NULL},
    {"jsc", "joint", "stock", "company", NULL},
    {"gmbh", "gesellschaft", "mit", "beschrankter", "haftung", NULL},
    {"ag", "aktiengesellschaft", NULL},
    {"bv", "besloten", "vennootschap", NULL},
    {"nv", "naamloze", "vennootschap", NULL},
    {"spa", "societa", "per", "azioni", NULL},
    {"srl", "societa", "a", "responsabilita", "limitata", NULL},
    {"fze", "free", "zone", "establishment", NULL},
    {"fzco", "free", "zone", "company", NULL},
    {"pjsc", "public", "joint", "stock", "company", NULL},
};

static const char *const patronymic_ends[] = {
    "ovich",  "evich",	"ovych",  "evych",  "ovna",    "evna",	  "ovic",
    "evic",   "ovics",	"ovitch", "evitch", "ovitsch", "owitsch", "owitsj",
    "ovitj",  "ovitsj", "ovitx",  "avich",  "avic",    "ovici",	  "owicz",
    "ievich", "ovnaa",	"oglu",	  "ogly",   "kyzy",    "qizi",	  NULL};

struct word {
	const char *s;
	size_t len;
};

/*
 * Every word of every name is looked up in the lists above, a few hundred
 * string comparisons a word, which was half of preparing an ASCII name.
 * A filter per list says, from a word's first letter and length, whether
 * any entry could be that word (bit min(len, 31) of the letter's mask; a
 * trailing '*' sets every length from the stem's up); only then is the
 * list searched. Built once, read-only after.
 */
struct wfilter {
	uint32_t len_mask[128];
};

static struct wfilter wf_particles, wf_org, wf_honor, wf_legal, wf_phrase;
static bool wf_patronymic_last[128]; /* last letters of patronymic_ends */
static pthread_once_t wf_once = PTHREAD_ONCE_INIT;

static void wf_add(struct wfilter *f, const char *pat)
{
	size_t n = strlen(pat);
	unsigned char c = (unsigned char)pat[0];

	if (!n || c >= 128)
		return;
	if (pat[n - 1] == '*') {
		for (size_t l = n - 1; l < 32; l++)
			f->len_mask[c] |= 1u << l;
		return;
	}
	f->len_mask[c] |= 1u << (n < 31 ? n : 31);
}

static void wf_init(void)
{
	for (const char *const *p = particles; *p; p++)
		wf_add(&wf_particles, *p);
	for (const char *const *p = org_generic; *p; p++)
		wf_add(&wf_org, *p);
	for (const char *const *p = honorifics; *p; p++)
		wf_add(&wf_honor, *p);
	for (size_t i = 0; i < sizeof(legal_words) / sizeof(legal_words[0]);
	     i++)
		wf_add(&wf_legal, legal_words[i][0]);
	for (size_t i = 0; i < sizeof(legal_phrases) / sizeof(legal_phrases[0]);
	     i++)
		wf_add(&wf_phrase, legal_phrases[i][1]);
	for (const char *const *p = patronymic_ends; *p; p++) {
		unsigned char c = (unsigned char)(*p)[strlen(*p) - 1];

		if (c < 128)
			wf_patronymic_last[c] = true;
	}
}

/* Whether some entry behind f could be w. */
static bool wf_may(const struct wfilter *f, const struct word *w)
{
	unsigned char c = w->len ? (unsigned char)w->s[0] : 0;

	return c < 128 && (f->len_mask[c] >> (w->len < 31 ? w->len : 31) & 1u);
}

static bool word_is(const struct word *w, const char *s)
{
	/* First letters first: this runs for every word against every
	 * entry of the lists above. */
	if (!w->len || w->s[0] != s[0])
		return false;
	/* strncmp stops at the end of s, and s[len] is then in bounds. */
	return strncmp(s, w->s, w->len) == 0 && s[w->len] == '\0';
}

static bool in_list(const struct word *w, const char *const *list,
		    const struct wfilter *f)
{
	if (!wf_may(f, w))
		return false;
	for (; *list; list++) {
		if (word_is(w, *list))
			return true;
	}
	return false;
}

static bool pattern_is(const struct word *w, const char *pat)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*')
		return w->len >= n - 1 && memcmp(w->s, pat, n - 1) == 0;
	return word_is(w, pat);
}

static bool ends_with(const struct word *w, const char *suffix)
{
	size_t n = strlen(suffix);

	return w->len > n + 2 && memcmp(w->s + w->len - n, suffix, n) == 0;
}

/* Cut ASCII text into words (no copy). */
static size_t split_words(const char *s, size_t len, struct word *w)
{
	size_t n = 0, i = 0;

	while (i < len && n < WORDS_MAX) {
		size_t j;

		while (i < len && s[i] == ' ')
			i++;
		j = i;
		while (j < len && s[j] != ' ')
			j++;
		if (j > i) {
			w[n].s = s + i;
			w[n].len = j - i;
			n++;
		}
		i = j;
	}
	return n;
}

struct proto {
	struct word w;
	uint8_t flags;
	float weight;
};

/* Replace legal-form phrases by their short form (organisations only). */
static size_t fold_legal(struct word *w, size_t n, uint8_t *legal)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t np = sizeof(legal_phrases) / sizeof(legal_phrases[0]);
		bool done = false;

		for (size_t p = 0; p < np && !done && wf_may(&wf_phrase, &w[i]);
		     p++) {
			const char *const *ph = legal_phrases[p];
			size_t k = 0;

			while (ph[k + 1] && i + k < n &&
			       pattern_is(&w[i + k], ph[k + 1]))
				k++;
			if (ph[k + 1] || k < 1)
				continue;
			w[o].s = ph[0];
			w[o].len = strlen(ph[0]);
			legal[o++] = 1;
			i += k;
			done = true;
		}
		if (done)
			continue;
		legal[o] = 0;
		for (size_t l = 0;
		     l < sizeof(legal_words) / sizeof(legal_words[0]) &&
		     wf_may(&wf_legal, &w[i]);
		     l++) {
			if (word_is(&w[i], legal_words[l][0])) {
				w[i].s = legal_words[l][1];
				w[i].len = strlen(legal_words[l][1]);
				legal[o] = 1;
				break;
			}
		}
		w[o++] = w[i++];
	}
	return o;
}

/* Whether word i of an organisation's name spells the initials of the
 * name's other words ("Mujahidin Indonesia Timur (MIT)"), legal forms and
 * numbers left out, connectives left out or kept. Such a word restates the
 * name: it is weighted like a legal form, so that a spelling without it
 * ("East Indonesia Mujahideen") is not a different body for lacking it. */
static bool self_acronym(const struct proto *p, size_t n, size_t i)
{
	const struct word *a = &p[i].w;

	if (a->len < 2 || a->len > 8 || n < 3)
		return false;
	for (int keep = 0; keep < 2; keep++) {
		size_t k = 0;
		bool ok = true;

		for (size_t j = 0; j < n && ok; j++) {
			const struct word *t = &p[j].w;

			if (j == i || (p[j].flags & (MATCH_TOK_LEGAL_FORM |
						     MATCH_TOK_NUMBER)))
				continue;
			if (!keep && match_connective(t->s, t->len))
				continue;
			ok = k < a->len && a->s[k] == t->s[0];
			k++;
		}
		if (ok && k == a->len)
			return true;
	}
	return false;
}

static size_t make_protos(const char *text, size_t len, enum match_kind kind,
			  struct proto *p)
{
	struct word w[WORDS_MAX];
	uint8_t legal[WORDS_MAX] = {0};
	size_t n = split_words(text, len, w), sig = 0;

	(void)pthread_once(&wf_once, wf_init);

	if (kind != MATCH_PERSON && n > 1)
		n = fold_legal(w, n, legal);
	for (size_t i = 0; i < n; i++) {
		struct proto *t = &p[i];
		bool digits = true;

		t->w = w[i];
		t->flags = 0;
		t->weight = w[i].len <= 2 ? W_SHORT : W_FULL;
		for (size_t k = 0; k < w[i].len; k++)
			digits = digits && w[i].s[k] >= '0' && w[i].s[k] <= '9';
		if (digits) {
			t->flags |= MATCH_TOK_NUMBER;
			t->weight = W_NUMBER;
		} else if (legal[i] && (kind == MATCH_ORG || i > 0)) {
			t->flags |= MATCH_TOK_LEGAL_FORM;
			t->weight = W_LEGAL;
		} else if (kind != MATCH_ORG &&
			   in_list(&w[i], honorifics, &wf_honor) &&
			   w[i].len > 1) {
			t->flags |= MATCH_TOK_HONORIFIC;
			t->weight = W_HONORIFIC;
		} else if (w[i].len == 1) {
			t->flags |= MATCH_TOK_INITIAL;
			t->weight = W_INITIAL;
		} else if (kind == MATCH_ORG &&
			   in_list(&w[i], org_generic, &wf_org)) {
			t->weight = W_GENERIC;
		} else if (in_list(&w[i], particles, &wf_particles)) {
			t->flags |= MATCH_TOK_PARTICLE;
			t->weight = W_PARTICLE;
		} else if (kind != MATCH_ORG && n >= 3 &&
			   (unsigned char)w[i].s[w[i].len - 1] < 128 &&
			   wf_patronymic_last[(unsigned char)w[i]
						  .s[w[i].len - 1]]) {
			for (const char *const *e = patronymic_ends; *e; e++) {
				if (ends_with(&w[i], *e)) {
					t->flags |= MATCH_TOK_PATRONYMIC;
					t->weight = W_PATRONYMIC;
					break;
				}
			}
		}
		if (t->weight >= W_SHORT)
			sig++;
	}
	/* "ibn Laden" after a given name: the word after ibn/bin is the
	 * father's name unless it ends the name (then it is the family's). */
	for (size_t i = 1; i + 2 < n; i++) {
		bool son = word_is(&w[i], "ibn") || word_is(&w[i], "bin") ||
			   word_is(&w[i], "bint") || word_is(&w[i], "ben");

		if (son && kind != MATCH_ORG && p[i + 1].weight >= W_SHORT) {
			p[i].flags |= MATCH_TOK_PARTICLE;
			p[i].weight = W_PARTICLE;
			p[i + 1].flags |= MATCH_TOK_PATRONYMIC;
			p[i + 1].weight = W_PATRONYMIC;
		}
	}
	if (kind == MATCH_ORG) {
		for (size_t i = 0; i < n; i++) {
			if (!(p[i].flags & MATCH_TOK_NUMBER) &&
			    p[i].weight > W_LEGAL && self_acronym(p, n, i)) {
				if (p[i].weight >= W_SHORT)
					sig--;
				p[i].weight = W_LEGAL;
			}
		}
	}
	/* A name made only of "particles" or titles ("Al Ali", "Major") is
	 * all we have: its words count in full. */
	if (sig == 0) {
		for (size_t i = 0; i < n; i++) {
			if (!(p[i].flags &
			      (MATCH_TOK_INITIAL | MATCH_TOK_NUMBER)))
				p[i].weight = W_FULL;
		}
	}
	return n;
}

struct raw_form {
	struct strbuf text;
	const char *tx; /* the form's text: text.buf or a stack copy */
	size_t tlen;
	const char *origin;
	struct proto p[WORDS_MAX];
	size_t n;
	size_t out_len; /* bytes of the joined token text */
};

static int nfc_utf8(const char *s, size_t len, struct strbuf *out)
{
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
	UChar *u = NULL, *v = NULL;
	int32_t nu = 0, nv, n8 = 0;
	int ret = 0;

	if (U_FAILURE(st))
		return LIA_EINTERNAL;
	u = malloc(sizeof(UChar) * (MATCH_NAME_MAX * 3 + 1));
	v = malloc(sizeof(UChar) * (MATCH_NAME_MAX * 3 + 1));
	if (!u || !v) {
		ret = LIA_ENOMEM;
		goto out;
	}
	u_strFromUTF8(u, MATCH_NAME_MAX * 3 + 1, &nu, s, (int32_t)len, &st);
	nv = unorm2_normalize(nfc, u, nu, v, MATCH_NAME_MAX * 3 + 1, &st);
	if (U_FAILURE(st)) {
		ret = LIA_EVALUE;
		goto out;
	}
	/* NFC never grows UTF-8 beyond three bytes per UTF-16 unit. */
	u_strToUTF8((char *)u,
		    (int32_t)(sizeof(UChar) * (MATCH_NAME_MAX * 3 + 1)), &n8, v,
		    nv, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
		ret = LIA_ETOOBIG;
		goto out;
	}
	ret = strbuf_add(out, u, (size_t)n8);
out:
	free(u);
	free(v);
	return ret;
}

/* The Korean form: the surname (first Hangul syllable) as people spell it,
 * the rest as transliterated. */
static int korean_form(const char *orig, const struct strbuf *icu,
		       struct strbuf *out)
{
	UChar first[2];
	int32_t n = 0;
	UErrorCode st = U_ZERO_ERROR;
	const char *sur, *sp;

	u_strFromUTF8(first, 2, &n, orig,
		      (int32_t)(strlen(orig) < 3 ? strlen(orig) : 3), &st);
	if (U_FAILURE(st) || n < 1)
		return 0;
	sur = match_korean_surname(first[0]);
	if (!sur)
		return 0;
	sp = strchr(icu->buf, ' ');
	if (strbuf_addstr(out, sur))
		return LIA_ETOOBIG;
	if (sp && strbuf_addstr(out, sp))
		return LIA_ETOOBIG;
	return 0;
}

/* Tokens, weights and keys of the forms in rf, in one allocation. */
static int assemble(struct raw_form *rf, size_t nrf, const char *orig,
		    size_t olen, enum match_kind kind, enum match_script script,
		    struct match_name **out, struct diag *d)
{
	struct match_name *n;
	size_t total = olen + 1, at;

	for (size_t i = 0; i < nrf; i++) {
		struct raw_form *f = &rf[i];
		bool same = false;

		/* A form spelt like an earlier one (the ICAO form of most
		 * Latin names) would only be dropped below as a duplicate:
		 * its words are not looked up at all. */
		for (size_t j = 0; j < i && !same; j++)
			same = rf[j].tlen == f->tlen &&
			       memcmp(rf[j].tx, f->tx, f->tlen) == 0;
		f->out_len = 0;
		if (same) {
			f->n = 0;
			continue;
		}
		f->n = make_protos(f->tx, f->tlen, kind, f->p);
		if (f->n > MATCH_TOKENS_MAX)
			f->n = MATCH_TOKENS_MAX;
		for (size_t k = 0; k < f->n; k++)
			f->out_len += f->p[k].w.len + 1;
		total += f->out_len + 1;
	}
	if (rf[0].n == 0) {
		diag_set(d, "nothing left of the name after normalisation");
		return LIA_EVALUE;
	}
	n = calloc(1, sizeof(*n) + total);
	if (!n)
		return LIA_ENOMEM;
	n->_buf = (char *)(n + 1);
	n->kind = kind;
	n->script = script;
	memcpy(n->_buf, orig, olen);
	n->_buf[olen] = '\0';
	n->original = n->_buf;
	at = olen + 1;
	for (size_t i = 0; i < nrf; i++) {
		struct raw_form *f = &rf[i];
		struct match_form *mf = &n->form[n->n_forms];
		char *text = n->_buf + at;
		size_t o = 0;
		bool dup = false;

		if (f->n == 0)
			continue;
		for (size_t k = 0; k < f->n; k++) {
			struct match_token *t = &mf->tok[k];

			if (k)
				text[o++] = ' ';
			memcpy(text + o, f->p[k].w.s, f->p[k].w.len);
			t->s = text + o;
			t->len = (uint16_t)f->p[k].w.len;
			t->flags = f->p[k].flags;
			t->weight = f->p[k].weight;
			o += f->p[k].w.len;
			if (!(t->flags & MATCH_TOK_NUMBER))
				match_double_metaphone(t->s, t->len, t->dm1,
						       t->dm2);
		}
		text[o] = '\0';
		for (size_t j = 0; j < n->n_forms && !dup; j++)
			dup = strcmp(n->form[j].text, text) == 0;
		if (dup)
			continue;
		mf->text = text;
		mf->n_tok = f->n;
		mf->origin = f->origin;
		n->n_forms++;
		at += o + 1;
	}
	*out = n;
	return 0;
}

/* Plain ASCII (most border queries, MRZ text): no ICU at all, no
 * allocation but the name itself. The forms are byte for byte what the
 * ICU path gives (tests compare them). */
static int prepare_ascii(const char *name, size_t len, enum match_kind kind,
			 struct match_name **out, struct diag *d)
{
	struct raw_form rf[2];
	char t0[MATCH_NAME_MAX + 1], t1[MATCH_NAME_MAX + 1];
	enum match_script script;
	size_t nrf = 1;

	rf[0].tlen = match_ascii_form(name, len, t0, &script);
	rf[0].tx = t0;
	rf[0].origin = script == SCRIPT_LATIN ? "latin" : "icu";
	rf[1].tlen = match_icao_ascii(name, len, t1);
	rf[1].tx = t1;
	rf[1].origin = "icao";
	nrf++;
	return assemble(rf, nrf, name, len, kind, script, out, d);
}

/* The surname syllable, a space, then the two or three syllables of the
 * given name joined; nothing (out left empty) for other shapes, where
 * which syllables belong together is not known. */
static int pinyin_joined(const struct strbuf *icu, struct strbuf *out)
{
	size_t sp[4], n = 0;
	int ret;

	for (size_t i = 0; i < icu->len; i++) {
		if (icu->buf[i] != ' ')
			continue;
		if (n == 4)
			return 0;
		sp[n++] = i;
	}
	if (n < 2 || n > 3 || sp[0] == 0 || icu->buf[icu->len - 1] == ' ')
		return 0;
	for (size_t k = 1; k < n; k++)
		if (sp[k] == sp[k - 1] + 1)
			return 0;
	ret = strbuf_add(out, icu->buf, sp[0] + 1);
	for (size_t k = 0; !ret && k < n; k++) {
		size_t end = k + 1 < n ? sp[k + 1] : icu->len;

		ret = strbuf_add(out, icu->buf + sp[k] + 1, end - sp[k] - 1);
	}
	return ret;
}

int match_prepare(struct match_ctx *mc, const char *name, size_t len,
		  enum match_kind kind, struct match_name **out, struct diag *d)
{
	struct raw_form *rf = NULL;
	struct strbuf orig, icao;
	enum match_script script = SCRIPT_UNKNOWN;
	size_t nrf = 0;
	int ret;

	strbuf_init(&orig, MATCH_NAME_MAX * 3 + 1);
	strbuf_init(&icao, MATCH_NAME_MAX * 4);
	if (!mc || !name || !out || kind > MATCH_ORG) {
		ret = LIA_EINVAL;
		goto out;
	}
	if (len > MATCH_NAME_MAX) {
		diag_set(d, "name longer than %d bytes", MATCH_NAME_MAX);
		ret = LIA_ETOOBIG;
		goto out;
	}
	if (match_is_ascii(name, len)) {
		ret = prepare_ascii(name, len, kind, out, d);
		goto out;
	}
	if (!utf8_valid(name, len, NULL)) {
		diag_set(d, "name is not valid UTF-8");
		ret = LIA_EVALUE;
		goto out;
	}
	rf = calloc(MATCH_FORMS_MAX, sizeof(*rf));
	if (!rf) {
		ret = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < MATCH_FORMS_MAX; i++)
		strbuf_init(&rf[i].text, MATCH_NAME_MAX * 8);
	ret = nfc_utf8(name, len, &orig);
	if (ret)
		goto out;
	ret = match_translit(mc, orig.buf, orig.len, &rf[0].text, &script, d);
	if (ret)
		goto out;
	rf[0].origin = script == SCRIPT_LATIN ? "latin" : "icu";
	nrf = 1;
	/* The ICAO form is what a passport's MRZ says; names it cannot
	 * spell (Han, Hebrew, ...) simply have no such form. */
	if (match_icao(orig.buf, orig.len, &icao, NULL) == 0) {
		for (size_t i = 0; i < icao.len; i++) {
			char c = icao.buf[i];

			if (c >= 'A' && c <= 'Z')
				icao.buf[i] = (char)(c - 'A' + 'a');
		}
		ret = strbuf_add(&rf[nrf].text, icao.buf, icao.len);
		if (ret)
			goto out;
		rf[nrf++].origin = "icao";
	}
	/* Chinese names are romanised with the given name's syllables
	 * written together (Zhang Zhichao for 张志超), as passports and
	 * lists do; ICU's Mandarin form has a word per syllable. */
	if (script == SCRIPT_HAN && nrf < MATCH_FORMS_MAX) {
		ret = pinyin_joined(&rf[0].text, &rf[nrf].text);
		if (ret)
			goto out;
		if (rf[nrf].text.len)
			rf[nrf++].origin = "pinyin";
	}
	if (script == SCRIPT_HANGUL && nrf < MATCH_FORMS_MAX) {
		ret = korean_form(orig.buf, &rf[0].text, &rf[nrf].text);
		if (ret)
			goto out;
		if (rf[nrf].text.len)
			rf[nrf++].origin = "korean";
	}
	/* Han read in Japanese and in Korean too (cjk.c). */
	if (match_cjk_wanted(orig.buf, orig.len, script)) {
		struct strbuf *cb[MATCH_FORMS_MAX];
		const char *co[MATCH_FORMS_MAX];
		size_t nc = 0;

		for (size_t i = nrf; i < MATCH_FORMS_MAX; i++)
			cb[i - nrf] = &rf[i].text;
		ret = match_cjk_forms(mc, orig.buf, orig.len, script, cb, co,
				      MATCH_FORMS_MAX - nrf, &nc);
		if (ret)
			goto out;
		for (size_t i = 0; i < nc; i++)
			rf[nrf++].origin = co[i];
	}
	for (size_t i = 0; i < nrf; i++) {
		rf[i].tx = rf[i].text.buf;
		rf[i].tlen = rf[i].text.len;
	}
	ret = assemble(rf, nrf, orig.buf, orig.len, kind, script, out, d);
out:
	if (rf) {
		for (size_t i = 0; i < MATCH_FORMS_MAX; i++)
			strbuf_release(&rf[i].text);
		free(rf);
	}
	strbuf_release(&orig);
	strbuf_release(&icao);
	return ret;
}

void match_name_free(struct match_name *n)
{
	free(n);
}
