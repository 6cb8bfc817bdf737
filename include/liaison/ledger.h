/*
 * ledger.h - an append-only Merkle log (RFC 6962 / RFC 9162) in the store.
 *
 * Hashing is exactly RFC 6962's, with SHA-256:
 *   leaf hash  = SHA-256(0x00 || entry bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 * A tree of n entries is split at the largest power of two smaller than n,
 * so the root of a tree of a given size never changes when entries are
 * appended: that is what makes inclusion and consistency proofs possible.
 *
 * The file has three parts:
 *   1. tree maths without a store: hashing, the root of a list of leaf
 *      hashes, proof generation over any source of subtree hashes, and proof
 *      verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2);
 *   2. the log kept in the node's store (struct ledger): batched durable
 *      appends, proofs from stored subtree hashes, signed tree heads and a
 *      full verification from the entries;
 *   3. the JSON forms of proofs and tree heads, for exchange and for
 *      bundles (docs/LEDGER-FORMAT.md describes them byte by byte).
 *
 * Errors are the negative codes of error.h. Verification functions return 0
 * only when everything holds; they never say "probably".
 */
#ifndef LIAISON_LEDGER_H
#define LIAISON_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/store.h"

#define LEDGER_HASH_SIZE 32 /* SHA-256 */
#define LEDGER_SIG_SIZE 64  /* Ed25519 */
#define LEDGER_PK_SIZE 32   /* Ed25519 public key */
/* Sizes and indexes are below 2^63 (SQLite integers are signed), so an
 * inclusion proof has at most 63 hashes and a consistency proof at most 64
 * (one per level plus the first tree's own root). 64 bounds both. */
#define LEDGER_PROOF_MAX 64
#define LEDGER_SIZE_MAX ((uint64_t)INT64_MAX)
#define LEDGER_ENTRY_MAX ((size_t)16 << 20) /* bytes of one entry */
#define LEDGER_BATCH_MAX 100000		    /* entries of one batch */
#define LEDGER_JSON_MAX 16384 /* bytes of a proof or head in JSON */
#define LEDGER_HEAD_VERSION 1
/* The bytes an Ed25519 tree-head signature covers: the context string
 * "liaison-ledger-tree-head" (24 bytes), version (1 byte), size (8 bytes,
 * big-endian), root (32 bytes), time in ms since 1970 UTC (8 bytes,
 * big-endian). */
#define LEDGER_HEAD_SIGNED_SIZE 73

/* --- 1. tree maths --------------------------------------------------- */

/* SHA-256(0x00 || data). len may be 0 (data may then be NULL). */
void ledger_hash_leaf(const void *data, size_t len,
		      uint8_t out[LEDGER_HASH_SIZE]);
/* SHA-256(0x01 || left || right). out may alias left or right. */
void ledger_hash_node(const uint8_t left[LEDGER_HASH_SIZE],
		      const uint8_t right[LEDGER_HASH_SIZE],
		      uint8_t out[LEDGER_HASH_SIZE]);
/* The root of the empty tree, SHA-256(""). */
void ledger_hash_empty(uint8_t out[LEDGER_HASH_SIZE]);

/* Root of the tree whose leaf hashes are leaves[0..n). n = 0 gives the
 * empty root. Errors: LIA_EINVAL (leaves NULL with n > 0, n too big),
 * LIA_ENOMEM. */
int ledger_root_of(const uint8_t (*leaves)[LEDGER_HASH_SIZE], uint64_t n,
		   uint8_t out[LEDGER_HASH_SIZE]);

/*
 * A source of complete subtree hashes: get(ctx, level, index, out) writes
 * the hash of the perfect subtree over leaves [index * 2^level,
 * (index + 1) * 2^level); level 0 is a leaf hash. Proof generation asks
 * only for subtrees that lie inside the tree it proves. A store keeps these
 * (struct ledger); ledger_leaves_source() makes one from leaf hashes alone.
 */
struct ledger_source {
	int (*get)(void *ctx, unsigned level, uint64_t index,
		   uint8_t out[LEDGER_HASH_SIZE]);
	void *ctx;
};

/* Leaf hashes in memory, as a source: interior subtrees are computed from
 * the leaves on demand (O(2^level) per call, fine for tests and small
 * trees). The source borrows leaves, which must outlive it. */
struct ledger_leaves {
	const uint8_t (*leaves)[LEDGER_HASH_SIZE];
	uint64_t n;
};
void ledger_leaves_source(struct ledger_leaves *l, struct ledger_source *out);

/* Hash of the subtree over leaves [begin, end) as RFC 6962 defines it
 * (MTH(D[begin:end])), for begin < end, built from complete subtrees
 * of src. begin must be a multiple of the largest power of two not above
 * end - begin, which holds for every subtree the RFC's recursion visits. */
int ledger_subtree_hash(const struct ledger_source *src, uint64_t begin,
			uint64_t end, uint8_t out[LEDGER_HASH_SIZE]);

/* The audit path of leaf index in the tree of the first size leaves
 * (RFC 9162 2.1.3.1), bottom first, into proof[0..*n). proof has room for
 * LEDGER_PROOF_MAX hashes. Errors: LIA_EINVAL (index >= size, size too
 * big), or whatever src->get returned. */
int ledger_inclusion_path(const struct ledger_source *src, uint64_t index,
			  uint64_t size, uint8_t proof[][LEDGER_HASH_SIZE],
			  size_t *n);

/* The consistency proof between the trees of the first size1 and size2
 * leaves (RFC 9162 2.1.4.1), 0 < size1 <= size2; empty when size1 ==
 * size2. Errors: LIA_EINVAL (sizes out of range), or src->get's. */
int ledger_consistency_path(const struct ledger_source *src, uint64_t size1,
			    uint64_t size2, uint8_t proof[][LEDGER_HASH_SIZE],
			    size_t *n);

/*
 * Does proof[0..n) prove that leaf_hash is leaf index of the tree of size
 * leaves with root? (RFC 9162 2.1.3.2.) Returns 0 if it does; LIA_EINVAL
 * when the arguments cannot describe a valid proof (index >= size, n >
 * LEDGER_PROOF_MAX, NULL pointers) and LIA_ECRYPTO when the proof does not
 * lead to root. The comparison of the root is constant-time.
 */
int ledger_verify_inclusion(const uint8_t leaf_hash[LEDGER_HASH_SIZE],
			    uint64_t index, uint64_t size,
			    const uint8_t proof[][LEDGER_HASH_SIZE], size_t n,
			    const uint8_t root[LEDGER_HASH_SIZE]);

/*
 * Does proof[0..n) prove that the tree of size2 leaves with root2 extends
 * the tree of size1 leaves with root1? (RFC 9162 2.1.4.2.) Equal sizes need
 * an empty proof and equal roots, and size 0 the empty tree's root. A
 * consistency proof from the empty tree (0 = size1 < size2) proves nothing
 * and is refused, as is size1 > size2 (LIA_EINVAL). Returns 0 if the proof
 * holds, LIA_EINVAL or LIA_ECRYPTO (the proof does not hold) otherwise.
 */
int ledger_verify_consistency(uint64_t size1, uint64_t size2,
			      const uint8_t proof[][LEDGER_HASH_SIZE], size_t n,
			      const uint8_t root1[LEDGER_HASH_SIZE],
			      const uint8_t root2[LEDGER_HASH_SIZE]);

/* --- proofs and tree heads as values -------------------------------- */

enum ledger_proof_kind { LEDGER_INCLUSION = 1, LEDGER_CONSISTENCY = 2 };

/* A proof with everything its verifier needs. For an inclusion proof a is
 * the leaf index, b the tree size, hash_a the leaf hash and hash_b the
 * root; for a consistency proof a and b are the two sizes and hash_a and
 * hash_b their roots. */
struct ledger_proof {
	enum ledger_proof_kind kind;
	uint64_t a, b;
	uint8_t hash_a[LEDGER_HASH_SIZE];
	uint8_t hash_b[LEDGER_HASH_SIZE];
	size_t n;
	uint8_t path[LEDGER_PROOF_MAX][LEDGER_HASH_SIZE];
};

/* Verify a proof value: ledger_verify_inclusion or _consistency. */
int ledger_proof_verify(const struct ledger_proof *p);

/* A signed tree head: the log had size entries with this root at time_ms
 * (ms since 1970 UTC), signed by the Ed25519 key pk. */
struct ledger_head {
	int version; /* LEDGER_HEAD_VERSION */
	uint64_t size;
	uint8_t root[LEDGER_HASH_SIZE];
	int64_t time_ms;
	uint8_t pk[LEDGER_PK_SIZE];
	uint8_t sig[LEDGER_SIG_SIZE];
};

/* The LEDGER_HEAD_SIGNED_SIZE bytes the signature covers. */
void ledger_head_signed_bytes(const struct ledger_head *h,
			      uint8_t out[LEDGER_HEAD_SIGNED_SIZE]);

/* Check h's signature with the key the caller trusts (a pinned card's
 * sign_pk), not the one h names: h->pk must equal pk as well. Returns 0,
 * LIA_EVERSION (unknown version) or LIA_ECRYPTO. */
int ledger_head_verify(const struct ledger_head *h,
		       const uint8_t pk[LEDGER_PK_SIZE]);

/*
 * Who signs tree heads. The log holds no keys: the node hands it a signer
 * backed by its identity. sign writes the Ed25519 signature of msg[0..len)
 * into sig and returns 0 or a negative code; pk is the matching public key.
 */
struct ledger_signer {
	int (*sign)(void *ctx, const uint8_t *msg, size_t len,
		    uint8_t sig[LEDGER_SIG_SIZE]);
	void *ctx;
	uint8_t pk[LEDGER_PK_SIZE];
};

/* --- JSON forms (docs/LEDGER-FORMAT.md) ------------------------------ */

/* Compact JSON of a proof or head; the caller frees *out with free().
 * Errors: LIA_EINVAL, LIA_ENOMEM. */
int ledger_proof_to_json(const struct ledger_proof *p, char **out);
int ledger_head_to_json(const struct ledger_head *h, char **out);

/* Parse untrusted bytes. Strict: one JSON object with exactly the fields
 * of its kind (plus an optional "desc" string, ignored), integers in range,
 * standard padded base64 of exactly 32 (64 for sig) bytes, at most
 * LEDGER_PROOF_MAX proof hashes. Parsing does not verify. Errors:
 * LIA_ETOOBIG (len > LEDGER_JSON_MAX), LIA_EPARSE (reason in d),
 * LIA_EVERSION (head of a newer version). */
int ledger_proof_parse(const void *bytes, size_t len, struct ledger_proof *out,
		       struct diag *d);
int ledger_head_parse(const void *bytes, size_t len, struct ledger_head *out,
		      struct diag *d);

/* --- framed entries ---------------------------------------------------
 *
 * The entries liaison itself writes (users, custody events, the audit
 * trail) are framed so that a verifier can take them apart without the
 * node: "LIE1" (4 bytes), the length of the document (4 bytes, big-endian),
 * the document (canonical JSON, at most LEDGER_DOC_MAX bytes), then either
 * nothing or a 64-byte Ed25519 signature. A signature covers
 * LEDGER_SIG_CONTEXT (including its final NUL byte) followed by the
 * document, so that a user's key signing an entry cannot be made to sign
 * anything else with the same bytes.
 */
#define LEDGER_FRAME_MAGIC "LIE1"
#define LEDGER_FRAME_HDR 8
#define LEDGER_DOC_MAX ((size_t)1 << 20)
#define LEDGER_SIG_CONTEXT "liaison-entry-v1"

/* Frame doc[0..len) and sig (NULL for an unsigned entry) into *out
 * (malloc'd; free()), *out_len its length. Errors: LIA_EINVAL, LIA_ETOOBIG
 * (len > LEDGER_DOC_MAX), LIA_ENOMEM. */
int ledger_frame(const void *doc, size_t len, const uint8_t *sig, uint8_t **out,
		 size_t *out_len);
/* Take a framed entry apart: *doc points into e (borrowed), *sig is NULL
 * for an unsigned entry. Strict: magic, length in bounds, nothing but
 * 0 or 64 bytes after the document. Errors: LIA_EPARSE (reason in d). */
int ledger_unframe(const uint8_t *e, size_t len, const uint8_t **doc,
		   size_t *doc_len, const uint8_t **sig, struct diag *d);
/* The bytes a framed entry's signature covers: the context string with its
 * NUL, then the document, into *out (malloc'd). Errors: LIA_ETOOBIG,
 * LIA_ENOMEM. */
int ledger_sig_message(const void *doc, size_t len, uint8_t **out,
		       size_t *out_len);
/* Check an entry's signature with pk. Returns 0 or LIA_ECRYPTO. */
int ledger_sig_verify(const uint8_t pk[LEDGER_PK_SIZE], const void *doc,
		      size_t len, const uint8_t sig[LEDGER_SIG_SIZE]);

/* --- 2. the log in the store ----------------------------------------- */

struct ledger;

/* Open the log kept in st (which must stay open until ledger_close). The
 * handle caches the size and the right edge of the tree; it belongs to one
 * thread at a time, like the store handle. Errors: LIA_ESTORE, LIA_ENOMEM,
 * LIA_EINTERNAL (a stored subtree the right edge needs is missing: run
 * ledger_verify_all). */
int ledger_open(struct store *st, struct ledger **out, struct diag *d);
void ledger_close(struct ledger *lg); /* lg may be NULL */

/* Entries in the log (as of the last open, append or verify). */
uint64_t ledger_size(const struct ledger *lg);

struct ledger_entry {
	const void *data; /* borrowed; len may be 0 */
	size_t len;	  /* at most LEDGER_ENTRY_MAX */
};

/* Append n entries (1..LEDGER_BATCH_MAX) in one transaction, stamped
 * time_ms (0 = now). When it returns 0 the batch is durable (the WAL is
 * synced at commit) and *first (may be NULL) is the index of the first.
 * On error nothing is stored. Errors: LIA_EINVAL, LIA_ETOOBIG, LIA_EBUSY,
 * LIA_ESTORE, LIA_ENOMEM. */
int ledger_append_batch(struct ledger *lg, const struct ledger_entry *e,
			size_t n, int64_t time_ms, uint64_t *first,
			struct diag *d);

/* ledger_append_batch with the caller's own rows in the same transaction:
 * after the entries are written and before the commit, hook(ctx, st,
 * first, d) runs with the store inside the open ledger transaction and the
 * index of the first entry; it may read and write (store functions that
 * say they run inside a ledger transaction). A non-zero return of hook
 * rolls back everything, entries included, and is returned. hook may be
 * NULL. */
int ledger_append_with(struct ledger *lg, const struct ledger_entry *e,
		       size_t n, int64_t time_ms,
		       int (*hook)(void *ctx, struct store *st, uint64_t first,
				   struct diag *d),
		       void *ctx, uint64_t *first, struct diag *d);

/*
 * Append one entry inside a write transaction the caller holds on st (a
 * store audit hook runs in one): the size and right edge are read from the
 * store, so any ledger handle notices the entry once it is committed, and
 * nothing is kept if the caller rolls back. *index (may be NULL) is the
 * entry's index. Errors: as ledger_append_batch.
 */
int ledger_append_inside(struct store *st, const struct ledger_entry *e,
			 int64_t time_ms, uint64_t *index, struct diag *d);

/*
 * The exchange's audit trail in the ledger: a store audit hook
 * (store_set_audit_hook) that appends every audit row as an unsigned
 * framed entry whose document is canonical JSON
 * {"action","actor","at","detail","object","time_ms","type":"audit","v":1}
 * (docs/LEDGER-FORMAT.md). ctx is unused.
 */
#define LEDGER_AUDIT_VERSION 1
int ledger_audit_hook(void *ctx, struct store *st,
		      const struct store_audit_row *row, struct diag *d);

/* The entry bytes of one stored index into *out (malloc'd; free()) and its
 * length into *len. Errors: LIA_EINVAL (index beyond the log),
 * LIA_ENOTFOUND, LIA_ESTORE, LIA_ENOMEM. */
int ledger_entry_get(struct ledger *lg, uint64_t index, uint8_t **out,
		     size_t *len, struct diag *d);

/* Root of the tree of the first size entries (size <= ledger_size). */
int ledger_root_at(struct ledger *lg, uint64_t size,
		   uint8_t out[LEDGER_HASH_SIZE], struct diag *d);

/* Proofs from the stored subtree hashes: O(log n) lookups. The proof is
 * complete (sizes, hashes, roots), ready for ledger_proof_verify or
 * ledger_proof_to_json. Errors: LIA_EINVAL (out of range), LIA_ESTORE. */
int ledger_prove_inclusion(struct ledger *lg, uint64_t index, uint64_t size,
			   struct ledger_proof *out, struct diag *d);
int ledger_prove_consistency(struct ledger *lg, uint64_t size1, uint64_t size2,
			     struct ledger_proof *out, struct diag *d);

/* Sign the head at the current size with time_ms (0 = now), check the
 * signature, store it (one head per size: signing a size again returns
 * the stored head unchanged) and return it in *out. Errors: LIA_ECRYPTO
 * (the signer failed or its signature does not verify with its pk),
 * LIA_ESTORE, LIA_EBUSY. */
int ledger_sign_head(struct ledger *lg, const struct ledger_signer *signer,
		     int64_t time_ms, struct ledger_head *out, struct diag *d);

/* The stored head of one size, or of the largest size when size is
 * UINT64_MAX. LIA_ENOTFOUND when there is none. */
int ledger_head_get(struct ledger *lg, uint64_t size, struct ledger_head *out,
		    struct diag *d);

/* What ledger_verify_all found. */
enum ledger_fault_kind {
	LEDGER_FAULT_NONE = 0,
	LEDGER_FAULT_ENTRY,   /* entry bytes do not hash to its leaf hash */
	LEDGER_FAULT_MISSING, /* an index is missing (dropped or renumbered) */
	LEDGER_FAULT_NODE,    /* a stored subtree hash disagrees */
	LEDGER_FAULT_HEAD,    /* a signed head's root or signature is bad */
};
struct ledger_fault {
	enum ledger_fault_kind kind;
	/* The first index known bad. For LEDGER_FAULT_NODE it is the first
	 * leaf of the smallest stored subtree that disagrees (the damage is
	 * inside it); for LEDGER_FAULT_HEAD the first leaf that a head
	 * commits to and that cannot be trusted any more. */
	uint64_t index;
	uint64_t size; /* entries checked (the log's size when all is well) */
};

/*
 * Recompute everything from the entries: each leaf hash from the entry's
 * bytes, each stored subtree hash, each signed head's root and signature
 * (with pk when it is not NULL, else the key stored with the head). Stops
 * at the first fault. Returns 0 when the check ran, with *fault saying
 * what it found (kind LEDGER_FAULT_NONE: the log is intact; otherwise the
 * reason is in d too), or a negative code when it could not check
 * (LIA_ESTORE, LIA_ENOMEM); a caller must look at fault->kind.
 */
int ledger_verify_all(struct ledger *lg, const uint8_t pk[LEDGER_PK_SIZE],
		      struct ledger_fault *fault, struct diag *d);

#endif
