/*
 * tree.c - RFC 6962 / RFC 9162 Merkle tree maths, with no store.
 *
 * Written from the RFCs' definitions: MTH (RFC 9162 2.1.1), PATH (2.1.3.1),
 * SUBPROOF (2.1.4.1) and the two verification algorithms (2.1.3.2 and
 * 2.1.4.2). The recursive definitions are walked iteratively from the top
 * down, collecting the proof hashes in the order the recursion would add
 * them last, and reversed at the end, so no recursion depth depends on the
 * input.
 */
#include <string.h>

#include <sodium.h>

#include "liaison/ledger.h"

/* The largest power of two strictly below n, for n >= 2: RFC 6962's k. */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* The largest power of two not above n, for n >= 1. */
static uint64_t pow2_floor(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n));
}

void ledger_hash_leaf(const void *data, size_t len,
		      uint8_t out[LEDGER_HASH_SIZE])
{
	static const uint8_t prefix = 0x00;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void ledger_hash_node(const uint8_t left[LEDGER_HASH_SIZE],
		      const uint8_t right[LEDGER_HASH_SIZE],
		      uint8_t out[LEDGER_HASH_SIZE])
{
	uint8_t buf[1 + 2 * LEDGER_HASH_SIZE];

	/* Copied first so that out may alias an input. */
	buf[0] = 0x01;
	memcpy(buf + 1, left, LEDGER_HASH_SIZE);
	memcpy(buf + 1 + LEDGER_HASH_SIZE, right, LEDGER_HASH_SIZE);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

void ledger_hash_empty(uint8_t out[LEDGER_HASH_SIZE])
{
	crypto_hash_sha256(out, NULL, 0);
}

int ledger_root_of(const uint8_t (*leaves)[LEDGER_HASH_SIZE], uint64_t n,
		   uint8_t out[LEDGER_HASH_SIZE])
{
	/* A stack of complete subtrees, strictly decreasing in height from
	 * the bottom: the binary digits of the number of leaves seen. */
	uint8_t stack[64][LEDGER_HASH_SIZE];
	unsigned height[64];
	size_t top = 0;
	uint8_t r[LEDGER_HASH_SIZE];

	if (!out || (n && !leaves) || n > LEDGER_SIZE_MAX)
		return LIA_EINVAL;
	if (n == 0) {
		ledger_hash_empty(out);
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		memcpy(stack[top], leaves[i], LEDGER_HASH_SIZE);
		height[top++] = 0;
		while (top >= 2 && height[top - 1] == height[top - 2]) {
			ledger_hash_node(stack[top - 2], stack[top - 1],
					 stack[top - 2]);
			height[top - 2]++;
			top--;
		}
	}
	/* MTH splits at the largest power of two, so the remaining subtrees
	 * join from the right: H(s0, H(s1, H(s2, ...))). */
	memcpy(r, stack[top - 1], LEDGER_HASH_SIZE);
	for (size_t j = top - 1; j-- > 0;)
		ledger_hash_node(stack[j], r, r);
	memcpy(out, r, LEDGER_HASH_SIZE);
	return 0;
}

/* The leaves source: a perfect subtree is hashed from its leaves with the
 * same stack as ledger_root_of (its leaf count is a power of two, so the
 * stack ends with one entry). */
static int leaves_get(void *ctx, unsigned level, uint64_t index,
		      uint8_t out[LEDGER_HASH_SIZE])
{
	const struct ledger_leaves *l = ctx;
	uint64_t width, begin;

	if (level > 62)
		return LIA_EINVAL;
	width = (uint64_t)1 << level;
	/* Inside the leaves: (index + 1) * width <= n, without overflow. */
	if (width > l->n || index > (l->n - width) / width)
		return LIA_EINVAL;
	begin = index * width;
	return ledger_root_of(l->leaves + begin, width, out);
}

void ledger_leaves_source(struct ledger_leaves *l, struct ledger_source *out)
{
	out->get = leaves_get;
	out->ctx = l;
}

int ledger_subtree_hash(const struct ledger_source *src, uint64_t begin,
			uint64_t end, uint8_t out[LEDGER_HASH_SIZE])
{
	uint8_t parts[64][LEDGER_HASH_SIZE];
	size_t np = 0;
	uint64_t pos = begin, k;
	int err;

	if (!src || !src->get || begin >= end)
		return LIA_EINVAL;
	/* MTH(D[begin:end]) is H(MTH of the first k leaves, MTH of the
	 * rest) with k the largest power of two below the width; unrolled,
	 * the range is its complete subtrees of decreasing size (the binary
	 * digits of the width) joined from the right. */
	k = pow2_floor(end - begin);
	if (begin % k)
		return LIA_EINVAL;
	while (pos < end) {
		unsigned level;

		k = pow2_floor(end - pos);
		level = (unsigned)__builtin_ctzll(k);
		if ((err = src->get(src->ctx, level, pos >> level, parts[np])))
			return err;
		np++;
		pos += k;
	}
	for (size_t j = np - 1; j-- > 0;)
		ledger_hash_node(parts[j], parts[np - 1], parts[np - 1]);
	memcpy(out, parts[np - 1], LEDGER_HASH_SIZE);
	return 0;
}

static void reverse(uint8_t proof[][LEDGER_HASH_SIZE], size_t n)
{
	uint8_t t[LEDGER_HASH_SIZE];

	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		memcpy(t, proof[i], LEDGER_HASH_SIZE);
		memcpy(proof[i], proof[j - 1], LEDGER_HASH_SIZE);
		memcpy(proof[j - 1], t, LEDGER_HASH_SIZE);
	}
}

int ledger_inclusion_path(const struct ledger_source *src, uint64_t index,
			  uint64_t size, uint8_t proof[][LEDGER_HASH_SIZE],
			  size_t *n)
{
	uint8_t tmp[LEDGER_PROOF_MAX][LEDGER_HASH_SIZE];
	uint64_t lo = 0, hi = size;
	size_t k = 0;
	int err;

	if (!src || !proof || !n || index >= size || size > LEDGER_SIZE_MAX)
		return LIA_EINVAL;
	/* PATH(m, D[lo:hi]): the sibling subtree of the half holding m goes
	 * after the path inside that half. */
	while (hi - lo > 1) {
		uint64_t mid = lo + split_point(hi - lo);

		if (k == LEDGER_PROOF_MAX)
			return LIA_EINTERNAL;
		if (index < mid) {
			err = ledger_subtree_hash(src, mid, hi, tmp[k]);
			hi = mid;
		} else {
			err = ledger_subtree_hash(src, lo, mid, tmp[k]);
			lo = mid;
		}
		if (err)
			return err;
		k++;
	}
	reverse(tmp, k);
	memcpy(proof, tmp, k * LEDGER_HASH_SIZE);
	*n = k;
	return 0;
}

int ledger_consistency_path(const struct ledger_source *src, uint64_t size1,
			    uint64_t size2, uint8_t proof[][LEDGER_HASH_SIZE],
			    size_t *n)
{
	uint8_t tmp[LEDGER_PROOF_MAX][LEDGER_HASH_SIZE];
	uint64_t lo = 0, hi = size2;
	bool whole = true; /* SUBPROOF's b: still on the left edge */
	size_t k = 0;
	int err;

	if (!src || !proof || !n || size1 == 0 || size1 > size2 ||
	    size2 > LEDGER_SIZE_MAX)
		return LIA_EINVAL;
	for (;;) {
		uint64_t mid;

		if (k == LEDGER_PROOF_MAX)
			return LIA_EINTERNAL;
		if (size1 == hi) {
			/* m = n: the old tree's subtree itself, unless the
			 * verifier already has it as the old root. */
			if (!whole) {
				if ((err = ledger_subtree_hash(src, lo, hi,
							       tmp[k])))
					return err;
				k++;
			}
			break;
		}
		mid = lo + split_point(hi - lo);
		if (size1 <= mid) {
			err = ledger_subtree_hash(src, mid, hi, tmp[k]);
			hi = mid;
		} else {
			err = ledger_subtree_hash(src, lo, mid, tmp[k]);
			lo = mid;
			whole = false;
		}
		if (err)
			return err;
		k++;
	}
	reverse(tmp, k);
	memcpy(proof, tmp, k * LEDGER_HASH_SIZE);
	*n = k;
	return 0;
}

static bool hash_eq(const uint8_t a[LEDGER_HASH_SIZE],
		    const uint8_t b[LEDGER_HASH_SIZE])
{
	return sodium_memcmp(a, b, LEDGER_HASH_SIZE) == 0;
}

int ledger_verify_inclusion(const uint8_t leaf_hash[LEDGER_HASH_SIZE],
			    uint64_t index, uint64_t size,
			    const uint8_t proof[][LEDGER_HASH_SIZE], size_t n,
			    const uint8_t root[LEDGER_HASH_SIZE])
{
	uint8_t r[LEDGER_HASH_SIZE];
	uint64_t fn, sn;

	if (!leaf_hash || !root || (n && !proof) || n > LEDGER_PROOF_MAX)
		return LIA_EINVAL;
	if (index >= size)
		return LIA_EINVAL;
	/* RFC 9162 2.1.3.2, step by step: fn walks the leaf's position up
	 * the tree and sn the last leaf's, so fn == sn means the right edge,
	 * where a level may have no right sibling. */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, LEDGER_HASH_SIZE);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return LIA_ECRYPTO; /* more hashes than levels */
		if ((fn & 1) || fn == sn) {
			ledger_hash_node(proof[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ledger_hash_node(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_eq(r, root))
		return LIA_ECRYPTO;
	return 0;
}

int ledger_verify_consistency(uint64_t size1, uint64_t size2,
			      const uint8_t proof[][LEDGER_HASH_SIZE], size_t n,
			      const uint8_t root1[LEDGER_HASH_SIZE],
			      const uint8_t root2[LEDGER_HASH_SIZE])
{
	uint8_t fr[LEDGER_HASH_SIZE], sr[LEDGER_HASH_SIZE];
	uint8_t empty[LEDGER_HASH_SIZE];
	uint64_t fn, sn;
	size_t i;
	bool prepend;

	if (!root1 || !root2 || (n && !proof) || n > LEDGER_PROOF_MAX)
		return LIA_EINVAL;
	if (size1 > size2)
		return LIA_EINVAL;
	if (size1 == size2) {
		/* The same tree: nothing to prove, and a proof that says
		 * something anyway is malformed. The empty tree has one
		 * possible root. */
		if (n != 0 || !hash_eq(root1, root2))
			return LIA_ECRYPTO;
		ledger_hash_empty(empty);
		if (size1 == 0 && !hash_eq(root1, empty))
			return LIA_ECRYPTO;
		return 0;
	}
	if (size1 == 0)
		return LIA_EINVAL; /* every tree extends the empty one */
	if (n == 0)
		return LIA_ECRYPTO;

	/* RFC 9162 2.1.4.2. When size1 is a power of two the old root is a
	 * node of the new tree and the proof leaves it out: the verifier
	 * puts it in front (prepend), here by indexing instead of copying. */
	prepend = (size1 & (size1 - 1)) == 0;
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, prepend ? root1 : proof[0], LEDGER_HASH_SIZE);
	memcpy(sr, fr, LEDGER_HASH_SIZE);
	for (i = prepend ? 0 : 1; i < n; i++) {
		const uint8_t *c = proof[i];

		if (sn == 0)
			return LIA_ECRYPTO;
		if ((fn & 1) || fn == sn) {
			ledger_hash_node(c, fr, fr);
			ledger_hash_node(c, sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ledger_hash_node(sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_eq(fr, root1) || !hash_eq(sr, root2))
		return LIA_ECRYPTO;
	return 0;
}

int ledger_proof_verify(const struct ledger_proof *p)
{
	if (!p)
		return LIA_EINVAL;
	if (p->kind == LEDGER_INCLUSION)
		return ledger_verify_inclusion(p->hash_a, p->a, p->b, p->path,
					       p->n, p->hash_b);
	if (p->kind == LEDGER_CONSISTENCY)
		return ledger_verify_consistency(p->a, p->b, p->path, p->n,
						 p->hash_a, p->hash_b);
	return LIA_EINVAL;
}
