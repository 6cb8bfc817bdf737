/*
 * token.c - API tokens: random bearer tokens of which only a hash is kept.
 *
 * A token carries 256 random bits, so a plain SHA-256 is enough to make a
 * stolen copy of the store useless for calling the API (a slow password
 * hash protects low-entropy secrets; a token is not one). The token is
 * hashed as the exact text presented, so a check needs no decoding.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "liaison/api.h"

/* Hex SHA-256 of the token text. */
static void token_hash(const char *tok, size_t len,
		       char hex[STORE_TOKEN_HASH_HEX + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)tok, len);
	sodium_bin2hex(hex, STORE_TOKEN_HASH_HEX + 1, h, sizeof(h));
}

static bool token_well_formed(const char *tok, size_t len)
{
	if (len != API_TOKEN_LEN || memcmp(tok, API_TOKEN_PREFIX, 4))
		return false;
	for (size_t i = 4; i < len; i++)
		if (!((tok[i] >= '0' && tok[i] <= '9') ||
		      (tok[i] >= 'a' && tok[i] <= 'f')))
			return false;
	return true;
}

int api_token_create(struct store *st, const char *user, const char *label,
		     int64_t expires, const char *actor,
		     char token[API_TOKEN_LEN + 1], int64_t *id, struct diag *d)
{
	uint8_t raw[API_TOKEN_BYTES];
	char tok[API_TOKEN_LEN + 1], hex[STORE_TOKEN_HASH_HEX + 1];
	struct store_token t;
	int64_t new_id;
	int err;

	if (!st || !token || !id || !users_name_ok(user) || expires < 0)
		return LIA_EINVAL;
	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	randombytes_buf(raw, sizeof(raw));
	memcpy(tok, API_TOKEN_PREFIX, 4);
	sodium_bin2hex(tok + 4, sizeof(tok) - 4, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	token_hash(tok, API_TOKEN_LEN, hex);
	t = (struct store_token){
	    .user = user,
	    .hash = hex,
	    .label = label ? label : "",
	    .created = (int64_t)time(NULL),
	    .expires = expires,
	};
	if ((err = store_token_add(st, &t, actor, &new_id, d)))
		goto out;
	memcpy(token, tok, sizeof(tok));
	*id = new_id;
out:
	sodium_memzero(tok, sizeof(tok));
	return err;
}

struct found {
	int64_t id, expires, revoked;
	char user[USERS_NAME_MAX + 1];
	bool bad;
};

static int found_cb(const struct store_token *t, void *ctx)
{
	struct found *f = ctx;
	size_t n = strlen(t->user);

	if (n > USERS_NAME_MAX) {
		f->bad = true;
		return 0;
	}
	memcpy(f->user, t->user, n + 1);
	f->id = t->id;
	f->expires = t->expires;
	f->revoked = t->revoked;
	return 0;
}

int api_token_check(struct store *st, const char *tok, size_t len, int64_t now,
		    struct users_info *out, int64_t *id, struct diag *d)
{
	char hex[STORE_TOKEN_HASH_HEX + 1];
	struct found f = {0};
	struct users_info u;
	int err;

	if (!st || !tok || !out)
		return LIA_EINVAL;
	/* Every refusal is the same code: a caller learns nothing about
	 * which tokens exist. The reason is for the server's log. */
	if (!token_well_formed(tok, len)) {
		diag_set(d, "malformed token");
		return LIA_EDENIED;
	}
	token_hash(tok, len, hex);
	if ((err = store_token_find(st, hex, found_cb, &f, d))) {
		if (err != LIA_ENOTFOUND)
			return err;
		diag_set(d, "unknown token");
		return LIA_EDENIED;
	}
	if (f.bad || f.revoked || (f.expires && f.expires <= now)) {
		diag_set(d, "token %lld is %s", (long long)f.id,
			 f.revoked ? "revoked" : "expired or damaged");
		return LIA_EDENIED;
	}
	if ((err = users_get(st, f.user, &u, d))) {
		diag_set(d, "token %lld: its user is gone", (long long)f.id);
		return LIA_EDENIED;
	}
	*out = u;
	if (id)
		*id = f.id;
	return 0;
}
