/*
 * attach.c - streamed encryption of attachments (secretstream, SHA-256
 * while streaming) and their descriptors.
 *
 * The framing has one spelling: every chunk but the last holds exactly
 * ATTACH_CHUNK bytes of plaintext and carries the MESSAGE tag; the last
 * holds fewer (possibly none) and carries FINAL. A file whose size is a
 * multiple of the chunk size therefore ends with an empty FINAL chunk.
 * The decrypter insists on exactly this, so no two ciphertexts of the
 * same stream differ in framing only.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "exchange/exchange_int.h"
#include "liaison/attach.h"
#include "liaison/strbuf.h"

#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

/* The magic and version start the file and are the associated data of
 * every chunk, so a chunk cannot be replayed under another format
 * version. */
static const uint8_t prefix[5] = {'L', 'I', 'A', 'A', 1};

static_assert(ATTACH_PREFIX_BYTES == sizeof(prefix) + SS_HEADER,
	      "ATTACH_PREFIX_BYTES");
static_assert(ATTACH_CHUNK_OVERHEAD == SS_ABYTES, "ATTACH_CHUNK_OVERHEAD");
static_assert(ATTACH_KEY_BYTES ==
		  crypto_secretstream_xchacha20poly1305_KEYBYTES,
	      "ATTACH_KEY_BYTES");

uint64_t attach_encrypted_size(uint64_t size)
{
	return ATTACH_PREFIX_BYTES + size +
	       (size / ATTACH_CHUNK + 1) * (uint64_t)ATTACH_CHUNK_OVERHEAD;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > ATTACH_NAME_MAX || !utf8_valid(s, n, NULL) ||
	    !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	/* It becomes a file name on the receiving side: no path, no
	 * characters that could rewrite a terminal line. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			return false;
	}
	return true;
}

/* RFC 6838 restricted-name characters, one '/' between two names. */
static bool type_ok(const char *s)
{
	size_t n = strlen(s), slash = 0, at = 0;

	if (!n || n > ATTACH_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/') {
			slash++;
			at = i;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("!#$&-^_.+", c)))
			return false;
	}
	return slash == 1 && at > 0 && at < n - 1;
}

void attach_desc_wipe(struct attach_desc *desc)
{
	sodium_memzero(desc, sizeof(*desc));
}

int attach_encrypt(FILE *in, FILE *out, const char *name,
		   const char *media_type, struct attach_desc *desc,
		   struct diag *d)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state hs;
	uint8_t header[SS_HEADER], key[ATTACH_KEY_BYTES];
	uint8_t *plain = NULL, *cipher = NULL;
	struct attach_desc r;
	uint64_t size = 0;
	int rc = LIA_EIO;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!name || !name_ok(name)) {
		diag_set(d,
			 "attachment name must be 1-%d bytes of UTF-8 "
			 "without '/', '\\' or control characters",
			 ATTACH_NAME_MAX);
		return LIA_EINVAL;
	}
	if (!media_type || !type_ok(media_type)) {
		diag_set(d, "attachment media type must look like "
			    "type/subtype");
		return LIA_EINVAL;
	}
	memset(&r, 0, sizeof(r));
	(void)str_copy(r.name, sizeof(r.name), name);
	(void)str_copy(r.media_type, sizeof(r.media_type), media_type);
	plain = malloc(ATTACH_CHUNK);
	cipher = malloc(ATTACH_CHUNK + SS_ABYTES);
	if (!plain || !cipher) {
		rc = LIA_ENOMEM;
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(key);
	crypto_hash_sha256_init(&hs);
	if (crypto_secretstream_xchacha20poly1305_init_push(&st, header, key)) {
		rc = LIA_ECRYPTO;
		goto out;
	}
	if (fwrite(prefix, 1, sizeof(prefix), out) != sizeof(prefix) ||
	    fwrite(header, 1, sizeof(header), out) != sizeof(header)) {
		diag_set(d, "attachment: write failed");
		goto out;
	}
	for (;;) {
		/* fread returns less than asked only at the end or on an
		 * error, so a short chunk is the last one. */
		size_t n = fread(plain, 1, ATTACH_CHUNK, in);
		unsigned char tag = n < ATTACH_CHUNK ? TAG_FINAL : TAG_MESSAGE;
		unsigned long long clen = 0;

		if (ferror(in)) {
			diag_set(d, "attachment %s: read failed", name);
			goto out;
		}
		if (n > ATTACH_SIZE_MAX - size) {
			diag_set(d, "attachment %s: larger than %llu bytes",
				 name, (unsigned long long)ATTACH_SIZE_MAX);
			rc = LIA_ETOOBIG;
			goto out;
		}
		size += n;
		crypto_hash_sha256_update(&hs, plain, n);
		crypto_secretstream_xchacha20poly1305_push(
		    &st, cipher, &clen, plain, n, prefix, sizeof(prefix), tag);
		if (fwrite(cipher, 1, (size_t)clen, out) != (size_t)clen) {
			diag_set(d, "attachment: write failed");
			goto out;
		}
		if (tag == TAG_FINAL)
			break;
	}
	if (fflush(out)) {
		diag_set(d, "attachment: write failed");
		goto out;
	}
	crypto_hash_sha256_final(&hs, r.sha256);
	r.size = size;
	memcpy(r.key, key, sizeof(key));
	*desc = r;
	rc = 0;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&r, sizeof(r));
	if (plain)
		sodium_memzero(plain, ATTACH_CHUNK);
	free(plain);
	free(cipher);
	return rc;
}

int attach_decrypt(FILE *in, FILE *out, const struct attach_desc *desc,
		   struct diag *d)
{
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state hs;
	uint8_t head[ATTACH_PREFIX_BYTES], digest[32];
	uint8_t *plain = NULL, *cipher = NULL;
	uint64_t size = 0;
	int rc = LIA_ECRYPTO;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (fread(head, 1, sizeof(head), in) != sizeof(head)) {
		diag_set(d, "attachment: %s",
			 ferror(in) ? "read failed" : "truncated header");
		return ferror(in) ? LIA_EIO : LIA_EPARSE;
	}
	if (memcmp(head, prefix, 4)) {
		diag_set(d, "attachment: not a liaison attachment");
		return LIA_EPARSE;
	}
	if (head[4] != prefix[4]) {
		diag_set(d,
			 "attachment: format version %u; this node reads "
			 "%u",
			 head[4], prefix[4]);
		return head[4] > prefix[4] ? LIA_EVERSION : LIA_EPARSE;
	}
	plain = malloc(ATTACH_CHUNK);
	cipher = malloc(ATTACH_CHUNK + SS_ABYTES);
	if (!plain || !cipher) {
		rc = LIA_ENOMEM;
		goto out;
	}
	crypto_hash_sha256_init(&hs);
	if (crypto_secretstream_xchacha20poly1305_init_pull(
		&st, head + sizeof(prefix), desc->key)) {
		diag_set(d, "attachment: bad stream header");
		goto out;
	}
	for (;;) {
		size_t n = fread(cipher, 1, ATTACH_CHUNK + SS_ABYTES, in);
		unsigned long long mlen = 0;
		unsigned char tag = 0;

		if (ferror(in)) {
			diag_set(d, "attachment: read failed");
			rc = LIA_EIO;
			goto out;
		}
		if (n < SS_ABYTES) {
			diag_set(d, "attachment: truncated after %llu bytes",
				 (unsigned long long)size);
			goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(
			&st, plain, &mlen, &tag, cipher, n, prefix,
			sizeof(prefix))) {
			diag_set(d,
				 "attachment: chunk after %llu bytes does "
				 "not decrypt (wrong key, modified or "
				 "reordered)",
				 (unsigned long long)size);
			goto out;
		}
		if (!((tag == TAG_MESSAGE && mlen == ATTACH_CHUNK) ||
		      (tag == TAG_FINAL && mlen < ATTACH_CHUNK))) {
			diag_set(d, "attachment: chunk framing is wrong");
			goto out;
		}
		if (mlen > desc->size - size) {
			diag_set(d,
				 "attachment: longer than the %llu bytes "
				 "described",
				 (unsigned long long)desc->size);
			goto out;
		}
		size += mlen;
		crypto_hash_sha256_update(&hs, plain, (size_t)mlen);
		if (fwrite(plain, 1, (size_t)mlen, out) != (size_t)mlen) {
			diag_set(d, "attachment: write failed");
			rc = LIA_EIO;
			goto out;
		}
		if (tag == TAG_FINAL)
			break;
	}
	if (fgetc(in) != EOF) {
		diag_set(d, "attachment: bytes after the final chunk");
		goto out;
	}
	crypto_hash_sha256_final(&hs, digest);
	if (size != desc->size || sodium_memcmp(digest, desc->sha256, 32)) {
		diag_set(d, "attachment: size or SHA-256 is not as described");
		goto out;
	}
	if (fflush(out)) {
		diag_set(d, "attachment: write failed");
		rc = LIA_EIO;
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(&st, sizeof(st));
	if (plain)
		sodium_memzero(plain, ATTACH_CHUNK);
	free(plain);
	free(cipher);
	return rc;
}

int attach_desc_to_json(const struct attach_desc *desc, json_t **out)
{
	char sha[65], key[2 * ATTACH_KEY_BYTES + 1];
	json_t *o = json_object();
	int rc = LIA_ENOMEM;

	sodium_bin2hex(sha, sizeof(sha), desc->sha256, sizeof(desc->sha256));
	sodium_bin2hex(key, sizeof(key), desc->key, sizeof(desc->key));
	if (!o || json_object_set_new(o, "name", json_string(desc->name)) ||
	    json_object_set_new(o, "media_type",
				json_string(desc->media_type)) ||
	    json_object_set_new(o, "size",
				json_integer((json_int_t)desc->size)) ||
	    json_object_set_new(o, "sha256", json_string(sha)) ||
	    json_object_set_new(o, "key", json_string(key)))
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	json_decref(o);
	return rc;
}

int attach_desc_from_json(const json_t *obj, struct attach_desc *out,
			  struct diag *d)
{
	static const char *const keys[] = {"name", "media_type", "size",
					   "sha256", "key"};
	struct attach_desc r;
	const char *k;
	json_t *v;
	int rc = LIA_EPARSE;

	memset(&r, 0, sizeof(r));
	if (!json_is_object(obj)) {
		diag_set(d, "attachment: descriptor must be an object");
		return LIA_EPARSE;
	}
	json_object_foreach ((json_t *)obj, k, v) {
		size_t i;
		for (i = 0; i < 5 && strcmp(k, keys[i]); i++)
			;
		if (i == 5) {
			diag_set(d, "attachment: unknown field \"%.32s\"", k);
			goto out;
		}
	}
#define STR(k) json_string_value(json_object_get(obj, k))
	if (!STR("name") || str_copy(r.name, sizeof(r.name), STR("name")) ||
	    !name_ok(r.name)) {
		diag_set(d, "attachment: name missing or invalid");
		goto out;
	}
	if (!STR("media_type") ||
	    str_copy(r.media_type, sizeof(r.media_type), STR("media_type")) ||
	    !type_ok(r.media_type)) {
		diag_set(d, "attachment: media_type missing or invalid");
		goto out;
	}
	v = json_object_get(obj, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > ATTACH_SIZE_MAX) {
		diag_set(d, "attachment: size missing or out of range");
		goto out;
	}
	r.size = (uint64_t)json_integer_value(v);
	if (!STR("sha256") ||
	    exchange_hex_decode(STR("sha256"), strlen(STR("sha256")), r.sha256,
				sizeof(r.sha256)) ||
	    !STR("key") ||
	    exchange_hex_decode(STR("key"), strlen(STR("key")), r.key,
				sizeof(r.key))) {
		diag_set(d, "attachment: sha256 and key must be 64 lower-case "
			    "hex digits");
		goto out;
	}
#undef STR
	*out = r;
	rc = 0;
out:
	sodium_memzero(&r, sizeof(r));
	return rc;
}

/* ------------------------------------------------ blobs and uploads */

bool attach_blob_hex_ok(const char *s, size_t len)
{
	if (len != ATTACH_BLOB_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int attach_blob_id(int fd, char hex[ATTACH_BLOB_HEX + 1], uint64_t *size,
		   struct diag *d)
{
	crypto_generichash_state st;
	uint8_t h[32];
	uint64_t total = 0;
	uint8_t *buf = malloc(ATTACH_CHUNK);
	ssize_t k;
	int err = 0;

	if (!buf)
		return LIA_ENOMEM;
	/* BLAKE2b rather than SHA-256: the id is computed by the sender
	 * and again by the receiver over every byte of files up to 1 TiB,
	 * and libsodium's BLAKE2b is several times faster. */
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	while ((k = read(fd, buf, ATTACH_CHUNK)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			diag_set(d, "attachment: %s", strerror(errno));
			err = LIA_EIO;
			goto out;
		}
		total += (uint64_t)k;
		if (total > attach_encrypted_size(ATTACH_SIZE_MAX)) {
			diag_set(d, "attachment: larger than the limit");
			err = LIA_ETOOBIG;
			goto out;
		}
		crypto_generichash_update(&st, buf, (size_t)k);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, ATTACH_BLOB_HEX + 1, h, sizeof(h));
	*size = total;
out:
	free(buf);
	return err;
}

/* A decimal number of 1..20 digits without a leading zero (but "0"),
 * at most UINT64_MAX; *p advances past it. */
static bool range_num(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s == end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

int attach_range_parse(const char *s, size_t len, struct attach_range *out)
{
	const char *p = s, *end = s + len;
	struct attach_range r;

	if (!s || len < 6 || len > 80 || memcmp(p, "bytes ", 6))
		return LIA_EPARSE;
	p += 6;
	if (!range_num(&p, end, &r.first) || p == end || *p++ != '-' ||
	    !range_num(&p, end, &r.last) || p == end || *p++ != '/' ||
	    !range_num(&p, end, &r.total) || p != end)
		return LIA_EPARSE;
	if (r.first > r.last || r.last >= r.total ||
	    r.total > attach_encrypted_size(ATTACH_SIZE_MAX) ||
	    r.last - r.first >= ATTACH_PUT_MAX)
		return LIA_EPARSE;
	*out = r;
	return 0;
}
