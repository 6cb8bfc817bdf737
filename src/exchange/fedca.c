/*
 * fedca.c - a federation CA instead of pinning: checking CA certificates
 * and verifying a peer's certificate chain against them with GnuTLS.
 *
 * The CAs are trusted for one thing only: that the certificate's common
 * name is the agency that holds its key. The verification uses a trust
 * list that holds the federation CAs and nothing else, never the pinned
 * peers' self-signed certificates (a pinned peer must not be able to
 * issue certificates for other agencies).
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "liaison/identity.h"
#include "liaison/strbuf.h"

#define CA_MAX 16 /* certificates in a federation CA file */

int identity_ca_parse(const char *pem, size_t len, size_t *count, char fp[65],
		      struct diag *d)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len};
	gnutls_datum_t der = {NULL, 0};
	unsigned n = 0;
	uint8_t h[32];
	int err = LIA_EPARSE;

	if (!pem || !len || len > (size_t)CA_MAX * IDENTITY_CERT_MAX) {
		diag_set(d, "federation CA: empty or larger than %d bytes",
			 CA_MAX * IDENTITY_CERT_MAX);
		return LIA_ETOOBIG;
	}
	/* Independent CAs, not a chain: no order is required. */
	if (gnutls_x509_crt_list_import2(&crts, &n, &in, GNUTLS_X509_FMT_PEM,
					 0) < 0 ||
	    !n) {
		diag_set(d, "federation CA: not PEM certificates");
		goto out;
	}
	if (n > CA_MAX) {
		diag_set(d, "federation CA: more than %d certificates", CA_MAX);
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned crit = 0;

		/* Only certificates made to issue others: an end entity's
		 * certificate here would be a pin by another name. */
		if (gnutls_x509_crt_get_basic_constraints(crts[i], &crit, NULL,
							  NULL) != 1) {
			diag_set(d,
				 "federation CA: certificate %u is not a CA "
				 "(basicConstraints CA:TRUE)",
				 i + 1);
			goto out;
		}
	}
	if (gnutls_x509_crt_export2(crts[n - 1], GNUTLS_X509_FMT_DER, &der) <
	    0) {
		diag_set(d, "federation CA: cannot export");
		err = LIA_ECRYPTO;
		goto out;
	}
	crypto_hash_sha256(h, der.data, der.size);
	sodium_bin2hex(fp, 65, h, sizeof(h));
	*count = n;
	err = 0;
out:
	gnutls_free(der.data);
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return err;
}

int identity_ca_verify(const char *ca_pem, size_t ca_len, const char *crl_pem,
		       size_t crl_len, const uint8_t *const *der,
		       const size_t *der_len, size_t n,
		       char agency[MARKING_CODE_MAX + 1], struct diag *d)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t chain[8] = {NULL};
	gnutls_datum_t in = {(unsigned char *)ca_pem, (unsigned)ca_len};
	gnutls_datum_t crl = {(unsigned char *)crl_pem, (unsigned)crl_len};
	char cn[MARKING_CODE_MAX + 2];
	size_t cn_len = sizeof(cn);
	unsigned status = 0, nc = 0;
	int err = LIA_EDENIED, g;

	if (!n || n > 8) {
		diag_set(d, "a chain of 1..8 certificates");
		return LIA_EDENIED;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		return LIA_ENOMEM;
	/* The revocation lists are added only when a CA in the list signed
	 * them (GNUTLS_TL_VERIFY_CRL); they were checked so at installation,
	 * and a CA removed since leaves its lists without effect. */
	if ((g = gnutls_x509_trust_list_add_trust_mem(
		 tl, &in, crl_pem && crl_len ? &crl : NULL, GNUTLS_X509_FMT_PEM,
		 GNUTLS_TL_VERIFY_CRL, 0)) <= 0) {
		diag_set(d, "federation CA unusable");
		err = LIA_ECONFIG;
		goto out;
	}
	for (; nc < n; nc++) {
		gnutls_datum_t c = {(unsigned char *)der[nc],
				    (unsigned)der_len[nc]};

		if (der_len[nc] > IDENTITY_CERT_MAX ||
		    gnutls_x509_crt_init(&chain[nc]) < 0 ||
		    gnutls_x509_crt_import(chain[nc], &c, GNUTLS_X509_FMT_DER) <
			0) {
			diag_set(d, "certificate %u of the chain unreadable",
				 nc + 1);
			if (chain[nc])
				nc++;
			goto out;
		}
	}
	if (gnutls_x509_trust_list_verify_crt(tl, chain, nc, 0, &status, NULL) <
		0 ||
	    status) {
		gnutls_datum_t why = {NULL, 0};

		if (status & GNUTLS_CERT_REVOKED)
			diag_set(d, "revoked by the federation CA's "
				    "revocation list");
		else if (gnutls_certificate_verification_status_print(
			     status, GNUTLS_CRT_X509, &why, 0) >= 0 &&
			 why.data)
			diag_set(d, "not signed by the federation CA: %s",
				 (const char *)why.data);
		else
			diag_set(d, "not signed by the federation CA");
		gnutls_free(why.data);
		goto out;
	}
	if (gnutls_x509_crt_get_dn_by_oid(chain[0], GNUTLS_OID_X520_COMMON_NAME,
					  0, 0, cn, &cn_len) < 0 ||
	    !identity_agency_ok(cn, strnlen(cn, sizeof(cn)))) {
		diag_set(d, "signed by the federation CA but its common name "
			    "is not an agency code");
		goto out;
	}
	(void)str_copy(agency, MARKING_CODE_MAX + 1, cn);
	err = 0;
out:
	for (unsigned i = 0; i < nc; i++)
		gnutls_x509_crt_deinit(chain[i]);
	gnutls_x509_trust_list_deinit(tl, 1);
	return err;
}

/* The CAs of a federation CA file (checked by identity_ca_parse). */
static int ca_import(const char *pem, size_t len, gnutls_x509_crt_t **crts,
		     unsigned *n, struct diag *d)
{
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len};

	if (!pem || !len || len > (size_t)CA_MAX * IDENTITY_CERT_MAX ||
	    gnutls_x509_crt_list_import2(crts, n, &in, GNUTLS_X509_FMT_PEM, 0) <
		0 ||
	    !*n || *n > CA_MAX) {
		diag_set(d, "federation CA file unreadable");
		return LIA_EPARSE;
	}
	return 0;
}

static void ca_free(gnutls_x509_crt_t *crts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
}

static int crt_sha256(gnutls_x509_crt_t crt, char fp[65])
{
	gnutls_datum_t der = {NULL, 0};
	uint8_t h[32];

	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
		return LIA_ECRYPTO;
	crypto_hash_sha256(h, der.data, der.size);
	sodium_bin2hex(fp, 65, h, sizeof(h));
	gnutls_free(der.data);
	return 0;
}

int identity_ca_each(const char *pem, size_t len,
		     int (*fn)(const char *fp, const char *dn, int64_t expires,
			       void *ctx),
		     void *ctx, struct diag *d)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_datum_t dn = {NULL, 0};
	unsigned n = 0;
	char fp[65];
	int err;

	if ((err = ca_import(pem, len, &crts, &n, d)))
		return err;
	for (unsigned i = 0; i < n && !err; i++) {
		if ((err = crt_sha256(crts[i], fp)) ||
		    gnutls_x509_crt_get_dn3(crts[i], &dn, 0) < 0) {
			diag_set(d, "federation CA %u unreadable", i + 1);
			err = LIA_ECRYPTO;
			break;
		}
		err = fn(fp, (const char *)dn.data,
			 (int64_t)gnutls_x509_crt_get_expiration_time(crts[i]),
			 ctx);
		gnutls_free(dn.data);
		dn.data = NULL;
	}
	ca_free(crts, n);
	return err;
}

int identity_ca_remove(const char *pem, size_t len, const char *fp, char **out,
		       size_t *out_len, struct diag *d)
{
	gnutls_x509_crt_t *crts = NULL;
	struct strbuf sb;
	unsigned n = 0, found = 0;
	char h[65];
	int err;

	if ((err = ca_import(pem, len, &crts, &n, d)))
		return err;
	strbuf_init(&sb, (size_t)CA_MAX * IDENTITY_CERT_MAX);
	for (unsigned i = 0; i < n; i++) {
		gnutls_datum_t p = {NULL, 0};

		if ((err = crt_sha256(crts[i], h)))
			goto out;
		if (!strcmp(h, fp)) {
			found++;
			continue;
		}
		/* The others are written again as GnuTLS exports them:
		 * the same certificates, in the same order. */
		if (gnutls_x509_crt_export2(crts[i], GNUTLS_X509_FMT_PEM, &p) <
		    0) {
			err = LIA_ECRYPTO;
			goto out;
		}
		err = strbuf_add(&sb, (const char *)p.data, p.size);
		gnutls_free(p.data);
		if (err)
			goto out;
	}
	if (!found) {
		diag_set(d, "no federation CA with SHA-256 %s", fp);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (!(*out = strbuf_detach(&sb, out_len)))
		err = LIA_ENOMEM;
out:
	strbuf_release(&sb);
	ca_free(crts, n);
	return err;
}

int identity_crl_parse(const char *ca_pem, size_t ca_len, const char *crl_pem,
		       size_t crl_len, size_t *count, struct diag *d)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_crl_t *crls = NULL;
	gnutls_datum_t in = {(unsigned char *)crl_pem, (unsigned)crl_len};
	unsigned n = 0, nl = 0;
	int err;

	if (!crl_pem || !crl_len || crl_len > IDENTITY_CRL_MAX) {
		diag_set(d, "revocation list: empty or larger than %d bytes",
			 IDENTITY_CRL_MAX);
		return LIA_ETOOBIG;
	}
	if ((err = ca_import(ca_pem, ca_len, &crts, &n, d)))
		return err;
	err = LIA_EPARSE;
	if (gnutls_x509_crl_list_import2(&crls, &nl, &in, GNUTLS_X509_FMT_PEM,
					 0) < 0 ||
	    !nl) {
		diag_set(d, "revocation list: not a PEM X.509 CRL");
		goto out;
	}
	if (nl > CA_MAX) {
		diag_set(d, "revocation list: more than %d lists", CA_MAX);
		goto out;
	}
	for (unsigned i = 0; i < nl; i++) {
		unsigned v = 0;

		/* Only a list a trusted CA signed may revoke anything. */
		if (gnutls_x509_crl_verify(crls[i], crts, n, 0, &v) < 0 || v) {
			diag_set(d,
				 "revocation list %u: not signed by a "
				 "federation CA",
				 i + 1);
			err = LIA_EDENIED;
			goto out;
		}
	}
	*count = nl;
	err = 0;
out:
	for (unsigned i = 0; i < nl; i++)
		gnutls_x509_crl_deinit(crls[i]);
	gnutls_free(crls);
	ca_free(crts, n);
	return err;
}
