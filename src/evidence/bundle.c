/*
 * bundle.c - writing and verifying evidence bundles (docs/BUNDLE-FORMAT.md).
 *
 * A bundle is one JSON object in canonical form (compact, keys sorted,
 * jansson's escaping), so that the verifier can insist on byte equality
 * with its own re-serialisation: then no byte of a bundle is without
 * meaning, and changing any byte fails some check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "evidence/evidence_int.h"
#include "liaison/strbuf.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define CHUNK ((size_t)1 << 16)
#define WITNESSES_MAX 64
#define ENTRIES_MAX (2 * EVIDENCE_EVENTS_MAX)
#define ENTRY_MAX (LEDGER_FRAME_HDR + LEDGER_DOC_MAX + LEDGER_SIG_SIZE)

/* --- writing --------------------------------------------------------- */

struct idx_list {
	uint64_t *v;
	size_t n, cap;
};

static int idx_push(struct idx_list *l, uint64_t x)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] == x)
			return 0;
	}
	if (l->n >= ENTRIES_MAX)
		return LIA_ETOOBIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16, bytes;
		uint64_t *p;

		if (size_mul(cap, sizeof(*p), &bytes))
			return LIA_EOVERFLOW;
		if (!(p = realloc(l->v, bytes)))
			return LIA_ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Agencies whose sections a bundle may carry. */
#define PEERS_MAX 8

struct item_row {
	char sha256[65];
	uint64_t size;
	bool found;
};

static int item_cb(const struct store_evidence *e, void *ctx)
{
	struct item_row *r = ctx;

	if (strlen(e->sha256) != 64)
		return LIA_ESTORE;
	memcpy(r->sha256, e->sha256, 65);
	r->size = e->size;
	r->found = true;
	return 0;
}

static int custody_idx_cb(const struct store_custody *c, void *ctx)
{
	return idx_push(ctx, c->ledger_idx);
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
	size_t cap =
	    sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	json_t *v;

	if (!s)
		return NULL;
	sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	v = json_string(s);
	free(s);
	return v;
}

static int read_content(const char *home, const char *sha, uint64_t size,
			uint8_t **out, struct diag *d)
{
	char path[4096], hex[65];
	uint8_t *buf = NULL, h[crypto_hash_sha256_BYTES];
	size_t got = 0;
	int fd = -1, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/evidence/%s", home, sha) >=
	    sizeof(path))
		return LIA_EINVAL;
	if (!(buf = malloc(size ? (size_t)size : 1)))
		return LIA_ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(d, "evidence: the copy of the content is missing: %s",
			 strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	while (got < size) {
		ssize_t r = read(fd, buf + got, (size_t)size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	crypto_hash_sha256(h, buf, got);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (got != size || strcmp(hex, sha)) {
		diag_set(d, "evidence: the copy of the content does not match "
			    "its registered hash");
		err = LIA_ECRYPTO;
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static json_t *loads(const char *s)
{
	return s ? json_loads(s, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

/* The countersigned heads of this node (witnessing): the largest size
 * countersigned, and the countersignatures of one size. */
struct cosigned {
	const char *agency;
	uint64_t size;		/* best countersigned size, 0 = none */
	size_t best;		/* its number of witnesses */
	uint64_t cur;		/* the size being counted, and its count */
	size_t cur_n;
	uint64_t want;		/* the size whose witnesses to collect */
	struct store *st;
	json_t *list;		/* {"agency","pk","sig"} of size want */
	int err;
};

static int largest_cb(const struct store_witness *w, void *ctx)
{
	struct cosigned *cs = ctx;

	/* Rows come by node and size: the witnesses of one size are
	 * consecutive. */
	if (strcmp(w->node, cs->agency))
		return 0;
	if (w->size != cs->cur || !cs->cur_n) {
		cs->cur = w->size;
		cs->cur_n = 0;
	}
	cs->cur_n++;
	if (cs->cur_n > cs->best ||
	    (cs->cur_n == cs->best && cs->cur > cs->size)) {
		cs->best = cs->cur_n;
		cs->size = cs->cur;
	}
	return 0;
}

/* The witness's key is the one of its pinned card: a countersignature by
 * a node that is no longer pinned is left out. */
struct peer_pk {
	const char *agency;
	uint8_t pk[LEDGER_PK_SIZE];
	bool found;
};

static int peer_pk_cb(const struct store_peer *p, void *ctx)
{
	struct peer_pk *pp = ctx;
	struct identity_card card = {0};

	if (strcmp(p->agency, pp->agency) ||
	    identity_card_parse(p->card, strlen(p->card), &card, NULL))
		return 0;
	memcpy(pp->pk, card.sign_pk, LEDGER_PK_SIZE);
	pp->found = true;
	identity_card_free(&card);
	return 0;
}

static int witness_cb(const struct store_witness *w, void *ctx)
{
	struct cosigned *cs = ctx;
	struct peer_pk pp = {.agency = w->witness};
	json_t *v;
	int err;

	if (strcmp(w->node, cs->agency) || w->size != cs->want)
		return 0;
	if ((err = store_peer_each(cs->st, peer_pk_cb, &pp, NULL)))
		return err;
	if (!pp.found)
		return 0;
	v = json_pack("{s:s, s:o?, s:o?}", "agency", w->witness, "pk",
		      b64_json(pp.pk, LEDGER_PK_SIZE), "sig",
		      b64_json(w->cosig, LEDGER_SIG_SIZE));
	if (!v || json_object_size(v) != 3 || json_array_append_new(cs->list, v)) {
		json_decref(v);
		return LIA_ENOMEM;
	}
	return 0;
}

/*
 * The head a bundle uses: the head countersigned by the most witnesses
 * (the largest of those) when it covers every entry of the bundle (its
 * witnesses then vouch for them), else a fresh head of the current size
 * with no witnesses yet.
 */
static int bundle_head(const struct evidence_ctx *c, const struct identity *me,
		       uint64_t last_idx, struct ledger_head *head,
		       json_t **witnesses, struct diag *d)
{
	struct cosigned cs = {.agency = c->agency, .st = c->st};
	struct ledger_signer signer;
	int err;

	if (!(cs.list = json_array()))
		return LIA_ENOMEM;
	if (c->agency &&
	    (err = store_witness_each(c->st, largest_cb, &cs, d)))
		goto out;
	if (c->agency && cs.size > last_idx &&
	    !ledger_head_get(c->lg, cs.size, head, d)) {
		cs.want = cs.size;
		if ((err = store_witness_each(c->st, witness_cb, &cs, d)))
			goto out;
	} else {
		identity_ledger_signer(me, &signer);
		if ((err = ledger_sign_head(c->lg, &signer, 0, head, d)))
			goto out;
	}
	*witnesses = cs.list;
	cs.list = NULL;
out:
	json_decref(cs.list);
	return err;
}

/* How a bundle carries the content. */
enum content_mode { CONTENT_NONE, CONTENT_INLINE, CONTENT_ATTACHED };

static int bundle_build(const struct evidence_ctx *c, const struct identity *me,
			const char *id, enum content_mode mode, char **out,
			size_t *len, struct item_row *row, struct diag *d);

int evidence_bundle(const struct evidence_ctx *c, const struct identity *me,
		    const char *id, bool with_content, char **out, size_t *len,
		    struct diag *d)
{
	struct item_row row;

	return bundle_build(c, me, id,
			    with_content ? CONTENT_INLINE : CONTENT_NONE, out,
			    len, &row, d);
}

static int bundle_build(const struct evidence_ctx *c, const struct identity *me,
			const char *id, enum content_mode mode, char **out,
			size_t *len, struct item_row *row, struct diag *d)
{
	bool with_content = mode == CONTENT_INLINE;
	struct idx_list idx = {0}, custody = {0};
	struct item_row item = {0};
	struct ledger_head head;
	char agencies[PEERS_MAX][MARKING_CODE_MAX + 1];
	/* Per custody event: its leaf hash and the other agency that
	 * recorded it ("" for this one). */
	uint8_t (*leaves)[LEDGER_HASH_SIZE] = NULL;
	uint8_t (*need)[LEDGER_HASH_SIZE] = NULL;
	char (*of_agency)[MARKING_CODE_MAX + 1] = NULL;
	size_t n_agencies = 0;
	json_t *o = NULL, *entries = NULL, *witnesses = NULL, *peers = NULL, *v;
	uint8_t *content = NULL;
	char *s = NULL, *card = NULL;
	int err;

	if (!c || !c->st || !c->lg || !c->home || !me || !id || !out || !len)
		return LIA_EINVAL;
	if (!evidence_id_ok(id)) {
		diag_set(d, "an item id is %d lower-case hex digits",
			 EVIDENCE_ID_LEN);
		return LIA_EINVAL;
	}
	if ((err = store_evidence_each(c->st, id, NULL, item_cb, &item, d)) ||
	    (err = store_custody_each(c->st, id, custody_idx_cb, &custody, d)))
		goto out;
	if (!(leaves = calloc(custody.n ? custody.n : 1, sizeof(*leaves))) ||
	    !(need = calloc(custody.n ? custody.n : 1, sizeof(*need))) ||
	    !(of_agency = calloc(custody.n ? custody.n : 1,
				 sizeof(*of_agency)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (with_content && item.size > EVIDENCE_CONTENT_MAX) {
		diag_set(d,
			 "evidence: content of %llu bytes is above the "
			 "%llu a bundle carries; bundle it without content",
			 (unsigned long long)item.size,
			 (unsigned long long)EVIDENCE_CONTENT_MAX);
		err = LIA_ETOOBIG;
		goto out;
	}
	/* The entries of the users who signed, then the item's own. The
	 * events of other agencies are proved by their sections (peers). */
	for (size_t i = 0; i < custody.n; i++) {
		struct evidence_doc doc;
		struct users_info u;
		uint8_t *e;
		size_t n, k;

		if ((err = ledger_entry_get(c->lg, custody.v[i], &e, &n, d)))
			goto out;
		err = evidence_doc_read(e, n, &doc);
		ledger_hash_leaf(e, n, leaves[i]);
		free(e);
		if (err)
			goto out;
		if (strcmp(doc.agency, c->agency)) {
			for (k = 0; k < n_agencies; k++)
				if (!strcmp(agencies[k], doc.agency))
					break;
			if (k == n_agencies) {
				if (n_agencies == PEERS_MAX) {
					err = LIA_ETOOBIG;
					goto out;
				}
				memcpy(agencies[n_agencies++], doc.agency,
				       strlen(doc.agency) + 1);
			}
			memcpy(of_agency[i], doc.agency,
			       strlen(doc.agency) + 1);
			continue;
		}
		of_agency[i][0] = '\0';
		if ((err = users_get(c->st, doc.user, &u, d)) ||
		    (err = idx_push(&idx, u.ledger_idx)))
			goto out;
	}
	if (n_agencies) {
		qsort(agencies, n_agencies, sizeof(agencies[0]), cmp_str);
		if (!(peers = json_array())) {
			err = LIA_ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < n_agencies; k++) {
			json_t *sec;
			size_t n_need = 0;

			/* The section must prove each of that agency's
			 * events on this chain. */
			for (size_t i = 0; i < custody.n; i++) {
				if (!strcmp(of_agency[i], agencies[k]))
					memcpy(need[n_need++], leaves[i],
					       LEDGER_HASH_SIZE);
			}
			if ((err = evidence_section(
				 c->st, id, agencies[k],
				 (const uint8_t(*)[LEDGER_HASH_SIZE])need,
				 n_need, &sec, d)))
				goto out;
			if (json_array_append_new(peers, sec)) {
				err = LIA_ENOMEM;
				goto out;
			}
		}
	}
	for (size_t i = 0; i < custody.n; i++) {
		if ((err = idx_push(&idx, custody.v[i])))
			goto out;
	}
	qsort(idx.v, idx.n, sizeof(*idx.v), cmp_u64);
	if ((err = bundle_head(c, me, idx.n ? idx.v[idx.n - 1] : 0, &head,
			       &witnesses, d)))
		goto out;
	if (!(entries = json_array())) {
		err = LIA_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < idx.n; i++) {
		struct ledger_proof p;
		uint8_t *e = NULL;
		size_t n;
		json_t *proof;

		if ((err = ledger_entry_get(c->lg, idx.v[i], &e, &n, d)))
			goto out;
		if ((err = ledger_prove_inclusion(c->lg, idx.v[i], head.size,
						  &p, d)) ||
		    (err = ledger_proof_to_json(&p, &s))) {
			free(e);
			goto out;
		}
		proof = loads(s);
		free(s);
		s = NULL;
		v = json_pack("{s:o?, s:I, s:o?}", "entry", b64_json(e, n),
			      "index", (json_int_t)idx.v[i], "proof", proof);
		free(e);
		if (!v || json_object_size(v) != 3 ||
		    json_array_append_new(entries, v)) {
			json_decref(v);
			err = LIA_ENOMEM;
			goto out;
		}
	}
	if ((err = ledger_head_to_json(&head, &s)) ||
	    (err = identity_card_json(me, &card)))
		goto out;
	/* Version 1 stays the form of a bundle of one agency, so that
	 * earlier verifiers still read those. */
	o = json_pack("{s:s, s:O, s:s, s:{s:o?, s:O}, s:s, s:i}", "card", card,
		      "entries", entries, "format", EVIDENCE_BUNDLE_FORMAT,
		      "head", "sth", loads(s), "witnesses", witnesses, "item", id,
		      "version",
		      mode == CONTENT_ATTACHED ? EVIDENCE_BUNDLE_V3
		      : peers		       ? EVIDENCE_BUNDLE_V2
					       : EVIDENCE_BUNDLE_V1);
	free(s);
	s = NULL;
	if (!o || (peers && json_object_set(o, "peers", peers)) ||
	    (mode == CONTENT_ATTACHED &&
	     json_object_set_new(o, "attached",
				 json_integer((json_int_t)item.size)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (with_content) {
		if ((err = read_content(c->home, item.sha256, item.size,
					&content, d)))
			goto out;
		if (json_object_set_new(o, "content",
					b64_json(content, (size_t)item.size))) {
			err = LIA_ENOMEM;
			goto out;
		}
	}
	if (!(s = json_dumps(o, JSON_FLAGS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	*len = strlen(s);
	*out = s;
	*row = item;
	s = NULL;
out:
	free(leaves);
	free(need);
	free(of_agency);
	free(idx.v);
	free(custody.v);
	free(content);
	free(card);
	free(s);
	json_decref(entries);
	json_decref(witnesses);
	json_decref(peers);
	json_decref(o);
	return err;
}

static int write_all(int fd, const void *p, size_t n, struct diag *d)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			diag_set(d, "evidence: writing the bundle: %s",
				 strerror(errno));
			return LIA_EIO;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy the content after the bundle in chunks, checking its hash as it
 * goes: a copy that changed on disk is refused, not bundled. */
static int attach_content(const char *home, const struct item_row *row,
			  int fd, struct diag *d)
{
	crypto_hash_sha256_state h;
	uint8_t *buf, sha[crypto_hash_sha256_BYTES];
	char path[4096], hex[65];
	uint64_t got = 0;
	int in = -1, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/evidence/%s", home,
			     row->sha256) >= sizeof(path))
		return LIA_EINVAL;
	if (!(buf = malloc(CHUNK)))
		return LIA_ENOMEM;
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(d, "evidence: the copy of the content is missing: %s",
			 strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	crypto_hash_sha256_init(&h);
	for (;;) {
		ssize_t r = read(in, buf, CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = LIA_EIO;
			goto out;
		}
		if (r == 0)
			break;
		got += (uint64_t)r;
		if (got > row->size)
			break;
		crypto_hash_sha256_update(&h, buf, (size_t)r);
		if ((err = write_all(fd, buf, (size_t)r, d)))
			goto out;
	}
	crypto_hash_sha256_final(&h, sha);
	sodium_bin2hex(hex, sizeof(hex), sha, sizeof(sha));
	if (got != row->size || strcmp(hex, row->sha256)) {
		diag_set(d, "evidence: the copy of the content does not match "
			    "its registered hash");
		err = LIA_ECRYPTO;
	}
out:
	if (in >= 0)
		close(in);
	free(buf);
	return err;
}

int evidence_bundle_write(const struct evidence_ctx *c,
			  const struct identity *me, const char *id,
			  bool with_content, int fd, struct diag *d)
{
	struct item_row row = {0};
	enum content_mode mode = with_content ? CONTENT_INLINE : CONTENT_NONE;
	char *s = NULL;
	size_t len;
	int err;

	if (!c || !c->st || fd < 0 || !id)
		return LIA_EINVAL;
	/* Large content follows the bundle instead of travelling inside its
	 * JSON, so that neither side holds it in memory (version 3). */
	if (with_content &&
	    (err = store_evidence_each(c->st, id, NULL, item_cb, &row, d)) ==
		0 &&
	    row.size > EVIDENCE_CONTENT_MAX)
		mode = CONTENT_ATTACHED;
	else if (with_content && err)
		return err;
	if ((err = bundle_build(c, me, id, mode, &s, &len, &row, d)))
		return err;
	if (!(err = write_all(fd, s, len, d)) && mode == CONTENT_ATTACHED &&
	    !(err = write_all(fd, "\n", 1, d)))
		err = attach_content(c->home, &row, fd, d);
	free(s);
	return err;
}

/* --- verifying ------------------------------------------------------- */

struct signer {
	char name[USERS_NAME_MAX + 1];
	enum users_role role;
	uint8_t pk[USERS_PK_SIZE];
	uint64_t index;
};

/* A custody entry another agency's section proves. */
struct vouch {
	uint8_t leaf[LEDGER_HASH_SIZE];
	uint64_t index; /* in that agency's ledger */
};

/* The section of another agency, once checked. */
struct peer_sec {
	struct identity_card card;
	struct signer *users;
	size_t n_users;
	struct vouch *vouched;
	size_t n_vouched;
};

/*
 * The section being checked is in card, head, users and vouched: first
 * each of the other agencies' (in_peer), each moved to peers when done,
 * then the bundle's own.
 */
struct vfy {
	evidence_say_fn say;
	void *ctx;
	struct diag *d;
	const char *item;
	struct identity_card card;
	bool have_card;
	struct ledger_head head;
	struct signer *users;
	size_t n_users;
	bool in_peer;
	bool attached;		 /* content followed the JSON */
	uint64_t attached_len;	 /* its bytes */
	char attached_sha[65];	 /* and their SHA-256 */
	struct vouch *vouched;
	size_t n_vouched;
	struct peer_sec peers[PEERS_MAX];
	size_t n_peers;
	struct evidence_state state;
	uint8_t prev_leaf[LEDGER_HASH_SIZE];
	char sha256[65];
	uint64_t size;
	bool registered;
};

static void say(struct vfy *v, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct vfy *v, bool ok, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!ok)
		diag_set(v->d, "%s", line);
	if (v->say)
		v->say(v->ctx, ok, line);
}

/* Fail with a reason: says it and returns err. */
#define FAIL(v, err, ...)                                                      \
	do {                                                                   \
		say((v), false, __VA_ARGS__);                                  \
		return (err);                                                  \
	} while (0)

static void iso_ms(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

/* Exactly these keys (sorted), each present. */
static bool keys_are(json_t *o, const char *const *keys, size_t n)
{
	if (!json_is_object(o) || json_object_size(o) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!json_object_get(o, keys[i]))
			return false;
	}
	return true;
}

/* Strict padded base64 into a malloc'd buffer of at most max bytes. */
static int b64_decode(json_t *s, size_t max, uint8_t **out, size_t *len)
{
	const char *t = json_string_value(s);
	size_t tl, cap, got;
	const char *end;
	uint8_t *p;

	if (!t)
		return LIA_EPARSE;
	tl = json_string_length(s);
	if (tl % 4 || tl / 4 > max / 3 + 1)
		return LIA_ETOOBIG;
	cap = tl / 4 * 3;
	if (!(p = malloc(cap ? cap : 1)))
		return LIA_ENOMEM;
	if (sodium_base642bin(p, cap, t, tl, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != t + tl || got > max) {
		free(p);
		return LIA_EPARSE;
	}
	*out = p;
	*len = got;
	return 0;
}

int evidence_b64_decode(json_t *s, size_t max, uint8_t **out, size_t *len)
{
	return b64_decode(s, max, out, len);
}

static int b64_fixed(json_t *s, uint8_t *out, size_t n)
{
	uint8_t *p;
	size_t got;
	int err;

	if ((err = b64_decode(s, n, &p, &got)))
		return err;
	if (got != n) {
		free(p);
		return LIA_EPARSE;
	}
	memcpy(out, p, n);
	free(p);
	return 0;
}

static int check_card(struct vfy *v, json_t *card)
{
	const char *s = json_string_value(card);
	int err;

	if (!s)
		FAIL(v, LIA_EPARSE, "card: not a string");
	if ((err = identity_card_parse(s, json_string_length(card), &v->card,
				       v->d)))
		FAIL(v, err, "card: %s", v->d ? v->d->msg : err_str(err));
	v->have_card = true;
	say(v, true, "%s card: %s (%s, %s), signing key checked",
	    v->in_peer ? "other agency's" : "node", v->card.agency,
	    v->card.name, v->card.country);
	return 0;
}

static int check_head(struct vfy *v, json_t *head)
{
	static const char *const keys[] = {"sth", "witnesses"};
	char when[32], *s;
	json_t *w;
	size_t i;
	int err;

	if (!keys_are(head, keys, 2) ||
	    !json_is_array(json_object_get(head, "witnesses")))
		FAIL(v, LIA_EPARSE,
		     "head: must have exactly sth and witnesses");
	if (!(s = json_dumps(json_object_get(head, "sth"), JSON_FLAGS)))
		return LIA_ENOMEM;
	err = ledger_head_parse(s, strlen(s), &v->head, v->d);
	free(s);
	if (err)
		FAIL(v, err, "head: %s", v->d ? v->d->msg : err_str(err));
	if (sodium_memcmp(v->head.pk, v->card.sign_pk, LEDGER_PK_SIZE) != 0)
		FAIL(v, LIA_ECRYPTO,
		     "head: not signed with the key of the node's card");
	if (ledger_head_verify(&v->head, v->card.sign_pk))
		FAIL(v, LIA_ECRYPTO,
		     "head: the node's signature of the tree head does not "
		     "verify");
	iso_ms(v->head.time_ms, when, sizeof(when));
	say(v, true, "tree head: %llu entries, signed by %s at %s",
	    (unsigned long long)v->head.size, v->card.agency, when);
	w = json_object_get(head, "witnesses");
	if (json_array_size(w) > WITNESSES_MAX)
		FAIL(v, LIA_ETOOBIG, "head: more than %d witnesses",
		     WITNESSES_MAX);
	json_array_foreach (w, i, head) {
		static const char *const wk[] = {"agency", "pk", "sig"};
		uint8_t msg[LEDGER_HEAD_SIGNED_SIZE], pk[LEDGER_PK_SIZE],
		    sig[LEDGER_SIG_SIZE];
		const char *ag =
		    json_string_value(json_object_get(head, "agency"));

		if (!keys_are(head, wk, 3) || !ag ||
		    !identity_agency_ok(ag, strlen(ag)) ||
		    b64_fixed(json_object_get(head, "pk"), pk, sizeof(pk)) ||
		    b64_fixed(json_object_get(head, "sig"), sig, sizeof(sig)))
			FAIL(v, LIA_EPARSE, "witness %zu: malformed", i);
		ledger_head_signed_bytes(&v->head, msg);
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk))
			FAIL(v, LIA_ECRYPTO,
			     "witness %zu (%s): the countersignature does not "
			     "verify",
			     i, ag);
		say(v, true, "witness %s countersigned this head", ag);
	}
	if (!json_array_size(w))
		say(v, true, "witnesses: none in this bundle");
	return 0;
}

static const char *str_of(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int user_doc(struct vfy *v, uint64_t index, json_t *doc,
		    const uint8_t *raw, size_t raw_len, const uint8_t *sig)
{
	static const char *const keys[] = {"agency", "at",   "by",   "name",
					   "pk",     "role", "type", "v"};
	struct signer u;
	const char *name = str_of(doc, "name"), *pk = str_of(doc, "pk");
	const char *role = str_of(doc, "role"), *ag = str_of(doc, "agency");
	size_t got;

	if (!keys_are(doc, keys, 8) || !name || !pk || !role || !ag ||
	    !str_of(doc, "by") ||
	    !json_is_integer(json_object_get(doc, "at")) ||
	    json_integer_value(json_object_get(doc, "v")) != USERS_DOC_VERSION)
		FAIL(v, LIA_EPARSE, "entry %llu: malformed user document",
		     (unsigned long long)index);
	memset(&u, 0, sizeof(u));
	if (!users_name_ok(name) || users_role_parse(role, &u.role) ||
	    strlen(pk) != 2 * USERS_PK_SIZE ||
	    sodium_hex2bin(u.pk, sizeof(u.pk), pk, strlen(pk), NULL, &got,
			   NULL) ||
	    got != USERS_PK_SIZE)
		FAIL(v, LIA_EPARSE, "entry %llu: malformed user document",
		     (unsigned long long)index);
	if (strcmp(ag, v->card.agency))
		FAIL(v, LIA_EPARSE, "entry %llu: user of agency %s, not %s",
		     (unsigned long long)index, ag, v->card.agency);
	if (!sig || ledger_sig_verify(u.pk, raw, raw_len, sig))
		FAIL(v, LIA_ECRYPTO,
		     "entry %llu: the self-signature of user %s does not "
		     "verify",
		     (unsigned long long)index, name);
	for (size_t i = 0; i < v->n_users; i++) {
		if (!strcmp(v->users[i].name, name))
			FAIL(v, LIA_EPARSE, "entry %llu: user %s twice",
			     (unsigned long long)index, name);
	}
	memcpy(u.name, name, strlen(name) + 1);
	u.index = index;
	v->users[v->n_users++] = u;
	say(v, true,
	    "user %s (%s): key registered at entry %llu, "
	    "self-signed",
	    name, role, (unsigned long long)index);
	return 0;
}

static int custody_doc(struct vfy *v, uint64_t index, json_t *doc,
		       const uint8_t *raw, size_t raw_len, const uint8_t *sig,
		       const uint8_t leaf[LEDGER_HASH_SIZE])
{
	static const char *const keys[] = {
	    "agency", "at",  "item", "kind", "note", "pk", "prev",
	    "role",   "seq", "to",   "type", "user", "v"};
	static const char *const reg_keys[] = {
	    "case",	 "description", "media_type", "seized_at",
	    "seized_on", "sha256",	"size"};
	const char *kind_s = str_of(doc, "kind"), *user = str_of(doc, "user");
	const char *role = str_of(doc, "role"), *pk = str_of(doc, "pk");
	const char *prev = str_of(doc, "prev"), *item = str_of(doc, "item");
	char want_prev[LEDGER_HASH_SIZE * 2 + 1], pkhex[USERS_PK_SIZE * 2 + 1];
	char when[32];
	const struct signer *u = NULL;
	enum evidence_kind kind;
	json_int_t seq;
	size_t nkeys = 13;

	const struct peer_sec *ps = NULL;
	const struct signer *users = v->users;
	size_t n_users = v->n_users;

	if (!kind_s || (strcmp(kind_s, "registered") &&
			evidence_kind_parse(kind_s, &kind)))
		FAIL(v, LIA_EPARSE, "entry %llu: unknown custody kind",
		     (unsigned long long)index);
	if (!strcmp(kind_s, "registered")) {
		kind = EVIDENCE_REGISTERED;
		nkeys += 7;
		for (size_t i = 0; i < 7; i++) {
			if (!json_object_get(doc, reg_keys[i]))
				FAIL(v, LIA_EPARSE,
				     "entry %llu: registration lacks %s",
				     (unsigned long long)index, reg_keys[i]);
		}
	}
	if (json_object_size(doc) != nkeys || !user || !role || !pk || !prev ||
	    !item || !str_of(doc, "to") || !str_of(doc, "note") ||
	    !str_of(doc, "agency") ||
	    !json_is_integer(json_object_get(doc, "at")) ||
	    !json_is_integer(json_object_get(doc, "seq")) ||
	    json_integer_value(json_object_get(doc, "v")) !=
		EVIDENCE_DOC_VERSION)
		FAIL(v, LIA_EPARSE, "entry %llu: malformed custody document",
		     (unsigned long long)index);
	for (size_t i = 0; i < 13; i++) {
		if (!json_object_get(doc, keys[i]))
			FAIL(v, LIA_EPARSE, "entry %llu: %s missing",
			     (unsigned long long)index, keys[i]);
	}
	seq = json_integer_value(json_object_get(doc, "seq"));
	if (strcmp(item, v->item))
		FAIL(v, LIA_EPARSE, "entry %llu: an event of another item",
		     (unsigned long long)index);
	if (v->in_peer) {
		/* In another agency's section an event of that agency is
		 * vouched for by its signed head; the chain and the
		 * signatures are checked where the bundle's own entries
		 * name it. */
		if (strcmp(str_of(doc, "agency"), v->card.agency))
			return 0;
		if (v->n_vouched >= ENTRIES_MAX)
			FAIL(v, LIA_ETOOBIG, "too many entries");
		memcpy(v->vouched[v->n_vouched].leaf, leaf, LEDGER_HASH_SIZE);
		v->vouched[v->n_vouched++].index = index;
		return 0;
	}
	if (seq < 0 || (uint64_t)seq != v->state.next_seq)
		FAIL(v, LIA_EPARSE,
		     "entry %llu: event %lld where event %llu was expected "
		     "(an event is missing or out of order)",
		     (unsigned long long)index, (long long)seq,
		     (unsigned long long)v->state.next_seq);
	if (strcmp(str_of(doc, "agency"), v->card.agency)) {
		/* An event of another agency: the same entry must be in
		 * that agency's section, under its signed head, and so must
		 * its signer's key. */
		uint64_t at_idx = 0;
		bool found = false;

		for (size_t i = 0; i < v->n_peers; i++)
			if (!strcmp(v->peers[i].card.agency,
				    str_of(doc, "agency")))
				ps = &v->peers[i];
		if (!ps)
			FAIL(v, LIA_ECRYPTO,
			     "event %lld: recorded at agency %s, whose "
			     "section is not in this bundle",
			     (long long)seq, str_of(doc, "agency"));
		for (size_t i = 0; i < ps->n_vouched && !found; i++) {
			if (!sodium_memcmp(ps->vouched[i].leaf, leaf,
					   LEDGER_HASH_SIZE)) {
				found = true;
				at_idx = ps->vouched[i].index;
			}
		}
		if (!found)
			FAIL(v, LIA_ECRYPTO,
			     "event %lld: not included in the signed tree "
			     "head of %s",
			     (long long)seq, ps->card.agency);
		users = ps->users;
		n_users = ps->n_users;
		index = at_idx;
	}
	for (size_t i = 0; i < n_users; i++) {
		if (!strcmp(users[i].name, user))
			u = &users[i];
	}
	if (!u || u->index >= index)
		FAIL(v, LIA_ECRYPTO,
		     "event %lld: no key of user %s registered before it",
		     (long long)seq, user);
	sodium_bin2hex(pkhex, sizeof(pkhex), u->pk, USERS_PK_SIZE);
	if (strcmp(pk, pkhex) || strcmp(role, users_role_name(u->role)))
		FAIL(v, LIA_ECRYPTO,
		     "event %lld: key or role differs from user %s's",
		     (long long)seq, user);
	if (!sig || ledger_sig_verify(u->pk, raw, raw_len, sig))
		FAIL(v, LIA_ECRYPTO,
		     "event %lld (%s by %s): the signature does not verify",
		     (long long)seq, kind_s, user);
	if (seq == 0)
		want_prev[0] = '\0';
	else
		sodium_bin2hex(want_prev, sizeof(want_prev), v->prev_leaf,
			       LEDGER_HASH_SIZE);
	if (strcmp(prev, want_prev))
		FAIL(v, LIA_ECRYPTO,
		     "event %lld: does not link to the previous event",
		     (long long)seq);
	if (!users_may(u->role, USERS_RECORD_CUSTODY))
		FAIL(v, LIA_EDENIED,
		     "event %lld: %s (%s) may not record custody",
		     (long long)seq, user, role);
	if (evidence_rule_at(&v->state, kind, user, str_of(doc, "agency"),
			     str_of(doc, "to"), v->d))
		FAIL(v, LIA_EDENIED, "event %lld (%s by %s): %s",
		     (long long)seq, kind_s, user,
		     v->d ? v->d->msg : "custody rule broken");
	memcpy(v->prev_leaf, leaf, LEDGER_HASH_SIZE);
	iso_ms(json_integer_value(json_object_get(doc, "at")), when,
	       sizeof(when));
	if (kind == EVIDENCE_REGISTERED) {
		const char *sha = str_of(doc, "sha256");
		json_t *size = json_object_get(doc, "size");

		if (!sha || strlen(sha) != 64 || !json_is_integer(size) ||
		    json_integer_value(size) < 0 || !str_of(doc, "case") ||
		    !str_of(doc, "description") || !str_of(doc, "media_type") ||
		    !str_of(doc, "seized_at") || !str_of(doc, "seized_on"))
			FAIL(v, LIA_EPARSE, "event 0: malformed registration");
		memcpy(v->sha256, sha, 65);
		v->size = (uint64_t)json_integer_value(size);
		v->registered = true;
		say(v, true,
		    "event 0 registered %s by %s (%s) at %s: case %s, \"%s\", "
		    "%llu bytes, %s, sha256 %s, seized at \"%s\" on \"%s\"; "
		    "signature ok, ledger entry %llu%s%s included",
		    when, user, role, str_of(doc, "agency"),
		    str_of(doc, "case"), str_of(doc, "description"),
		    (unsigned long long)v->size, str_of(doc, "media_type"), sha,
		    str_of(doc, "seized_at"), str_of(doc, "seized_on"),
		    (unsigned long long)index, ps ? " of " : "",
		    ps ? ps->card.agency : "");
	} else {
		say(v, true,
		    "event %lld %s %s by %s%s%s (%s)%s%s%s%s%s; signature "
		    "ok, ledger entry %llu%s%s included",
		    (long long)seq, kind_s, when, user, ps ? "@" : "",
		    ps ? ps->card.agency : "", role,
		    *str_of(doc, "to") ? " to " : "", str_of(doc, "to"),
		    *str_of(doc, "note") ? ": \"" : "", str_of(doc, "note"),
		    *str_of(doc, "note") ? "\"" : "", (unsigned long long)index,
		    ps ? " of " : "", ps ? ps->card.agency : "");
	}
	return 0;
}

static int check_entry(struct vfy *v, json_t *e, uint64_t *last, bool first)
{
	static const char *const keys[] = {"entry", "index", "proof"};
	uint8_t *raw = NULL, leaf[LEDGER_HASH_SIZE];
	const uint8_t *doc, *sig;
	struct ledger_proof p;
	json_t *jdoc = NULL, *jidx;
	size_t raw_len, doc_len;
	uint64_t index;
	char *s;
	int err;

	jidx = json_object_get(e, "index");
	if (!keys_are(e, keys, 3) || !json_is_integer(jidx) ||
	    json_integer_value(jidx) < 0)
		FAIL(v, LIA_EPARSE, "entries: malformed entry");
	index = (uint64_t)json_integer_value(jidx);
	if (!first && index <= *last)
		FAIL(v, LIA_EPARSE, "entries: not in increasing index order");
	*last = index;
	if ((err = b64_decode(json_object_get(e, "entry"), ENTRY_MAX, &raw,
			      &raw_len)))
		FAIL(v, err, "entry %llu: malformed base64",
		     (unsigned long long)index);
	if (!(s = json_dumps(json_object_get(e, "proof"), JSON_FLAGS))) {
		free(raw);
		return LIA_ENOMEM;
	}
	err = ledger_proof_parse(s, strlen(s), &p, v->d);
	free(s);
	ledger_hash_leaf(raw, raw_len, leaf);
	if (err || p.kind != LEDGER_INCLUSION) {
		free(raw);
		FAIL(v, err ? err : LIA_EPARSE,
		     "entry %llu: malformed inclusion proof",
		     (unsigned long long)index);
	}
	if (p.a != index || p.b != v->head.size ||
	    sodium_memcmp(p.hash_a, leaf, LEDGER_HASH_SIZE) ||
	    sodium_memcmp(p.hash_b, v->head.root, LEDGER_HASH_SIZE) ||
	    ledger_proof_verify(&p)) {
		free(raw);
		FAIL(v, LIA_ECRYPTO,
		     "entry %llu: not included in the signed tree head "
		     "(the entry or its proof was changed)",
		     (unsigned long long)index);
	}
	if ((err = ledger_unframe(raw, raw_len, &doc, &doc_len, &sig, v->d)) ||
	    !(jdoc = json_loadb((const char *)doc, doc_len,
				JSON_REJECT_DUPLICATES, NULL)) ||
	    !json_is_object(jdoc)) {
		json_decref(jdoc);
		free(raw);
		FAIL(v, LIA_EPARSE, "entry %llu: malformed document",
		     (unsigned long long)index);
	}
	if (str_of(jdoc, "type") && !strcmp(str_of(jdoc, "type"), "user"))
		err = user_doc(v, index, jdoc, doc, doc_len, sig);
	else if (str_of(jdoc, "type") &&
		 !strcmp(str_of(jdoc, "type"), "custody"))
		err = custody_doc(v, index, jdoc, doc, doc_len, sig, leaf);
	else {
		say(v, false, "entry %llu: unknown document type",
		    (unsigned long long)index);
		err = LIA_EPARSE;
	}
	json_decref(jdoc);
	free(raw);
	return err;
}

static int check_content(struct vfy *v, json_t *c)
{
	uint8_t *p, h[crypto_hash_sha256_BYTES];
	char hex[65];
	size_t n;
	int err;

	if ((err = b64_decode(c, EVIDENCE_CONTENT_MAX, &p, &n)))
		FAIL(v, err, "content: malformed base64");
	crypto_hash_sha256(h, p, n);
	free(p);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (n != v->size || strcmp(hex, v->sha256))
		FAIL(v, LIA_ECRYPTO,
		     "content: does not match the registered SHA-256 and size "
		     "(got %s, %zu bytes)",
		     hex, n);
	say(v, true, "content: %zu bytes, SHA-256 matches the registration", n);
	return 0;
}

/* One other agency's section: {"card", "entries", "head"}, checked like
 * a bundle of its own except for the chain, then kept in v->peers. */
static int check_peer(struct vfy *v, json_t *sec)
{
	static const char *const keys[] = {"card", "entries", "head"};
	json_t *entries = json_object_get(sec, "entries"), *e;
	struct peer_sec *ps;
	uint64_t last = 0;
	size_t i, n;
	int err;

	if (!keys_are(sec, keys, 3) || !json_is_array(entries) ||
	    (n = json_array_size(entries)) == 0 || n > ENTRIES_MAX)
		FAIL(v, LIA_EPARSE,
		     "peers: a section must have exactly card, "
		     "entries (1 to %d) and head",
		     ENTRIES_MAX);
	v->in_peer = true;
	v->have_card = false;
	v->n_users = v->n_vouched = 0;
	if (!(v->users = calloc(n, sizeof(*v->users))) ||
	    !(v->vouched = calloc(n, sizeof(*v->vouched))))
		return LIA_ENOMEM;
	if ((err = check_card(v, json_object_get(sec, "card"))))
		return err;
	for (i = 0; i < v->n_peers; i++) {
		if (strcmp(v->peers[i].card.agency, v->card.agency) >= 0)
			FAIL(v, LIA_EPARSE,
			     "peers: not in increasing order of agency");
	}
	if ((err = check_head(v, json_object_get(sec, "head"))))
		return err;
	json_array_foreach (entries, i, e) {
		if ((err = check_entry(v, e, &last, i == 0)))
			return err;
	}
	say(v, true, "section of %s: %zu entries included in its head",
	    v->card.agency, n);
	ps = &v->peers[v->n_peers++];
	ps->card = v->card;
	ps->users = v->users;
	ps->n_users = v->n_users;
	ps->vouched = v->vouched;
	ps->n_vouched = v->n_vouched;
	v->have_card = false;
	v->users = NULL;
	v->vouched = NULL;
	v->n_users = v->n_vouched = 0;
	v->in_peer = false;
	return 0;
}

static int check_peers(struct vfy *v, json_t *peers)
{
	json_t *sec;
	size_t i;
	int err;

	if (!json_is_array(peers) || json_array_size(peers) == 0 ||
	    json_array_size(peers) > PEERS_MAX)
		FAIL(v, LIA_EPARSE, "peers: 1 to %d sections", PEERS_MAX);
	json_array_foreach (peers, i, sec) {
		if ((err = check_peer(v, sec)))
			return err;
	}
	return 0;
}

static int verify(struct vfy *v, const void *bytes, size_t len)
{
	static const char *const keys[] = {"card", "entries", "format",
					   "head", "item",    "version"};
	json_error_t je;
	json_t *o, *e, *ver, *peers, *att;
	char *canon = NULL;
	uint64_t last = 0;
	size_t i, n_members;
	int err = 0;

	if (len > EVIDENCE_BUNDLE_MAX)
		FAIL(v, LIA_ETOOBIG, "bundle: larger than %zu bytes",
		     EVIDENCE_BUNDLE_MAX);
	if (!(o = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &je)))
		FAIL(v, LIA_EPARSE, "bundle: not JSON (%s at byte %d)", je.text,
		     je.position);
	if (!json_is_object(o)) {
		json_decref(o);
		FAIL(v, LIA_EPARSE, "bundle: not a JSON object");
	}
	ver = json_object_get(o, "version");
	if (json_is_integer(ver) &&
	    json_integer_value(ver) > EVIDENCE_BUNDLE_VERSION) {
		json_decref(o);
		FAIL(v, LIA_EVERSION, "bundle: version %lld is newer than %d",
		     (long long)json_integer_value(ver),
		     EVIDENCE_BUNDLE_VERSION);
	}
	canon = json_dumps(o, JSON_FLAGS);
	if (!canon || strlen(canon) != len || memcmp(canon, bytes, len)) {
		free(canon);
		json_decref(o);
		FAIL(v, LIA_EPARSE,
		     "bundle: not in canonical form (a byte was changed, "
		     "added or removed)");
	}
	free(canon);
	e = json_object_get(o, "content");
	peers = json_object_get(o, "peers");
	att = json_object_get(o, "attached");
	n_members = 6 + (e != NULL) + (peers != NULL) + (att != NULL);
	/* Version 2 has peers; version 3 has content attached after the
	 * JSON (and peers when they are needed), never inline. */
	if (json_object_size(o) != n_members ||
	    (peers && json_integer_value(ver) < EVIDENCE_BUNDLE_V2) ||
	    ((att != NULL) != (json_integer_value(ver) == EVIDENCE_BUNDLE_V3)) ||
	    (att && e) || (att != NULL) != v->attached) {
		json_decref(o);
		FAIL(v, LIA_EPARSE, "bundle: unexpected or missing members");
	}
	for (i = 0; i < 6; i++) {
		if (!json_object_get(o, keys[i])) {
			json_decref(o);
			FAIL(v, LIA_EPARSE, "bundle: %s missing", keys[i]);
		}
	}
	if (!str_of(o, "format") ||
	    strcmp(str_of(o, "format"), EVIDENCE_BUNDLE_FORMAT) ||
	    !json_is_integer(ver) ||
	    json_integer_value(ver) < EVIDENCE_BUNDLE_V1 ||
	    (json_integer_value(ver) == EVIDENCE_BUNDLE_V2 && !peers) ||
	    (att && (!json_is_integer(att) || json_integer_value(att) < 0)) ||
	    !str_of(o, "item") || !evidence_id_ok(str_of(o, "item")) ||
	    !json_is_array(json_object_get(o, "entries")) ||
	    json_array_size(json_object_get(o, "entries")) == 0 ||
	    json_array_size(json_object_get(o, "entries")) > ENTRIES_MAX) {
		json_decref(o);
		FAIL(v, LIA_EPARSE,
		     "bundle: not a version %d to %d evidence bundle",
		     EVIDENCE_BUNDLE_V1, EVIDENCE_BUNDLE_VERSION);
	}
	if (att && (uint64_t)json_integer_value(att) != v->attached_len) {
		json_decref(o);
		FAIL(v, LIA_EPARSE,
		     "bundle: %llu bytes of content follow where %lld are "
		     "announced (the file was cut or extended)",
		     (unsigned long long)v->attached_len,
		     (long long)json_integer_value(att));
	}
	v->item = str_of(o, "item");
	if (peers && (err = check_peers(v, peers))) {
		json_decref(o);
		return err;
	}
	if (!(v->users = calloc(json_array_size(json_object_get(o, "entries")),
				sizeof(*v->users)))) {
		json_decref(o);
		return LIA_ENOMEM;
	}
	if ((err = check_card(v, json_object_get(o, "card"))))
		goto out;
	for (i = 0; i < v->n_peers; i++) {
		if (!strcmp(v->peers[i].card.agency, v->card.agency)) {
			say(v, false,
			    "peers: a section of the node's own "
			    "agency");
			err = LIA_EPARSE;
			goto out;
		}
	}
	if ((err = check_head(v, json_object_get(o, "head"))))
		goto out;
	json_array_foreach (json_object_get(o, "entries"), i, e) {
		if ((err = check_entry(v, e, &last, i == 0)))
			goto out;
	}
	if (!v->registered) {
		say(v, false, "bundle: the item's registration is missing");
		err = LIA_EPARSE;
		goto out;
	}
	if (v->state.transfer_open)
		say(v, true,
		    "note: the last transfer (by %s) has not been received",
		    v->state.transferor);
	if ((e = json_object_get(o, "content")) && (err = check_content(v, e)))
		goto out;
	if (v->attached) {
		if (v->attached_len != v->size ||
		    strcmp(v->attached_sha, v->sha256)) {
			say(v, false,
			    "content: the %llu bytes attached do not match "
			    "the registered SHA-256 and size (got %s)",
			    (unsigned long long)v->attached_len,
			    v->attached_sha);
			err = LIA_ECRYPTO;
			goto out;
		}
		say(v, true,
		    "content: %llu bytes attached, SHA-256 matches the "
		    "registration",
		    (unsigned long long)v->attached_len);
	} else if (!e)
		say(v, true,
		    "content: not in this bundle (the registered "
		    "SHA-256 binds it)");
out:
	json_decref(o);
	return err;
}

/* What followed the JSON, if anything. */
struct attached {
	bool present;
	uint64_t len;
	uint8_t sha[crypto_hash_sha256_BYTES];
};

static int run_verify(const void *bytes, size_t len, const struct attached *a,
		      evidence_say_fn fn, void *ctx, struct diag *d)
{
	struct vfy *v;
	int err;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!(v = calloc(1, sizeof(*v))))
		return LIA_ENOMEM;
	v->say = fn;
	v->ctx = ctx;
	v->d = d;
	diag_clear(d);
	if (a->present) {
		v->attached = true;
		v->attached_len = a->len;
		sodium_bin2hex(v->attached_sha, sizeof(v->attached_sha), a->sha,
			       sizeof(a->sha));
	}
	err = verify(v, bytes, len);
	for (size_t i = 0; i < v->n_peers; i++) {
		identity_card_free(&v->peers[i].card);
		free(v->peers[i].users);
		free(v->peers[i].vouched);
	}
	free(v->vouched);
	if (v->have_card)
		identity_card_free(&v->card);
	free(v->users);
	free(v);
	return err;
}

int evidence_bundle_verify(const void *bytes, size_t len, evidence_say_fn fn,
			   void *ctx, struct diag *d)
{
	struct attached a = {0};
	const char *nl;

	if (!bytes && len)
		return LIA_EINVAL;
	/* Canonical JSON holds no newline: one ends the bundle's JSON and
	 * the content attached to it follows (version 3). */
	nl = bytes ? memchr(bytes, '\n', len) : NULL;
	if (nl) {
		size_t j = (size_t)(nl - (const char *)bytes);

		crypto_hash_sha256(a.sha, (const uint8_t *)nl + 1, len - j - 1);
		a.present = true;
		a.len = len - j - 1;
		len = j;
	}
	return run_verify(bytes ? bytes : "", len, &a, fn, ctx, d);
}

int evidence_bundle_verify_fd(int fd, evidence_say_fn fn, void *ctx,
			      struct diag *d)
{
	crypto_hash_sha256_state h;
	struct attached a = {0};
	struct strbuf sb;
	uint8_t *buf;
	int err = 0;

	if (fd < 0)
		return LIA_EINVAL;
	if (!(buf = malloc(CHUNK)))
		return LIA_ENOMEM;
	/* One byte beyond the limit is enough to refuse the JSON. */
	strbuf_init(&sb, EVIDENCE_BUNDLE_MAX + 1);
	crypto_hash_sha256_init(&h);
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		const uint8_t *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_set(d, "bundle: cannot read: %s", strerror(errno));
			err = LIA_EIO;
			goto out;
		}
		if (r == 0)
			break;
		if (a.present) {
			if ((uint64_t)r > UINT64_MAX - a.len) {
				err = LIA_EOVERFLOW;
				goto out;
			}
			a.len += (uint64_t)r;
			crypto_hash_sha256_update(&h, buf, (size_t)r);
			continue;
		}
		if ((nl = memchr(buf, '\n', (size_t)r))) {
			size_t j = (size_t)(nl - buf);

			a.present = true;
			a.len = (uint64_t)((size_t)r - j - 1);
			crypto_hash_sha256_update(&h, nl + 1, (size_t)r - j - 1);
			r = (ssize_t)j;
		}
		if ((err = strbuf_add(&sb, (const char *)buf, (size_t)r))) {
			diag_set(d, "bundle: larger than %zu bytes",
				 EVIDENCE_BUNDLE_MAX);
			goto out;
		}
	}
	if (a.present)
		crypto_hash_sha256_final(&h, a.sha);
	err = run_verify(sb.buf ? sb.buf : "", sb.len, &a, fn, ctx, d);
out:
	strbuf_release(&sb);
	free(buf);
	return err;
}
