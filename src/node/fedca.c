/*
 * fedca.c - the node's federation CAs (HOME/federation-ca.pem) and its own
 * certificate issued by one (HOME/tls-ca.crt).
 *
 * Both are files written whole (temporary file, fsync, rename), mode
 * 0600, and read by `liaison serve` at start. The checks are GnuTLS's
 * (identity_ca_parse, identity_ca_verify); this file only decides what
 * may be installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "liaison/identity.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"

#define FEDCA_MAX ((size_t)16 * IDENTITY_CERT_MAX)

static int home_path(char *buf, size_t n, const char *home, const char *name,
		     struct diag *d)
{
	int k = snprintf(buf, n, "%s/%s", home, name);

	if (k < 0 || (size_t)k >= n) {
		diag_set(d, "path under %s too long", home);
		return LIA_ETOOBIG;
	}
	return 0;
}

/* Replace path with (p, n), durably: a reader sees the old file or the
 * new one. */
static int write_whole(const char *home, const char *path, const char *p,
		       size_t n, struct diag *d)
{
	char tmp[PATH_MAX];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return LIA_ETOOBIG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || fsync(fd) || close(fd)) {
		diag_set(d, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return LIA_EIO;
	}
	if (rename(tmp, path)) {
		diag_set(d, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return LIA_EIO;
	}
	fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = LIA_EIO;
	if (fd >= 0)
		close(fd);
	return err;
}

int node_fedca_load(const char *home, char **pem, size_t *len, struct diag *d)
{
	char path[PATH_MAX];
	int err;

	if ((err = home_path(path, sizeof(path), home, NODE_FEDCA_FILE, d)))
		return err;
	return strbuf_read_file(path, FEDCA_MAX, pem, len, d);
}

int node_fedca_add(struct node *n, const char *pem, size_t len,
		   const char *actor, char fp[65], struct diag *d)
{
	char path[PATH_MAX], *old = NULL, *all = NULL, dummy[65];
	size_t old_len = 0, count = 0;
	int err;

	if ((err = identity_ca_parse(pem, len, &count, fp, d)) ||
	    (err = home_path(path, sizeof(path), n->home, NODE_FEDCA_FILE, d)))
		return err;
	err = node_fedca_load(n->home, &old, &old_len, d);
	if (err && err != LIA_ENOTFOUND)
		return err;
	if (old_len > FEDCA_MAX || len > FEDCA_MAX - old_len) {
		diag_set(d, "federation CA file would exceed %zu bytes",
			 FEDCA_MAX);
		err = LIA_ETOOBIG;
		goto out;
	}
	if (!(all = malloc(old_len + len + 2))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (old_len)
		memcpy(all, old, old_len);
	memcpy(all + old_len, pem, len);
	/* The whole file must still parse (and stay within the limit). */
	if ((err = identity_ca_parse(all, old_len + len, &count, dummy, d)) ||
	    (err = write_whole(n->home, path, all, old_len + len, d)) ||
	    (err = store_audit(n->store, actor, "peer-ca-add", fp,
			       "federation CA added", d)))
		goto out;
out:
	free(old);
	free(all);
	return err;
}

int node_fedcrl_load(const char *home, char **pem, size_t *len, struct diag *d)
{
	char path[PATH_MAX];
	int err;

	if ((err = home_path(path, sizeof(path), home, NODE_FEDCRL_FILE, d)))
		return err;
	return strbuf_read_file(path, IDENTITY_CRL_MAX, pem, len, d);
}

int node_fedca_crl_add(struct node *n, const char *pem, size_t len,
		       const char *actor, size_t *count, struct diag *d)
{
	char path[PATH_MAX], *ca = NULL, *old = NULL, *all = NULL;
	char detail[64];
	size_t ca_len = 0, old_len = 0, k = 0;
	int err;

	if ((err = node_fedca_load(n->home, &ca, &ca_len, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "no federation CA (liaison peer ca add)");
		goto out;
	}
	if ((err = identity_crl_parse(ca, ca_len, pem, len, &k, d)) ||
	    (err = home_path(path, sizeof(path), n->home, NODE_FEDCRL_FILE, d)))
		goto out;
	err = node_fedcrl_load(n->home, &old, &old_len, d);
	if (err && err != LIA_ENOTFOUND)
		goto out;
	if (old_len > IDENTITY_CRL_MAX || len > IDENTITY_CRL_MAX - old_len) {
		diag_set(d, "revocation lists would exceed %d bytes",
			 IDENTITY_CRL_MAX);
		err = LIA_ETOOBIG;
		goto out;
	}
	if (!(all = malloc(old_len + len + 1))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if (old_len)
		memcpy(all, old, old_len);
	memcpy(all + old_len, pem, len);
	all[old_len + len] = 0;
	snprintf(detail, sizeof(detail), "%zu revocation list(s) added", k);
	/* Only the new lists are checked: older ones of a CA removed since
	 * stay in the file, without effect (serve adds only lists a trusted
	 * CA signed). */
	if ((err = write_whole(n->home, path, all, old_len + len, d)) ||
	    (err = store_audit(n->store, actor, "peer-ca-crl-add",
			       NODE_FEDCRL_FILE, detail, d)))
		goto out;
	*count = k;
out:
	free(ca);
	free(old);
	free(all);
	return err;
}

int node_fedca_remove(struct node *n, const char *fp, const char *actor,
		      struct diag *d)
{
	char path[PATH_MAX], crl[PATH_MAX], *ca = NULL, *rest = NULL;
	size_t ca_len = 0, rest_len = 0;
	int err;

	if ((err =
		 home_path(path, sizeof(path), n->home, NODE_FEDCA_FILE, d)) ||
	    (err = home_path(crl, sizeof(crl), n->home, NODE_FEDCRL_FILE, d)))
		return err;
	if ((err = node_fedca_load(n->home, &ca, &ca_len, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "no federation CA");
		goto out;
	}
	if ((err = identity_ca_remove(ca, ca_len, fp, &rest, &rest_len, d)))
		goto out;
	if (rest_len)
		err = write_whole(n->home, path, rest, rest_len, d);
	else if (unlink(path) || (unlink(crl) && errno != ENOENT)) {
		/* No CA left: its revocation lists mean nothing either. */
		diag_set(d, "%s: %s", path, strerror(errno));
		err = LIA_EIO;
	}
	if (!err)
		err = store_audit(n->store, actor, "peer-ca-remove", fp,
				  "federation CA removed", d);
out:
	free(ca);
	free(rest);
	return err;
}

/* The public key of a PEM certificate as DER (gnutls_free it). */
static int cert_pubkey(const char *pem, size_t len, gnutls_datum_t *out,
		       gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)len};
	int err = LIA_EPARSE;

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_pubkey_init(&pk) < 0 ||
	    gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, out) < 0 ||
	    (der && gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, der) < 0))
		goto out;
	err = 0;
out:
	gnutls_pubkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return err;
}

int node_tls_ca_cert_install(struct node *n, const struct identity *me,
			     const char *pem, size_t len, const char *actor,
			     struct diag *d)
{
	gnutls_datum_t mine = {NULL, 0}, theirs = {NULL, 0}, der = {NULL, 0};
	char *ca = NULL, path[PATH_MAX], agency[MARKING_CODE_MAX + 1];
	size_t ca_len = 0;
	const uint8_t *chain[1];
	size_t chain_len[1];
	const char *own = identity_tls_cert_pem(me);
	int err;

	if (!pem || !len || len > IDENTITY_CERT_MAX) {
		diag_set(d, "certificate: empty or over %d bytes",
			 IDENTITY_CERT_MAX);
		return LIA_ETOOBIG;
	}
	if ((err = node_fedca_load(n->home, &ca, &ca_len, d))) {
		if (err == LIA_ENOTFOUND)
			diag_set(d, "no federation CA (liaison peer ca add)");
		goto out;
	}
	if (cert_pubkey(pem, len, &theirs, &der) ||
	    cert_pubkey(own, strlen(own), &mine, NULL)) {
		diag_set(d, "certificate: not a PEM X.509 certificate");
		err = LIA_EPARSE;
		goto out;
	}
	/* For this node's own TLS key: the card's public key stays true,
	 * and partners that pin it keep working. */
	if (mine.size != theirs.size ||
	    memcmp(mine.data, theirs.data, mine.size)) {
		diag_set(d, "certificate: not for this node's TLS key "
			    "(keys/tls.key)");
		err = LIA_EINVAL;
		goto out;
	}
	chain[0] = der.data;
	chain_len[0] = der.size;
	if ((err = identity_ca_verify(ca, ca_len, NULL, 0, chain, chain_len, 1,
				      agency, d))) {
		diag_prefix(d, "certificate: ");
		goto out;
	}
	if (strcmp(agency, identity_agency(me))) {
		diag_set(d, "certificate: issued to %s, not to %s", agency,
			 identity_agency(me));
		err = LIA_EINVAL;
		goto out;
	}
	if ((err =
		 home_path(path, sizeof(path), n->home, NODE_TLS_CA_CERT, d)) ||
	    (err = write_whole(n->home, path, pem, len, d)))
		goto out;
	err = store_audit(n->store, actor, "tls-cert-install",
			  identity_agency(me),
			  "TLS certificate issued by the federation CA", d);
out:
	gnutls_free(mine.data);
	gnutls_free(theirs.data);
	gnutls_free(der.data);
	free(ca);
	return err;
}
