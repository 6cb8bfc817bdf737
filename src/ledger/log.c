/*
 * log.c - the Merkle log kept in the node's store.
 *
 * Storage: every entry (bytes, leaf hash, time) and the hash of every
 * perfect subtree of height >= 1, keyed by (level, index). An append of one
 * entry adds its row and one subtree row per trailing one bit of its index
 * (one on average), all in one transaction per batch. A proof for any size
 * then needs O(log n) point lookups: each sibling in a proof is either a
 * stored perfect subtree or, on the right edge of a tree, the join of at
 * most log n of them. That costs about 45 bytes per entry beyond the entry
 * itself, which was preferred over storing only some levels ("tiles") and
 * recomputing the rest, because the proof time is then flat and the code
 * that must be right for a court is shorter.
 *
 * The handle keeps the right edge of the tree (the hash of the rightmost
 * perfect subtree at each level whose bit is set in the size), so appending
 * needs no reads and the current root is a fold of at most 63 hashes. The
 * edge is reloaded from the store whenever the stored size is not the one
 * the handle knows (another process appended).
 *
 * The handle also keeps the upper levels of the tree in memory: every
 * stored subtree of height >= CACHE_LEVEL (about 2n / 2^CACHE_LEVEL
 * hashes: 20,000, 625 KB, at 10M entries), loaded from the store the first
 * time a proof needs one and extended as the log grows, so a proof reads
 * only its lower levels from the store. A stored subtree never changes once
 * committed, so the cache needs no invalidation when other processes
 * append; what must not enter it is a row that could still be rolled back,
 * so it is filled only inside a read snapshot of its own
 * (store_ledger_in_snapshot), never inside a write transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "liaison/ledger.h"

#define LEVELS 63
/* Returned by a callback to stop a walk early (errors are < 0). */
#define FOUND 1
/* The lowest level kept in memory. Lower levels have too many nodes to
 * load for one proof (2^CACHE_LEVEL leaves per cached node); the ones
 * above are what every proof walks through. */
#define CACHE_LEVEL 10

/* The stored subtrees of one level, indexes 0 .. n-1 without a gap. */
struct upper {
	uint8_t (*h)[LEDGER_HASH_SIZE];
	size_t n, cap;
};

struct ledger {
	struct store *st;
	uint64_t size;
	uint8_t edge[LEVELS][LEDGER_HASH_SIZE];
	struct upper up[LEVELS];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The right edge of the tree of size entries, from the store. */
static int load_edge(struct store *st, uint64_t size,
		     uint8_t edge[LEVELS][LEDGER_HASH_SIZE], struct diag *d)
{
	int err;

	for (unsigned l = 0; l < LEVELS; l++) {
		if (!(size >> l & 1))
			continue;
		err = store_ledger_node(st, l, (size >> l) - 1, edge[l], d);
		if (err == LIA_ENOTFOUND || err == LIA_EPARSE) {
			diag_prefix(d, "ledger: the right edge is damaged "
				       "(run ledger verify): ");
			return LIA_EINTERNAL;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Root of the tree of size entries from its right edge: the perfect
 * subtrees, largest first, joined from the right. */
static void edge_root(const uint8_t edge[LEVELS][LEDGER_HASH_SIZE],
		      uint64_t size, uint8_t out[LEDGER_HASH_SIZE])
{
	uint8_t r[LEDGER_HASH_SIZE];
	bool have = false;

	if (size == 0) {
		ledger_hash_empty(out);
		return;
	}
	for (unsigned l = 0; l < LEVELS; l++) {
		if (!(size >> l & 1))
			continue;
		if (!have)
			memcpy(r, edge[l], LEDGER_HASH_SIZE);
		else
			ledger_hash_node(edge[l], r, r);
		have = true;
	}
	memcpy(out, r, LEDGER_HASH_SIZE);
}

int ledger_open(struct store *st, struct ledger **out, struct diag *d)
{
	struct ledger *lg;
	int err;

	if (!st || !out)
		return LIA_EINVAL;
	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!(lg = calloc(1, sizeof(*lg))))
		return LIA_ENOMEM;
	lg->st = st;
	if ((err = store_ledger_size(st, &lg->size, d)) ||
	    (err = load_edge(st, lg->size, lg->edge, d)))
		goto out;
	*out = lg;
	lg = NULL;
out:
	free(lg);
	return err;
}

static void upper_clear(struct ledger *lg)
{
	for (unsigned l = 0; l < LEVELS; l++) {
		free(lg->up[l].h);
		lg->up[l] = (struct upper){0};
	}
}

void ledger_close(struct ledger *lg)
{
	if (!lg)
		return;
	upper_clear(lg);
	free(lg);
}

uint64_t ledger_size(const struct ledger *lg)
{
	return lg ? lg->size : 0;
}

/* Catch up with entries another handle appended. */
static int refresh(struct ledger *lg, struct diag *d)
{
	uint8_t edge[LEVELS][LEDGER_HASH_SIZE];
	uint64_t n;
	int err;

	if ((err = store_ledger_size(lg->st, &n, d)))
		return err;
	if (n == lg->size)
		return 0;
	if ((err = load_edge(lg->st, n, edge, d)))
		return err;
	memcpy(lg->edge, edge, sizeof(edge));
	lg->size = n;
	return 0;
}

int ledger_append_batch(struct ledger *lg, const struct ledger_entry *e,
			size_t n, int64_t time_ms, uint64_t *first,
			struct diag *d)
{
	return ledger_append_with(lg, e, n, time_ms, NULL, NULL, first, d);
}

int ledger_append_with(struct ledger *lg, const struct ledger_entry *e,
		       size_t n, int64_t time_ms,
		       int (*hook)(void *ctx, struct store *st, uint64_t first,
				   struct diag *d),
		       void *ctx, uint64_t *first, struct diag *d)
{
	uint8_t(*edge)[LEDGER_HASH_SIZE] = NULL;
	uint64_t size, start;
	int err;

	if (!lg || !e || n == 0 || time_ms < 0)
		return LIA_EINVAL;
	if (n > LEDGER_BATCH_MAX) {
		diag_set(d, "ledger: a batch of %zu entries exceeds %d", n,
			 LEDGER_BATCH_MAX);
		return LIA_ETOOBIG;
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].len && !e[i].data)
			return LIA_EINVAL;
		if (e[i].len > LEDGER_ENTRY_MAX) {
			diag_set(d,
				 "ledger: entry %zu of %zu bytes exceeds "
				 "%zu",
				 i, e[i].len, LEDGER_ENTRY_MAX);
			return LIA_ETOOBIG;
		}
	}
	if (!time_ms)
		time_ms = now_ms();
	/* The edge is updated in a copy and kept only after the commit, so
	 * a failed batch leaves the handle as it was. */
	if (!(edge = malloc(sizeof(lg->edge))))
		return LIA_ENOMEM;
	if ((err = store_ledger_begin(lg->st, &size, d)))
		goto out_free;
	if (size == lg->size)
		memcpy(edge, lg->edge, sizeof(lg->edge));
	else if ((err = load_edge(lg->st, size, edge, d)))
		goto fail;
	if (n > LEDGER_SIZE_MAX - size) {
		diag_set(d, "ledger: the log is full");
		err = LIA_EOVERFLOW;
		goto fail;
	}
	start = size;
	for (size_t i = 0; i < n; i++) {
		uint8_t h[LEDGER_HASH_SIZE];
		struct store_ledger_row row = {.index = size,
					       .data = e[i].data,
					       .len = e[i].len,
					       .leaf_hash = h,
					       .time_ms = time_ms};
		uint64_t idx = size;
		unsigned l = 0;

		ledger_hash_leaf(e[i].data, e[i].len, h);
		if ((err = store_ledger_put_entry(lg->st, &row, d)))
			goto fail;
		/* Each trailing one bit of the index closes a perfect
		 * subtree whose left half waits on the edge. */
		while (idx & 1) {
			ledger_hash_node(edge[l], h, h);
			l++;
			idx >>= 1;
			if ((err = store_ledger_put_node(lg->st, l, idx, h, d)))
				goto fail;
		}
		memcpy(edge[l], h, LEDGER_HASH_SIZE);
		size++;
	}
	/* The caller's rows go into the same transaction: they and their
	 * entries are stored together or not at all. */
	if (hook && (err = hook(ctx, lg->st, start, d)))
		goto fail;
	if ((err = store_ledger_commit(lg->st, d)))
		goto out_free;
	memcpy(lg->edge, edge, sizeof(lg->edge));
	lg->size = size;
	if (first)
		*first = start;
	goto out_free;
fail:
	store_ledger_abort(lg->st);
out_free:
	free(edge);
	return err;
}

int ledger_append_inside(struct store *st, const struct ledger_entry *e,
			 int64_t time_ms, uint64_t *index, struct diag *d)
{
	uint8_t(*edge)[LEDGER_HASH_SIZE] = NULL;
	uint8_t h[LEDGER_HASH_SIZE];
	struct store_ledger_row row;
	uint64_t size, idx;
	unsigned l = 0;
	int err;

	if (!st || !e || (e->len && !e->data) || time_ms < 0)
		return LIA_EINVAL;
	if (e->len > LEDGER_ENTRY_MAX)
		return LIA_ETOOBIG;
	if (!time_ms)
		time_ms = now_ms();
	if (!(edge = malloc(sizeof(((struct ledger *)0)->edge))))
		return LIA_ENOMEM;
	if ((err = store_ledger_size(st, &size, d)) ||
	    (err = load_edge(st, size, edge, d)))
		goto out;
	if (size >= LEDGER_SIZE_MAX) {
		diag_set(d, "ledger: the log is full");
		err = LIA_EOVERFLOW;
		goto out;
	}
	ledger_hash_leaf(e->data, e->len, h);
	row = (struct store_ledger_row){.index = size,
					.data = e->data,
					.len = e->len,
					.leaf_hash = h,
					.time_ms = time_ms};
	if ((err = store_ledger_put_entry(st, &row, d)))
		goto out;
	/* As in ledger_append_with: each trailing one bit of the index
	 * closes a perfect subtree. */
	idx = size;
	while (idx & 1) {
		ledger_hash_node(edge[l], h, h);
		l++;
		idx >>= 1;
		if ((err = store_ledger_put_node(st, l, idx, h, d)))
			goto out;
	}
	if (index)
		*index = size;
out:
	free(edge);
	return err;
}

/* Append one stored subtree to its level's cache; a gap in the indexes
 * (a damaged store) stops the load, and the lookup then goes to the store,
 * which reports it. */
static int upper_take(uint64_t index, const uint8_t *hash, void *ctx)
{
	struct upper *u = ctx;

	if (index != u->n)
		return FOUND;
	if (u->n == u->cap) {
		size_t cap, bytes;
		void *p;

		if (size_mul(u->cap ? u->cap : 32, 2, &cap) ||
		    size_mul(cap, LEDGER_HASH_SIZE, &bytes))
			return LIA_EOVERFLOW;
		if (!(p = realloc(u->h, bytes)))
			return LIA_ENOMEM;
		u->h = p;
		u->cap = cap;
	}
	memcpy(u->h[u->n++], hash, LEDGER_HASH_SIZE);
	return 0;
}

/* Bring the cache of one level up to the snapshot, from where it ends. */
static int upper_extend(struct ledger *lg, unsigned level)
{
	struct upper *u = &lg->up[level];
	int err;

	if (!store_ledger_in_snapshot(lg->st))
		return 0;
	err = store_ledger_nodes_from(lg->st, level, u->n, SIZE_MAX, upper_take,
				      u, NULL);
	return err == FOUND ? 0 : err;
}

/* The store as a source of perfect subtrees; the right edge of the
 * handle's own size and the upper levels are answered from memory. */
static int src_get(void *ctx, unsigned level, uint64_t index,
		   uint8_t out[LEDGER_HASH_SIZE])
{
	struct ledger *lg = ctx;
	int err;

	if (level < LEVELS && (lg->size >> level & 1) &&
	    index == (lg->size >> level) - 1) {
		memcpy(out, lg->edge[level], LEDGER_HASH_SIZE);
		return 0;
	}
	if (level >= CACHE_LEVEL && level < LEVELS) {
		if (index >= lg->up[level].n && (err = upper_extend(lg, level)))
			return err;
		if (index < lg->up[level].n) {
			memcpy(out, lg->up[level].h[index], LEDGER_HASH_SIZE);
			return 0;
		}
	}
	return store_ledger_node(lg->st, level, index, out, NULL);
}

static void source_of(struct ledger *lg, struct ledger_source *src)
{
	src->get = src_get;
	src->ctx = lg;
}

/* ledger_root_at inside a read snapshot the caller holds. */
static int root_at(struct ledger *lg, uint64_t size,
		   uint8_t out[LEDGER_HASH_SIZE], struct diag *d)
{
	struct ledger_source src;
	int err;

	if (size > lg->size) {
		diag_set(d, "ledger: size %llu is beyond the log's %llu",
			 (unsigned long long)size,
			 (unsigned long long)lg->size);
		return LIA_EINVAL;
	}
	if (size == lg->size) {
		edge_root(lg->edge, size, out);
		return 0;
	}
	if (size == 0) {
		ledger_hash_empty(out);
		return 0;
	}
	source_of(lg, &src);
	if ((err = ledger_subtree_hash(&src, 0, size, out)))
		diag_set(d, "ledger: cannot read the tree of size %llu: %s",
			 (unsigned long long)size, err_str(err));
	return err;
}

int ledger_root_at(struct ledger *lg, uint64_t size,
		   uint8_t out[LEDGER_HASH_SIZE], struct diag *d)
{
	int err;

	if (!lg || !out)
		return LIA_EINVAL;
	/* One snapshot for all the lookups: one lock instead of one per
	 * statement, which is most of the cost of a lookup. */
	if ((err = store_ledger_read_begin(lg->st, d)))
		return err;
	err = root_at(lg, size, out, d);
	store_ledger_read_end(lg->st);
	return err;
}

int ledger_prove_inclusion(struct ledger *lg, uint64_t index, uint64_t size,
			   struct ledger_proof *out, struct diag *d)
{
	struct ledger_source src;
	struct ledger_proof *p;
	int err;

	if (!lg || !out)
		return LIA_EINVAL;
	if (index >= size || size > lg->size) {
		diag_set(d, "ledger: no leaf %llu in a tree of %llu of %llu",
			 (unsigned long long)index, (unsigned long long)size,
			 (unsigned long long)lg->size);
		return LIA_EINVAL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return LIA_ENOMEM;
	if ((err = store_ledger_read_begin(lg->st, d))) {
		free(p);
		return err;
	}
	source_of(lg, &src);
	p->kind = LEDGER_INCLUSION;
	p->a = index;
	p->b = size;
	if ((err = src.get(src.ctx, 0, index, p->hash_a)) ||
	    (err = root_at(lg, size, p->hash_b, d)) ||
	    (err = ledger_inclusion_path(&src, index, size, p->path, &p->n))) {
		diag_set(d, "ledger: inclusion proof of %llu in %llu: %s",
			 (unsigned long long)index, (unsigned long long)size,
			 err_str(err));
		goto out;
	}
	*out = *p;
out:
	store_ledger_read_end(lg->st);
	free(p);
	return err;
}

int ledger_prove_consistency(struct ledger *lg, uint64_t size1, uint64_t size2,
			     struct ledger_proof *out, struct diag *d)
{
	struct ledger_source src;
	struct ledger_proof *p;
	int err;

	if (!lg || !out)
		return LIA_EINVAL;
	if (size1 == 0 || size1 > size2 || size2 > lg->size) {
		diag_set(d,
			 "ledger: no consistency proof from %llu to %llu "
			 "(log of %llu)",
			 (unsigned long long)size1, (unsigned long long)size2,
			 (unsigned long long)lg->size);
		return LIA_EINVAL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return LIA_ENOMEM;
	if ((err = store_ledger_read_begin(lg->st, d))) {
		free(p);
		return err;
	}
	source_of(lg, &src);
	p->kind = LEDGER_CONSISTENCY;
	p->a = size1;
	p->b = size2;
	if ((err = root_at(lg, size1, p->hash_a, d)) ||
	    (err = root_at(lg, size2, p->hash_b, d)) ||
	    (err =
		 ledger_consistency_path(&src, size1, size2, p->path, &p->n))) {
		diag_set(d, "ledger: consistency proof %llu to %llu: %s",
			 (unsigned long long)size1, (unsigned long long)size2,
			 err_str(err));
		goto out;
	}
	*out = *p;
out:
	store_ledger_read_end(lg->st);
	free(p);
	return err;
}

/* --- tree heads ------------------------------------------------------ */

static void head_from_row(const struct store_ledger_head *r,
			  struct ledger_head *h)
{
	h->version = r->version;
	h->size = r->size;
	memcpy(h->root, r->root, LEDGER_HASH_SIZE);
	h->time_ms = r->time_ms;
	memcpy(h->pk, r->pk, LEDGER_PK_SIZE);
	memcpy(h->sig, r->sig, LEDGER_SIG_SIZE);
}

int ledger_head_get(struct ledger *lg, uint64_t size, struct ledger_head *out,
		    struct diag *d)
{
	struct store_ledger_head r;
	int err;

	if (!lg || !out)
		return LIA_EINVAL;
	if ((err = store_ledger_head(lg->st, size, &r, d)))
		return err;
	head_from_row(&r, out);
	return 0;
}

int ledger_sign_head(struct ledger *lg, const struct ledger_signer *signer,
		     int64_t time_ms, struct ledger_head *out, struct diag *d)
{
	uint8_t msg[LEDGER_HEAD_SIGNED_SIZE];
	struct store_ledger_head r;
	struct ledger_head h;
	int err;

	if (!lg || !signer || !signer->sign || !out || time_ms < 0)
		return LIA_EINVAL;
	if ((err = refresh(lg, d)))
		return err;
	memset(&h, 0, sizeof(h));
	h.version = LEDGER_HEAD_VERSION;
	h.size = lg->size;
	h.time_ms = time_ms ? time_ms : now_ms();
	edge_root(lg->edge, lg->size, h.root);
	memcpy(h.pk, signer->pk, LEDGER_PK_SIZE);
	ledger_head_signed_bytes(&h, msg);
	if ((err = signer->sign(signer->ctx, msg, sizeof(msg), h.sig))) {
		diag_set(d, "ledger: the signer failed: %s", err_str(err));
		return LIA_ECRYPTO;
	}
	/* A signature that does not verify would be stored for ever and
	 * fail every later check: refuse it now. */
	if (ledger_head_verify(&h, signer->pk)) {
		diag_set(d, "ledger: the signer's signature does not verify "
			    "with its public key");
		return LIA_ECRYPTO;
	}
	memset(&r, 0, sizeof(r));
	r.size = h.size;
	r.version = h.version;
	memcpy(r.root, h.root, LEDGER_HASH_SIZE);
	r.time_ms = h.time_ms;
	memcpy(r.pk, h.pk, LEDGER_PK_SIZE);
	memcpy(r.sig, h.sig, LEDGER_SIG_SIZE);
	err = store_ledger_put_head(lg->st, &r, d);
	if (err == LIA_EEXIST)
		return ledger_head_get(lg, h.size, out, d);
	if (err)
		return err;
	*out = h;
	return 0;
}

/* --- verification from scratch --------------------------------------- */

struct walk {
	struct ledger *lg;
	const uint8_t *pk;
	struct diag *d;
	uint64_t next; /* index expected next */
	uint8_t edge[LEVELS][LEDGER_HASH_SIZE];
	struct store_ledger_head *heads;
	size_t nheads, hi, cap;
	uint64_t trusted; /* size of the last head that verified */
	struct ledger_fault fault;
};

static int fault(struct walk *w, enum ledger_fault_kind kind, uint64_t index)
{
	w->fault.kind = kind;
	w->fault.index = index;
	return FOUND;
}

static int collect_head(const struct store_ledger_head *h, void *ctx)
{
	struct walk *w = ctx;

	if (w->nheads == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16, bytes;
		struct store_ledger_head *p;

		if (size_mul(cap, sizeof(*p), &bytes))
			return LIA_EOVERFLOW;
		if (!(p = realloc(w->heads, bytes)))
			return LIA_ENOMEM;
		w->heads = p;
		w->cap = cap;
	}
	w->heads[w->nheads++] = *h;
	return 0;
}

/* Check every head of the size just reached. */
static int check_heads(struct walk *w)
{
	while (w->hi < w->nheads && w->heads[w->hi].size == w->next) {
		const struct store_ledger_head *r = &w->heads[w->hi];
		struct ledger_head h;
		uint8_t root[LEDGER_HASH_SIZE];

		head_from_row(r, &h);
		edge_root(w->edge, w->next, root);
		if (sodium_memcmp(root, h.root, LEDGER_HASH_SIZE) != 0) {
			diag_set(w->d,
				 "ledger: the signed head of size %llu "
				 "does not match the entries",
				 (unsigned long long)h.size);
			return fault(w, LEDGER_FAULT_HEAD, w->trusted);
		}
		if (ledger_head_verify(&h, w->pk ? w->pk : h.pk)) {
			diag_set(w->d,
				 "ledger: the signature of the head of "
				 "size %llu does not verify",
				 (unsigned long long)h.size);
			return fault(w, LEDGER_FAULT_HEAD, w->trusted);
		}
		w->trusted = h.size;
		w->hi++;
	}
	return 0;
}

static int walk_entry(const struct store_ledger_row *r, void *ctx)
{
	struct walk *w = ctx;
	uint8_t h[LEDGER_HASH_SIZE], stored[LEDGER_HASH_SIZE];
	uint64_t idx;
	unsigned l = 0;
	int err;

	if (r->index != w->next) {
		diag_set(w->d, "ledger: entry %llu is missing",
			 (unsigned long long)w->next);
		return fault(w, LEDGER_FAULT_MISSING, w->next);
	}
	ledger_hash_leaf(r->data, r->len, h);
	if (!r->leaf_hash ||
	    sodium_memcmp(h, r->leaf_hash, LEDGER_HASH_SIZE) != 0) {
		diag_set(w->d,
			 "ledger: entry %llu does not match its leaf "
			 "hash",
			 (unsigned long long)r->index);
		return fault(w, LEDGER_FAULT_ENTRY, r->index);
	}
	idx = r->index;
	while (idx & 1) {
		ledger_hash_node(w->edge[l], h, h);
		l++;
		idx >>= 1;
		err = store_ledger_node(w->lg->st, l, idx, stored, NULL);
		if (err && err != LIA_ENOTFOUND && err != LIA_EPARSE)
			return err;
		if (err || sodium_memcmp(h, stored, LEDGER_HASH_SIZE) != 0) {
			diag_set(w->d,
				 "ledger: the stored hash of entries "
				 "%llu..%llu does not match them",
				 (unsigned long long)(idx << l),
				 (unsigned long long)(((idx + 1) << l) - 1));
			return fault(w, LEDGER_FAULT_NODE, idx << l);
		}
	}
	memcpy(w->edge[l], h, LEDGER_HASH_SIZE);
	w->next++;
	return check_heads(w);
}

int ledger_verify_all(struct ledger *lg, const uint8_t pk[LEDGER_PK_SIZE],
		      struct ledger_fault *out, struct diag *d)
{
	struct walk *w;
	uint64_t nodes_end;
	int err;

	if (!lg || !out)
		return LIA_EINVAL;
	if (!(w = calloc(1, sizeof(*w))))
		return LIA_ENOMEM;
	w->lg = lg;
	w->pk = pk;
	w->d = d;
	if ((err = store_ledger_head_each(lg->st, collect_head, w, d))) {
		if (err == LIA_EPARSE) {
			/* A head row of the wrong shape was altered. */
			fault(w, LEDGER_FAULT_HEAD, 0);
			err = 0;
			goto done;
		}
		goto out;
	}
	if ((err = check_heads(w)) ||
	    (err = store_ledger_each(lg->st, 0, walk_entry, w, d))) {
		if (err == FOUND)
			err = 0;
		goto done;
	}
	/* Entries dropped from the end leave subtrees or heads beyond. */
	if ((err = store_ledger_nodes_end(lg->st, &nodes_end, d)))
		goto out;
	if (nodes_end > w->next || w->hi < w->nheads) {
		diag_set(d, "ledger: entries from %llu on are missing",
			 (unsigned long long)w->next);
		fault(w, LEDGER_FAULT_MISSING, w->next);
		goto done;
	}
	/* The log is intact: the handle now holds the recomputed edge, and
	 * the cache is dropped, since it was read before the check. */
	memcpy(lg->edge, w->edge, sizeof(w->edge));
	upper_clear(lg);
	lg->size = w->next;
done:
	w->fault.size = w->next;
	*out = w->fault;
out:
	free(w->heads);
	free(w);
	return err;
}

/* --- reading one entry ----------------------------------------------- */

struct one_entry {
	uint64_t index;
	uint8_t *data;
	size_t len;
	bool found;
};

/* Copy the first row of the walk and stop it (FOUND). */
static int take_entry(const struct store_ledger_row *r, void *ctx)
{
	struct one_entry *o = ctx;

	if (r->index != o->index)
		return FOUND;
	if (!(o->data = malloc(r->len ? r->len : 1)))
		return LIA_ENOMEM;
	if (r->len)
		memcpy(o->data, r->data, r->len);
	o->len = r->len;
	o->found = true;
	return FOUND;
}

int ledger_entry_get(struct ledger *lg, uint64_t index, uint8_t **out,
		     size_t *len, struct diag *d)
{
	struct one_entry o = {.index = index};
	int err;

	if (!lg || !out || !len)
		return LIA_EINVAL;
	if ((err = refresh(lg, d)))
		return err;
	if (index >= lg->size) {
		diag_set(d, "ledger: no entry %llu in a log of %llu",
			 (unsigned long long)index,
			 (unsigned long long)lg->size);
		return LIA_EINVAL;
	}
	err = store_ledger_each(lg->st, index, take_entry, &o, d);
	if (err < 0) {
		free(o.data);
		return err;
	}
	if (!o.found) {
		diag_set(d, "ledger: entry %llu is missing",
			 (unsigned long long)index);
		return LIA_ENOTFOUND;
	}
	*out = o.data;
	*len = o.len;
	return 0;
}
