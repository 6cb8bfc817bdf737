/*
 * test_ledger.c - the evidence ledger: RFC 6962 hashing and proofs against
 * the transparency-dev test vectors in LIAISON_DATA/merkle, generated trees
 * checked against an independent recursive MTH, the log in the store, signed
 * heads, the JSON forms, and tampering behind the ledger's back.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "liaison/ledger.h"
#include "liaison/store.h"
#include "liaison/strbuf.h"

#define H LEDGER_HASH_SIZE

static void hex(const char *s, uint8_t *out, size_t n)
{
	size_t got = 0;

	assert_int_equal(sodium_hex2bin(out, n, s, strlen(s), NULL, &got, NULL),
			 0);
	assert_int_equal(got, n);
}

/* --- an independent reference: MTH exactly as RFC 6962 2.1 writes it -- */

static void ref_mth(const uint8_t (*leaves)[H], uint64_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k = 1;

	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], H);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	ref_mth(leaves, k, l);
	ref_mth(leaves + k, n - k, r);
	ledger_hash_node(l, r, out);
}

/* --- known values ---------------------------------------------------- */

static void test_known_values(void **state)
{
	uint8_t want[H], got[H];

	(void)state;
	hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    want, H);
	ledger_hash_empty(got);
	assert_memory_equal(got, want, H);
	assert_int_equal(ledger_root_of(NULL, 0, got), 0);
	assert_memory_equal(got, want, H);
	hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    want, H);
	ledger_hash_leaf(NULL, 0, got);
	assert_memory_equal(got, want, H);
}

/* --- the test vectors ------------------------------------------------ */

/* The eight leaves of RFC 6962's reference tests, which transparency-dev's
 * vectors are built from (its leaf hash 6e34... is that of ""). */
static const char *const rfc_leaves[8] = {
    "",
    "\x00",
    "\x10",
    "\x20\x21",
    "\x30\x31",
    "\x40\x41\x42\x43",
    "\x50\x51\x52\x53\x54\x55\x56\x57",
    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
};
static const size_t rfc_len[8] = {0, 1, 1, 2, 2, 4, 8, 16};

struct tally {
	int files, must_fail, failed_as_wanted, stand_ins, happy_regenerated;
	int parser_accepted, parser_rejected;
};

/*
 * A base64 field of a vector. Our API takes 32-byte values; the vectors
 * also hold fields that are not 32 bytes ("V3JvbmdSb290" = "WrongRoot",
 * "", "don't care 1"). The upstream verifier refuses a leaf hash of the
 * wrong length but treats roots and proof hashes as opaque byte strings
 * that are compared or hashed. So a leaf hash of the wrong length is
 * refused here (false), and another such field is stood in for by SHA-256
 * of a label and the bytes: unequal to every real hash, and equal exactly
 * when the original bytes are equal, which is all that verification can
 * depend on. The strict parser (checked below on every file) rejects all
 * of these fields outright.
 */
static bool field(json_t *v, uint8_t out[H], struct tally *t)
{
	static const char label[] = "liaison-test: not a 32-byte hash";
	uint8_t bin[256];
	size_t got = 0;
	const char *s;

	assert_true(json_is_string(v));
	s = json_string_value(v);
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), s, strlen(s), NULL,
					   &got, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	if (got == H) {
		memcpy(out, bin, H);
		return true;
	}
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof(label));
	crypto_hash_sha256_update(&st, bin, got);
	crypto_hash_sha256_final(&st, out);
	t->stand_ins++;
	return false;
}

static size_t proof_of(json_t *o, uint8_t proof[][H], struct tally *t)
{
	json_t *arr = json_object_get(o, "proof");
	size_t n;

	/* upstream writes an empty proof as null in one vector */
	if (json_is_null(arr))
		return 0;
	assert_true(json_is_array(arr));
	n = json_array_size(arr);
	assert_true(n <= LEDGER_PROOF_MAX);
	for (size_t i = 0; i < n; i++)
		field(json_array_get(arr, i), proof[i], t);
	return n;
}

/* Some vectors hold 2^64 - 1, beyond jansson's integers (int64): the
 * sizes are read from the text itself, the rest with jansson. */
static uint64_t u64_of(const char *text, const char *key)
{
	char pat[32];
	const char *p;
	size_t len = 0;
	uint64_t v;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(text, pat);
	assert_non_null(p);
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '\n')
		p++;
	while (p[len] >= '0' && p[len] <= '9')
		len++;
	assert_int_equal(str_to_u64(p, len, &v), 0);
	return v;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	assert_true(n < 65535);
	fclose(f);
	return buf;
}

/* The leaf hashes of the RFC tree. */
static void rfc_tree(uint8_t leaves[8][H])
{
	for (int i = 0; i < 8; i++)
		ledger_hash_leaf(rfc_leaves[i], rfc_len[i], leaves[i]);
}

static void check_vector(const char *path, bool inclusion, struct tally *t)
{
	static uint8_t proof[LEDGER_PROOF_MAX][H], gen[LEDGER_PROOF_MAX][H];
	uint8_t a[H], b[H], leaves[8][H];
	struct ledger_proof parsed;
	struct ledger_source src;
	struct ledger_leaves ll;
	json_error_t jerr;
	char *raw = slurp(path);
	/* Integers too big for jansson are read as reals here (and from the
	 * text by u64_of); the strict parser below sees them as they are. */
	json_t *o = json_loads(
	    raw, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
	uint64_t x, y;
	size_t n, gn;
	bool want_err, a_ok;
	char *text;
	int rc;

	if (!o)
		fail_msg("%s: %s", path, jerr.text);
	want_err = json_is_true(json_object_get(o, "wantErr"));
	assert_true(want_err || json_is_false(json_object_get(o, "wantErr")));
	x = u64_of(raw, inclusion ? "leafIdx" : "size1");
	y = u64_of(raw, inclusion ? "treeSize" : "size2");
	a_ok =
	    field(json_object_get(o, inclusion ? "leafHash" : "root1"), a, t);
	field(json_object_get(o, inclusion ? "root" : "root2"), b, t);
	n = proof_of(o, proof, t);
	if (inclusion && !a_ok)
		rc = LIA_EINVAL; /* not a leaf hash: refused at the boundary */
	else
		rc = inclusion
			 ? ledger_verify_inclusion(a, x, y, proof, n, b)
			 : ledger_verify_consistency(x, y, proof, n, a, b);
	if ((rc != 0) != want_err)
		fail_msg("%s: verification %s, the file wants %s", path,
			 rc ? "failed" : "passed",
			 want_err ? "an error" : "success");
	t->files++;
	t->must_fail += want_err;
	t->failed_as_wanted += want_err && rc;

	/* The happy paths over the RFC's leaves must be what we generate. */
	if (!want_err && y <= 8 && (inclusion ? x < y : x > 0)) {
		rfc_tree(leaves);
		ll.leaves = (const uint8_t(*)[H])leaves;
		ll.n = y;
		ledger_leaves_source(&ll, &src);
		if (inclusion)
			assert_int_equal(
			    ledger_inclusion_path(&src, x, y, gen, &gn), 0);
		else
			assert_int_equal(
			    ledger_consistency_path(&src, x, y, gen, &gn), 0);
		if (gn != n || (n && memcmp(gen, proof, n * H)))
			fail_msg("%s: our proof differs from the file's", path);
		t->happy_regenerated++;
	}

	/* The strict parser: the same document without wantErr either
	 * parses and verifies as the file says, or is rejected for a field
	 * that is not a 32-byte hash, a null proof or a size beyond 2^63. */
	json_decref(o);
	o = json_loads(raw, JSON_DECODE_INT_AS_REAL, &jerr);
	assert_non_null(o);
	json_decref(o);
	o = json_loads(raw, 0, &jerr);
	if (!o) {
		/* jansson refuses the integer: so does our parser. */
		assert_int_not_equal(
		    ledger_proof_parse(raw, strlen(raw), &parsed, NULL), 0);
		t->parser_rejected++;
		free(raw);
		return;
	}
	json_object_del(o, "wantErr");
	text = json_dumps(o, JSON_COMPACT);
	assert_non_null(text);
	if (ledger_proof_parse(text, strlen(text), &parsed, NULL) == 0) {
		t->parser_accepted++;
		assert_int_equal(ledger_proof_verify(&parsed) != 0, want_err);
	} else {
		t->parser_rejected++;
	}
	free(text);
	free(raw);
	json_decref(o);
}

static void walk(const char *dir, bool inclusion, struct tally *t)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		char p[4096];
		struct stat sb;
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);

		if (name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		assert_int_equal(stat(p, &sb), 0);
		if (S_ISDIR(sb.st_mode))
			walk(p, inclusion, t);
		else if (len > 5 && strcmp(name + len - 5, ".json") == 0)
			check_vector(p, inclusion, t);
		free(ents[i]);
	}
	free(ents);
}

static char merkle_dir[4096];

static bool have_data(void)
{
	const char *dir = getenv("LIAISON_DATA");
	struct stat sb;

	if (!dir)
		return false;
	snprintf(merkle_dir, sizeof(merkle_dir), "%s/merkle", dir);
	return stat(merkle_dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void test_vectors(void **state)
{
	struct tally ti = {0}, tc = {0};
	char p[4200];

	(void)state;
	if (!have_data()) {
		print_message("LIAISON_DATA/merkle not found: skipped\n");
		skip();
		return;
	}
	snprintf(p, sizeof(p), "%s/inclusion", merkle_dir);
	walk(p, true, &ti);
	snprintf(p, sizeof(p), "%s/consistency", merkle_dir);
	walk(p, false, &tc);
	print_message("merkle vectors: inclusion %d files (%d must fail, %d "
		      "did; %d happy paths regenerated), consistency %d "
		      "files (%d must fail, %d did; %d regenerated); %d "
		      "stand-ins for fields that are not 32-byte hashes; "
		      "strict parser accepted %d, rejected %d\n",
		      ti.files, ti.must_fail, ti.failed_as_wanted,
		      ti.happy_regenerated, tc.files, tc.must_fail,
		      tc.failed_as_wanted, tc.happy_regenerated,
		      ti.stand_ins + tc.stand_ins,
		      ti.parser_accepted + tc.parser_accepted,
		      ti.parser_rejected + tc.parser_rejected);
	assert_true(ti.files > 0 && tc.files > 0);
	assert_int_equal(ti.must_fail, ti.failed_as_wanted);
	assert_int_equal(tc.must_fail, tc.failed_as_wanted);
	assert_true(ti.happy_regenerated > 0 && tc.happy_regenerated > 0);
}

/* --- generated trees ------------------------------------------------- */

#define GEN 64

static void gen_leaves(uint8_t leaves[][H], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char s[32];
		int len = snprintf(s, sizeof(s), "entry %zu", i);

		ledger_hash_leaf(s, (size_t)len, leaves[i]);
	}
}

static void test_generated(void **state)
{
	static uint8_t leaves[GEN][H], proof[LEDGER_PROOF_MAX][H];
	uint8_t root[GEN + 1][H], r[H], bad[H];
	struct ledger_leaves ll = {.leaves = (const uint8_t(*)[H])leaves,
				   .n = GEN};
	struct ledger_source src;
	size_t n;

	(void)state;
	gen_leaves(leaves, GEN);
	ledger_leaves_source(&ll, &src);
	for (uint64_t s = 0; s <= GEN; s++) {
		ref_mth(ll.leaves, s, root[s]);
		assert_int_equal(ledger_root_of(ll.leaves, s, r), 0);
		assert_memory_equal(r, root[s], H);
		if (s) {
			assert_int_equal(ledger_subtree_hash(&src, 0, s, r), 0);
			assert_memory_equal(r, root[s], H);
		}
	}
	for (uint64_t s = 1; s <= GEN; s++) {
		for (uint64_t i = 0; i < s; i++) {
			assert_int_equal(
			    ledger_inclusion_path(&src, i, s, proof, &n), 0);
			assert_int_equal(ledger_verify_inclusion(leaves[i], i,
								 s, proof, n,
								 root[s]),
					 0);
			/* The wrong leaf or index, a damaged or a
			 * missing hash must all fail. (A wrong size may
			 * not: the root, not the proof, binds the size;
			 * that is why heads sign both.) */
			assert_int_not_equal(
			    ledger_verify_inclusion(leaves[(i + 1) % GEN], i, s,
						    proof, n, root[s]),
			    0);
			if (s > 1)
				assert_int_not_equal(ledger_verify_inclusion(
							 leaves[i], (i + 1) % s,
							 s, proof, n, root[s]),
						     0);
			if (n) {
				memcpy(bad, proof[n - 1], H);
				proof[n - 1][7] ^= 0x20;
				assert_int_not_equal(
				    ledger_verify_inclusion(leaves[i], i, s,
							    proof, n, root[s]),
				    0);
				memcpy(proof[n - 1], bad, H);
				assert_int_not_equal(
				    ledger_verify_inclusion(
					leaves[i], i, s, proof, n - 1, root[s]),
				    0);
			}
		}
	}
	for (uint64_t s1 = 1; s1 <= GEN; s1++) {
		for (uint64_t s2 = s1; s2 <= GEN; s2++) {
			assert_int_equal(
			    ledger_consistency_path(&src, s1, s2, proof, &n),
			    0);
			assert_int_equal(
			    ledger_verify_consistency(s1, s2, proof, n,
						      root[s1], root[s2]),
			    0);
			if (s1 < s2) {
				assert_int_not_equal(
				    ledger_verify_consistency(s1, s2, proof, n,
							      root[s1 - 1],
							      root[s2]),
				    0);
				assert_int_not_equal(
				    ledger_verify_consistency(s1, s2, proof, n,
							      root[s1],
							      root[s2 - 1]),
				    0);
				proof[0][0] ^= 1;
				assert_int_not_equal(
				    ledger_verify_consistency(
					s1, s2, proof, n, root[s1], root[s2]),
				    0);
			}
		}
	}
	/* Sizes outside the domain. */
	assert_int_equal(ledger_consistency_path(&src, 0, 3, proof, &n),
			 LIA_EINVAL);
	assert_int_equal(ledger_inclusion_path(&src, 3, 3, proof, &n),
			 LIA_EINVAL);
	assert_int_equal(
	    ledger_verify_consistency(0, 0, proof, 0, root[0], root[0]), 0);
	assert_int_not_equal(
	    ledger_verify_consistency(0, 0, proof, 0, root[1], root[1]), 0);
}

/* --- JSON forms ------------------------------------------------------ */

static void test_json(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"leafIdx\":0,\"treeSize\":1,\"leafHash\":\"bjQLnP+zepicpUTmu3g"
	    "KLHiQHT+zNzh2hRGjBhevoB0=\",\"root\":\"bjQLnP+zepicpUTmu3gKLHiQ"
	    "HT+zNzh2hRGjBhevoB0=\",\"proof\":[],\"x\":1}",
	    "{\"leafIdx\":-1,\"treeSize\":1,\"leafHash\":\"bjQLnP+zepicpUTmu3"
	    "gKLHiQHT+zNzh2hRGjBhevoB0=\",\"root\":\"bjQLnP+zepicpUTmu3gKLHi"
	    "QHT+zNzh2hRGjBhevoB0=\",\"proof\":[]}",
	    /* non-zero padding bits: a second spelling of the same hash */
	    "{\"leafIdx\":0,\"treeSize\":1,\"leafHash\":\"bjQLnP+zepicpUTmu3g"
	    "KLHiQHT+zNzh2hRGjBhevoB1=\",\"root\":\"bjQLnP+zepicpUTmu3gKLHiQ"
	    "HT+zNzh2hRGjBhevoB0=\",\"proof\":[]}",
	    "{\"leafIdx\":0,\"leafIdx\":0,\"treeSize\":1,\"leafHash\":\"bjQLn"
	    "P+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\",\"root\":\"bjQLnP+zep"
	    "icpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\",\"proof\":[]}",
	    "{\"size1\":1,\"size2\":2,\"root1\":\"bjQLnP+zepicpUTmu3gKLHiQHT+"
	    "zNzh2hRGjBhevoB0=\",\"root2\":\"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh"
	    "2hRGjBhevoB0=\",\"proof\":null}",
	};
	uint8_t leaves[5][H];
	struct ledger_leaves ll = {.leaves = (const uint8_t(*)[H])leaves,
				   .n = 5};
	struct ledger_source src;
	struct ledger_proof p = {0}, q;
	struct ledger_head h = {0}, h2;
	uint8_t sk[crypto_sign_SECRETKEYBYTES], msg[LEDGER_HEAD_SIGNED_SIZE];
	char *text;

	(void)state;
	gen_leaves(leaves, 5);
	ledger_leaves_source(&ll, &src);
	p.kind = LEDGER_INCLUSION;
	p.a = 3;
	p.b = 5;
	memcpy(p.hash_a, leaves[3], H);
	assert_int_equal(ledger_root_of(ll.leaves, 5, p.hash_b), 0);
	assert_int_equal(ledger_inclusion_path(&src, 3, 5, p.path, &p.n), 0);
	assert_int_equal(ledger_proof_to_json(&p, &text), 0);
	assert_int_equal(ledger_proof_parse(text, strlen(text), &q, NULL), 0);
	free(text);
	assert_int_equal(ledger_proof_verify(&q), 0);
	assert_int_equal(q.n, p.n);
	assert_memory_equal(q.path, p.path, p.n * H);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(
		    ledger_proof_parse(bad[i], strlen(bad[i]), &q, NULL), 0);

	/* A head: sign, JSON round trip, verify; any change breaks it. */
	h.version = LEDGER_HEAD_VERSION;
	h.size = 5;
	memcpy(h.root, p.hash_b, H);
	h.time_ms = 1767225600123;
	crypto_sign_keypair(h.pk, sk);
	ledger_head_signed_bytes(&h, msg);
	assert_memory_equal(msg, "liaison-ledger-tree-head\x01", 25);
	crypto_sign_detached(h.sig, NULL, msg, sizeof(msg), sk);
	assert_int_equal(ledger_head_to_json(&h, &text), 0);
	assert_int_equal(ledger_head_parse(text, strlen(text), &h2, NULL), 0);
	free(text);
	assert_memory_equal(&h2, &h, sizeof(h));
	assert_int_equal(ledger_head_verify(&h2, h.pk), 0);
	h2.time_ms++;
	assert_int_equal(ledger_head_verify(&h2, h.pk), LIA_ECRYPTO);
	h2 = h;
	h2.size = 6;
	assert_int_equal(ledger_head_verify(&h2, h.pk), LIA_ECRYPTO);
	h2 = h;
	h2.root[31] ^= 1;
	assert_int_equal(ledger_head_verify(&h2, h.pk), LIA_ECRYPTO);
	h2 = h;
	h2.pk[0] ^= 1;
	assert_int_equal(ledger_head_verify(&h2, h.pk), LIA_ECRYPTO);
	h2.version = 2;
	assert_int_equal(ledger_head_verify(&h2, h.pk), LIA_EVERSION);
}

/* --- the log in the store -------------------------------------------- */

struct fx {
	char dir[64];
	struct store *st;
	struct ledger *lg;
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct ledger_signer signer;
	uint8_t leaves[200][H];
	uint64_t n;
};

static int test_sign(void *ctx, const uint8_t *msg, size_t len,
		     uint8_t sig[LEDGER_SIG_SIZE])
{
	struct fx *f = ctx;

	return crypto_sign_detached(sig, NULL, msg, len, f->sk) ? LIA_ECRYPTO
								: 0;
}

static void entry_bytes(uint64_t i, char *buf, size_t cap, size_t *len)
{
	int k = snprintf(buf, cap, "{\"event\":\"sealed\",\"item\":%llu}",
			 (unsigned long long)i);

	*len = (size_t)k;
}

/* Append 150 entries in batches of 1, 49 and 100, signing heads at 50
 * and 150. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct store_opts o = {.create = true};
	struct ledger_head h;
	struct diag d;
	static char bufs[100][64];
	struct ledger_entry e[100];
	const size_t batches[] = {1, 49, 100};

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-ledger-XXXXXX");
	if (!mkdtemp(f->dir) || store_open(f->dir, &o, &f->st, &d) ||
	    ledger_open(f->st, &f->lg, &d))
		return -1;
	crypto_sign_keypair(f->signer.pk, f->sk);
	f->signer.sign = test_sign;
	f->signer.ctx = f;
	for (size_t b = 0; b < 3; b++) {
		uint64_t first;

		for (size_t i = 0; i < batches[b]; i++) {
			entry_bytes(f->n + i, bufs[i], sizeof(bufs[i]),
				    &e[i].len);
			e[i].data = bufs[i];
			ledger_hash_leaf(bufs[i], e[i].len,
					 f->leaves[f->n + i]);
		}
		if (ledger_append_batch(f->lg, e, batches[b], 0, &first, &d) ||
		    first != f->n) {
			fprintf(stderr, "append: %s\n", d.msg);
			return -1;
		}
		f->n += batches[b];
		if ((f->n == 50 || f->n == 150) &&
		    ledger_sign_head(f->lg, &f->signer, 0, &h, &d))
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"store.db", "store.db-wal",
					    "store.db-shm"};
	char p[128];

	ledger_close(f->lg);
	store_close(f->st);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_store_log(void **state)
{
	struct fx *f = *state;
	struct ledger_leaves ll = {.leaves = (const uint8_t(*)[H])f->leaves};
	static uint8_t proof[LEDGER_PROOF_MAX][H];
	struct ledger_source src;
	struct ledger_proof p;
	struct ledger_head h;
	struct ledger_fault flt;
	uint8_t r[H], want[H];
	struct diag d;
	size_t n;

	assert_int_equal(ledger_size(f->lg), 150);
	ledger_leaves_source(&ll, &src);
	for (uint64_t s = 1; s <= 150; s += (s < 20 ? 1 : 7)) {
		ll.n = s;
		assert_int_equal(ledger_root_of(ll.leaves, s, want), 0);
		assert_int_equal(ledger_root_at(f->lg, s, r, &d), 0);
		assert_memory_equal(r, want, H);
		for (uint64_t i = 0; i < s; i += (s < 40 ? 1 : 5)) {
			assert_int_equal(
			    ledger_prove_inclusion(f->lg, i, s, &p, &d), 0);
			assert_int_equal(ledger_proof_verify(&p), 0);
			assert_int_equal(
			    ledger_inclusion_path(&src, i, s, proof, &n), 0);
			assert_int_equal(p.n, n);
			assert_memory_equal(p.path, proof, n * H);
			assert_memory_equal(p.hash_a, f->leaves[i], H);
		}
		for (uint64_t s1 = 1; s1 <= s; s1 += 3) {
			assert_int_equal(
			    ledger_prove_consistency(f->lg, s1, s, &p, &d), 0);
			assert_int_equal(ledger_proof_verify(&p), 0);
		}
	}
	assert_int_equal(ledger_prove_inclusion(f->lg, 150, 150, &p, &d),
			 LIA_EINVAL);
	assert_int_equal(ledger_prove_inclusion(f->lg, 1, 151, &p, &d),
			 LIA_EINVAL);

	/* Heads: stored per size, signed, the latest is 150. */
	assert_int_equal(ledger_head_get(f->lg, UINT64_MAX, &h, &d), 0);
	assert_int_equal(h.size, 150);
	assert_int_equal(ledger_head_verify(&h, f->signer.pk), 0);
	assert_int_equal(ledger_head_get(f->lg, 50, &h, &d), 0);
	ll.n = 50;
	assert_int_equal(ledger_root_of(ll.leaves, 50, want), 0);
	assert_memory_equal(h.root, want, H);
	assert_int_equal(ledger_head_get(f->lg, 51, &h, &d), LIA_ENOTFOUND);

	/* A second handle (reopened) sees the same log, and its appends are
	 * seen by the first. */
	{
		struct ledger *lg2;
		struct ledger_entry e = {.data = "x", .len = 1};

		assert_int_equal(ledger_open(f->st, &lg2, &d), 0);
		assert_int_equal(ledger_size(lg2), 150);
		assert_int_equal(ledger_root_at(lg2, 150, r, &d), 0);
		assert_int_equal(ledger_root_at(f->lg, 150, want, &d), 0);
		assert_memory_equal(r, want, H);
		assert_int_equal(ledger_append_batch(lg2, &e, 1, 0, NULL, &d),
				 0);
		ledger_close(lg2);
		assert_int_equal(ledger_append_batch(f->lg, &e, 1, 0, NULL, &d),
				 0);
		assert_int_equal(ledger_size(f->lg), 152);
	}
	assert_int_equal(ledger_verify_all(f->lg, f->signer.pk, &flt, &d), 0);
	assert_int_equal(flt.kind, LEDGER_FAULT_NONE);
	assert_int_equal(flt.size, 152);
}

/* Run SQL on the store file directly, as an attacker with the file
 * would: the triggers are dropped first. */
static void attack(struct fx *f, const char *sql)
{
	char path[128];
	sqlite3 *db;
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db,
			 "DROP TRIGGER ledger_entries_no_update;"
			 "DROP TRIGGER ledger_entries_no_delete;"
			 "DROP TRIGGER ledger_nodes_no_update;"
			 "DROP TRIGGER ledger_nodes_no_delete;"
			 "DROP TRIGGER ledger_heads_no_update;"
			 "DROP TRIGGER ledger_heads_no_delete;",
			 NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("attack: %s", err ? err : "?");
	sqlite3_close(db);
}

static void expect_fault(struct fx *f, enum ledger_fault_kind kind,
			 uint64_t index)
{
	struct ledger_fault flt;
	struct diag d;

	diag_clear(&d);
	assert_int_equal(ledger_verify_all(f->lg, f->signer.pk, &flt, &d), 0);
	print_message("  verify: %s\n", d.msg);
	assert_int_equal(flt.kind, kind);
	assert_int_equal(flt.index, index);
}

static void test_triggers(void **state)
{
	struct fx *f = *state;
	char path[128];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db,
					  "UPDATE ledger_entries SET "
					  "data = x'00' WHERE idx = 3",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db,
					  "DELETE FROM ledger_entries "
					  "WHERE idx = 149",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(
	    sqlite3_exec(db, "DELETE FROM ledger_nodes", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db,
					  "UPDATE ledger_heads SET "
					  "at_ms = 0",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(db);
	expect_fault(f, LEDGER_FAULT_NONE, 0);
}

static void test_tamper_edit(void **state)
{
	struct fx *f = *state;

	attack(f, "UPDATE ledger_entries SET data = CAST('{\"event\":"
		  "\"destroyed\"}' AS BLOB) WHERE idx = 37");
	expect_fault(f, LEDGER_FAULT_ENTRY, 37);
}

static void test_tamper_edit_with_hash(void **state)
{
	struct fx *f = *state;
	uint8_t h[H];
	char sql[256], hx[2 * H + 1];

	/* The attacker also rewrites the leaf hash: the stored subtree over
	 * entries 36..37 no longer matches. */
	ledger_hash_leaf("forged", 6, h);
	sodium_bin2hex(hx, sizeof(hx), h, H);
	snprintf(sql, sizeof(sql),
		 "UPDATE ledger_entries SET data = CAST('forged' AS BLOB), "
		 "leaf_hash = x'%s' WHERE idx = 37",
		 hx);
	attack(f, sql);
	expect_fault(f, LEDGER_FAULT_NODE, 36);
}

static void test_tamper_delete(void **state)
{
	struct fx *f = *state;

	attack(f, "DELETE FROM ledger_entries WHERE idx = 88");
	expect_fault(f, LEDGER_FAULT_MISSING, 88);
}

static void test_tamper_delete_last(void **state)
{
	struct fx *f = *state;

	attack(f, "DELETE FROM ledger_entries WHERE idx = 149");
	expect_fault(f, LEDGER_FAULT_MISSING, 149);
}

static void test_tamper_renumber(void **state)
{
	struct fx *f = *state;

	/* Drop entry 60 and close the gap: every index stays dense. */
	attack(f, "DELETE FROM ledger_entries WHERE idx = 60;"
		  "UPDATE ledger_entries SET idx = idx - 1 WHERE idx > 60;");
	expect_fault(f, LEDGER_FAULT_NODE, 60);
}

static void test_tamper_swap_data(void **state)
{
	struct fx *f = *state;

	attack(f,
	       "UPDATE ledger_entries SET data = CASE idx"
	       " WHEN 20 THEN (SELECT data FROM ledger_entries WHERE idx = 41)"
	       " ELSE (SELECT data FROM ledger_entries WHERE idx = 20) END"
	       " WHERE idx IN (20, 41)");
	expect_fault(f, LEDGER_FAULT_ENTRY, 20);
}

static void test_tamper_swap_rows(void **state)
{
	struct fx *f = *state;

	/* Whole rows, leaf hashes included: the first stored subtree that
	 * holds one of them (entries 20..21) disagrees. */
	attack(f, "UPDATE ledger_entries SET idx = -1 WHERE idx = 21;"
		  "UPDATE ledger_entries SET idx = 21 WHERE idx = 41;"
		  "UPDATE ledger_entries SET idx = 41 WHERE idx = -1;");
	expect_fault(f, LEDGER_FAULT_NODE, 20);
}

static void test_tamper_head(void **state)
{
	struct fx *f = *state;

	/* A head moved to another time: its signature no longer holds. The
	 * head of size 50 still verifies, so the entries up to 50 stand. */
	attack(f, "UPDATE ledger_heads SET at_ms = at_ms + 1 WHERE size = 150");
	expect_fault(f, LEDGER_FAULT_HEAD, 50);
}

static void test_tamper_rewrite_all(void **state)
{
	struct fx *f = *state;
	struct ledger_fault flt;
	struct diag d;

	/* An attacker who rewrites the entries, leaf hashes and subtrees
	 * consistently is caught by the signed heads only, from the first
	 * head whose root changed. Simulated by dropping everything and
	 * appending different entries through the API. */
	attack(f, "DELETE FROM ledger_entries; DELETE FROM ledger_nodes;");
	{
		struct ledger *lg2;
		struct ledger_entry e[150];
		static char bufs[150][64];

		for (size_t i = 0; i < 150; i++) {
			entry_bytes(i == 70 ? 7000 : i, bufs[i],
				    sizeof(bufs[i]), &e[i].len);
			e[i].data = bufs[i];
		}
		assert_int_equal(ledger_open(f->st, &lg2, &d), 0);
		assert_int_equal(ledger_append_batch(lg2, e, 150, 0, NULL, &d),
				 0);
		ledger_close(lg2);
	}
	assert_int_equal(ledger_verify_all(f->lg, f->signer.pk, &flt, &d), 0);
	assert_int_equal(flt.kind, LEDGER_FAULT_HEAD);
	assert_int_equal(flt.index, 50);
}

/* --- the upper levels kept in memory ----------------------------------- */

#define BIG 5000 /* levels 10, 11 and 12 of the tree have stored subtrees */

struct big {
	uint8_t (*leaves)[H];
	uint64_t n;
	struct ledger *other; /* a second handle on the same store */
	int proved;	      /* what the hook's proof returned */
};

static void big_append(struct ledger *lg, struct big *b, uint64_t count,
		       uint8_t tag)
{
	static uint8_t bufs[1000][16];
	struct ledger_entry e[1000];
	struct diag d;

	while (count) {
		size_t k = count > 1000 ? 1000 : (size_t)count;

		for (size_t i = 0; i < k; i++) {
			uint64_t v = b->n + i;

			memcpy(bufs[i], &v, sizeof(v));
			memset(bufs[i] + 8, tag, 8);
			e[i].data = bufs[i];
			e[i].len = 16;
			ledger_hash_leaf(bufs[i], 16, b->leaves[b->n + i]);
		}
		assert_int_equal(ledger_append_batch(lg, e, k, 0, NULL, &d), 0);
		b->n += k;
		count -= k;
	}
}

/* Every proof the handle gives at size s is the one the leaves give. */
static void big_check(struct ledger *lg, struct big *b, uint64_t s,
		      uint64_t step)
{
	struct ledger_leaves ll = {.leaves = (const uint8_t(*)[H])b->leaves,
				   .n = s};
	static uint8_t want[LEDGER_PROOF_MAX][H];
	struct ledger_source src;
	struct ledger_proof p;
	struct diag d;
	size_t n;

	ledger_leaves_source(&ll, &src);
	for (uint64_t i = 0; i < s; i += step) {
		assert_int_equal(ledger_prove_inclusion(lg, i, s, &p, &d), 0);
		assert_int_equal(ledger_inclusion_path(&src, i, s, want, &n),
				 0);
		assert_int_equal(p.n, n);
		assert_memory_equal(p.path, want, n * H);
		assert_int_equal(ledger_proof_verify(&p), 0);
		assert_int_equal(ledger_prove_consistency(lg, i + 1, s, &p, &d),
				 0);
		assert_int_equal(
		    ledger_consistency_path(&src, i + 1, s, want, &n), 0);
		assert_int_equal(p.n, n);
		assert_memory_equal(p.path, want, n * H);
		assert_int_equal(ledger_proof_verify(&p), 0);
	}
}

/* Runs inside the append's write transaction, which is then rolled back:
 * a proof here must not put the uncommitted subtrees into the other
 * handle's memory. */
static int prove_then_fail(void *ctx, struct store *st, uint64_t first,
			   struct diag *d)
{
	struct big *b = ctx;
	struct ledger_proof p;

	(void)st;
	(void)first;
	b->proved =
	    ledger_prove_inclusion(b->other, 0, ledger_size(b->other), &p, d);
	return LIA_EINTERNAL;
}

static void test_upper_levels(void **state)
{
	char dir[64];
	struct store_opts o = {.create = true};
	struct store *st, *st2;
	struct ledger *lg, *lg2;
	struct big b = {0};
	struct diag d;
	static uint8_t rolled[2048][16];
	struct ledger_entry e[2048];
	uint8_t r[H], want[H];

	(void)state;
	assert_non_null(b.leaves = calloc(4 * BIG, H));
	snprintf(dir, sizeof(dir), "/tmp/liaison-ledger-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, &o, &st, &d), 0);
	assert_int_equal(store_open(dir, &o, &st2, &d), 0);
	assert_int_equal(ledger_open(st, &lg, &d), 0);
	assert_int_equal(ledger_open(st2, &lg2, &d), 0);

	/* The second handle (another connection, as another process)
	 * proves while the first appends: its memory of the upper levels
	 * grows with the log. */
	big_append(lg, &b, BIG, 'a');
	assert_int_equal(ledger_root_at(lg2, 0, r, &d), 0);
	assert_int_equal(ledger_size(lg2), 0);
	{
		struct ledger_head h;
		struct ledger_signer sg;
		uint8_t sk[crypto_sign_SECRETKEYBYTES];
		struct fx fxs = {0};

		/* Signing a head catches the handle up with the store. */
		crypto_sign_keypair(sg.pk, sk);
		memcpy(fxs.sk, sk, sizeof(sk));
		sg.sign = test_sign;
		sg.ctx = &fxs;
		assert_int_equal(ledger_sign_head(lg2, &sg, 0, &h, &d), 0);
		assert_int_equal(h.size, BIG);
		sodium_memzero(sk, sizeof(sk));
		sodium_memzero(fxs.sk, sizeof(fxs.sk));
	}
	big_check(lg2, &b, BIG, 97);
	big_check(lg2, &b, 3000, 301);
	big_append(lg, &b, 2 * BIG - 100, 'b');
	{
		uint8_t *x;
		size_t xl;

		/* Reading an entry also catches the handle up. */
		assert_int_equal(ledger_entry_get(lg2, b.n - 1, &x, &xl, &d),
				 0);
		free(x);
	}
	assert_int_equal(ledger_size(lg2), b.n);
	big_check(lg2, &b, b.n, 211);
	big_check(lg2, &b, BIG, 499);

	/* A proof inside a write transaction that is rolled back. */
	b.other = lg2;
	for (size_t i = 0; i < 2048; i++) {
		memset(rolled[i], 'z', 16);
		e[i].data = rolled[i];
		e[i].len = 16;
	}
	{
		struct ledger *lg3;
		uint8_t *x;
		size_t xl;

		/* A fresh handle on the appending connection, so that it
		 * sees the uncommitted rows: nothing in memory yet. */
		assert_int_equal(ledger_open(st, &lg3, &d), 0);
		b.other = lg3;
		assert_int_equal(ledger_append_with(lg, e, 2048, 0,
						    prove_then_fail, &b, NULL,
						    &d),
				 LIA_EINTERNAL);
		assert_int_equal(b.proved, 0);
		big_append(lg, &b, 2048, 'c');
		assert_int_equal(ledger_entry_get(lg3, b.n - 1, &x, &xl, &d),
				 0);
		free(x);
		big_check(lg3, &b, b.n, 389);
		ledger_close(lg3);
	}
	(void)st;
	assert_int_equal(
	    ledger_root_of((const uint8_t(*)[H])b.leaves, b.n, want), 0);
	assert_int_equal(ledger_root_at(lg, b.n, r, &d), 0);
	assert_memory_equal(r, want, H);

	ledger_close(lg2);
	ledger_close(lg);
	store_close(st2);
	store_close(st);
	{
		static const char *const names[] = {"store.db", "store.db-wal",
						    "store.db-shm"};
		char p[128];

		for (size_t i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
			unlink(p);
		}
		rmdir(dir);
	}
	free(b.leaves);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_values),
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_generated),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_upper_levels),
	    cmocka_unit_test_setup_teardown(test_store_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_triggers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_edit_with_hash, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_delete, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_delete_last, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_renumber, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_swap_data, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_swap_rows, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_rewrite_all, setup,
					    teardown),
	};
	int rc;

	if (sodium_init() < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0 && !have_data()) {
		fprintf(stderr, "LIAISON_DATA/merkle not found: the test "
				"vectors were skipped\n");
		return 77;
	}
	return rc;
}
