/*
 * index.c - the screening index: records, compact names, and an inverted
 * index from keys (whole forms, tokens, Double Metaphone keys, character
 * n-grams) to posting lists of name ids.
 *
 * Name ids are handed out in increasing order and compaction keeps that
 * order, so every posting list is sorted: common keys can then be checked
 * against a few candidates by binary search instead of being walked.
 * A replaced or withdrawn name is a tombstone (its blob freed) until enough
 * of them pile up; compaction then drops them from every posting list and
 * renumbers the live names.
 *
 * Locking: a pthread rwlock, readers shared, writers exclusive, behind a
 * mutex "turnstile" that readers pass through before taking the read lock:
 * a waiting writer holds the turnstile, so a steady stream of queries
 * cannot starve it (glibc read locks are reader-preferring by default).
 */
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/screen.h"
#include "liaison/strbuf.h"
#include "screen/screen_int.h"

/*
 * Built with -DSCREEN_PROFILE (bench only), queries add up the time of
 * each phase and the work of candidate generation, printed at exit; that
 * is how docs/BENCHMARKS.md says where a query's time goes. Single query
 * thread only: the counters are plain globals.
 */
#ifdef SCREEN_PROFILE
#include <stdio.h>
#include <time.h>
enum { P_PREP, P_KEYS, P_GATHER, P_SCORE, P_EXPLAIN, P_PHASES };
enum {
	C_QUERIES,
	C_WALKED,
	C_USED,
	C_DEFERRED,
	C_VERIFIED,
	C_SCORED,
	C_HITS,
	C_N
};
static double prof_t[P_PHASES], prof_mark;
static unsigned long prof_c[C_N];
static double prof_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
#define PROF_START() (prof_mark = prof_now())
#define PROF_PHASE(p)                                                          \
	do {                                                                   \
		double now_ = prof_now();                                      \
		prof_t[p] += now_ - prof_mark;                                 \
		prof_mark = now_;                                              \
	} while (0)
#define PROF_ADD(c, v) (prof_c[c] += (unsigned long)(v))
__attribute__((destructor)) static void prof_dump(void)
{
	static const char *const pn[] = {"prepare", "keys", "gather", "score",
					 "explain"};
	static const char *const cn[] = {
	    "queries",	"walked", "acc used", "deferred keys",
	    "verified", "scored", "hits"};
	double q = prof_c[C_QUERIES] ? (double)prof_c[C_QUERIES] : 1;

	for (int i = 0; i < P_PHASES; i++)
		fprintf(stderr, "profile: %s %.1f us/query\n", pn[i],
			prof_t[i] / q * 1e6);
	for (int i = 1; i < C_N; i++)
		fprintf(stderr, "profile: %s %.1f/query\n", cn[i],
			(double)prof_c[i] / q);
}
#else
#define PROF_START() ((void)0)
#define PROF_PHASE(p) ((void)0)
#define PROF_ADD(c, v) ((void)0)
#endif

/* Limits on what a caller may put in. */
#define SCREEN_RECORD_NAMES_MAX 256
#define SCREEN_LABEL_MAX 64    /* bytes of a list or schema name */
#define SCREEN_INTERN_MAX 4096 /* distinct lists and schemata */
#define SCREEN_NAMES_MAX (UINT32_MAX / 2)

/* Keys. */
#define GRAMS_MAX 32  /* n-grams per token */
#define PAIR_TOKENS 6 /* tokens of a form paired */
#define PAIRS_MAX (PAIR_TOKENS * (PAIR_TOKENS - 1) / 2)
#define KEYS_PER_FORM                                                          \
	(1 + MATCH_TOKENS_MAX * (1 + 2 + GRAMS_MAX) + 2 * PAIRS_MAX)
#define KEYS_MAX (MATCH_FORMS_MAX * KEYS_PER_FORM)
#define KEY_DEDUP_BITS 13
#define KEY_DEDUP_CAP (1u << KEY_DEDUP_BITS) /* > KEYS_MAX, < 65536 */

/* K_NEAR and K_SPLIT are query-side only: a listed word one edit away
 * from a word the index does not have, and a listed pair of words that a
 * query word splits into (see near_keys); their hashes are a K_TOK and a
 * K_PAIR key's. */
enum key_type { K_FULL, K_TOK, K_DM, K_GRAM, K_PAIR, K_DPAIR, K_NEAR, K_SPLIT };

/* Candidate generation; see gather() for how these interact. */
#define GEN_DF_MIN 300	/* keys this rare always generate candidates */
#define GEN_DF_DIV 3000 /* ... and so do keys in < 1/3000 of the names */
#define GRAM_DF_MIN 500 /* n-grams of an unlisted word: see gram_cap() */
#define GRAM_DF_DIV 1000
#define WALK_MAX 30000	   /* postings walked per query, at most */
#define UNCOVERED_DF_MUL 8 /* see gather() */
#define ACC_BITS 15
#define ACC_CAP (1u << ACC_BITS)
#define ACC_FILL (ACC_CAP / 2)
#define VERIFY_M 192   /* candidates common keys are checked against */
#define TOP_K 24       /* candidates scored with match_score */
#define PRUNE_REL 0.50 /* ... if within this share of the best */

static const float type_weight[] = {
    [K_FULL] = 8.0f, [K_TOK] = 1.0f,   [K_DM] = 0.5f,	[K_GRAM] = 0.3f,
    [K_PAIR] = 1.0f, [K_DPAIR] = 0.5f, [K_NEAR] = 0.6f, [K_SPLIT] = 0.8f,
};

struct plist {
	uint32_t *id;
	uint32_t n, cap;
};

/* A slot of the key table: the key's hash, its posting list, and that
 * list's length again, so that a query learns a key's frequency from the
 * one cache line its probe reads (most keys it looks up are never
 * walked). */
struct kent {
	uint64_t h; /* 0 = empty */
	uint32_t slot;
	uint32_t n; /* = pl[slot].n */
};

/* A name: its encoding (screen_name_encode), then nfk 32-bit key
 * fingerprints (the high halves of its word and sound keys, sorted), which
 * let a common key be checked against a candidate without searching the
 * key's long posting list. */
struct sname {
	uint8_t *blob; /* NULL: tombstone */
	uint32_t rec;
	uint32_t blen; /* of the encoding; the fingerprints follow */
	uint32_t nfk;
};

/* Per name, a cache line of 16-bit fingerprints (the top bits of its word
 * and sound keys; 0 = empty slot), or FP_FULL in every slot when they do
 * not fit and are only in the blob. Checking a candidate's fingerprints
 * then costs one cache miss that can be prefetched from its id, instead of
 * two dependent ones (the name, then its blob): at 1M names this was a
 * quarter of a query. A line is compared with one key in a few vector
 * instructions, without the branches of a search that mispredicted on
 * every candidate. Sixteen bits are enough: a line has at most 32
 * entries, so a key falsely seen in a name is 1 in 2,000 checks, and that
 * only adds a little weight to a candidate, which is then scored on its
 * real name anyway. */
#define FP_LINE 32u
#define FP_FULL 0xffffu
/* Per name, what filtering needs, packed so that a query's hundreds of
 * eligibility checks read a small array instead of names and records. */
#define TAG_LIVE 0x8000u
#define TAG_KIND_SHIFT 12
#define TAG_LIST_MASK 0x0fffu /* interned index; SCREEN_INTERN_MAX */

struct srec {
	char *id;		   /* kept for the life of the index */
	const char *list, *schema; /* interned */
	enum match_kind kind;
	uint32_t *names;
	uint32_t n_names;
	bool live, has_extra;
	struct match_extra extra;
	char *extra_buf;
	size_t extra_bytes;
};

struct qkey {
	uint64_t h;
	uint32_t df;
	uint16_t tok;  /* form * MATCH_TOKENS_MAX + token */
	uint16_t tok2; /* the other token of a pair key, else tok */
	uint8_t type;
	uint8_t deferred;
	float w;
	const struct kent *ke;
};

struct acc_slot {
	uint32_t id1; /* name id + 1, 0 = empty */
	float w;
};

struct cand {
	uint32_t nid;
	float w;
};

struct rhit {
	uint32_t rec, nid;
	uint32_t ex; /* its explanation in scratch.ex */
	double score;
};

struct scratch {
	struct scratch *prev, *next;
	struct screen_index *ix;
	struct match_name *qname; /* kept until the next query: explain */
	struct match_name cname;  /* a decoded candidate */
	/* Open addressing over the query's key hashes, to drop repeats;
	 * slots hold an index into qk plus one, 0 = empty. */
	uint16_t dedup[KEY_DEDUP_CAP];
	struct qkey qk[KEYS_MAX];
	bool covered[MATCH_FORMS_MAX * MATCH_TOKENS_MAX];
	bool known[MATCH_FORMS_MAX * MATCH_TOKENS_MAX]; /* token is listed */
	struct acc_slot acc[ACC_CAP];
	uint32_t used[ACC_FILL];
	uint32_t n_used;
	struct cand cand[VERIFY_M];
	uint32_t fp[KEYS_MAX]; /* deferred keys' fingerprints */
	float fw[KEYS_MAX];
	struct rhit rh[TOP_K];
	struct match_explain ex[TOP_K]; /* of each scored candidate */
};

struct screen_index {
	pthread_rwlock_t lock;
	pthread_mutex_t turnstile;

	/* keys: open addressing, hash -> index into pl */
	struct kent *kt;
	size_t kcap, nkeys;
	struct plist *pl;
	size_t pl_cap;

	struct sname *nm;
	uint16_t *tag; /* per name, parallel to nm */
	uint16_t *fpl; /* per name FP_LINE fingerprints, parallel to nm */
	size_t n_nm, nm_cap, live_names, dead_names;

	struct srec *rec;
	size_t n_rec, rec_cap, live_recs;
	uint32_t *rmap; /* open addressing over record ids: index + 1 */
	size_t rmap_cap;

	/* A Bloom filter of the word keys (two bits each): a query word
	 * the index lacks tries hundreds of words one edit away, nearly
	 * none of them listed, and the filter answers most of them from
	 * half a megabyte instead of a cache miss in the key table each.
	 * Bits are never cleared: a withdrawn word only costs a lookup. */
	uint64_t *tbloom;

	char **str; /* interned lists and schemata */
	size_t n_str, str_cap;

	size_t heap_bytes; /* blobs, postings, extras, ids */

	pthread_key_t tls;
	pthread_mutex_t reg_lock;
	struct scratch *reg;
};

/* --- hashing ------------------------------------------------------------ */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* FNV-1a in three steps, so that near_keys can hash hundreds of edits of
 * one word from the states of its prefixes; str_hash is all three. */
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_start(uint8_t tag)
{
	return (0xcbf29ce484222325ULL ^ tag) * FNV_PRIME;
}

static uint64_t fnv_more(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * FNV_PRIME;
	return h;
}

static uint64_t fnv_end(uint64_t h)
{
	h = mix64(h);
	/* 0 marks an empty slot. */
	return h ? h : 1;
}

static uint64_t str_hash(uint8_t tag, const char *s, size_t len)
{
	return fnv_end(fnv_more(fnv_start(tag), s, len));
}

/* --- keys of a prepared name --------------------------------------------
 *
 * Keys are 64-bit hashes of (type, text). A collision can only add a
 * candidate or a little weight: every candidate is scored on its real
 * name, so correctness never depends on the hash.
 */

struct keygen {
	uint64_t *h;
	struct qkey *qk; /* when set, also the tokens and type */
	size_t n;
	unsigned only; /* when set, only keys of types (1 << t) */
};

static void key_add_h(struct keygen *g, enum key_type t, size_t tok,
		      size_t tok2, uint64_t h)
{
	if (g->n >= KEYS_MAX || (g->only && !(g->only & (1u << t))))
		return;
	if (g->qk) {
		g->qk[g->n].h = h;
		g->qk[g->n].tok = (uint16_t)tok;
		g->qk[g->n].tok2 = (uint16_t)tok2;
		g->qk[g->n].type = (uint8_t)t;
	} else {
		g->h[g->n] = h;
	}
	g->n++;
}

static void key_add(struct keygen *g, enum key_type t, size_t tok,
		    const char *s, size_t len)
{
	key_add_h(g, t, tok, tok, str_hash((uint8_t)('0' + t), s, len));
}

/* An order-free key of two keys: the pair is found whichever way round
 * the name puts its parts. */
static uint64_t pair_hash(enum key_type t, uint64_t a, uint64_t b)
{
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	uint64_t h =
	    mix64(mix64(lo ^ (0x9e3779b97f4a7c15ULL * (uint64_t)t)) ^ hi);

	return h ? h : 1;
}

static bool token_content(const struct match_token *tk)
{
	return tk->len >= 2 &&
	       !(tk->flags &
		 (MATCH_TOK_PARTICLE | MATCH_TOK_HONORIFIC |
		  MATCH_TOK_LEGAL_FORM | MATCH_TOK_INITIAL | MATCH_TOK_NUMBER));
}

/*
 * Pairs of a form's first PAIR_TOKENS content tokens, as words and as
 * primary Double Metaphone keys. Each word of "maria garcia" is in tens
 * of thousands of names of a large list, the two together in a few: the
 * pair finds such a name without walking either long list, and the sound
 * pair still does when one word is misspelt the way it sounds.
 */
static void pair_keys(struct keygen *g, const struct match_form *fm, size_t f)
{
	size_t idx[PAIR_TOKENS], np = 0;
	uint64_t th[PAIR_TOKENS], dh[PAIR_TOKENS];
	size_t nt = fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX : fm->n_tok;

	for (size_t t = 0; t < nt && np < PAIR_TOKENS; t++) {
		const struct match_token *tk = &fm->tok[t];

		if (!token_content(tk))
			continue;
		idx[np] = t;
		th[np] = str_hash('0' + K_TOK, tk->s, tk->len);
		dh[np] = tk->dm1[0] ? str_hash('0' + K_DM, tk->dm1,
					       strnlen(tk->dm1, MATCH_DM_MAX))
				    : 0;
		np++;
	}
	for (size_t i = 0; i < np; i++)
		for (size_t j = i + 1; j < np; j++) {
			size_t a = f * MATCH_TOKENS_MAX + idx[i];
			size_t b = f * MATCH_TOKENS_MAX + idx[j];

			key_add_h(g, K_PAIR, a, b,
				  pair_hash(K_PAIR, th[i], th[j]));
			if (dh[i] && dh[j])
				key_add_h(g, K_DPAIR, a, b,
					  pair_hash(K_DPAIR, dh[i], dh[j]));
		}
}

static void token_keys(struct keygen *g, const struct match_token *tk,
		       size_t tok)
{
	char buf[3];
	size_t len = tk->len, n = 0;
	int gram;

	if (len == 0)
		return;
	key_add(g, K_TOK, tok, tk->s, len);
	/* Particles, titles, legal forms and initials are in too many names
	 * for their sounds and pieces to say anything. */
	if (!token_content(tk))
		return;
	if (tk->dm1[0])
		key_add(g, K_DM, tok, tk->dm1, strnlen(tk->dm1, MATCH_DM_MAX));
	if (tk->dm2[0] && strncmp(tk->dm1, tk->dm2, MATCH_DM_MAX))
		key_add(g, K_DM, tok, tk->dm2, strnlen(tk->dm2, MATCH_DM_MAX));
	/* Padded n-grams of "^token$": trigrams, bigrams for short tokens
	 * (a trigram of a 3-letter token is nearly the token itself). */
	gram = len >= 4 ? 3 : 2;
	for (size_t i = 0; i + gram <= len + 2 && n < GRAMS_MAX; i++, n++) {
		for (int j = 0; j < gram; j++) {
			size_t p = i + (size_t)j;

			buf[j] = p == 0		? '^'
				 : p == len + 1 ? '$'
						: tk->s[p - 1];
		}
		key_add(g, K_GRAM, tok, buf, (size_t)gram);
	}
}

static void name_keys(struct keygen *g, const struct match_name *n)
{
	size_t nf = n->n_forms > MATCH_FORMS_MAX ? MATCH_FORMS_MAX : n->n_forms;

	for (size_t f = 0; f < nf; f++) {
		const struct match_form *fm = &n->form[f];
		size_t nt =
		    fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX : fm->n_tok;

		if (fm->text && fm->text[0])
			key_add(g, K_FULL, f * MATCH_TOKENS_MAX, fm->text,
				strlen(fm->text));
		for (size_t t = 0; t < nt; t++)
			token_keys(g, &fm->tok[t], f * MATCH_TOKENS_MAX + t);
		pair_keys(g, fm, f);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Ask for transparent huge pages under a large array: a query touches a
 * few hundred random places of the key table and the name arrays, and
 * with 4 KiB pages nearly each is also a TLB miss. Only the whole 2 MiB
 * pages inside the block are advised; an error (no THP) changes nothing.
 */
static void advise_huge(void *p, size_t bytes)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);

	if (bytes >= 2 * huge && e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

/* --- key table ---------------------------------------------------------- */

#define TBLOOM_BITS (1u << 22) /* 512 KiB */

/* Blocked: both bits of a key in one 64-bit word, so a check is one
 * memory access (the filter is larger than this core's L2). */
static uint64_t tbloom_bits(uint64_t h)
{
	return 1ULL << (h >> 18 & 63) | 1ULL << (h >> 24 & 63);
}

static void tbloom_add(struct screen_index *ix, uint64_t h)
{
	ix->tbloom[(h >> 40) % (TBLOOM_BITS / 64)] |= tbloom_bits(h);
}

/* False: the index surely has no word key h. */
static bool tbloom_may(const struct screen_index *ix, uint64_t h)
{
	uint64_t b = tbloom_bits(h);

	return (ix->tbloom[(h >> 40) % (TBLOOM_BITS / 64)] & b) == b;
}

static const struct kent *key_find(const struct screen_index *ix, uint64_t h)
{
	size_t mask = ix->kcap - 1, i;

	if (!ix->kcap)
		return NULL;
	for (i = h & mask; ix->kt[i].h; i = (i + 1) & mask)
		if (ix->kt[i].h == h)
			return &ix->kt[i];
	return NULL;
}

/* Ask for the slot a key's probe starts at; see query_keys. */
static void key_prefetch(const struct screen_index *ix, uint64_t h)
{
	if (ix->kcap)
		__builtin_prefetch(&ix->kt[h & (ix->kcap - 1)]);
}

static int key_grow(struct screen_index *ix)
{
	size_t ncap = ix->kcap ? ix->kcap * 2 : 1024, bytes;
	struct kent *nt;

	if (size_mul(ncap, sizeof(*nt), &bytes))
		return LIA_EOVERFLOW;
	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return LIA_ENOMEM;
	for (size_t i = 0; i < ix->kcap; i++) {
		size_t j;

		if (!ix->kt[i].h)
			continue;
		for (j = ix->kt[i].h & (ncap - 1); nt[j].h;
		     j = (j + 1) & (ncap - 1))
			;
		nt[j] = ix->kt[i];
	}
	free(ix->kt);
	advise_huge(nt, bytes);
	ix->kt = nt;
	ix->kcap = ncap;
	return 0;
}

static int key_get(struct screen_index *ix, uint64_t h, struct kent **out)
{
	size_t mask, i;
	int rc;

	if ((ix->nkeys + 1) * 2 > ix->kcap && (rc = key_grow(ix)))
		return rc;
	mask = ix->kcap - 1;
	for (i = h & mask; ix->kt[i].h; i = (i + 1) & mask)
		if (ix->kt[i].h == h) {
			*out = &ix->kt[i];
			return 0;
		}
	if (ix->nkeys == ix->pl_cap) {
		size_t ncap = ix->pl_cap ? ix->pl_cap * 2 : 1024;
		struct plist *np;

		if (ncap > UINT32_MAX)
			return LIA_EOVERFLOW;
		np = realloc(ix->pl, ncap * sizeof(*np));
		if (!np)
			return LIA_ENOMEM;
		ix->pl = np;
		ix->pl_cap = ncap;
	}
	memset(&ix->pl[ix->nkeys], 0, sizeof(ix->pl[0]));
	ix->kt[i] = (struct kent){h, (uint32_t)ix->nkeys, 0};
	ix->nkeys++;
	*out = &ix->kt[i];
	return 0;
}

static int plist_push(struct screen_index *ix, struct kent *k, uint32_t id)
{
	struct plist *p = &ix->pl[k->slot];

	if (p->n == p->cap) {
		/* Grow by half: most lists are short, a few are huge. */
		size_t ncap = p->cap < 4 ? 4 : (size_t)p->cap + p->cap / 2;
		uint32_t *nid;

		if (ncap > UINT32_MAX)
			return LIA_EOVERFLOW;
		nid = realloc(p->id, ncap * sizeof(*nid));
		if (!nid)
			return LIA_ENOMEM;
		ix->heap_bytes += (ncap - p->cap) * sizeof(*nid);
		p->id = nid;
		p->cap = (uint32_t)ncap;
	}
	p->id[p->n++] = id;
	k->n = p->n;
	return 0;
}

/* --- records and interned labels ---------------------------------------- */

static const char *intern(struct screen_index *ix, const char *s, bool add)
{
	char *c;

	for (size_t i = 0; i < ix->n_str; i++)
		if (!strcmp(ix->str[i], s))
			return ix->str[i];
	if (!add || ix->n_str >= SCREEN_INTERN_MAX)
		return NULL;
	if (ix->n_str == ix->str_cap) {
		size_t ncap = ix->str_cap ? ix->str_cap * 2 : 16;
		char **ns = realloc(ix->str, ncap * sizeof(*ns));

		if (!ns)
			return NULL;
		ix->str = ns;
		ix->str_cap = ncap;
	}
	c = strdup(s);
	if (!c)
		return NULL;
	ix->str[ix->n_str++] = c;
	return c;
}

/* The index of an interned string, for the names' tags. */
static unsigned intern_index(const struct screen_index *ix, const char *c)
{
	for (size_t i = 0; i < ix->n_str; i++)
		if (ix->str[i] == c)
			return (unsigned)i;
	return 0;
}

_Static_assert(SCREEN_INTERN_MAX - 1 <= TAG_LIST_MASK,
	       "list indexes must fit a name's tag");
_Static_assert(MATCH_ORG < 4, "kinds must fit two bits of a name's tag");

static long rec_find(const struct screen_index *ix, const char *id)
{
	size_t mask = ix->rmap_cap - 1, i;

	if (!ix->rmap_cap)
		return -1;
	for (i = str_hash(0, id, strlen(id)) & mask; ix->rmap[i];
	     i = (i + 1) & mask)
		if (!strcmp(ix->rec[ix->rmap[i] - 1].id, id))
			return (long)ix->rmap[i] - 1;
	return -1;
}

static int rmap_grow(struct screen_index *ix)
{
	size_t ncap = ix->rmap_cap ? ix->rmap_cap * 2 : 1024;
	uint32_t *nm = calloc(ncap, sizeof(*nm));

	if (!nm)
		return LIA_ENOMEM;
	for (size_t r = 0; r < ix->n_rec; r++) {
		const char *id = ix->rec[r].id;
		size_t i = str_hash(0, id, strlen(id)) & (ncap - 1);

		while (nm[i])
			i = (i + 1) & (ncap - 1);
		nm[i] = (uint32_t)r + 1;
	}
	free(ix->rmap);
	ix->rmap = nm;
	ix->rmap_cap = ncap;
	return 0;
}

/* A new, empty, not yet live record for id. */
static int rec_add(struct screen_index *ix, const char *id, size_t *out)
{
	size_t i, mask;
	char *c;
	int rc;

	if (ix->n_rec >= UINT32_MAX / 2)
		return LIA_ETOOBIG;
	if ((ix->n_rec + 1) * 2 > ix->rmap_cap && (rc = rmap_grow(ix)))
		return rc;
	if (ix->n_rec == ix->rec_cap) {
		size_t ncap = ix->rec_cap ? ix->rec_cap * 2 : 256;
		struct srec *nr = realloc(ix->rec, ncap * sizeof(*nr));

		if (!nr)
			return LIA_ENOMEM;
		ix->rec = nr;
		ix->rec_cap = ncap;
	}
	c = strdup(id);
	if (!c)
		return LIA_ENOMEM;
	ix->heap_bytes += strlen(id) + 1;
	memset(&ix->rec[ix->n_rec], 0, sizeof(ix->rec[0]));
	ix->rec[ix->n_rec].id = c;
	mask = ix->rmap_cap - 1;
	for (i = str_hash(0, id, strlen(id)) & mask; ix->rmap[i];
	     i = (i + 1) & mask)
		;
	ix->rmap[i] = (uint32_t)ix->n_rec + 1;
	*out = ix->n_rec++;
	return 0;
}

/* A deep copy of x: one block for the strings, pointers into it. */
static int extra_copy(const struct match_extra *x, struct match_extra *out,
		      char **buf, size_t *bytes)
{
	const char *const *lists[] = {x->dob, x->country, x->id};
	const char **dst[] = {out->dob, out->country, out->id};
	size_t counts[] = {x->n_dob, x->n_country, x->n_id};
	size_t total = 0;
	char *p;

	for (size_t l = 0; l < 3; l++) {
		if (counts[l] > MATCH_EXTRA_MAX)
			return LIA_ETOOBIG;
		for (size_t i = 0; i < counts[l]; i++) {
			size_t len =
			    lists[l][i] ? strnlen(lists[l][i], 1024) : 0;

			if (len >= 1024)
				return LIA_ETOOBIG;
			total += len + 1;
		}
	}
	p = malloc(total ? total : 1);
	if (!p)
		return LIA_ENOMEM;
	memset(out, 0, sizeof(*out));
	*buf = p;
	*bytes = total;
	out->gender = x->gender;
	out->n_dob = x->n_dob;
	out->n_country = x->n_country;
	out->n_id = x->n_id;
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			size_t len = lists[l][i] ? strlen(lists[l][i]) : 0;

			if (len)
				memcpy(p, lists[l][i], len);
			p[len] = 0;
			dst[l][i] = p;
			p += len + 1;
		}
	return 0;
}

/* --- life cycle --------------------------------------------------------- */

static void scratch_release(void *v)
{
	struct scratch *s = v;
	struct screen_index *ix = s->ix;

	pthread_mutex_lock(&ix->reg_lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		ix->reg = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&ix->reg_lock);
	match_name_free(s->qname);
	free(s);
}

int screen_index_new(struct screen_index **out)
{
	struct screen_index *ix;

	if (!out)
		return LIA_EINVAL;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return LIA_ENOMEM;
	ix->tbloom = calloc(TBLOOM_BITS / 64, sizeof(uint64_t));
	if (!ix->tbloom)
		goto err_free;
	if (pthread_rwlock_init(&ix->lock, NULL))
		goto err_free;
	if (pthread_mutex_init(&ix->turnstile, NULL))
		goto err_lock;
	if (pthread_mutex_init(&ix->reg_lock, NULL))
		goto err_turn;
	if (pthread_key_create(&ix->tls, scratch_release))
		goto err_reg;
	*out = ix;
	return 0;
err_reg:
	pthread_mutex_destroy(&ix->reg_lock);
err_turn:
	pthread_mutex_destroy(&ix->turnstile);
err_lock:
	pthread_rwlock_destroy(&ix->lock);
err_free:
	free(ix->tbloom);
	free(ix);
	return LIA_ENOMEM;
}

void screen_index_free(struct screen_index *ix)
{
	struct scratch *s, *next;

	if (!ix)
		return;
	/* After this no thread-exit destructor runs for our scratches: free
	 * every one still registered, whichever thread made it. */
	pthread_key_delete(ix->tls);
	for (s = ix->reg; s; s = next) {
		next = s->next;
		match_name_free(s->qname);
		free(s);
	}
	for (size_t i = 0; i < ix->nkeys; i++)
		free(ix->pl[i].id);
	free(ix->pl);
	free(ix->kt);
	for (size_t i = 0; i < ix->n_nm; i++)
		free(ix->nm[i].blob);
	free(ix->nm);
	free(ix->tag);
	free(ix->tbloom);
	free(ix->fpl);
	for (size_t r = 0; r < ix->n_rec; r++) {
		free(ix->rec[r].id);
		free(ix->rec[r].names);
		free(ix->rec[r].extra_buf);
	}
	free(ix->rec);
	free(ix->rmap);
	for (size_t i = 0; i < ix->n_str; i++)
		free(ix->str[i]);
	free(ix->str);
	pthread_mutex_destroy(&ix->reg_lock);
	pthread_mutex_destroy(&ix->turnstile);
	pthread_rwlock_destroy(&ix->lock);
	free(ix);
}

static void write_lock(struct screen_index *ix)
{
	pthread_mutex_lock(&ix->turnstile);
	pthread_rwlock_wrlock(&ix->lock);
	pthread_mutex_unlock(&ix->turnstile);
}

static void read_lock(struct screen_index *ix)
{
	pthread_mutex_lock(&ix->turnstile);
	pthread_mutex_unlock(&ix->turnstile);
	pthread_rwlock_rdlock(&ix->lock);
}

/* --- compaction ---------------------------------------------------------- */

/* Drop tombstones from every posting list and renumber the live names,
 * keeping their order (so the lists stay sorted). A failed allocation
 * only postpones it. */
static void compact(struct screen_index *ix)
{
	uint32_t *map = malloc((ix->n_nm ? ix->n_nm : 1) * sizeof(*map));
	size_t j = 0;

	if (!map)
		return;
	for (size_t i = 0; i < ix->n_nm; i++) {
		if (!ix->nm[i].blob) {
			map[i] = UINT32_MAX;
			continue;
		}
		map[i] = (uint32_t)j;
		ix->tag[j] = ix->tag[i];
		if (j != i)
			memcpy(&ix->fpl[j * FP_LINE], &ix->fpl[i * FP_LINE],
			       FP_LINE * sizeof(*ix->fpl));
		ix->nm[j++] = ix->nm[i];
	}
	ix->n_nm = j;
	ix->dead_names = 0;
	for (size_t k = 0; k < ix->nkeys; k++) {
		struct plist *p = &ix->pl[k];
		uint32_t m = 0;

		for (uint32_t i = 0; i < p->n; i++)
			if (map[p->id[i]] != UINT32_MAX)
				p->id[m++] = map[p->id[i]];
		p->n = m;
	}
	for (size_t i = 0; i < ix->kcap; i++)
		if (ix->kt[i].h)
			ix->kt[i].n = ix->pl[ix->kt[i].slot].n;
	for (size_t r = 0; r < ix->n_rec; r++)
		for (uint32_t i = 0; i < ix->rec[r].n_names; i++)
			ix->rec[r].names[i] = map[ix->rec[r].names[i]];
	free(map);
}

/* --- put and remove ----------------------------------------------------- */

struct pending {
	uint8_t *blob;
	size_t blen, nfk;
	uint64_t *keys;
	size_t n_keys;
	uint64_t *tok; /* its word keys, for the word filter */
	size_t n_tok;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t fingerprint(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/* The line's fingerprint of a key: never 0 (empty) or FP_FULL. */
static uint16_t fingerprint16(uint32_t fp)
{
	uint16_t v = (uint16_t)(fp >> 16);

	return v == 0 ? 1 : v == FP_FULL ? FP_FULL - 1 : v;
}

/* A name's fingerprint line from its pending blob (whose 32-bit
 * fingerprints are sorted, so equal 16-bit ones are neighbours). */
static void fp_line_set(uint16_t *line, const struct pending *p)
{
	const uint8_t *fk = p->blob + p->blen;
	size_t m = 0;

	memset(line, 0, FP_LINE * sizeof(*line));
	for (size_t i = 0; i < p->nfk; i++) {
		uint32_t v;
		uint16_t f;

		memcpy(&v, fk + i * sizeof(v), sizeof(v));
		f = fingerprint16(v);
		if (m && line[m - 1] == f)
			continue;
		if (m == FP_LINE) {
			for (size_t j = 0; j < FP_LINE; j++)
				line[j] = FP_FULL;
			return;
		}
		line[m++] = f;
	}
}

/* Append the fingerprints of mn's word and sound keys to the blob. */
static int blob_add_fingerprints(const struct match_name *mn, uint64_t *kbuf,
				 struct pending *p)
{
	struct keygen g = {.h = kbuf, .only = (1u << K_TOK) | (1u << K_DM)};
	uint32_t *fk;
	uint8_t *nb;
	size_t m = 0, bytes;

	name_keys(&g, mn);
	fk = malloc((g.n ? g.n : 1) * sizeof(*fk));
	if (!fk)
		return LIA_ENOMEM;
	for (size_t i = 0; i < g.n; i++)
		fk[i] = fingerprint(kbuf[i]);
	qsort(fk, g.n, sizeof(*fk), cmp_u32);
	for (size_t i = 0; i < g.n; i++)
		if (!m || fk[m - 1] != fk[i])
			fk[m++] = fk[i];
	if (size_add(p->blen, m * sizeof(*fk), &bytes) || bytes > UINT32_MAX) {
		free(fk);
		return LIA_EOVERFLOW;
	}
	nb = realloc(p->blob, bytes ? bytes : 1);
	if (!nb) {
		free(fk);
		return LIA_ENOMEM;
	}
	if (m)
		memcpy(nb + p->blen, fk, m * sizeof(*fk));
	p->blob = nb;
	p->nfk = m;
	free(fk);
	return 0;
}

static void pending_free(struct pending *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].blob);
		free(p[i].keys);
		free(p[i].tok);
	}
	free(p);
}

/* Prepare, encode and key one name; outside the lock, the costly part. */
static int pending_make(struct match_ctx *mc, const char *name,
			enum match_kind kind, uint64_t *kbuf,
			struct pending *out, struct diag *d)
{
	struct match_name *mn = NULL;
	struct keygen g = {.h = kbuf};
	size_t m = 0;
	int rc;

	rc = match_prepare(mc, name, strlen(name), kind, &mn, d);
	if (rc)
		return rc;
	rc = screen_name_encode(mn, &out->blob, &out->blen);
	if (rc)
		goto out;
	if (out->blen > UINT32_MAX) {
		rc = LIA_ETOOBIG;
		goto fail;
	}
	rc = blob_add_fingerprints(mn, kbuf, out);
	if (rc)
		goto fail;
	name_keys(&g, mn);
	qsort(kbuf, g.n, sizeof(*kbuf), cmp_u64);
	for (size_t i = 0; i < g.n; i++)
		if (!m || kbuf[m - 1] != kbuf[i])
			kbuf[m++] = kbuf[i];
	out->keys = malloc((m ? m : 1) * sizeof(*out->keys));
	if (!out->keys) {
		rc = LIA_ENOMEM;
		goto fail;
	}
	memcpy(out->keys, kbuf, m * sizeof(*kbuf));
	out->n_keys = m;
	g = (struct keygen){.h = kbuf, .only = 1u << K_TOK};
	name_keys(&g, mn);
	out->tok = malloc((g.n ? g.n : 1) * sizeof(*out->tok));
	if (!out->tok) {
		free(out->keys);
		out->keys = NULL;
		rc = LIA_ENOMEM;
		goto fail;
	}
	memcpy(out->tok, kbuf, g.n * sizeof(*kbuf));
	out->n_tok = g.n;
	goto out;
fail:
	free(out->blob);
	out->blob = NULL;
out:
	match_name_free(mn);
	return rc;
}

static void tombstone(struct screen_index *ix, struct srec *r)
{
	for (uint32_t i = 0; i < r->n_names; i++) {
		struct sname *s = &ix->nm[r->names[i]];

		ix->heap_bytes -= s->blen + s->nfk * sizeof(uint32_t);
		free(s->blob);
		s->blob = NULL;
		ix->tag[r->names[i]] = 0;
		ix->dead_names++;
		ix->live_names--;
	}
	free(r->names);
	r->names = NULL;
	r->n_names = 0;
}

static bool label_ok(const char *s)
{
	return s && s[0] && strnlen(s, SCREEN_LABEL_MAX) < SCREEN_LABEL_MAX;
}

int screen_put(struct screen_index *ix, struct match_ctx *mc,
	       const struct screen_entry *e, struct diag *d)
{
	struct pending *pend = NULL;
	uint64_t *kbuf = NULL;
	uint32_t *ids = NULL;
	struct match_extra xcopy;
	char *xbuf = NULL;
	size_t n = 0, xbytes = 0, ri, done_names = 0, done_keys = 0, blobs = 0;
	unsigned list_ix;
	const char *list, *schema;
	struct srec *r;
	bool locked = false;
	long found;
	int rc;

	if (!ix || !mc || !e || !e->record_id || !e->names)
		return LIA_EINVAL;
	if (!e->record_id[0] ||
	    strnlen(e->record_id, ENTITY_ID_MAX + 1) > ENTITY_ID_MAX) {
		diag_set(d, "screen: record id empty or longer than %d bytes",
			 ENTITY_ID_MAX);
		return LIA_EINVAL;
	}
	if (!label_ok(e->list) || (e->schema && !label_ok(e->schema))) {
		diag_set(d, "screen: list or schema empty or too long");
		return LIA_EINVAL;
	}
	if (e->n_names == 0 || e->n_names > SCREEN_RECORD_NAMES_MAX) {
		diag_set(d, "screen: a record needs 1 to %d names",
			 SCREEN_RECORD_NAMES_MAX);
		return e->n_names ? LIA_ETOOBIG : LIA_EINVAL;
	}

	kbuf = malloc(KEYS_MAX * sizeof(*kbuf));
	pend = calloc(e->n_names, sizeof(*pend));
	ids = malloc(e->n_names * sizeof(*ids));
	if (!kbuf || !pend || !ids) {
		rc = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < e->n_names; i++) {
		if (!e->names[i]) {
			rc = LIA_EINVAL;
			goto out;
		}
		rc = pending_make(mc, e->names[i], e->kind, kbuf, &pend[n], d);
		/* A name with nothing left after normalisation ("-", "?")
		 * is not worth failing a whole list for; the others count. */
		if (rc == LIA_EVALUE)
			continue;
		if (rc)
			goto out;
		blobs += pend[n].blen + pend[n].nfk * sizeof(uint32_t);
		n++;
	}
	if (n == 0) {
		diag_set(d, "screen: %s: no usable name", e->record_id);
		rc = LIA_EVALUE;
		goto out;
	}
	if (e->extra && (rc = extra_copy(e->extra, &xcopy, &xbuf, &xbytes)))
		goto out;

	write_lock(ix);
	locked = true;
	list = intern(ix, e->list, true);
	schema = intern(ix, e->schema ? e->schema : "", true);
	if (!list || !schema) {
		rc = ix->n_str >= SCREEN_INTERN_MAX ? LIA_ETOOBIG : LIA_ENOMEM;
		goto out;
	}
	list_ix = intern_index(ix, list);
	if (ix->n_nm + n >= SCREEN_NAMES_MAX) {
		rc = LIA_ETOOBIG;
		goto out;
	}
	if (ix->n_nm + n > ix->nm_cap) {
		size_t ncap = ix->nm_cap ? ix->nm_cap * 2 : 1024;
		struct sname *nn;
		uint16_t *nt;
		void *fl;
		size_t fbytes;

		while (ncap < ix->n_nm + n)
			ncap *= 2;

		nn = realloc(ix->nm, ncap * sizeof(*nn));
		if (!nn) {
			rc = LIA_ENOMEM;
			goto out;
		}
		ix->nm = nn;
		nt = realloc(ix->tag, ncap * sizeof(*nt));
		if (!nt) {
			rc = LIA_ENOMEM;
			goto out;
		}
		ix->tag = nt;
		/* Aligned to the cache line, so a line is one miss. */
		if (size_mul(ncap, FP_LINE * sizeof(uint16_t), &fbytes) ||
		    posix_memalign(&fl, 64, fbytes)) {
			rc = LIA_ENOMEM;
			goto out;
		}
		if (ix->n_nm)
			memcpy(fl, ix->fpl,
			       ix->n_nm * FP_LINE * sizeof(*ix->fpl));
		free(ix->fpl);
		ix->fpl = fl;
		advise_huge(ix->fpl, fbytes);
		ix->nm_cap = ncap;
		advise_huge(ix->nm, ncap * sizeof(*nn));
		advise_huge(ix->tag, ncap * sizeof(*nt));
	}
	found = rec_find(ix, e->record_id);
	if (found < 0) {
		rc = rec_add(ix, e->record_id, &ri);
		if (rc)
			goto out;
	} else {
		ri = (size_t)found;
	}

	/* Postings; undone below if an allocation fails half-way, so a
	 * failed put leaves the index as it was. */
	for (done_names = 0; done_names < n; done_names++) {
		uint32_t nid = (uint32_t)(ix->n_nm + done_names);

		for (done_keys = 0; done_keys < pend[done_names].n_keys;
		     done_keys++) {
			struct kent *k;

			rc = key_get(ix, pend[done_names].keys[done_keys], &k);
			if (!rc)
				rc = plist_push(ix, k, nid);
			if (rc)
				goto undo;
		}
	}

	r = &ix->rec[ri];
	if (r->live) {
		tombstone(ix, r);
		free(r->extra_buf);
		ix->heap_bytes -= r->extra_bytes;
		r->extra_buf = NULL;
		r->extra_bytes = 0;
		r->has_extra = false;
		ix->live_recs--;
	}
	for (size_t i = 0; i < n; i++) {
		ids[i] = (uint32_t)ix->n_nm;
		ix->nm[ix->n_nm].blob = pend[i].blob;
		ix->nm[ix->n_nm].rec = (uint32_t)ri;
		ix->nm[ix->n_nm].blen = (uint32_t)pend[i].blen;
		ix->nm[ix->n_nm].nfk = (uint32_t)pend[i].nfk;
		fp_line_set(&ix->fpl[ix->n_nm * FP_LINE], &pend[i]);
		for (size_t k = 0; k < pend[i].n_tok; k++)
			tbloom_add(ix, pend[i].tok[k]);
		ix->tag[ix->n_nm] =
		    (uint16_t)(TAG_LIVE | (unsigned)e->kind << TAG_KIND_SHIFT |
			       list_ix);
		pend[i].blob = NULL;
		ix->n_nm++;
	}
	ix->live_names += n;
	ix->heap_bytes += blobs + (xbuf ? xbytes : 0);
	r->list = list;
	r->schema = schema;
	r->kind = e->kind;
	r->names = ids;
	r->n_names = (uint32_t)n;
	ids = NULL;
	if (xbuf) {
		r->extra = xcopy;
		r->extra_buf = xbuf;
		r->extra_bytes = xbytes;
		r->has_extra = true;
		xbuf = NULL;
	}
	r->live = true;
	ix->live_recs++;
	if (ix->dead_names >= 256 && ix->dead_names * 4 >= ix->live_names)
		compact(ix);
	rc = 0;
	goto out;

undo:
	/* Each touched list ends with the id we appended. */
	for (size_t i = 0; i <= done_names && i < n; i++) {
		size_t nk = i < done_names ? pend[i].n_keys : done_keys;

		for (size_t k = 0; k < nk; k++) {
			struct kent *ke =
			    (struct kent *)key_find(ix, pend[i].keys[k]);

			if (ke && ke->n) {
				ix->pl[ke->slot].n--;
				ke->n--;
			}
		}
	}
out:
	if (locked)
		pthread_rwlock_unlock(&ix->lock);
	free(xbuf);
	free(ids);
	free(kbuf);
	pending_free(pend, n);
	return rc;
}

int screen_remove(struct screen_index *ix, const char *record_id)
{
	struct srec *r;
	long found;
	int rc = 0;

	if (!ix || !record_id)
		return LIA_EINVAL;
	write_lock(ix);
	found = rec_find(ix, record_id);
	if (found < 0 || !ix->rec[found].live) {
		rc = LIA_ENOTFOUND;
		goto out;
	}
	r = &ix->rec[found];
	tombstone(ix, r);
	free(r->extra_buf);
	ix->heap_bytes -= r->extra_bytes;
	r->extra_buf = NULL;
	r->extra_bytes = 0;
	r->has_extra = false;
	r->live = false;
	ix->live_recs--;
	if (ix->dead_names >= 256 && ix->dead_names * 4 >= ix->live_names)
		compact(ix);
out:
	pthread_rwlock_unlock(&ix->lock);
	return rc;
}

/* --- query --------------------------------------------------------------- */

static struct scratch *scratch_get(struct screen_index *ix)
{
	struct scratch *s = pthread_getspecific(ix->tls);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ix = ix;
	if (pthread_setspecific(ix->tls, s)) {
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&ix->reg_lock);
	s->next = ix->reg;
	if (ix->reg)
		ix->reg->prev = s;
	ix->reg = s;
	pthread_mutex_unlock(&ix->reg_lock);
	return s;
}

static void acc_clear(struct scratch *s)
{
	for (uint32_t i = 0; i < s->n_used; i++)
		s->acc[s->used[i]].id1 = 0;
	s->n_used = 0;
}

/* Add w to nid's weight; a new entry only when insert and there is room
 * (the accumulator is bounded: beyond it only known names gain). */
static void acc_add(struct scratch *s, uint32_t nid, float w, bool insert)
{
	uint32_t i = (nid * 0x9e3779b1u) >> (32 - ACC_BITS);

	for (;; i = (i + 1) & (ACC_CAP - 1)) {
		struct acc_slot *a = &s->acc[i];

		if (a->id1 == nid + 1) {
			a->w += w;
			return;
		}
		if (!a->id1)
			break;
	}
	if (!insert || s->n_used >= ACC_FILL)
		return;
	s->acc[i].id1 = nid + 1;
	s->acc[i].w = w;
	s->used[s->n_used++] = i;
}

/* Keys in order of (df, hash). glibc's qsort allocates a buffer for
 * arrays of more than 1 KiB and was a tenth of a query's time: a query
 * has a few hundred keys, for which a Shell sort in place is quicker. */
static bool qkey_before(const struct qkey *x, const struct qkey *y)
{
	return x->df != y->df ? x->df < y->df : x->h < y->h;
}

static void sort_qkeys(struct qkey *k, size_t n)
{
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};

	for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		size_t gap = gaps[g];

		for (size_t i = gap; i < n; i++) {
			struct qkey t = k[i];
			size_t j = i;

			while (j >= gap && qkey_before(&t, &k[j - gap])) {
				k[j] = k[j - gap];
				j -= gap;
			}
			k[j] = t;
		}
	}
}

static bool cand_before(const struct cand *x, const struct cand *y)
{
	return x->w != y->w ? x->w > y->w : x->nid < y->nid;
}

/* The best k of c[0..n) to its front, best first; the rest in any order.
 * Only they are scored, so a whole sort would be wasted. */
static void cand_top(struct cand *c, size_t n, size_t k)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		struct cand t = c[i];
		size_t j;

		if (m == k && !cand_before(&t, &c[k - 1]))
			continue;
		/* Slot i (i >= m) is free to take whatever falls off. */
		j = m < k ? m++ : k - 1;
		if (j != i)
			c[i] = c[j];
		while (j && cand_before(&t, &c[j - 1])) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = t;
	}
}

struct qfilter {
	int list; /* interned index, -1 = all */
	enum match_kind kind;
};

static bool eligible(const struct screen_index *ix, uint32_t nid,
		     const struct qfilter *f)
{
	unsigned t = ix->tag[nid];
	unsigned kind = (t >> TAG_KIND_SHIFT) & 3u;

	if (!(t & TAG_LIVE))
		return false;
	if (f->list >= 0 && (t & TAG_LIST_MASK) != (unsigned)f->list)
		return false;
	if (f->kind != MATCH_ANY && kind != MATCH_ANY && kind != f->kind)
		return false;
	return true;
}

/* Add key h (of type t, for token tok) if the index has it and the
 * query does not yet; pl set. Returns false when the key table is full. */
static bool near_add(const struct screen_index *ix, struct scratch *s,
		     size_t *u, enum key_type t, uint16_t tok, uint16_t tok2,
		     uint64_t h)
{
	uint32_t j = (uint32_t)(h >> (64 - KEY_DEDUP_BITS));
	const struct kent *ke;

	if (*u >= KEYS_MAX)
		return false;
	for (; s->dedup[j]; j = (j + 1) & (KEY_DEDUP_CAP - 1))
		if (s->qk[s->dedup[j] - 1].h == h)
			return true;
	ke = key_find(ix, h);
	if (!ke || !ke->n)
		return true;
	s->qk[*u] = (struct qkey){
	    .h = h, .tok = tok, .tok2 = tok2, .type = (uint8_t)t, .ke = ke};
	s->dedup[j] = (uint16_t)(++*u);
	return true;
}

/*
 * A word of the query that no listed name has is a misspelling or a
 * different segmentation, and its n-grams are often all common ("olgq",
 * "zhichao"): the words one edit away that the index has (olga), and the
 * listed pairs of words it splits into (zhi chao), become keys of their
 * own. Only for such words, so a query of known words costs nothing more.
 */
#define NEAR_LEN_MIN 4
#define NEAR_LEN_MAX 16
#define NEAR_PER_TOKEN 8

/* Keep the finished hash of an edit if the index may have the word. */
static void near_try(const struct screen_index *ix, uint64_t *hs, size_t *nh,
		     uint64_t state)
{
	uint64_t h = fnv_end(state);

	if (tbloom_may(ix, h))
		hs[(*nh)++] = h;
}

static void near_keys(const struct screen_index *ix, struct scratch *s,
		      size_t *u)
{
	const struct match_name *n = s->qname;
	size_t nf = n->n_forms > MATCH_FORMS_MAX ? MATCH_FORMS_MAX : n->n_forms;
	char b[2];
	uint64_t pre[NEAR_LEN_MAX + 1];
	/* Every edit of a word of NEAR_LEN_MAX letters. */
	uint64_t
	    hs[NEAR_LEN_MAX * 2 + NEAR_LEN_MAX * 25 + (NEAR_LEN_MAX + 1) * 26];
	size_t nh, nn;

	for (size_t f = 0; f < nf; f++) {
		const struct match_form *fm = &n->form[f];
		size_t nt =
		    fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX : fm->n_tok;

		for (size_t t = 0; t < nt; t++) {
			const struct match_token *tk = &fm->tok[t];
			uint16_t tok = (uint16_t)(f * MATCH_TOKENS_MAX + t);
			size_t len = tk->len, before = *u;
			const char *w = tk->s;

			if (s->known[tok] || !token_content(tk) ||
			    len < NEAR_LEN_MIN || len > NEAR_LEN_MAX)
				continue;
			/* Splits into two listed words, each of 2 or more. */
			for (size_t i = 2; i + 2 <= len; i++)
				if (!near_add(
					ix, s, u, K_SPLIT, tok, tok,
					pair_hash(K_PAIR,
						  str_hash('0' + K_TOK, w, i),
						  str_hash('0' + K_TOK, w + i,
							   len - i))))
					return;
			/* Deletions and transpositions, then substitutions
			 * and insertions of a letter, hashed on from the
			 * states of the word's prefixes; only those the word
			 * filter does not rule out are looked up, their slots
			 * asked for together as in query_keys. */
			nh = 0;
			pre[0] = fnv_start('0' + K_TOK);
			for (size_t i = 0; i < len; i++)
				pre[i + 1] = fnv_more(pre[i], w + i, 1);
			for (size_t i = 0; i < len; i++)
				near_try(
				    ix, hs, &nh,
				    fnv_more(pre[i], w + i + 1, len - i - 1));
			for (size_t i = 0; i + 1 < len; i++) {
				if (w[i] == w[i + 1])
					continue;
				b[0] = w[i + 1];
				b[1] = w[i];
				near_try(ix, hs, &nh,
					 fnv_more(fnv_more(pre[i], b, 2),
						  w + i + 2, len - i - 2));
			}
			for (size_t i = 0; i < len; i++)
				for (char c = 'a'; c <= 'z'; c++)
					if (c != w[i])
						near_try(
						    ix, hs, &nh,
						    fnv_more(
							fnv_more(pre[i], &c, 1),
							w + i + 1,
							len - i - 1));
			for (size_t i = 0; i <= len; i++)
				for (char c = 'a'; c <= 'z'; c++)
					near_try(
					    ix, hs, &nh,
					    fnv_more(fnv_more(pre[i], &c, 1),
						     w + i, len - i));
			for (size_t i = 0; i < nh; i++)
				key_prefetch(ix, hs[i]);
			for (size_t i = 0;
			     i < nh && *u - before < NEAR_PER_TOKEN; i++)
				if (!near_add(ix, s, u, K_NEAR, tok, tok,
					      hs[i]))
					return;
			/* A misspelt word beside common ones (pchoa guzman):
			 * each neighbour paired with the form's other words
			 * is rare where each word alone is not. */
			nn = *u;
			for (size_t q = before; q < nn; q++) {
				size_t np = 0;

				if (s->qk[q].type != K_NEAR)
					continue;
				for (size_t t2 = 0; t2 < nt && np < PAIR_TOKENS;
				     t2++) {
					const struct match_token *o =
					    &fm->tok[t2];

					if (!token_content(o))
						continue;
					np++;
					if (t2 == t)
						continue;
					if (!near_add(
						ix, s, u, K_SPLIT, tok,
						(uint16_t)(f * MATCH_TOKENS_MAX +
							   t2),
						pair_hash(K_PAIR, s->qk[q].h,
							  str_hash('0' + K_TOK,
								   o->s,
								   o->len))))
						return;
				}
			}
		}
	}
}

/* The query's keys with their posting lists and weights, rarest first. */
/* Keys in fewer names than this generate candidates (see gather). */
static size_t gen_cap(const struct screen_index *ix)
{
	size_t cap = ix->n_nm / GEN_DF_DIV;

	return cap < GEN_DF_MIN ? GEN_DF_MIN : cap;
}

/* ... and n-grams of a word the index lacks, which are all a misspelt
 * word has: they may be more common. */
static size_t gram_cap(const struct screen_index *ix)
{
	size_t cap = ix->n_nm / GRAM_DF_DIV;

	return cap < GRAM_DF_MIN ? GRAM_DF_MIN : cap;
}

/* Drop the repeats of qk[from..to) (the table holds qk[0..from)): the
 * same key from two forms or tokens counts once, for the first (lowest)
 * token that has it. Returns the new end. */
static size_t qkeys_dedup(struct scratch *s, size_t from, size_t to)
{
	size_t u = from;

	for (size_t i = from; i < to; i++) {
		uint64_t h = s->qk[i].h;
		uint32_t j = (uint32_t)(h >> (64 - KEY_DEDUP_BITS));

		for (; s->dedup[j]; j = (j + 1) & (KEY_DEDUP_CAP - 1))
			if (s->qk[s->dedup[j] - 1].h == h)
				break;
		if (s->dedup[j]) {
			struct qkey *k = &s->qk[s->dedup[j] - 1];

			if (s->qk[i].tok < k->tok)
				*k = s->qk[i];
			continue;
		}
		s->qk[u] = s->qk[i];
		s->dedup[j] = (uint16_t)(++u);
	}
	return u;
}

/* Whether the index has the word tk (its key looked up already, perhaps
 * under another form's token). */
static bool word_known(const struct scratch *s, const struct match_token *tk)
{
	uint64_t h = str_hash('0' + K_TOK, tk->s, tk->len);
	uint32_t j = (uint32_t)(h >> (64 - KEY_DEDUP_BITS));

	for (; s->dedup[j]; j = (j + 1) & (KEY_DEDUP_CAP - 1)) {
		const struct qkey *k = &s->qk[s->dedup[j] - 1];

		if (k->h == h)
			return k->ke && k->ke->n;
	}
	return false;
}

static size_t query_keys(const struct screen_index *ix, struct scratch *s)
{
	struct keygen g = {.qk = s->qk};
	double n_all = (double)(ix->n_nm ? ix->n_nm : 1);
	size_t nf = s->qname->n_forms > MATCH_FORMS_MAX ? MATCH_FORMS_MAX
							: s->qname->n_forms;
	size_t m = 0, u = 0, grams,
	       walk_cap =
		   gen_cap(ix) > gram_cap(ix) ? gen_cap(ix) : gram_cap(ix);

	memset(s->known, 0, sizeof(s->known));
	memset(s->dedup, 0, sizeof(s->dedup));
	/* N-grams only serve words the index does not have (see gather):
	 * they are made once the words have been looked up, and only for
	 * those words. */
	g.only = ~(1u << K_GRAM);
	name_keys(&g, s->qname);
	u = qkeys_dedup(s, 0, g.n);
	/* A query has hundreds of keys and each lookup is a few cache
	 * misses in a table of a million keys: the misses are asked for
	 * together, stage by stage, so that they overlap. */
	for (size_t i = 0; i < u; i++)
		key_prefetch(ix, s->qk[i].h);
	for (size_t i = 0; i < u; i++) {
		struct qkey *k = &s->qk[i];

		k->ke = NULL;
		if (k->type != K_TOK)
			continue;
		k->ke = key_find(ix, k->h);
		if (k->ke && k->ke->n)
			s->known[k->tok] = true;
	}
	g.n = u;
	g.only = 1u << K_GRAM;
	for (size_t f = 0; f < nf; f++) {
		const struct match_form *fm = &s->qname->form[f];
		size_t nt =
		    fm->n_tok > MATCH_TOKENS_MAX ? MATCH_TOKENS_MAX : fm->n_tok;

		for (size_t t = 0; t < nt; t++)
			if (!word_known(s, &fm->tok[t]))
				token_keys(&g, &fm->tok[t],
					   f * MATCH_TOKENS_MAX + t);
	}
	grams = u;
	u = qkeys_dedup(s, u, g.n);
	for (size_t i = grams; i < u; i++)
		key_prefetch(ix, s->qk[i].h);
	for (size_t i = 0; i < u; i++) {
		struct qkey *k = &s->qk[i];

		if (k->type == K_TOK || (k->type == K_GRAM && s->known[k->tok]))
			continue;
		k->ke = key_find(ix, k->h);
	}
	near_keys(ix, s, &u);
	for (size_t i = 0; i < u; i++) {
		const struct kent *ke = s->qk[i].ke;

		if (!ke || !ke->n)
			continue;
		/* The lists of rare keys are walked soon. */
		if (ke->n <= walk_cap)
			__builtin_prefetch(&ix->pl[ke->slot]);
		s->qk[m] = s->qk[i];
		s->qk[m].df = ke->n;
		s->qk[m].deferred = 0;
		/* IDF: a key in every name says nothing, a unique one a lot. */
		s->qk[m].w = type_weight[s->qk[m].type] *
			     (float)log(1.0 + n_all / (double)ke->n);
		m++;
	}
	sort_qkeys(s->qk, m);
	return m;
}

static void walk(const struct screen_index *ix, struct scratch *s,
		 struct qkey *k, size_t *walked)
{
	const uint32_t *id = ix->pl[k->ke->slot].id;

	for (uint32_t j = 0; j < k->df; j++)
		acc_add(s, id[j], k->w, true);
	*walked += k->df;
	PROF_ADD(C_WALKED, k->df);
	/* A whole-form hit is the fast path for exact names; it must not
	 * stand in for the tokens' own evidence. */
	if (k->type != K_FULL) {
		s->covered[k->tok] = true;
		s->covered[k->tok2] = true;
	}
	k->deferred = 0;
}

/* Whether a name has a key: its fingerprints, sorted, are few. */
static bool name_has(const struct sname *sn, uint32_t fp)
{
	const uint8_t *p = sn->blob + sn->blen;

	for (uint32_t i = 0; i < sn->nfk; i++) {
		uint32_t v;

		memcpy(&v, p + (size_t)i * sizeof(v), sizeof(v));
		if (v >= fp)
			return v == fp;
	}
	return false;
}

static bool line_has(const struct screen_index *ix, uint32_t nid,
		     const uint16_t *line, uint32_t fp)
{
	uint16_t f = fingerprint16(fp);

	if (line[FP_LINE - 1] == FP_FULL)
		return name_has(&ix->nm[nid], fp);
#if defined(__SSE2__)
	{
		__m128i k = _mm_set1_epi16((short)f);
		__m128i a = _mm_load_si128((const __m128i *)(const void *)line);
		__m128i b =
		    _mm_load_si128((const __m128i *)(const void *)(line + 8));
		__m128i c =
		    _mm_load_si128((const __m128i *)(const void *)(line + 16));
		__m128i d =
		    _mm_load_si128((const __m128i *)(const void *)(line + 24));
		__m128i e = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi16(a, k), _mm_cmpeq_epi16(b, k)),
		    _mm_or_si128(_mm_cmpeq_epi16(c, k), _mm_cmpeq_epi16(d, k)));

		return _mm_movemask_epi8(e) != 0;
	}
#else
	{
		unsigned hit = 0;

		for (size_t i = 0; i < FP_LINE; i++)
			hit |= line[i] == f;
		return hit != 0;
	}
#endif
}

/*
 * Candidates. Keys are taken rarest first. Rare keys (in fewer than
 * max(GEN_DF_MIN, names / GEN_DF_DIV) names) walk their posting lists
 * into the accumulator, and so does a pair key of two tokens not yet
 * covered, however common: the pair is far rarer than either word. Other
 * word and sound keys are deferred: they are checked against the best
 * VERIFY_M candidates only, which is what keeps a query of common words
 * from walking lists of a hundred thousand names. Only when nothing at
 * all was found (a one-word query, or every word and pair common) does
 * each token walk its rarest key. N-grams only generate for tokens the
 * index does not have as such (a typo, an unusual spelling): for a known
 * token its own key and sounds already find the names, and n-gram lists
 * are the longest; common n-grams are dropped. Returns the candidates to
 * score, best first, in s->cand.
 */
static size_t gather(const struct screen_index *ix, struct scratch *s,
		     size_t nk, const struct qfilter *f)
{
	size_t cap = gen_cap(ix), gcap = gram_cap(ix), walked = 0, nc = 0,
	       nd = 0, top;
	bool any = false, all;
	float best, min_w;

	memset(s->covered, 0, sizeof(s->covered));
	for (size_t i = 0; i < nk; i++) {
		struct qkey *k = &s->qk[i];
		bool pair = k->type == K_PAIR || k->type == K_DPAIR ||
			    k->type == K_SPLIT;

		k->deferred = 0;
		if (k->type == K_GRAM && s->known[k->tok])
			continue;
		if (walked + k->df <= WALK_MAX &&
		    (k->df <= (k->type == K_GRAM ? gcap : cap) ||
		     (pair && !(s->covered[k->tok] && s->covered[k->tok2])))) {
			walk(ix, s, k, &walked);
			any = true;
		} else if (k->type != K_GRAM) {
			k->deferred = 1;
		}
	}
	for (size_t i = 0; i < nk; i++) {
		struct qkey *k = &s->qk[i];

		if (k->deferred && !s->covered[k->tok] &&
		    (!any || k->df <= UNCOVERED_DF_MUL * cap) &&
		    walked + k->df <= WALK_MAX)
			walk(ix, s, k, &walked);
	}

	PROF_ADD(C_USED, s->n_used);
	/* Without tombstones or a filter every name is eligible, and the
	 * tag reads (a cache miss each in a large index) can be skipped. */
	all = f->list < 0 && f->kind == MATCH_ANY && ix->dead_names == 0;
	/* The best VERIFY_M eligible entries: a min-heap on weight. */
	for (uint32_t u = 0; u < s->n_used; u++) {
		const struct acc_slot *a = &s->acc[s->used[u]];
		struct cand c = {a->id1 - 1, a->w};
		size_t i;

		if (nc == VERIFY_M && c.w <= s->cand[0].w)
			continue;
		if (!all && !eligible(ix, c.nid, f))
			continue;
		if (nc < VERIFY_M) {
			i = nc++;
			while (i && s->cand[(i - 1) / 2].w > c.w) {
				s->cand[i] = s->cand[(i - 1) / 2];
				i = (i - 1) / 2;
			}
			s->cand[i] = c;
			continue;
		}
		i = 0;
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, m = i;
			float mw = c.w;

			if (l < nc && s->cand[l].w < mw)
				m = l, mw = s->cand[l].w;
			if (r < nc && s->cand[r].w < mw)
				m = r;
			if (m == i)
				break;
			s->cand[i] = s->cand[m];
			i = m;
		}
		s->cand[i] = c;
	}
	acc_clear(s);
	if (!nc)
		return 0;

	/* Deferred keys: checked on each candidate's own fingerprints (a
	 * few cache lines), not by searching their long posting lists. */
	for (size_t i = 0; i < nk; i++)
		if (s->qk[i].deferred) {
			s->fp[nd] = fingerprint(s->qk[i].h);
			s->fw[nd++] = s->qk[i].w;
			PROF_ADD(C_DEFERRED, 1);
		}
	/* A candidate that could not reach PRUNE_REL of the best even with
	 * every deferred key is cut below anyway: not worth its line. The
	 * best final weight is at least the best weight now; the margin
	 * covers float rounding in the sums. */
	if (nd) {
		float all_d = 0, wb = 0, cut;
		size_t m = 0;

		for (size_t j = 0; j < nd; j++)
			all_d += s->fw[j];
		for (size_t c = 0; c < nc; c++)
			if (s->cand[c].w > wb)
				wb = s->cand[c].w;
		cut = wb * (float)PRUNE_REL - all_d - 1e-3f * (wb + all_d);
		for (size_t c = 0; c < nc; c++)
			if (s->cand[c].w >= cut)
				s->cand[m++] = s->cand[c];
		PROF_ADD(C_VERIFIED, m);
		nc = m;
	}
	/* The candidates' lines are scattered over a large array: ask for
	 * all of them first, so the cache misses overlap instead of
	 * queueing. */
	for (size_t c = 0; nd && c < nc; c++)
		__builtin_prefetch(&ix->fpl[(size_t)s->cand[c].nid * FP_LINE]);
	for (size_t c = 0; nd && c < nc; c++) {
		uint32_t nid = s->cand[c].nid;
		const uint16_t *line = &ix->fpl[(size_t)nid * FP_LINE];

		for (size_t j = 0; j < nd; j++)
			if (line_has(ix, nid, line, s->fp[j]))
				s->cand[c].w += s->fw[j];
	}
	cand_top(s->cand, nc, nc < TOP_K ? nc : TOP_K);
	/* Names sharing only a sliver of the best one's evidence would not
	 * reach the threshold; scoring them is the costly part. */
	best = s->cand[0].w;
	min_w = best * (float)PRUNE_REL;
	top = nc < TOP_K ? nc : TOP_K;
	while (top > 1 && s->cand[top - 1].w < min_w)
		top--;
	return top;
}

static int cmp_rhit(const void *a, const void *b, const struct screen_index *ix)
{
	const struct rhit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(ix->rec[x->rec].id, ix->rec[y->rec].id);
}

/* Insertion sort: at most TOP_K hits, and qsort has no context argument. */
static void sort_rhits(const struct screen_index *ix, struct rhit *h, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rhit t = h[i];
		size_t j = i;

		while (j && cmp_rhit(&h[j - 1], &t, ix) > 0) {
			h[j] = h[j - 1];
			j--;
		}
		h[j] = t;
	}
}

int screen_query(struct screen_index *ix, struct match_ctx *mc,
		 const struct screen_query *q, struct screen_hit *hits,
		 size_t max_hits, size_t *n_hits, struct diag *d)
{
	struct qfilter f = {-1, MATCH_ANY};
	struct scratch *s;
	double threshold;
	size_t limit, nk, nc, nh = 0;
	bool locked = false;
	int rc;

	if (!ix || !mc || !q || !q->name || !n_hits || (max_hits && !hits))
		return LIA_EINVAL;
	threshold = q->threshold == 0 ? MATCH_THRESHOLD_DEFAULT : q->threshold;
	if (!(threshold > 0 && threshold <= 1)) {
		diag_set(d, "screen: threshold must be in (0, 1]");
		return LIA_EINVAL;
	}
	if (q->list && !label_ok(q->list)) {
		diag_set(d, "screen: list name empty or too long");
		return LIA_EINVAL;
	}
	limit = q->limit ? q->limit : 10;
	if (limit > max_hits)
		limit = max_hits;
	s = scratch_get(ix);
	if (!s)
		return LIA_ENOMEM;
	/* The previous query's name is kept until now: the explanations of
	 * its hits pointed into it. */
	match_name_free(s->qname);
	s->qname = NULL;
	PROF_START();
	rc = match_prepare(mc, q->name, strlen(q->name), q->kind, &s->qname, d);
	if (rc)
		return rc;
	PROF_PHASE(P_PREP);
	PROF_ADD(C_QUERIES, 1);
	f.kind = q->kind;

	read_lock(ix);
	locked = true;
	if (q->list) {
		const char *l = intern(ix, q->list, false);

		if (!l)
			goto done; /* no such list: nothing can hit */
		f.list = (int)intern_index(ix, l);
	}
	nk = query_keys(ix, s);
	PROF_PHASE(P_KEYS);
	nc = gather(ix, s, nk, &f);
	PROF_PHASE(P_GATHER);
	PROF_ADD(C_SCORED, nc);
	/* As in gather: the misses on the names, then on their blobs and
	 * records, overlap when asked for together. */
	for (size_t c = 0; c < nc; c++)
		__builtin_prefetch(&ix->nm[s->cand[c].nid]);
	for (size_t c = 0; c < nc; c++) {
		const struct sname *sn = &ix->nm[s->cand[c].nid];

		__builtin_prefetch(sn->blob);
		__builtin_prefetch(&ix->rec[sn->rec]);
	}
	for (size_t c = 0; c < nc; c++) {
		const struct sname *sn = &ix->nm[s->cand[c].nid];
		const struct srec *r = &ix->rec[sn->rec];
		double sc;
		size_t i;

		/* The explanation comes with the score: a second scoring of
		 * each hit just to explain it would cost as much again. Its
		 * strings point into the query and the index's names. */
		screen_name_decode(sn->blob, &s->cname);
		sc = match_score(s->qname, q->extra, &s->cname,
				 r->has_extra ? &r->extra : NULL, &s->ex[c]);
		if (sc < threshold)
			continue;
		for (i = 0; i < nh; i++)
			if (s->rh[i].rec == sn->rec)
				break;
		if (i == nh) {
			s->rh[nh++] = (struct rhit){sn->rec, s->cand[c].nid,
						    (uint32_t)c, sc};
		} else if (sc > s->rh[i].score) {
			s->rh[i].nid = s->cand[c].nid;
			s->rh[i].ex = (uint32_t)c;
			s->rh[i].score = sc;
		}
	}
	PROF_PHASE(P_SCORE);
	sort_rhits(ix, s->rh, nh);
	if (nh > limit)
		nh = limit;
	for (size_t i = 0; i < nh; i++) {
		const struct sname *sn = &ix->nm[s->rh[i].nid];
		const struct srec *r = &ix->rec[s->rh[i].rec];
		struct screen_hit *h = &hits[i];

		h->explain = s->ex[s->rh[i].ex];
		h->score = s->rh[i].score;
		h->record_id = r->id;
		h->list = r->list;
		h->schema = r->schema;
		h->matched_name = screen_name_original(sn->blob);
	}
	PROF_PHASE(P_EXPLAIN);
	PROF_ADD(C_HITS, nh);
done:
	if (locked)
		pthread_rwlock_unlock(&ix->lock);
	*n_hits = nh;
	return 0;
}

void screen_stats(struct screen_index *ix, struct screen_stats *out)
{
	if (!ix || !out)
		return;
	pthread_rwlock_rdlock(&ix->lock);
	out->records = ix->live_recs;
	out->names = ix->live_names;
	out->keys = ix->nkeys;
	out->bytes =
	    sizeof(*ix) + ix->heap_bytes + ix->kcap * sizeof(*ix->kt) +
	    ix->pl_cap * sizeof(*ix->pl) + ix->nm_cap * sizeof(*ix->nm) +
	    ix->nm_cap * (sizeof(*ix->tag) + FP_LINE * sizeof(*ix->fpl)) +
	    ix->rec_cap * sizeof(*ix->rec) + ix->rmap_cap * sizeof(*ix->rmap) +
	    TBLOOM_BITS / 8;
	pthread_rwlock_unlock(&ix->lock);
}
