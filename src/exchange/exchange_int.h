/*
 * exchange_int.h - what the files of the exchange module share and nobody
 * else may see: the layout of struct identity (with its secret keys) and
 * small strict helpers for hex and big-endian integers.
 */
#ifndef LIAISON_EXCHANGE_INT_H
#define LIAISON_EXCHANGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "liaison/identity.h"

struct identity {
	char agency[MARKING_CODE_MAX + 1];
	char name[IDENTITY_NAME_MAX + 1];
	char country[3];
	uint8_t sign_pk[IDENTITY_PK_BYTES];
	uint8_t box_pk[IDENTITY_PK_BYTES];
	uint8_t tls_sha256[IDENTITY_SHA256_BYTES];
	/* Secrets, each in its own sodium_malloc'd block. */
	uint8_t *sign_sk;  /* 64 bytes: libsodium's seed || public key */
	uint8_t *box_sk;   /* 32 bytes */
	char *tls_key_pem; /* NUL-terminated */
	size_t tls_key_len;
	/* Public. */
	char *tls_cert_pem; /* malloc'd, NUL-terminated */
};

/* Decode exactly 2 * n lower-case hex digits into n bytes. Upper case and
 * anything else is refused so that each value has one spelling. Returns 0
 * or LIA_EPARSE. */
int exchange_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n);

static inline void exchange_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t exchange_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

#endif
