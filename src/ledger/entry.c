/*
 * entry.c - the frame of the entries liaison writes into its ledger: a
 * magic, the length of a JSON document, the document and an optional
 * Ed25519 signature (ledger.h, docs/BUNDLE-FORMAT.md).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "liaison/ledger.h"

#define CTX_LEN (sizeof(LEDGER_SIG_CONTEXT)) /* with its NUL */

int ledger_frame(const void *doc, size_t len, const uint8_t *sig, uint8_t **out,
		 size_t *out_len)
{
	size_t total = LEDGER_FRAME_HDR + len + (sig ? LEDGER_SIG_SIZE : 0);
	uint8_t *p;

	if (!doc || !out || !out_len || len == 0)
		return LIA_EINVAL;
	/* The bound keeps the total far below SIZE_MAX and the length within
	 * its 4 bytes. */
	if (len > LEDGER_DOC_MAX)
		return LIA_ETOOBIG;
	if (!(p = malloc(total)))
		return LIA_ENOMEM;
	memcpy(p, LEDGER_FRAME_MAGIC, 4);
	p[4] = (uint8_t)(len >> 24);
	p[5] = (uint8_t)(len >> 16);
	p[6] = (uint8_t)(len >> 8);
	p[7] = (uint8_t)len;
	memcpy(p + LEDGER_FRAME_HDR, doc, len);
	if (sig)
		memcpy(p + LEDGER_FRAME_HDR + len, sig, LEDGER_SIG_SIZE);
	*out = p;
	*out_len = total;
	return 0;
}

int ledger_unframe(const uint8_t *e, size_t len, const uint8_t **doc,
		   size_t *doc_len, const uint8_t **sig, struct diag *d)
{
	size_t n, rest;

	if (!e || !doc || !doc_len || !sig)
		return LIA_EINVAL;
	if (len < LEDGER_FRAME_HDR || memcmp(e, LEDGER_FRAME_MAGIC, 4) != 0) {
		diag_set(d, "entry: not a framed liaison entry");
		return LIA_EPARSE;
	}
	n = (size_t)e[4] << 24 | (size_t)e[5] << 16 | (size_t)e[6] << 8 |
	    (size_t)e[7];
	if (n == 0 || n > LEDGER_DOC_MAX || n > len - LEDGER_FRAME_HDR) {
		diag_set(d, "entry: document length %zu out of bounds", n);
		return LIA_EPARSE;
	}
	rest = len - LEDGER_FRAME_HDR - n;
	if (rest != 0 && rest != LEDGER_SIG_SIZE) {
		diag_set(d,
			 "entry: %zu bytes after the document (0 or %d "
			 "expected)",
			 rest, LEDGER_SIG_SIZE);
		return LIA_EPARSE;
	}
	*doc = e + LEDGER_FRAME_HDR;
	*doc_len = n;
	*sig = rest ? e + LEDGER_FRAME_HDR + n : NULL;
	return 0;
}

int ledger_sig_message(const void *doc, size_t len, uint8_t **out,
		       size_t *out_len)
{
	uint8_t *p;

	if (!doc || !out || !out_len)
		return LIA_EINVAL;
	if (len > LEDGER_DOC_MAX)
		return LIA_ETOOBIG;
	if (!(p = malloc(CTX_LEN + len)))
		return LIA_ENOMEM;
	memcpy(p, LEDGER_SIG_CONTEXT, CTX_LEN);
	memcpy(p + CTX_LEN, doc, len);
	*out = p;
	*out_len = CTX_LEN + len;
	return 0;
}

int ledger_sig_verify(const uint8_t pk[LEDGER_PK_SIZE], const void *doc,
		      size_t len, const uint8_t sig[LEDGER_SIG_SIZE])
{
	uint8_t *msg = NULL;
	size_t n;
	int err;

	if (!pk || !sig)
		return LIA_EINVAL;
	if ((err = ledger_sig_message(doc, len, &msg, &n)))
		return err;
	err =
	    crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? 0 : LIA_ECRYPTO;
	free(msg);
	return err;
}
