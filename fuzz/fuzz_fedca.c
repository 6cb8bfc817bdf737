/* fuzz_fedca.c - the federation CA file and its revocation lists on
 * untrusted bytes: identity_ca_parse, identity_ca_each, identity_ca_remove,
 * identity_crl_parse and identity_ca_verify (PEM and DER through GnuTLS,
 * and the counts and limits around it). The first byte chooses the entry
 * point; a NUL splits the rest into the CA file and the second input (a
 * CRL file, or a peer's DER certificate). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liaison/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_ca(const char *fp, const char *dn, int64_t expires, void *ctx)
{
	(void)expires;
	/* Every CA listed has a full fingerprint and a subject. */
	if (strlen(fp) != 64 || !dn)
		abort();
	(*(size_t *)ctx)++;
	return 0;
}

static void ca_file(const char *pem, size_t len)
{
	char fp[65], *out = NULL;
	size_t n = 0, listed = 0, out_len = 0, left = 0;
	struct diag d;

	if (identity_ca_parse(pem, len, &n, fp, &d))
		return;
	if (n < 1 || n > 16 || strlen(fp) != 64)
		abort();
	if (identity_ca_each(pem, len, count_ca, &listed, &d) == 0 &&
	    listed != n)
		abort();
	/* Removing the last CA leaves the others, and a file that still
	 * parses as CAs (or nothing). */
	if (identity_ca_remove(pem, len, fp, &out, &out_len, &d) == 0) {
		if (out_len &&
		    (identity_ca_parse(out, out_len, &left, fp, &d) ||
		     left >= n))
			abort();
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a, *b, *nul;
	size_t alen, blen, count = 0;
	char agency[MARKING_CODE_MAX + 1];
	struct diag d;

	if (size < 1)
		return 0;
	a = (const char *)data + 1;
	nul = memchr(a, '\0', size - 1);
	alen = nul ? (size_t)(nul - a) : size - 1;
	b = nul ? nul + 1 : a + alen;
	blen = size - 1 - alen - (nul ? 1 : 0);
	switch (data[0] % 3) {
	case 0:
		ca_file((const char *)data + 1, size - 1);
		break;
	case 1:
		if (identity_crl_parse(a, alen, b, blen, &count, &d) == 0 &&
		    (count < 1 || count > 16))
			abort();
		break;
	default: {
		const uint8_t *der[1] = {(const uint8_t *)b};
		size_t der_len[1] = {blen};

		(void)identity_ca_verify(a, alen, NULL, 0, der, der_len, 1,
					 agency, &d);
		break;
	}
	}
	return 0;
}
