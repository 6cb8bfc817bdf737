/*
 * attach.h - attachments: files of any size encrypted as a stream.
 *
 * An attachment is encrypted with its own random key by libsodium's
 * crypto_secretstream_xchacha20poly1305, in chunks of ATTACH_CHUNK bytes,
 * with the FINAL tag on the last chunk, so that a truncated, reordered,
 * modified or extended file fails to decrypt. The SHA-256 of the
 * plaintext is computed while streaming. Memory use is two chunk buffers,
 * whatever the file size: a 1 GB attachment never needs 1 GB of memory.
 *
 * The descriptor (name, media type, size, SHA-256 and key) travels inside
 * the body of an envelope, so only the envelope's recipients can decrypt
 * the attachment, wherever its ciphertext is stored or relayed. The key in
 * a descriptor is secret: wipe a descriptor with attach_desc_wipe.
 * docs/EXCHANGE-FORMAT.md gives the file format.
 */
#ifndef LIAISON_ATTACH_H
#define LIAISON_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "liaison/error.h"

#define ATTACH_CHUNK 65536	     /* plaintext bytes per chunk */
#define ATTACH_NAME_MAX 255	     /* bytes of a file name */
#define ATTACH_TYPE_MAX 127	     /* bytes of a media type */
#define ATTACH_SIZE_MAX (1ULL << 40) /* 1 TiB */
#define ATTACH_KEY_BYTES 32
#define ATTACH_PREFIX_BYTES 29	 /* "LIAA", version, stream header */
#define ATTACH_CHUNK_OVERHEAD 17 /* per chunk: tag byte and MAC */

struct attach_desc {
	char name[ATTACH_NAME_MAX + 1];	      /* a file name, no '/' */
	char media_type[ATTACH_TYPE_MAX + 1]; /* "application/pdf" */
	uint64_t size;			      /* plaintext bytes */
	uint8_t sha256[32];		      /* of the plaintext */
	uint8_t key[ATTACH_KEY_BYTES];	      /* secret */
};

/* Encrypt in to out (both opened by the caller, binary; in is read to its
 * end, nothing is seeked, so pipes work). name: 1..ATTACH_NAME_MAX bytes
 * of UTF-8 without '/', control characters, "." or ".."; media_type: a
 * type/subtype of RFC 6838 characters. On success *desc describes the
 * attachment with a fresh key. Errors: LIA_EINVAL (bad name or type),
 * LIA_ETOOBIG (over ATTACH_SIZE_MAX), LIA_EIO, LIA_ENOMEM, LIA_ECRYPTO. */
int attach_encrypt(FILE *in, FILE *out, const char *name,
		   const char *media_type, struct attach_desc *desc,
		   struct diag *d);

/* Decrypt in to out and check the result is exactly desc->size bytes with
 * desc->sha256. On any error out may hold part of the plaintext: write to
 * a temporary file and keep it only on success. Errors: LIA_ECRYPTO
 * (wrong key, truncated, reordered, modified, extended, or size or hash
 * not as described; reason in d), LIA_EPARSE (not an attachment),
 * LIA_EVERSION, LIA_EIO, LIA_ENOMEM. */
int attach_decrypt(FILE *in, FILE *out, const struct attach_desc *desc,
		   struct diag *d);

/* Size of the encrypted file for a plaintext of size bytes. */
uint64_t attach_encrypted_size(uint64_t size);

/* The descriptor as a JSON object {"name","media_type","size","sha256",
 * "key"} (hex digests and key) for an envelope body, and back, strictly
 * (unknown fields, bad lengths and bad names are refused). The JSON holds
 * the key: it belongs only in an encrypted body. Errors: LIA_ENOMEM;
 * LIA_EPARSE with the reason in d. */
int attach_desc_to_json(const struct attach_desc *desc, json_t **out);
int attach_desc_from_json(const json_t *obj, struct attach_desc *out,
			  struct diag *d);

/* Wipe a descriptor (the key above all). */
void attach_desc_wipe(struct attach_desc *desc);

/* --- transport of encrypted files beside the envelope (body version 2) */

/* The blob id of an encrypted attachment: BLAKE2b-256 of the encrypted
 * file, 64 lower-case hex digits. It names the file on the wire and on
 * disk; the envelope's signed, encrypted body binds it to the message. */
#define ATTACH_BLOB_HEX 64
/* At most this many bytes in one upload request (a chunk of the file). */
#define ATTACH_PUT_MAX ((uint64_t)64 << 20)

/* Hash an encrypted file from fd (read from its current offset to its
 * end, 64 KiB at a time). Errors: LIA_EIO, LIA_ETOOBIG (over the
 * encrypted size of ATTACH_SIZE_MAX). */
int attach_blob_id(int fd, char hex[ATTACH_BLOB_HEX + 1], uint64_t *size,
		   struct diag *d);

/* Is s a blob id (exactly 64 lower-case hex digits)? */
bool attach_blob_hex_ok(const char *s, size_t len);

/* One chunk of an upload: bytes first..last (inclusive) of a file of
 * total bytes. */
struct attach_range {
	uint64_t first, last, total;
};

/* Parse an HTTP Content-Range value of an upload, "bytes F-L/T" (RFC
 * 9110 14.4) from untrusted (s, len): decimal digits without sign,
 * spaces or leading zeros, F <= L < T, T at most the encrypted size of
 * ATTACH_SIZE_MAX and L - F + 1 at most ATTACH_PUT_MAX. Anything else,
 * "*" included, is LIA_EPARSE. */
int attach_range_parse(const char *s, size_t len, struct attach_range *out);

#endif
