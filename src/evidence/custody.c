/*
 * custody.c - custody across agencies (evidence.h): the checks of the
 * bundles other agencies send, the receipt an officer signs for an item
 * another agency transferred, and the settling of receipts sent back.
 *
 * Nothing here talks to the network: the node (src/node/custody.c)
 * carries the bundles in envelopes and stores them in the custody inbox;
 * this file decides what they prove and writes the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "evidence/evidence_int.h"
#include "liaison/strbuf.h"

#define JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define ENTRY_MAX (LEDGER_FRAME_HDR + LEDGER_DOC_MAX + LEDGER_SIG_SIZE)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int copy_str(char *dst, size_t n, const char *s)
{
	size_t l;

	if (!s || (l = strlen(s)) >= n)
		return LIA_EPARSE;
	memcpy(dst, s, l + 1);
	return 0;
}

int evidence_doc_read(const uint8_t *entry, size_t len,
		      struct evidence_doc *out)
{
	const uint8_t *doc, *sig;
	struct evidence_doc r;
	json_t *o, *seq;
	size_t n;
	int err = LIA_EPARSE;

	if (!entry || !out)
		return LIA_EINVAL;
	if (ledger_unframe(entry, len, &doc, &n, &sig, NULL))
		return LIA_EPARSE;
	if (!(o = json_loadb((const char *)doc, n, JSON_REJECT_DUPLICATES,
			     NULL)))
		return LIA_EPARSE;
	memset(&r, 0, sizeof(r));
	seq = json_object_get(o, "seq");
	if (json_is_object(o) &&
	    !copy_str(r.type, sizeof(r.type),
		      json_string_value(json_object_get(o, "type"))) &&
	    !copy_str(r.agency, sizeof(r.agency),
		      json_string_value(json_object_get(o, "agency")))) {
		if (!strcmp(r.type, "user")) {
			if (!copy_str(
				r.user, sizeof(r.user),
				json_string_value(json_object_get(o, "name"))))
				err = 0;
		} else if (!strcmp(r.type, "custody") && json_is_integer(seq) &&
			   json_integer_value(seq) >= 0 &&
			   !copy_str(
			       r.kind, sizeof(r.kind),
			       json_string_value(json_object_get(o, "kind"))) &&
			   !copy_str(
			       r.user, sizeof(r.user),
			       json_string_value(json_object_get(o, "user"))) &&
			   !copy_str(
			       r.to, sizeof(r.to),
			       json_string_value(json_object_get(o, "to"))) &&
			   !copy_str(
			       r.item, sizeof(r.item),
			       json_string_value(json_object_get(o, "item"))) &&
			   !copy_str(
			       r.prev, sizeof(r.prev),
			       json_string_value(json_object_get(o, "prev")))) {
			r.seq = (uint64_t)json_integer_value(seq);
			err = 0;
		}
	}
	json_decref(o);
	if (!err)
		*out = r;
	return err;
}

int evidence_doc_rule(struct evidence_state *s, const struct evidence_doc *e,
		      struct diag *d)
{
	enum evidence_kind k;

	if (!strcmp(e->kind, "registered"))
		k = EVIDENCE_REGISTERED;
	else if (evidence_kind_parse(e->kind, &k))
		return LIA_EPARSE;
	if (e->seq != s->next_seq) {
		diag_set(d, "evidence: event %llu where %llu was expected",
			 (unsigned long long)e->seq,
			 (unsigned long long)s->next_seq);
		return LIA_EPARSE;
	}
	return evidence_rule_at(s, k, e->user, e->agency, e->to, d);
}

/* --- the chain of an item on this node's ledger ------------------------ */

struct rows {
	uint64_t *idx;
	size_t n, cap;
};

static int rows_cb(const struct store_custody *r, void *ctx)
{
	struct rows *rs = ctx;

	if (r->seq != rs->n)
		return LIA_ESTORE;
	if (rs->n == rs->cap) {
		size_t cap, bytes;
		uint64_t *p;

		if (rs->n >= EVIDENCE_EVENTS_MAX)
			return LIA_ETOOBIG;
		cap = rs->cap ? rs->cap * 2 : 16;
		if (size_mul(cap, sizeof(*p), &bytes))
			return LIA_EOVERFLOW;
		if (!(p = realloc(rs->idx, bytes)))
			return LIA_ENOMEM;
		rs->idx = p;
		rs->cap = cap;
	}
	rs->idx[rs->n++] = r->ledger_idx;
	return 0;
}

int evidence_chain_load(const struct evidence_ctx *c, const char *id,
			struct evidence_state *out,
			uint8_t last[LEDGER_HASH_SIZE], struct diag *d)
{
	struct evidence_state s;
	struct rows rs = {0};
	int err;

	memset(&s, 0, sizeof(s));
	if ((err = store_custody_each(c->st, id, rows_cb, &rs, d))) {
		if (err == LIA_ESTORE)
			diag_set(d,
				 "evidence: the custody rows of %s are "
				 "damaged",
				 id);
		goto out;
	}
	if (!rs.n) {
		err = LIA_ENOTFOUND;
		goto out;
	}
	/* The rules run on the signed documents, not on the rows: the
	 * ledger is what a verifier will see. */
	for (size_t i = 0; i < rs.n; i++) {
		struct evidence_doc e;
		uint8_t *raw;
		size_t n;

		if ((err = ledger_entry_get(c->lg, rs.idx[i], &raw, &n, d)))
			goto out;
		err = evidence_doc_read(raw, n, &e);
		if (!err && i + 1 == rs.n)
			ledger_hash_leaf(raw, n, last);
		free(raw);
		if (err || strcmp(e.type, "custody") || strcmp(e.item, id)) {
			diag_set(d,
				 "evidence: ledger entry %llu is not an "
				 "event of %s",
				 (unsigned long long)rs.idx[i], id);
			err = LIA_ESTORE;
			goto out;
		}
		if ((err = evidence_doc_rule(&s, &e, d)))
			goto out;
	}
	*out = s;
out:
	free(rs.idx);
	return err;
}

/* --- bundles from other agencies -------------------------------------- */

/* The custody entries of a bundle's own section, in order. */
struct events {
	uint8_t **raw;
	size_t *len;
	struct evidence_doc *doc;
	size_t n;
	json_t *bundle; /* the parsed bundle */
};

static void events_free(struct events *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		free(ev->raw[i]);
	free(ev->raw);
	free(ev->len);
	free(ev->doc);
	json_decref(ev->bundle);
	memset(ev, 0, sizeof(*ev));
}

/* Verify bytes as a bundle, then read its own section's custody events.
 * The verifier has checked every signature, proof and rule already. */
static int events_read(const void *bytes, size_t len, struct events *ev,
		       struct diag *d)
{
	json_t *entries, *e;
	size_t i, n;
	int err;

	memset(ev, 0, sizeof(*ev));
	if ((err = evidence_bundle_verify(bytes, len, NULL, NULL, d)))
		return err;
	if (!(ev->bundle =
		  json_loadb(bytes, len, JSON_REJECT_DUPLICATES, NULL)))
		return LIA_EPARSE;
	entries = json_object_get(ev->bundle, "entries");
	n = json_array_size(entries);
	if (!(ev->raw = calloc(n ? n : 1, sizeof(*ev->raw))) ||
	    !(ev->len = calloc(n ? n : 1, sizeof(*ev->len))) ||
	    !(ev->doc = calloc(n ? n : 1, sizeof(*ev->doc)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	json_array_foreach (entries, i, e) {
		struct evidence_doc doc;
		uint8_t *raw;
		size_t rl;

		if ((err = evidence_b64_decode(json_object_get(e, "entry"),
					       ENTRY_MAX, &raw, &rl)))
			goto out;
		if (evidence_doc_read(raw, rl, &doc) ||
		    strcmp(doc.type, "custody")) {
			free(raw);
			continue;
		}
		ev->raw[ev->n] = raw;
		ev->len[ev->n] = rl;
		ev->doc[ev->n++] = doc;
	}
	err = 0;
out:
	if (!err && !ev->n) {
		diag_set(d, "evidence: the bundle has no custody event");
		err = LIA_EPARSE;
	}
	if (err)
		events_free(ev);
	return err;
}

/* The bundle is from sender: its card names sender and carries the key
 * pinned for it. */
static int from_sender(const struct events *ev, const char *sender,
		       const uint8_t pk[IDENTITY_PK_BYTES], struct diag *d)
{
	struct identity_card card = {0};
	const char *s = json_string_value(json_object_get(ev->bundle, "card"));
	int err = 0;

	if (identity_card_parse(s, strlen(s), &card, d))
		return LIA_EPARSE;
	if (strcmp(card.agency, sender) ||
	    sodium_memcmp(card.sign_pk, pk, IDENTITY_PK_BYTES)) {
		diag_set(d,
			 "evidence: the bundle is signed by %s, not by the "
			 "pinned key of %s",
			 card.agency, sender);
		err = LIA_EDENIED;
	}
	identity_card_free(&card);
	return err;
}

int evidence_transfer_check(const void *bytes, size_t len, const char *sender,
			    const uint8_t sender_pk[IDENTITY_PK_BYTES],
			    const char *me, char item[EVIDENCE_ID_LEN + 1],
			    struct diag *d)
{
	struct events ev;
	const struct evidence_doc *last;
	int err;

	if (!bytes || !sender || !sender_pk || !me || !item)
		return LIA_EINVAL;
	if ((err = events_read(bytes, len, &ev, d)))
		return err;
	if ((err = from_sender(&ev, sender, sender_pk, d)))
		goto out;
	last = &ev.doc[ev.n - 1];
	if (strcmp(last->kind, "transferred") || strcmp(last->to, me) ||
	    strcmp(last->agency, sender)) {
		diag_set(d,
			 "evidence: the bundle from %s does not end with a "
			 "transfer by %s to %s",
			 sender, sender, me);
		err = LIA_EDENIED;
		goto out;
	}
	memcpy(item, last->item, EVIDENCE_ID_LEN + 1);
out:
	events_free(&ev);
	return err;
}

int evidence_receipt_check(const void *bytes, size_t len, const char *sender,
			   const uint8_t sender_pk[IDENTITY_PK_BYTES],
			   char item[EVIDENCE_ID_LEN + 1], struct diag *d)
{
	struct events ev;
	const struct evidence_doc *last;
	int err;

	if (!bytes || !sender || !sender_pk || !item)
		return LIA_EINVAL;
	if ((err = events_read(bytes, len, &ev, d)))
		return err;
	if ((err = from_sender(&ev, sender, sender_pk, d)))
		goto out;
	last = &ev.doc[ev.n - 1];
	if (strcmp(last->kind, "received") || strcmp(last->agency, sender)) {
		diag_set(d,
			 "evidence: the bundle from %s does not end with a "
			 "receipt signed at %s",
			 sender, sender);
		err = LIA_EDENIED;
		goto out;
	}
	memcpy(item, last->item, EVIDENCE_ID_LEN + 1);
out:
	events_free(&ev);
	return err;
}

/* The newest bundle of kind about item in the custody inbox (of sender
 * when not NULL): its bytes, malloc'd. LIA_ENOTFOUND when none. */
struct newest {
	const char *kind, *sender;
	char *bundle;
	char from[MARKING_CODE_MAX + 1];
};

static int newest_cb(const struct store_custody_in *r, void *ctx)
{
	struct newest *nw = ctx;
	char *b;

	if (strcmp(r->kind, nw->kind) ||
	    (nw->sender && strcmp(r->sender, nw->sender)) ||
	    strlen(r->sender) >= sizeof(nw->from))
		return 0;
	if (!(b = strdup(r->bundle)))
		return LIA_ENOMEM;
	free(nw->bundle);
	nw->bundle = b;
	memcpy(nw->from, r->sender, strlen(r->sender) + 1);
	return 0;
}

static int newest_bundle(struct store *st, const char *item, const char *kind,
			 const char *sender, struct newest *out, struct diag *d)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->sender = sender;
	if ((err = store_custody_in_each(st, item, newest_cb, out, d))) {
		free(out->bundle);
		out->bundle = NULL;
		return err;
	}
	return out->bundle ? 0 : LIA_ENOTFOUND;
}

/* The best section of one agency among the bundles of the custody inbox:
 * the bundle it sent itself, or its section inside a bundle another
 * agency sent (an item that went A -> B -> C reaches A with B's events
 * proved only by C's copy of B's section). Every one was verified on
 * arrival and its card checked against the pin (node_custody_receive).
 * A section must include every event of that agency on this node's
 * chain (need): a later bundle of a history that forked from this node's
 * does not, and is passed over. Among those that do, an agency's ledger
 * only grows, so the section under the largest tree head is its latest
 * word. */
struct best_sec {
	const char *agency;
	const uint8_t (*need)[LEDGER_HASH_SIZE];
	size_t n_need;
	json_t *sec;
	json_int_t size;
	int err;
};

/* Whether entries holds an entry whose leaf hash is leaf. */
static bool has_leaf(json_t *entries, const uint8_t leaf[LEDGER_HASH_SIZE])
{
	uint8_t h[LEDGER_HASH_SIZE], *raw;
	size_t i, n;
	json_t *e;

	json_array_foreach (entries, i, e) {
		if (evidence_b64_decode(json_object_get(e, "entry"), ENTRY_MAX,
					&raw, &n))
			continue;
		ledger_hash_leaf(raw, n, h);
		free(raw);
		if (!memcmp(h, leaf, LEDGER_HASH_SIZE))
			return true;
	}
	return false;
}

static void best_consider(struct best_sec *bs, json_t *card, json_t *entries,
			  json_t *head)
{
	struct identity_card c = {0};
	const char *s = json_string_value(card);
	json_t *size = json_object_get(json_object_get(head, "sth"), "size");
	json_t *sec;
	bool all = true;

	if (!s || !json_is_array(entries) || !json_is_integer(size) ||
	    json_integer_value(size) <= bs->size ||
	    identity_card_parse(s, strlen(s), &c, NULL))
		return;
	for (size_t i = 0; i < bs->n_need && all; i++)
		all = has_leaf(entries, bs->need[i]);
	if (all && !strcmp(c.agency, bs->agency)) {
		if (!(sec = json_pack("{s:O, s:O, s:O}", "card", card,
				      "entries", entries, "head", head))) {
			bs->err = LIA_ENOMEM;
		} else {
			json_decref(bs->sec);
			bs->sec = sec;
			bs->size = json_integer_value(size);
		}
	}
	identity_card_free(&c);
}

static int best_cb(const struct store_custody_in *r, void *ctx)
{
	struct best_sec *bs = ctx;
	json_t *b, *p;
	size_t i;

	if (!(b = json_loads(r->bundle, JSON_REJECT_DUPLICATES, NULL)))
		return 0;
	best_consider(bs, json_object_get(b, "card"),
		      json_object_get(b, "entries"),
		      json_object_get(b, "head"));
	json_array_foreach (json_object_get(b, "peers"), i, p)
		best_consider(bs, json_object_get(p, "card"),
			      json_object_get(p, "entries"),
			      json_object_get(p, "head"));
	json_decref(b);
	return bs->err;
}

int evidence_section(struct store *st, const char *item, const char *agency,
		     const uint8_t (*need)[LEDGER_HASH_SIZE], size_t n_need,
		     json_t **out, struct diag *d)
{
	struct best_sec bs = {
	    .agency = agency, .need = need, .n_need = n_need, .size = -1};
	int err;

	if ((err = store_custody_in_each(st, item, best_cb, &bs, d)))
		goto out;
	if (!bs.sec) {
		diag_set(d,
			 "evidence: no bundle from %s about %s proves its "
			 "events",
			 agency, item);
		err = LIA_ENOTFOUND;
		goto out;
	}
	*out = bs.sec;
	bs.sec = NULL;
out:
	json_decref(bs.sec);
	return err;
}

int evidence_incoming(struct store *st, const char *id,
		      char from[MARKING_CODE_MAX + 1], char **bundle,
		      struct diag *d)
{
	struct newest nw;
	int err;

	if (!st || !id || !from)
		return LIA_EINVAL;
	if ((err = newest_bundle(st, id, "transfer", NULL, &nw, d)))
		return err;
	memcpy(from, nw.from, strlen(nw.from) + 1);
	if (bundle)
		*bundle = nw.bundle;
	else
		free(nw.bundle);
	return 0;
}

/* --- the receipt of an item another agency transferred ---------------- */

struct import_hook {
	struct store_evidence row;
	bool new_item; /* the item's row is written too */
	struct store_custody *ev;
	size_t n;
};

static int import_hook(void *ctx, struct store *st, uint64_t first,
		       struct diag *d)
{
	struct import_hook *h = ctx;
	int err;

	h->row.ledger_idx = first;
	if (h->new_item && (err = store_evidence_add(st, &h->row, d)))
		return err;
	for (size_t i = 0; i < h->n; i++) {
		h->ev[i].ledger_idx = first + i;
		if ((err = store_custody_add(st, &h->ev[i], d)))
			return err;
	}
	return 0;
}

/* The registration document of an imported chain, for the item's row. */
static int reg_row(const uint8_t *raw, size_t len, struct store_evidence *row,
		   json_t **keep)
{
	const uint8_t *doc, *sig;
	json_t *o, *size;
	size_t n;

	if (ledger_unframe(raw, len, &doc, &n, &sig, NULL) ||
	    !(o = json_loadb((const char *)doc, n, JSON_REJECT_DUPLICATES,
			     NULL)))
		return LIA_EPARSE;
	size = json_object_get(o, "size");
	row->case_ref = json_string_value(json_object_get(o, "case"));
	row->description = json_string_value(json_object_get(o, "description"));
	row->sha256 = json_string_value(json_object_get(o, "sha256"));
	row->media_type = json_string_value(json_object_get(o, "media_type"));
	row->seized_at = json_string_value(json_object_get(o, "seized_at"));
	row->seized_on = json_string_value(json_object_get(o, "seized_on"));
	row->created = json_integer_value(json_object_get(o, "at"));
	if (!row->case_ref || !row->description || !row->sha256 ||
	    !row->media_type || !row->seized_at || !row->seized_on ||
	    !json_is_integer(size) || json_integer_value(size) < 0) {
		json_decref(o);
		return LIA_EPARSE;
	}
	row->size = (uint64_t)json_integer_value(size);
	*keep = o;
	return 0;
}

/* The item's events on this node's ledger, in order (none when the item
 * is not here): their ledger indexes, for the comparison with a bundle. */
static int local_rows(const struct evidence_ctx *c, const char *id,
		      struct rows *rs, struct diag *d)
{
	int err;

	memset(rs, 0, sizeof(*rs));
	if ((err = store_custody_each(c->st, id, rows_cb, rs, d))) {
		if (err == LIA_ESTORE)
			diag_set(d,
				 "evidence: the custody rows of %s are "
				 "damaged",
				 id);
		free(rs->idx);
		rs->idx = NULL;
	}
	return err;
}

/* The events this node holds must be the bundle's first ones, byte for
 * byte (so the same documents, signatures and order): a bundle that
 * differs within them tells another history of the item, a fork, and
 * nothing of it is taken in. */
static int same_prefix(const struct evidence_ctx *c, const struct rows *rs,
		       const struct events *ev, const char *from,
		       struct diag *d)
{
	size_t n = rs->n < ev->n ? rs->n : ev->n;
	int err;

	for (size_t i = 0; i < n; i++) {
		uint8_t *raw;
		size_t len;
		bool same;

		if ((err = ledger_entry_get(c->lg, rs->idx[i], &raw, &len, d)))
			return err;
		same = len == ev->len[i] && !memcmp(raw, ev->raw[i], len);
		free(raw);
		if (!same) {
			diag_set(d,
				 "evidence: refused: the bundle from %s "
				 "differs from this node's chain at event "
				 "%zu (a forked history of the item)",
				 from, i);
			return LIA_EDENIED;
		}
	}
	return 0;
}

int evidence_receive_import(const struct evidence_ctx *c,
			    const struct users_key *who, const char *id,
			    const char *note, uint64_t *seq, struct diag *d)
{
	const struct users_info *u = users_key_info(who);
	struct ledger_entry *le = NULL;
	struct store_custody *rows = NULL;
	struct import_hook h;
	struct evidence_state s;
	struct events ev;
	struct newest nw;
	struct rows local = {0};
	json_t *o = NULL, *reg = NULL;
	char prev[LEDGER_HASH_SIZE * 2 + 1],
	    (*users)[EVIDENCE_USER_QUAL] = NULL;
	uint8_t leaf[LEDGER_HASH_SIZE], *entry = NULL;
	uint8_t sig[USERS_SIG_SIZE];
	char *doc = NULL;
	size_t entry_len, k, add;
	int64_t at = now_ms();
	int err;

	memset(&ev, 0, sizeof(ev));
	memset(&s, 0, sizeof(s));
	if ((err = local_rows(c, id, &local, d)))
		return err;
	k = local.n;
	if ((err = newest_bundle(c->st, id, "transfer", NULL, &nw, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d,
				 "evidence: no item %s here, and no agency "
				 "transferred it to this node",
				 id);
		free(local.idx);
		return err;
	}
	if ((err = events_read(nw.bundle, strlen(nw.bundle), &ev, d)) ||
	    (err = same_prefix(c, &local, &ev, nw.from, d)))
		goto out;
	/* A bundle no longer than the chain here brings nothing new: the
	 * transfer it carried was received already. */
	if (ev.n <= k) {
		diag_set(d,
			 "evidence: no transfer of %s to this node is "
			 "waiting for its receipt",
			 id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	/* The chain as the agencies signed it, then this receipt: the same
	 * rules as every verifier. */
	for (size_t i = 0; i < ev.n; i++) {
		if (strcmp(ev.doc[i].item, id)) {
			diag_set(d,
				 "evidence: the bundle from %s is about "
				 "another item",
				 nw.from);
			err = LIA_EPARSE;
			goto out;
		}
		/* Events of this agency are taken only from its own
		 * ledger: another agency's bundle cannot add any (its
		 * section of this agency is not checked against this
		 * node's key, the ledger here is what counts). */
		if (i >= k && !strcmp(ev.doc[i].agency, c->agency)) {
			diag_set(d,
				 "evidence: refused: the bundle from %s has "
				 "event %zu of %s that this node's ledger "
				 "does not hold (a forked history of the "
				 "item)",
				 nw.from, i, c->agency);
			err = LIA_EDENIED;
			goto out;
		}
		if ((err = evidence_doc_rule(&s, &ev.doc[i], d)))
			goto out;
	}
	if ((err = evidence_rule_at(&s, EVIDENCE_RECEIVED, u->name, c->agency,
				    NULL, d)))
		goto out;
	ledger_hash_leaf(ev.raw[ev.n - 1], ev.len[ev.n - 1], leaf);
	sodium_bin2hex(prev, sizeof(prev), leaf, sizeof(leaf));
	if (!(o = evidence_doc_common(c, who, id, ev.n, EVIDENCE_RECEIVED, prev,
				      at)) ||
	    json_object_set_new(o, "to", json_string("")) ||
	    json_object_set_new(o, "note", json_string(note ? note : "")) ||
	    !(doc = json_dumps(o, JSON_FLAGS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = users_key_sign_entry(who, doc, strlen(doc), sig)) ||
	    (err = ledger_frame(doc, strlen(doc), sig, &entry, &entry_len)))
		goto out;
	/* The events after this node's, verbatim (their leaf hashes are
	 * what the receipt's "prev" chain names), then the receipt, in one
	 * transaction with the item's rows. */
	add = ev.n - k + 1;
	if (!(le = calloc(add, sizeof(*le))) ||
	    !(rows = calloc(add, sizeof(*rows))) ||
	    !(users = calloc(add, sizeof(*users)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < add; j++) {
		size_t i = k + j;
		bool mine = i == ev.n;

		le[j].data = mine ? entry : ev.raw[i];
		le[j].len = mine ? entry_len : ev.len[i];
		snprintf(users[j], sizeof(users[j]), "%s@%s",
			 mine ? u->name : ev.doc[i].user,
			 mine ? c->agency : ev.doc[i].agency);
		rows[j] = (struct store_custody){
		    .item = id,
		    .seq = i,
		    .kind = mine ? "received" : ev.doc[i].kind,
		    .user = mine ? u->name : users[j],
		    .at = at,
		};
	}
	memset(&h, 0, sizeof(h));
	if (k == 0) {
		if ((err = reg_row(ev.raw[0], ev.len[0], &h.row, &reg)))
			goto out;
		h.row.id = id;
		h.row.registered_by = users[0];
		h.new_item = true;
	}
	h.ev = rows;
	h.n = add;
	if ((err = ledger_append_with(c->lg, le, add, at, import_hook, &h, NULL,
				      d)))
		goto out;
	if (seq)
		*seq = ev.n;
out:
	json_decref(reg);
	json_decref(o);
	free(doc);
	free(entry);
	free(le);
	free(rows);
	free(users);
	free(nw.bundle);
	free(local.idx);
	events_free(&ev);
	return err;
}

/* --- receipts sent back ------------------------------------------------ */

struct settle_hook {
	struct store_custody ev;
};

static int settle_hook(void *ctx, struct store *st, uint64_t first,
		       struct diag *d)
{
	struct settle_hook *h = ctx;

	h->ev.ledger_idx = first;
	return store_custody_add(st, &h->ev, d);
}

struct pending {
	char (*item)[EVIDENCE_ID_LEN + 1];
	char (*from)[MARKING_CODE_MAX + 1];
	char **bundle;
	size_t n, cap;
};

static int pending_cb(const struct store_custody_in *r, void *ctx)
{
	struct pending *p = ctx;

	if (strcmp(r->kind, "receipt") || strlen(r->item) != EVIDENCE_ID_LEN ||
	    strlen(r->sender) > MARKING_CODE_MAX)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		void *a, *b, *c;

		if (cap > 1u << 20)
			return LIA_ETOOBIG;
		if (!(a = realloc(p->item, cap * sizeof(*p->item))))
			return LIA_ENOMEM;
		p->item = a;
		if (!(b = realloc(p->from, cap * sizeof(*p->from))))
			return LIA_ENOMEM;
		p->from = b;
		if (!(c = realloc(p->bundle, cap * sizeof(*p->bundle))))
			return LIA_ENOMEM;
		p->bundle = c;
		p->cap = cap;
	}
	if (!(p->bundle[p->n] = strdup(r->bundle)))
		return LIA_ENOMEM;
	memcpy(p->item[p->n], r->item, EVIDENCE_ID_LEN + 1);
	memcpy(p->from[p->n], r->sender, strlen(r->sender) + 1);
	p->n++;
	return 0;
}

/* Append the receipt of one bundle when it is the next event of the
 * item here; *done tells whether it was. */
static int settle_one(const struct evidence_ctx *c, const char *id,
		      const char *from, const char *bundle, bool *done,
		      struct diag *d)
{
	uint8_t last[LEDGER_HASH_SIZE];
	char prev[LEDGER_HASH_SIZE * 2 + 1], user[EVIDENCE_USER_QUAL];
	struct evidence_state s;
	struct settle_hook h;
	struct ledger_entry le;
	struct events ev;
	int err;

	*done = false;
	if ((err = evidence_chain_load(c, id, &s, last, d)))
		return err == LIA_ENOTFOUND ? 0 : err;
	/* Only an open transfer to that agency waits for a receipt: the
	 * bundle (its verification is the cost) is not read otherwise. */
	if (!s.transfer_open || strcmp(s.transfer_to, from))
		return 0;
	if ((err = events_read(bundle, strlen(bundle), &ev, d)))
		return err;
	sodium_bin2hex(prev, sizeof(prev), last, sizeof(last));
	for (size_t i = 0; i < ev.n && !*done; i++) {
		const struct evidence_doc *e = &ev.doc[i];
		struct evidence_state t = s;

		/* Only the receipt that continues this node's chain: the
		 * same item, the next number, linked to our last event,
		 * signed at the agency the transfer went to. */
		if (strcmp(e->item, id) || strcmp(e->kind, "received") ||
		    strcmp(e->agency, from) || e->seq != s.next_seq ||
		    strcmp(e->prev, prev) || evidence_doc_rule(&t, e, NULL))
			continue;
		snprintf(user, sizeof(user), "%s@%s", e->user, e->agency);
		h.ev = (struct store_custody){.item = id,
					      .seq = e->seq,
					      .kind = "received",
					      .user = user,
					      .at = now_ms()};
		le.data = ev.raw[i];
		le.len = ev.len[i];
		err = ledger_append_with(c->lg, &le, 1, 0, settle_hook, &h,
					 NULL, d);
		/* Another process settled it first. */
		if (err == LIA_EEXIST)
			err = 0;
		else if (!err)
			*done = true;
		break;
	}
	events_free(&ev);
	return err;
}

int evidence_settle(const struct evidence_ctx *c, const char *id, size_t *n,
		    struct diag *d)
{
	struct pending p = {0};
	size_t done = 0;
	int err;

	if (!c || !c->st || !c->lg || !c->agency)
		return LIA_EINVAL;
	if ((err = store_custody_in_each(c->st, id, pending_cb, &p, d)))
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		bool one;

		if ((err = settle_one(c, p.item[i], p.from[i], p.bundle[i],
				      &one, d)))
			goto out;
		done += one;
	}
	if (n)
		*n = done;
out:
	for (size_t i = 0; i < p.n; i++)
		free(p.bundle[i]);
	free(p.bundle);
	free(p.item);
	free(p.from);
	return err;
}

/* --- what is owed to another agency ------------------------------------ */

int evidence_owed(const struct evidence_ctx *c, const char *id,
		  enum evidence_kind *kind, char to[MARKING_CODE_MAX + 1],
		  struct diag *d)
{
	struct evidence_state s;
	struct evidence_doc last, before;
	struct rows rs = {0};
	uint8_t leaf[LEDGER_HASH_SIZE];
	int err;

	if (!c || !c->st || !c->lg || !c->agency || !id || !kind || !to)
		return LIA_EINVAL;
	if ((err = evidence_chain_load(c, id, &s, leaf, d)))
		return err;
	/* A transfer this node made to another agency, not yet received. */
	if (s.transfer_open && evidence_to_agency(s.transfer_to) &&
	    strcmp(s.transfer_to, c->agency) && !strcmp(s.holder, c->agency)) {
		if (strlen(s.transfer_to) > MARKING_CODE_MAX)
			return LIA_EINVAL;
		*kind = EVIDENCE_TRANSFERRED;
		memcpy(to, s.transfer_to, strlen(s.transfer_to) + 1);
		return 0;
	}
	/* Or the receipt this node signed last, of another agency's
	 * transfer: its sender waits for it. */
	if ((err = local_rows(c, id, &rs, d)))
		return err;
	err = LIA_ENOTFOUND;
	if (rs.n >= 2) {
		uint8_t *raw;
		size_t len;
		int e1, e2;

		if ((err = ledger_entry_get(c->lg, rs.idx[rs.n - 1], &raw, &len,
					    d)))
			goto out;
		e1 = evidence_doc_read(raw, len, &last);
		free(raw);
		if ((err = ledger_entry_get(c->lg, rs.idx[rs.n - 2], &raw, &len,
					    d)))
			goto out;
		e2 = evidence_doc_read(raw, len, &before);
		free(raw);
		err = LIA_ENOTFOUND;
		if (!e1 && !e2 && !strcmp(last.kind, "received") &&
		    !strcmp(last.agency, c->agency) &&
		    !strcmp(before.kind, "transferred") &&
		    strcmp(before.agency, c->agency) &&
		    !strcmp(before.to, c->agency)) {
			*kind = EVIDENCE_RECEIVED;
			memcpy(to, before.agency, strlen(before.agency) + 1);
			err = 0;
		}
	}
	if (err == LIA_ENOTFOUND)
		diag_set(d,
			 "evidence: %s owes no other agency a transfer or a "
			 "receipt",
			 id);
out:
	free(rs.idx);
	return err;
}

int evidence_returning(const struct evidence_ctx *c, const char *id,
		       char from[MARKING_CODE_MAX + 1], struct diag *d)
{
	struct rows local = {0};
	struct newest nw = {0};
	struct events ev;
	int err;

	memset(&ev, 0, sizeof(ev));
	if (!c || !c->st || !c->lg || !id || !from)
		return LIA_EINVAL;
	if ((err = local_rows(c, id, &local, d)))
		return err;
	if (!local.n ||
	    (err = newest_bundle(c->st, id, "transfer", NULL, &nw, d))) {
		err = err ? err : LIA_ENOTFOUND;
		goto out;
	}
	if ((err = events_read(nw.bundle, strlen(nw.bundle), &ev, d)) ||
	    (err = same_prefix(c, &local, &ev, nw.from, d)))
		goto out;
	if (ev.n <= local.n) {
		err = LIA_ENOTFOUND;
		goto out;
	}
	memcpy(from, nw.from, strlen(nw.from) + 1);
out:
	free(local.idx);
	free(nw.bundle);
	events_free(&ev);
	return err;
}
