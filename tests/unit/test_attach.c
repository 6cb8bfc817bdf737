/* test_attach.c - streamed attachment encryption: round trips, framing,
 * truncation, modification, reordering, and streaming from a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "liaison/attach.h"
#include "liaison/node.h"

#define CHUNK_CT (ATTACH_CHUNK + ATTACH_CHUNK_OVERHEAD)

/* Deterministic test data, so a failure can be reproduced. */
static uint8_t *make_data(size_t n)
{
	static const uint8_t seed[randombytes_SEEDBYTES] = {42};
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	randombytes_buf_deterministic(p, n, seed);
	return p;
}

static FILE *file_of(const uint8_t *p, size_t n)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	rewind(f);
	return f;
}

static uint8_t *slurp(FILE *f, size_t *n)
{
	long end;
	uint8_t *p;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	end = ftell(f);
	assert_true(end >= 0);
	rewind(f);
	p = malloc((size_t)end + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)end, f), (size_t)end);
	*n = (size_t)end;
	return p;
}

/* Encrypt n bytes of data; return the ciphertext and its descriptor. */
static uint8_t *encrypt(const uint8_t *data, size_t n, struct attach_desc *a,
			size_t *ct_len)
{
	FILE *in = file_of(data, n), *out = tmpfile();
	struct diag d;
	uint8_t *ct;

	diag_clear(&d);
	assert_non_null(out);
	if (attach_encrypt(in, out, "report 2024.pdf", "application/pdf", a,
			   &d))
		fail_msg("encrypt: %s", d.msg);
	ct = slurp(out, ct_len);
	fclose(in);
	fclose(out);
	return ct;
}

/* Decrypt ciphertext bytes; on success *plain and *plain_len hold the result.
 */
static int decrypt(const uint8_t *ct, size_t ct_len,
		   const struct attach_desc *a, uint8_t **plain,
		   size_t *plain_len, struct diag *d)
{
	FILE *in = file_of(ct, ct_len), *out = tmpfile();
	int rc;

	assert_non_null(out);
	rc = attach_decrypt(in, out, a, d);
	if (!rc && plain)
		*plain = slurp(out, plain_len);
	fclose(in);
	fclose(out);
	return rc;
}

static void round_trip_5mb(void **state)
{
	size_t n = 5 * 1000 * 1000 + 123, ct_len, plain_len;
	uint8_t *data = make_data(n), *ct, *plain = NULL;
	uint8_t sha[32];
	struct attach_desc a;
	struct diag d;

	(void)state;
	ct = encrypt(data, n, &a, &ct_len);
	assert_string_equal(a.name, "report 2024.pdf");
	assert_string_equal(a.media_type, "application/pdf");
	assert_int_equal(a.size, n);
	crypto_hash_sha256(sha, data, n);
	assert_memory_equal(a.sha256, sha, 32);
	/* Chunked as specified: prefix, full chunks, one short FINAL. */
	assert_int_equal(ct_len, attach_encrypted_size(n));
	assert_int_equal(ct_len,
			 ATTACH_PREFIX_BYTES + n +
			     (n / ATTACH_CHUNK + 1) * ATTACH_CHUNK_OVERHEAD);
	diag_clear(&d);
	assert_int_equal(decrypt(ct, ct_len, &a, &plain, &plain_len, &d), 0);
	assert_int_equal(plain_len, n);
	assert_memory_equal(plain, data, n);
	free(plain);
	attach_desc_wipe(&a);
	free(ct);
	free(data);
}

static void boundaries(void **state)
{
	const size_t sizes[] = {0,
				1,
				ATTACH_CHUNK - 1,
				ATTACH_CHUNK,
				2 * ATTACH_CHUNK,
				2 * ATTACH_CHUNK + 1};
	struct attach_desc a;
	struct diag d;

	(void)state;
	diag_clear(&d);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *data = make_data(sizes[i]), *ct, *plain = NULL;
		size_t ct_len, plain_len;

		ct = encrypt(data, sizes[i], &a, &ct_len);
		assert_int_equal(ct_len, attach_encrypted_size(sizes[i]));
		assert_int_equal(
		    decrypt(ct, ct_len, &a, &plain, &plain_len, &d), 0);
		assert_int_equal(plain_len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(plain, data, sizes[i]);
		/* A whole multiple of the chunk ends with an empty FINAL
		 * chunk; dropping it must be caught as truncation. */
		if (sizes[i] && sizes[i] % ATTACH_CHUNK == 0) {
			assert_int_equal(decrypt(ct,
						 ct_len - ATTACH_CHUNK_OVERHEAD,
						 &a, NULL, NULL, &d),
					 LIA_ECRYPTO);
			assert_non_null(strstr(d.msg, "truncated"));
		}
		free(plain);
		free(ct);
		free(data);
	}
}

static void tamper_rejected(void **state)
{
	size_t n = 5 * ATTACH_CHUNK + 1000, ct_len, k;
	uint8_t *data = make_data(n), *ct, *copy, *tmp;
	struct attach_desc a, bad;
	struct diag d;

	(void)state;
	diag_clear(&d);
	ct = encrypt(data, n, &a, &ct_len);
	copy = malloc(ct_len + 1);
	assert_non_null(copy);

	/* Truncated: inside the header, at a chunk boundary, inside the last
	 * chunk, by one byte. */
	const size_t cuts[] = {0,
			       10,
			       ATTACH_PREFIX_BYTES,
			       ATTACH_PREFIX_BYTES + 2 * CHUNK_CT,
			       ATTACH_PREFIX_BYTES + 5 * CHUNK_CT,
			       ATTACH_PREFIX_BYTES + 5 * CHUNK_CT + 10,
			       ct_len - 1};
	for (k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		int rc = decrypt(ct, cuts[k], &a, NULL, NULL, &d);
		assert_true(rc == LIA_ECRYPTO || rc == LIA_EPARSE);
	}
	/* Extended. */
	memcpy(copy, ct, ct_len);
	copy[ct_len] = 0;
	assert_int_equal(decrypt(copy, ct_len + 1, &a, NULL, NULL, &d),
			 LIA_ECRYPTO);
	/* One bit of a middle chunk, of the stream header, of the version. */
	const size_t flips[] = {ATTACH_PREFIX_BYTES + 2 * CHUNK_CT + 77,
				ATTACH_PREFIX_BYTES - 3, ct_len - 1};
	for (k = 0; k < sizeof(flips) / sizeof(flips[0]); k++) {
		memcpy(copy, ct, ct_len);
		copy[flips[k]] ^= 1;
		assert_int_equal(decrypt(copy, ct_len, &a, NULL, NULL, &d),
				 LIA_ECRYPTO);
	}
	memcpy(copy, ct, ct_len);
	copy[4] = 2;
	assert_int_equal(decrypt(copy, ct_len, &a, NULL, NULL, &d),
			 LIA_EVERSION);
	/* Chunks 1 and 2 swapped. */
	memcpy(copy, ct, ct_len);
	tmp = malloc(CHUNK_CT);
	assert_non_null(tmp);
	memcpy(tmp, copy + ATTACH_PREFIX_BYTES + CHUNK_CT, CHUNK_CT);
	memcpy(copy + ATTACH_PREFIX_BYTES + CHUNK_CT,
	       copy + ATTACH_PREFIX_BYTES + 2 * CHUNK_CT, CHUNK_CT);
	memcpy(copy + ATTACH_PREFIX_BYTES + 2 * CHUNK_CT, tmp, CHUNK_CT);
	assert_int_equal(decrypt(copy, ct_len, &a, NULL, NULL, &d),
			 LIA_ECRYPTO);
	assert_non_null(strstr(d.msg, "reordered"));
	/* A chunk dropped from the middle. */
	memcpy(copy, ct, ATTACH_PREFIX_BYTES + CHUNK_CT);
	memcpy(copy + ATTACH_PREFIX_BYTES + CHUNK_CT,
	       ct + ATTACH_PREFIX_BYTES + 2 * CHUNK_CT,
	       ct_len - ATTACH_PREFIX_BYTES - 2 * CHUNK_CT);
	assert_int_equal(decrypt(copy, ct_len - CHUNK_CT, &a, NULL, NULL, &d),
			 LIA_ECRYPTO);
	/* A descriptor that does not match: key, size, hash. */
	bad = a;
	bad.key[0] ^= 1;
	assert_int_equal(decrypt(ct, ct_len, &bad, NULL, NULL, &d),
			 LIA_ECRYPTO);
	bad = a;
	bad.size--;
	assert_int_equal(decrypt(ct, ct_len, &bad, NULL, NULL, &d),
			 LIA_ECRYPTO);
	bad = a;
	bad.size++;
	assert_int_equal(decrypt(ct, ct_len, &bad, NULL, NULL, &d),
			 LIA_ECRYPTO);
	bad = a;
	bad.sha256[31] ^= 1;
	assert_int_equal(decrypt(ct, ct_len, &bad, NULL, NULL, &d),
			 LIA_ECRYPTO);
	assert_non_null(strstr(d.msg, "SHA-256"));
	/* And the original still decrypts. */
	assert_int_equal(decrypt(ct, ct_len, &a, NULL, NULL, &d), 0);
	free(tmp);
	free(copy);
	free(ct);
	free(data);
}

/* The encrypter reads its input once, front to back, never seeking and
 * never asking its size: fed from a pipe by another process, it produces
 * the same chunked stream. (How much memory it uses is fixed by
 * ATTACH_CHUNK; that is a property of the code, not a test target.) */
static void streams_from_a_pipe(void **state)
{
	size_t n = 3 * ATTACH_CHUNK + 5, ct_len, plain_len;
	uint8_t *data = make_data(n), *ct, *plain = NULL;
	struct attach_desc a;
	struct diag d;
	int fds[2], status;
	FILE *in, *out = tmpfile();
	pid_t pid;

	(void)state;
	assert_non_null(out);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Small writes, so the reader sees many short reads. */
		close(fds[0]);
		for (size_t off = 0; off < n;) {
			size_t k = n - off < 1000 ? n - off : 1000;
			ssize_t w = write(fds[1], data + off, k);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	in = fdopen(fds[0], "rb");
	assert_non_null(in);
	diag_clear(&d);
	assert_int_equal(attach_encrypt(in, out, "capture.pcap",
					"application/vnd.tcpdump.pcap", &a, &d),
			 0);
	fclose(in);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(a.size, n);
	ct = slurp(out, &ct_len);
	assert_int_equal(ct_len, attach_encrypted_size(n));
	assert_int_equal(decrypt(ct, ct_len, &a, &plain, &plain_len, &d), 0);
	assert_memory_equal(plain, data, n);
	free(plain);
	free(ct);
	fclose(out);
	free(data);
}

static void descriptors(void **state)
{
	static const char *const bad_names[] = {"",	  ".",	  "..",	 "a/b",
						"../etc", "a\nb", "a\\b"};
	static const char *const bad_types[] = {
	    "", "pdf", "/pdf", "a/", "a/b/c", "text/plain; x=1"};
	uint8_t one = 7, *ct;
	size_t ct_len;
	struct attach_desc a, b;
	struct diag d;
	json_t *o = NULL;
	FILE *in, *out;

	(void)state;
	diag_clear(&d);
	ct = encrypt(&one, 1, &a, &ct_len);
	free(ct);
	assert_int_equal(attach_desc_to_json(&a, &o), 0);
	assert_int_equal(attach_desc_from_json(o, &b, &d), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	json_object_set_new(o, "size", json_integer(-1));
	assert_int_equal(attach_desc_from_json(o, &b, &d), LIA_EPARSE);
	json_object_set_new(o, "size", json_integer(1));
	json_object_set_new(o, "key", json_string("00"));
	assert_int_equal(attach_desc_from_json(o, &b, &d), LIA_EPARSE);
	json_object_del(o, "key");
	json_object_set_new(o, "extra", json_true());
	assert_int_equal(attach_desc_from_json(o, &b, &d), LIA_EPARSE);
	assert_non_null(strstr(d.msg, "extra"));
	json_decref(o);

	in = file_of(&one, 1);
	out = tmpfile();
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		assert_int_equal(
		    attach_encrypt(in, out, bad_names[i], "text/plain", &b, &d),
		    LIA_EINVAL);
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		assert_int_equal(
		    attach_encrypt(in, out, "a.txt", bad_types[i], &b, &d),
		    LIA_EINVAL);
	fclose(in);
	fclose(out);
	attach_desc_wipe(&a);
	attach_desc_wipe(&b);
}

/* Content-Range of an upload chunk: one spelling, every bound checked. */
static void ranges(void **state)
{
	struct attach_range r;
	char buf[128];
#define RP(s) attach_range_parse(s, strlen(s), &r)

	(void)state;
	assert_int_equal(RP("bytes 0-65535/1048576"), 0);
	assert_true(r.first == 0 && r.last == 65535 && r.total == 1048576);
	assert_int_equal(RP("bytes 5-5/6"), 0);
	assert_true(r.first == 5 && r.last == 5 && r.total == 6);
	assert_int_equal(RP("bytes 0-0/1"), 0);
	snprintf(buf, sizeof(buf), "bytes 0-%llu/%llu",
		 (unsigned long long)(ATTACH_PUT_MAX - 1),
		 (unsigned long long)(ATTACH_PUT_MAX * 2));
	assert_int_equal(RP(buf), 0);
	snprintf(buf, sizeof(buf), "bytes 0-%llu/%llu",
		 (unsigned long long)ATTACH_PUT_MAX,
		 (unsigned long long)(ATTACH_PUT_MAX * 2));
	assert_int_equal(RP(buf), LIA_EPARSE); /* chunk too big */
	snprintf(buf, sizeof(buf), "bytes 0-0/%llu",
		 (unsigned long long)attach_encrypted_size(ATTACH_SIZE_MAX) +
		     1);
	assert_int_equal(RP(buf), LIA_EPARSE); /* file too big */
	assert_int_equal(RP("bytes 5-4/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes 0-10/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes 00-1/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes 0-01/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes */10"), LIA_EPARSE);
	assert_int_equal(RP("bytes 0-9/10 "), LIA_EPARSE);
	assert_int_equal(RP("bytes  0-9/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes +0-9/10"), LIA_EPARSE);
	assert_int_equal(RP("Bytes 0-9/10"), LIA_EPARSE);
	assert_int_equal(RP("bytes 0-9/"), LIA_EPARSE);
	assert_int_equal(RP("bytes 0-9"), LIA_EPARSE);
	assert_int_equal(RP(""), LIA_EPARSE);
	assert_int_equal(
	    RP("bytes 0-1/99999999999999999999999"), LIA_EPARSE); /* > 2^64 */
	/* Not NUL-terminated: only len bytes are read. */
	assert_int_equal(attach_range_parse("bytes 0-9/10XYZ", 12, &r), 0);
	assert_true(r.total == 10);
#undef RP
}

static void statuses(void **state)
{
	uint64_t have = 7;
	bool complete = true;
#define SP(s) node_blob_status_parse(s, strlen(s), &have, &complete)

	(void)state;
	assert_int_equal(SP("{\"have\":123,\"complete\":false}"), 0);
	assert_true(have == 123 && !complete);
	assert_int_equal(SP("{\"complete\":true,\"have\":0}"), 0);
	assert_true(have == 0 && complete);
	assert_int_equal(SP("{\"have\":1}"), LIA_EPARSE);
	assert_int_equal(SP("{\"have\":-1,\"complete\":true}"), LIA_EPARSE);
	assert_int_equal(SP("{\"have\":1.5,\"complete\":true}"), LIA_EPARSE);
	assert_int_equal(SP("{\"have\":1,\"complete\":1}"), LIA_EPARSE);
	assert_int_equal(SP("{\"have\":1,\"complete\":true,\"x\":0}"),
			 LIA_EPARSE);
	assert_int_equal(SP("{\"have\":1,\"have\":2}"), LIA_EPARSE);
	assert_int_equal(SP("[]"), LIA_EPARSE);
#undef SP
}

/* The receiver's side of uploads: chunks in order and out of order,
 * resumption by a new upload object (as after a restart, so the hash
 * is computed from the file), refusal of a file whose hash is not its
 * id, and the blob id of the sender's spool file. */
static void blob_uploads(void **state)
{
	char home[] = "/tmp/liaison-blob.XXXXXX", hex[ATTACH_BLOB_HEX + 1];
	char p[512];
	uint8_t *data = make_data(200000);
	struct node_blob_up *up = NULL;
	struct attach_range r;
	uint64_t have = 0, size = 0;
	bool complete = false;
	struct diag d;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(home));
	/* The id is BLAKE2b-256 of the bytes, whatever their size. */
	snprintf(p, sizeof(p), "%s/f", home);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, 200000), 200000);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(attach_blob_id(fd, hex, &size, &d), 0);
	close(fd);
	assert_true(size == 200000 && attach_blob_hex_ok(hex, strlen(hex)));
	{
		uint8_t h[32];
		char want[65];

		crypto_generichash(h, 32, data, 200000, NULL, 0);
		sodium_bin2hex(want, sizeof(want), h, 32);
		assert_string_equal(hex, want);
	}
	assert_int_equal(node_blob_state(home, hex, &have, &complete, &d), 0);
	assert_true(have == 0 && !complete);

	/* First chunk: 0..99999. */
	r = (struct attach_range){0, 99999, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	assert_int_equal(node_blob_up_write(up, data, 60000, &d), 0);
	assert_int_equal(node_blob_up_write(up, data + 60000, 40000, &d), 0);
	assert_int_equal(node_blob_up_end(up, &have, &complete, &d), 0);
	assert_true(have == 100000 && !complete);
	/* A second writer of the same blob is refused while one lives. */
	{
		struct node_blob_up *other = NULL;

		r = (struct attach_range){100000, 199999, 200000};
		assert_int_equal(
		    node_blob_up_begin(home, hex, &r, &other, &have, &d),
		    LIA_EBUSY);
		assert_null(other);
	}
	/* As after a restart: the upload object is gone. */
	node_blob_up_free(up);
	up = NULL;
	/* A chunk past the bytes held says where the receiver stands. */
	r = (struct attach_range){150000, 159999, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d),
			 LIA_EINVAL);
	assert_true(have == 100000);
	/* One before it goes back: the bytes after its start are dropped
	 * (and the end hashes the file again). */
	r = (struct attach_range){50000, 99999, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	assert_int_equal(node_blob_up_end(up, &have, &complete, &d), 0);
	assert_true(have == 50000 && !complete);
	r = (struct attach_range){50000, 199999, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	assert_int_equal(node_blob_up_write(up, data + 50000, 150000, &d), 0);
	assert_int_equal(node_blob_up_end(up, &have, &complete, &d), 0);
	assert_true(have == 200000 && complete);
	node_blob_up_free(up);
	up = NULL;
	assert_int_equal(node_blob_state(home, hex, &have, &complete, &d), 0);
	assert_true(have == 200000 && complete);
	r = (struct attach_range){0, 9, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d),
			 LIA_EEXIST);
	node_blob_up_free(up);
	up = NULL;

	/* Bytes that do not hash to the id: refused and dropped. */
	hex[0] = hex[0] == '0' ? '1' : '0';
	r = (struct attach_range){0, 199999, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	assert_int_equal(node_blob_up_write(up, data, 200001 - 1, &d), 0);
	assert_int_equal(node_blob_up_end(up, &have, &complete, &d),
			 LIA_ECRYPTO);
	assert_true(have == 0 && !complete);
	node_blob_up_free(up);
	up = NULL;
	assert_int_equal(node_blob_state(home, hex, &have, &complete, &d), 0);
	assert_true(have == 0 && !complete);
	/* Past the chunk's end. */
	r = (struct attach_range){0, 9, 200000};
	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	assert_int_equal(node_blob_up_write(up, data, 11, &d), LIA_ETOOBIG);
	node_blob_up_free(up);

	snprintf(p, sizeof(p), "rm -rf '%s'", home);
	assert_int_equal(system(p), 0);
	free(data);
}

static void hex_of(const uint8_t *p, size_t n, char hex[ATTACH_BLOB_HEX + 1])
{
	uint8_t h[32];

	crypto_generichash(h, 32, p, n, NULL, 0);
	sodium_bin2hex(hex, ATTACH_BLOB_HEX + 1, h, 32);
}

/* An upload by agency of bytes [0, upto) of the n bytes p: complete when
 * upto == n, a .part otherwise; the owner link too when own. */
static void upload_by(const char *home, const char *agency, const char *hex,
		      const uint8_t *p, size_t n, size_t upto, bool own)
{
	struct attach_range r = {0, upto - 1, n};
	struct node_blob_up *up = NULL;
	uint64_t have = 0;
	bool complete = false;
	struct diag d;

	assert_int_equal(node_blob_up_begin(home, hex, &r, &up, &have, &d), 0);
	if (own)
		assert_int_equal(node_blob_own(home, agency, hex, &d), 0);
	assert_int_equal(node_blob_up_write(up, p, upto, &d), 0);
	assert_int_equal(node_blob_up_end(up, &have, &complete, &d), 0);
	assert_true(have == upto && complete == (upto == n));
	node_blob_up_free(up);
}

static bool exists(const char *home, const char *sub, const char *name)
{
	char p[600];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s/%s", home, sub, name);
	return !lstat(p, &sb);
}

/* The receiver's bounds on what peers upload: the per-peer quota over
 * pending uploads (counted through owner links, the upload in question
 * with its whole size, links of deleted files forgotten), a hub's claim
 * of a peer's own complete upload into an envelope's spool (and only
 * that), and the expiry of uploads no envelope took. */
static void blob_quota_claim_prune(void **state)
{
	char home[] = "/tmp/liaison-quota.XXXXXX", cmd[600];
	char h1[ATTACH_BLOB_HEX + 1], h2[ATTACH_BLOB_HEX + 1];
	char h3[ATTACH_BLOB_HEX + 1], h4[ATTACH_BLOB_HEX + 1];
	char h5[ATTACH_BLOB_HEX + 1], h6[ATTACH_BLOB_HEX + 1];
	const char *env = "0123456789abcdef0123456789abcdef";
	uint8_t *data = make_data(200000);
	uint64_t used = 0, have = 0;
	bool complete = false;
	size_t removed = 0;
	int64_t now = (int64_t)time(NULL);
	struct diag d;

	(void)state;
	assert_non_null(mkdtemp(home));
	hex_of(data, 100000, h1);
	hex_of(data + 1, 100000, h2);
	hex_of(data + 2, 100000, h3);
	hex_of(data + 3, 100000, h4);
	hex_of(data + 4, 100000, h5);
	hex_of(data + 5, 100000, h6);

	/* Quota: NL-NP holds 100,000 pending bytes; 50,000 more fit
	 * 200,000, not 120,000. Another peer's count is its own. */
	upload_by(home, "NL-NP", h1, data, 100000, 100000, true);
	assert_true(exists(home, "blobs/by-peer/NL-NP", h1));
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h2, 50000, 120000, &used, &d),
	    LIA_EDENIED);
	assert_non_null(strstr(d.msg, "over its disk quota"));
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h2, 50000, 200000, &used, &d), 0);
	assert_true(used == 150000);
	assert_int_equal(
	    node_blob_quota(home, "DE-BKA", h2, 50000, 60000, &used, &d), 0);
	assert_true(used == 50000);
	/* The upload asked about counts once, with its whole size. */
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h1, 100000, 100000, &used, &d), 0);
	assert_true(used == 100000);
	assert_int_equal(
	    node_blob_quota(home, "../x", h1, 1, 100000, &used, &d),
	    LIA_EINVAL);

	/* Claim: not by another peer; by the uploader, moved into the
	 * envelope's spool, still counted until disowned. */
	assert_int_equal(
	    node_blob_claim(home, "DE-BKA", h1, env, &have, &complete, &d),
	    LIA_EDENIED);
	assert_true(exists(home, "blobs", h1));
	assert_int_equal(node_blob_claim(home, "NL-NP", h1, "not-an-id", &have,
					 &complete, &d),
			 LIA_EINVAL);
	assert_int_equal(
	    node_blob_claim(home, "NL-NP", h1, env, &have, &complete, &d), 0);
	assert_true(complete && have == 100000);
	assert_false(exists(home, "blobs", h1));
	{
		char sub[100];

		snprintf(sub, sizeof(sub), "spool/%s", env);
		assert_true(exists(home, sub, h1));
	}
	assert_int_equal(
	    node_blob_claim(home, "NL-NP", h1, env, &have, &complete, &d), 0);
	assert_true(complete && have == 100000);
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h2, 1, 200000, &used, &d), 0);
	assert_true(used == 100001);
	node_blob_disown(home, "NL-NP", h1);
	assert_false(exists(home, "blobs/by-peer/NL-NP", h1));
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h2, 1, 200000, &used, &d), 0);
	assert_true(used == 1);

	/* A link whose file was deleted elsewhere is forgotten. */
	upload_by(home, "NL-NP", h2, data + 1, 100000, 100000, true);
	snprintf(cmd, sizeof(cmd), "%s/blobs/%s", home, h2);
	assert_int_equal(unlink(cmd), 0);
	assert_int_equal(
	    node_blob_quota(home, "NL-NP", h3, 1, 200000, &used, &d), 0);
	assert_true(used == 1);
	assert_false(exists(home, "blobs/by-peer/NL-NP", h2));

	/* Expiry: an unfinished upload (h3), an accepted one (h4), a
	 * complete one no envelope took (h5), an unfinished one without
	 * owner (h6, as from before owners were recorded). */
	upload_by(home, "NL-NP", h3, data + 2, 100000, 10, true);
	upload_by(home, "NL-NP", h4, data + 3, 100000, 100000, true);
	node_blob_disown(home, "NL-NP", h4);
	upload_by(home, "NL-NP", h5, data + 4, 100000, 100000, true);
	upload_by(home, "NL-NP", h6, data + 5, 100000, 10, false);
	assert_int_equal(node_blob_prune(home, now, 3600, &removed, &d), 0);
	assert_true(removed == 0);
	assert_int_equal(node_blob_prune(home, now + 7200, 3600, &removed, &d),
			 0);
	assert_true(removed == 3);
	snprintf(cmd, sizeof(cmd), "%s.part", h3);
	assert_false(exists(home, "blobs", cmd));
	assert_false(exists(home, "blobs/by-peer/NL-NP", h3));
	assert_true(exists(home, "blobs", h4));
	assert_false(exists(home, "blobs", h5));
	assert_false(exists(home, "blobs/by-peer/NL-NP", h5));
	snprintf(cmd, sizeof(cmd), "%s.part", h6);
	assert_false(exists(home, "blobs", cmd));

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	assert_int_equal(system(cmd), 0);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_5mb),
	    cmocka_unit_test(boundaries),
	    cmocka_unit_test(tamper_rejected),
	    cmocka_unit_test(streams_from_a_pipe),
	    cmocka_unit_test(descriptors),
	    cmocka_unit_test(ranges),
	    cmocka_unit_test(statuses),
	    cmocka_unit_test(blob_uploads),
	    cmocka_unit_test(blob_quota_claim_prune),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
