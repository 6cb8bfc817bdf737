/*
 * identity.c - the node's keys (HOME/keys/), its TLS certificate and the
 * public card partners pin.
 *
 * Why ECDSA P-256 for TLS and not Ed25519: GnuTLS 3.7 (Debian 12) can do
 * TLS 1.3 with either, through libmicrohttpd and libcurl alike, but
 * ecdsa_secp256r1_sha256 is the one signature scheme RFC 8446 makes
 * mandatory for TLS 1.3 implementations, while Ed25519 certificates are
 * optional there and still missing from many HSMs and federation CAs. A
 * partner's node behind another TLS stack, or a federation CA configured
 * later, will therefore accept P-256 where it might refuse Ed25519. The
 * TLS key is also deliberately a different key from the Ed25519 key that
 * signs envelopes: a transport key can then be rotated (or live in a TLS
 * terminator) without touching the identity partners have pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <sodium.h>

#include "exchange/exchange_int.h"
#include "liaison/ledger.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

#define IDENTITY_FILE_VERSION 1
#define IDENTITY_JSON_MAX 4096
#define IDENTITY_TLS_KEY_MAX 8192

/* The card's signature covers these bytes first, so it can never be
 * mistaken for an envelope signature (which starts with "LIAE"). */
static const char card_context[] = "liaison-card-v1";

/* The files of HOME/keys/, in the order identity_create writes them:
 * identity.json last, so its presence means the identity is complete. */
static const char *const key_files[] = {
    "sign.key", "box.key", "tls.key", "tls.crt", "identity.json",
};
#define N_KEY_FILES (sizeof(key_files) / sizeof(key_files[0]))

/* --- small helpers ------------------------------------------------------ */

int exchange_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t bin_len = 0;

	if (slen != 2 * n)
		return LIA_EPARSE;
	for (size_t i = 0; i < slen; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return LIA_EPARSE;
	if (sodium_hex2bin(out, n, s, slen, NULL, &bin_len, NULL) ||
	    bin_len != n)
		return LIA_EPARSE;
	return 0;
}

bool identity_agency_ok(const char *s, size_t len)
{
	if (!len || len > MARKING_CODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* A name is shown to people and written into the certificate: it must be
 * valid UTF-8 without control characters that could forge output. */
static bool name_ok(const char *s, size_t len)
{
	if (!len || len > IDENTITY_NAME_MAX || !utf8_valid(s, len, NULL))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* Accept an alpha-2 code the country table knows; out is upper case. */
static bool country_ok(const char *s, size_t len, char out[3])
{
	char lower[3];

	if (len != 2 || types_country(s, len, lower, NULL))
		return false;
	out[0] = (char)(lower[0] - 'a' + 'A');
	out[1] = (char)(lower[1] - 'a' + 'A');
	out[2] = '\0';
	return true;
}

static int add_field(struct strbuf *sb, const void *p, size_t n)
{
	uint8_t len[4];
	int rc;

	if (n > UINT32_MAX)
		return LIA_ETOOBIG;
	exchange_put_u32(len, (uint32_t)n);
	if ((rc = strbuf_add(sb, len, sizeof(len))))
		return rc;
	return strbuf_add(sb, p, n);
}

/* The bytes the card's Ed25519 signature covers (docs/EXCHANGE-FORMAT.md):
 * context, then each field as a 32-bit big-endian length and its bytes.
 * Binary and length-prefixed, so no JSON encoder's choices (escapes, key
 * order, spacing) can change what is signed. */
static int card_signed_bytes(const char *agency, const char *name,
			     const char *country, const uint8_t *sign_pk,
			     const uint8_t *box_pk, const uint8_t *der,
			     size_t der_len, struct strbuf *out)
{
	int rc;

	if ((rc = strbuf_add(out, card_context, sizeof(card_context) - 1)) ||
	    (rc = add_field(out, agency, strlen(agency))) ||
	    (rc = add_field(out, name, strlen(name))) ||
	    (rc = add_field(out, country, strlen(country))) ||
	    (rc = add_field(out, sign_pk, IDENTITY_PK_BYTES)) ||
	    (rc = add_field(out, box_pk, IDENTITY_PK_BYTES)) ||
	    (rc = add_field(out, der, der_len)))
		return rc;
	return 0;
}

/* --- TLS certificate ---------------------------------------------------- */

/* Copy a GnuTLS datum holding a secret into sodium memory and wipe it. */
static int secret_from_datum(gnutls_datum_t *dt, char **out, size_t *len)
{
	char *p = sodium_malloc((size_t)dt->size + 1);

	if (!p) {
		sodium_memzero(dt->data, dt->size);
		gnutls_free(dt->data);
		dt->data = NULL;
		return LIA_ENOMEM;
	}
	memcpy(p, dt->data, dt->size);
	p[dt->size] = '\0';
	*len = dt->size;
	sodium_memzero(dt->data, dt->size);
	gnutls_free(dt->data);
	dt->data = NULL;
	*out = p;
	return 0;
}

static int tls_generate(const char *agency, const char *name,
			const char *country, char **key_pem, size_t *key_len,
			char **cert_pem, struct diag *d)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kd = {NULL, 0}, cd = {NULL, 0};
	uint8_t serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	time_t now = time(NULL);
	char *kp = NULL, *cp = NULL;
	size_t kl = 0;
	int g, rc = LIA_ECRYPTO;

	/* Positive and without a leading zero byte, as DER wants it. */
	randombytes_buf(serial, sizeof(serial));
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	if ((g = gnutls_x509_privkey_init(&key)) ||
	    (g = gnutls_x509_privkey_generate2(
		 key, GNUTLS_PK_ECDSA,
		 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL,
		 0)) ||
	    (g = gnutls_x509_crt_init(&crt)) ||
	    (g = gnutls_x509_crt_set_version(crt, 3)) ||
	    (g = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) ||
	    /* An hour back, so a partner whose clock is a little behind
	     * does not see a certificate from the future. */
	    (g = gnutls_x509_crt_set_activation_time(crt, now - 3600)) ||
	    (g = gnutls_x509_crt_set_expiration_time(
		 crt, now + (time_t)IDENTITY_TLS_DAYS * 86400)) ||
	    (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					       0, agency,
					       (unsigned)strlen(agency))) ||
	    (g = gnutls_x509_crt_set_dn_by_oid(
		 crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, name,
		 (unsigned)strlen(name))) ||
	    (g = gnutls_x509_crt_set_dn_by_oid(
		 crt, GNUTLS_OID_X520_COUNTRY_NAME, 0, country, 2)) ||
	    (g = gnutls_x509_crt_set_key(crt, key)) ||
	    (g = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) ||
	    (g = gnutls_x509_crt_set_key_usage(crt,
					       GNUTLS_KEY_DIGITAL_SIGNATURE)) ||
	    (g = gnutls_x509_crt_set_key_purpose_oid(
		 crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) ||
	    (g = gnutls_x509_crt_set_key_purpose_oid(
		 crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) ||
	    (g = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, keyid,
					    &keyid_len)) ||
	    (g = gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len)) ||
	    (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) ||
	    (g = gnutls_x509_privkey_export2_pkcs8(
		 key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &kd)) ||
	    (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd))) {
		diag_set(d, "TLS certificate: %s", gnutls_strerror(g));
		goto out;
	}
	if ((rc = secret_from_datum(&kd, &kp, &kl)))
		goto out;
	if (!(cp = malloc((size_t)cd.size + 1))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(cp, cd.data, cd.size);
	cp[cd.size] = '\0';
	*key_pem = kp;
	*key_len = kl;
	*cert_pem = cp;
	kp = cp = NULL;
	rc = 0;
out:
	if (kd.data) {
		sodium_memzero(kd.data, kd.size);
		gnutls_free(kd.data);
	}
	gnutls_free(cd.data);
	sodium_free(kp);
	free(cp);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/* Import a PEM certificate and check what every liaison certificate must
 * be: ECDSA P-256 or Ed25519, CN = agency, at most IDENTITY_CERT_MAX
 * bytes. On success *der (malloc'd) is its DER form. */
static int cert_check(const char *pem, size_t pem_len, const char *agency,
		      uint8_t **der, size_t *der_len, int64_t *not_before,
		      int64_t *not_after, struct diag *d)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)pem_len};
	gnutls_datum_t dd = {NULL, 0}, pd = {NULL, 0};
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	char cn[MARKING_CODE_MAX + 2];
	size_t cn_len = sizeof(cn);
	uint8_t *p = NULL;
	int pk, rc = LIA_ECRYPTO;

	if (pem_len > IDENTITY_CERT_MAX) {
		diag_set(d, "certificate longer than %d bytes",
			 IDENTITY_CERT_MAX);
		return LIA_ETOOBIG;
	}
	if (gnutls_x509_crt_init(&crt) ||
	    gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &dd) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pd)) {
		diag_set(d, "certificate: not an X.509 certificate in PEM");
		rc = LIA_EPARSE;
		goto out;
	}
	/* PEM around the same DER could carry text before or after it; only
	 * the plain RFC 7468 form is accepted, so a card has one spelling. */
	if (pd.size != pem_len || memcmp(pd.data, pem, pem_len)) {
		diag_set(d,
			 "certificate: PEM is not in its canonical form "
			 "(one certificate, 64-column base64, no other text)");
		rc = LIA_EPARSE;
		goto out;
	}
	if (dd.size > IDENTITY_CERT_MAX) {
		diag_set(d, "certificate longer than %d bytes",
			 IDENTITY_CERT_MAX);
		rc = LIA_ETOOBIG;
		goto out;
	}
	pk = gnutls_x509_crt_get_pk_algorithm(crt, NULL);
	if (pk == GNUTLS_PK_ECDSA) {
		gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
		if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y))
			curve = GNUTLS_ECC_CURVE_INVALID;
		gnutls_free(x.data);
		gnutls_free(y.data);
	}
	if (!(pk == GNUTLS_PK_EDDSA_ED25519 ||
	      (pk == GNUTLS_PK_ECDSA && curve == GNUTLS_ECC_CURVE_SECP256R1))) {
		diag_set(d, "certificate: key is neither ECDSA P-256 nor "
			    "Ed25519");
		goto out;
	}
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  0, cn, &cn_len) ||
	    strcmp(cn, agency)) {
		diag_set(d,
			 "certificate: common name is not the agency "
			 "code %s",
			 agency);
		goto out;
	}
	if (!(p = malloc(dd.size ? dd.size : 1))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(p, dd.data, dd.size);
	*der = p;
	*der_len = dd.size;
	if (not_before)
		*not_before = (int64_t)gnutls_x509_crt_get_activation_time(crt);
	if (not_after)
		*not_after = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
	rc = 0;
out:
	gnutls_free(dd.data);
	gnutls_free(pd.data);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* Does the TLS private key belong to the certificate? Compares the
 * SHA-256 of the public key each holds. */
static int tls_pair_check(const char *key_pem, size_t key_len,
			  const char *cert_pem, size_t cert_len)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned)key_len};
	gnutls_datum_t cd = {(unsigned char *)cert_pem, (unsigned)cert_len};
	uint8_t a[64], b[64];
	size_t al = sizeof(a), bl = sizeof(b);
	int rc = LIA_ECONFIG;

	if (gnutls_x509_privkey_init(&key) ||
	    gnutls_x509_privkey_import(key, &kd, GNUTLS_X509_FMT_PEM) ||
	    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, a,
					   &al) ||
	    gnutls_x509_crt_init(&crt) ||
	    gnutls_x509_crt_import(crt, &cd, GNUTLS_X509_FMT_PEM) ||
	    gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, b, &bl))
		goto out;
	if (al == bl && !sodium_memcmp(a, b, al))
		rc = 0;
out:
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/* --- files -------------------------------------------------------------- */

static int write_file_at(int dirfd, const char *name, const void *data,
			 size_t len, struct diag *d)
{
	const uint8_t *p = data;
	int fd, rc = LIA_EIO;

	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno; /* diag_set may change errno */
		diag_set(d, "keys/%s: %s", name, strerror(e));
		return e == EEXIST ? LIA_EEXIST : LIA_EIO;
	}
	/* The umask can only remove bits; make the mode exact anyway. */
	if (fchmod(fd, 0600))
		goto fail;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd))
		goto fail;
	rc = 0;
fail:
	if (rc)
		diag_set(d, "keys/%s: %s", name, strerror(errno));
	if (close(fd) && !rc) {
		diag_set(d, "keys/%s: %s", name, strerror(errno));
		rc = LIA_EIO;
	}
	return rc;
}

/* Read a whole file of HOME/keys/ that is a private regular file of at
 * most max bytes (exactly max when exact). Secrets go to sodium memory.
 * The result is NUL-terminated; release it with free_file(). */
static int read_file_at(int dirfd, const char *name, size_t max, bool exact,
			bool secret, char **out, size_t *out_len,
			struct diag *d)
{
	struct stat st;
	char *buf = NULL;
	size_t len, got = 0;
	int fd, rc = LIA_EIO;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		diag_set(d, "keys/%s: %s", name, strerror(e));
		return e == ENOENT  ? LIA_ENOTFOUND
		       : e == ELOOP ? LIA_EDENIED
				    : LIA_EIO;
	}
	if (fstat(fd, &st)) {
		diag_set(d, "keys/%s: %s", name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		diag_set(d,
			 "keys/%s: must be a regular file with mode 0600 "
			 "(is %04o)",
			 name, (unsigned)(st.st_mode & 07777));
		rc = LIA_EDENIED;
		goto out;
	}
	len = (size_t)st.st_size;
	if (st.st_size < 0 || len > max || (exact && len != max)) {
		diag_set(d, "keys/%s: wrong size (%lld bytes)", name,
			 (long long)st.st_size);
		rc = LIA_ECONFIG;
		goto out;
	}
	buf = secret ? sodium_malloc(len + 1) : malloc(len + 1);
	if (!buf) {
		rc = LIA_ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag_set(d, "keys/%s: short read", name);
			goto out;
		}
		got += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
out:
	if (buf) {
		if (secret)
			sodium_free(buf);
		else
			free(buf);
	}
	close(fd);
	return rc;
}

/* identity.json: the public half, so that load can check every key. */
static int identity_json_text(const struct identity *id, char **out)
{
	char spk[2 * IDENTITY_PK_BYTES + 1], bpk[2 * IDENTITY_PK_BYTES + 1];
	json_t *o = json_object();
	char *text = NULL;
	int rc = LIA_ENOMEM;

	sodium_bin2hex(spk, sizeof(spk), id->sign_pk, IDENTITY_PK_BYTES);
	sodium_bin2hex(bpk, sizeof(bpk), id->box_pk, IDENTITY_PK_BYTES);
	if (!o ||
	    json_object_set_new(o, "version",
				json_integer(IDENTITY_FILE_VERSION)) ||
	    json_object_set_new(o, "agency", json_string(id->agency)) ||
	    json_object_set_new(o, "name", json_string(id->name)) ||
	    json_object_set_new(o, "country", json_string(id->country)) ||
	    json_object_set_new(o, "ed25519_pk", json_string(spk)) ||
	    json_object_set_new(o, "x25519_pk", json_string(bpk)))
		goto out;
	if (!(text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS)))
		goto out;
	*out = text;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

static const char *str_field(const json_t *o, const char *key, size_t *len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

static int identity_json_parse(const char *text, size_t len,
			       struct identity *id, uint8_t sign_pk[32],
			       uint8_t box_pk[32], struct diag *d)
{
	json_error_t jerr;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *v;
	const char *s;
	size_t n = 0;
	int rc = LIA_ECONFIG;

	if (!json_is_object(o)) {
		diag_set(d, "keys/identity.json: not a JSON object");
		goto out;
	}
	v = json_object_get(o, "version");
	if (!json_is_integer(v) ||
	    json_integer_value(v) != IDENTITY_FILE_VERSION) {
		diag_set(d, "keys/identity.json: unsupported version");
		if (json_is_integer(v) &&
		    json_integer_value(v) > IDENTITY_FILE_VERSION)
			rc = LIA_EVERSION;
		goto out;
	}
	if (!(s = str_field(o, "agency", &n)) || !identity_agency_ok(s, n) ||
	    str_copy(id->agency, sizeof(id->agency), s) ||
	    !(s = str_field(o, "name", &n)) || !name_ok(s, n) ||
	    str_copy(id->name, sizeof(id->name), s) ||
	    !(s = str_field(o, "country", &n)) || n != 2 ||
	    !country_ok(s, n, id->country) || strcmp(s, id->country) ||
	    !(s = str_field(o, "ed25519_pk", &n)) ||
	    exchange_hex_decode(s, n, sign_pk, IDENTITY_PK_BYTES) ||
	    !(s = str_field(o, "x25519_pk", &n)) ||
	    exchange_hex_decode(s, n, box_pk, IDENTITY_PK_BYTES)) {
		diag_set(d, "keys/identity.json: a field is missing or "
			    "invalid");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* --- create, load, free ------------------------------------------------- */

void identity_free(struct identity *id)
{
	if (!id)
		return;
	/* sodium_free wipes the whole block before unmapping it. */
	sodium_free(id->sign_sk);
	sodium_free(id->box_sk);
	sodium_free(id->tls_key_pem);
	free(id->tls_cert_pem);
	free(id);
}

int identity_sign(const struct identity *id, const uint8_t *msg, size_t len,
		  uint8_t sig[IDENTITY_SIG_BYTES])
{
	uint8_t s[IDENTITY_SIG_BYTES];

	if (!id || !id->sign_sk || !sig || (len && !msg))
		return LIA_EINVAL;
	if (crypto_sign_detached(s, NULL, msg, len, id->sign_sk) != 0)
		return LIA_ECRYPTO;
	memcpy(sig, s, sizeof(s));
	return 0;
}

static int ledger_sign_cb(void *ctx, const uint8_t *msg, size_t len,
			  uint8_t sig[LEDGER_SIG_SIZE])
{
	return identity_sign(ctx, msg, len, sig);
}

void identity_ledger_signer(const struct identity *id,
			    struct ledger_signer *out)
{
	/* The callback's context is not const in the ledger's interface;
	 * identity_sign only reads the identity. */
	out->sign = ledger_sign_cb;
	out->ctx = (void *)id;
	memcpy(out->pk, id->sign_pk, LEDGER_PK_SIZE);
}

static void remove_partial(int homefd, int keysfd)
{
	for (size_t i = 0; i < N_KEY_FILES; i++)
		(void)unlinkat(keysfd, key_files[i], 0);
	(void)unlinkat(homefd, "keys", AT_REMOVEDIR);
}

int identity_create(const char *home, const char *agency, const char *name,
		    const char *country, struct identity **out, struct diag *d)
{
	struct identity *id = NULL;
	uint8_t *seed = NULL;
	char *json = NULL;
	int homefd = -1, keysfd = -1, rc;
	bool made_keys = false;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!agency || !identity_agency_ok(agency, strlen(agency))) {
		diag_set(d,
			 "agency code must be 1-%d characters A-Z, 0-9, "
			 "'-', '_' (e.g. NL-NP)",
			 MARKING_CODE_MAX);
		return LIA_EINVAL;
	}
	if (!name || !name_ok(name, strlen(name))) {
		diag_set(d,
			 "agency name must be 1-%d bytes of UTF-8 without "
			 "control characters",
			 IDENTITY_NAME_MAX);
		return LIA_EINVAL;
	}
	if (!(id = calloc(1, sizeof(*id))))
		return LIA_ENOMEM;
	if (!country || !country_ok(country, strlen(country), id->country)) {
		diag_set(d, "country must be an ISO 3166-1 alpha-2 code "
			    "(e.g. NL)");
		rc = LIA_EINVAL;
		goto out;
	}
	(void)str_copy(id->agency, sizeof(id->agency), agency);
	(void)str_copy(id->name, sizeof(id->name), name);

	if (mkdir(home, 0700) && errno != EEXIST) {
		diag_set(d, "%s: %s", home, strerror(errno));
		rc = LIA_EIO;
		goto out;
	}
	homefd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (homefd < 0) {
		diag_set(d, "%s: %s", home, strerror(errno));
		rc = LIA_EIO;
		goto out;
	}
	/* mkdir never follows a symbolic link and fails on anything that
	 * exists, a partial identity included: an identity is created once
	 * and never overwritten. */
	if (mkdirat(homefd, "keys", 0700)) {
		int e = errno;
		diag_set(d, "%s/keys: %s", home,
			 e == EEXIST ? "an identity already exists"
				     : strerror(e));
		rc = e == EEXIST ? LIA_EEXIST : LIA_EIO;
		goto out;
	}
	made_keys = true;
	keysfd = openat(homefd, "keys",
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (keysfd < 0 || fchmod(keysfd, 0700)) {
		diag_set(d, "%s/keys: %s", home, strerror(errno));
		rc = LIA_EIO;
		goto out;
	}

	id->sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	id->box_sk = sodium_malloc(crypto_kx_SECRETKEYBYTES);
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	if (!id->sign_sk || !id->box_sk || !seed) {
		rc = LIA_ENOMEM;
		goto out;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	if (crypto_sign_seed_keypair(id->sign_pk, id->sign_sk, seed) ||
	    crypto_kx_keypair(id->box_pk, id->box_sk)) {
		rc = LIA_ECRYPTO;
		goto out;
	}
	if ((rc = tls_generate(id->agency, id->name, id->country,
			       &id->tls_key_pem, &id->tls_key_len,
			       &id->tls_cert_pem, d)))
		goto out;
	if ((rc = identity_json_text(id, &json)))
		goto out;
	if ((rc = write_file_at(keysfd, "sign.key", seed, crypto_sign_SEEDBYTES,
				d)) ||
	    (rc = write_file_at(keysfd, "box.key", id->box_sk,
				crypto_kx_SECRETKEYBYTES, d)) ||
	    (rc = write_file_at(keysfd, "tls.key", id->tls_key_pem,
				id->tls_key_len, d)) ||
	    (rc = write_file_at(keysfd, "tls.crt", id->tls_cert_pem,
				strlen(id->tls_cert_pem), d)) ||
	    (rc =
		 write_file_at(keysfd, "identity.json", json, strlen(json), d)))
		goto out;
	if (fsync(keysfd)) {
		diag_set(d, "%s/keys: %s", home, strerror(errno));
		rc = LIA_EIO;
		goto out;
	}
	/* Load what was written: the caller gets exactly what a restart
	 * would see, and a write that went wrong is found now. */
	rc = identity_load(home, out, d);
out:
	if (rc && made_keys && keysfd >= 0)
		remove_partial(homefd, keysfd);
	else if (rc && made_keys)
		(void)unlinkat(homefd, "keys", AT_REMOVEDIR);
	if (keysfd >= 0)
		close(keysfd);
	if (homefd >= 0)
		close(homefd);
	sodium_free(seed);
	free(json);
	identity_free(id);
	return rc;
}

int identity_load(const char *home, struct identity **out, struct diag *d)
{
	struct identity *id = NULL;
	uint8_t want_spk[IDENTITY_PK_BYTES], want_bpk[IDENTITY_PK_BYTES];
	char *json = NULL, *seed = NULL, *box = NULL, *cert = NULL;
	uint8_t *der = NULL;
	size_t json_len, seed_len, box_len, cert_len, der_len;
	struct stat st;
	int homefd = -1, keysfd = -1, rc;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	homefd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (homefd < 0) {
		int e = errno;
		diag_set(d, "%s: %s", home, strerror(e));
		return e == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
	}
	keysfd = openat(homefd, "keys",
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (keysfd < 0) {
		int e = errno;
		diag_set(d, "%s/keys: %s", home,
			 e == ENOENT ? "no identity (run `liaison init`)"
				     : strerror(e));
		rc = e == ENOENT		  ? LIA_ENOTFOUND
		     : e == ELOOP || e == ENOTDIR ? LIA_EDENIED
						  : LIA_EIO;
		goto out;
	}
	if (fstat(keysfd, &st) || (st.st_mode & 077)) {
		diag_set(d, "%s/keys: must have mode 0700", home);
		rc = LIA_EDENIED;
		goto out;
	}
	if (!(id = calloc(1, sizeof(*id)))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	if ((rc = read_file_at(keysfd, "identity.json", IDENTITY_JSON_MAX,
			       false, false, &json, &json_len, d)))
		goto out;
	if ((rc = identity_json_parse(json, json_len, id, want_spk, want_bpk,
				      d)))
		goto out;
	if ((rc = read_file_at(keysfd, "sign.key", crypto_sign_SEEDBYTES, true,
			       true, &seed, &seed_len, d)) ||
	    (rc = read_file_at(keysfd, "box.key", crypto_kx_SECRETKEYBYTES,
			       true, true, &box, &box_len, d)) ||
	    (rc = read_file_at(keysfd, "tls.key", IDENTITY_TLS_KEY_MAX, false,
			       true, &id->tls_key_pem, &id->tls_key_len, d)) ||
	    (rc = read_file_at(keysfd, "tls.crt", IDENTITY_CERT_MAX, false,
			       false, &cert, &cert_len, d)))
		goto out;
	id->tls_cert_pem = cert;
	cert = NULL;
	id->sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	id->box_sk = sodium_malloc(crypto_kx_SECRETKEYBYTES);
	if (!id->sign_sk || !id->box_sk) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(id->box_sk, box, crypto_kx_SECRETKEYBYTES);
	if (crypto_sign_seed_keypair(id->sign_pk, id->sign_sk,
				     (const uint8_t *)seed) ||
	    crypto_scalarmult_base(id->box_pk, id->box_sk)) {
		rc = LIA_ECRYPTO;
		goto out;
	}
	rc = LIA_ECONFIG;
	if (sodium_memcmp(id->sign_pk, want_spk, IDENTITY_PK_BYTES) ||
	    sodium_memcmp(id->box_pk, want_bpk, IDENTITY_PK_BYTES)) {
		diag_set(d,
			 "%s/keys: a secret key does not match the public "
			 "key in identity.json",
			 home);
		goto out;
	}
	if ((rc = cert_check(id->tls_cert_pem, strlen(id->tls_cert_pem),
			     id->agency, &der, &der_len, NULL, NULL, d))) {
		diag_prefix(d, "%s/keys/tls.crt: ", home);
		rc = LIA_ECONFIG;
		goto out;
	}
	if (tls_pair_check(id->tls_key_pem, id->tls_key_len, id->tls_cert_pem,
			   strlen(id->tls_cert_pem))) {
		diag_set(d, "%s/keys: tls.key does not belong to tls.crt",
			 home);
		rc = LIA_ECONFIG;
		goto out;
	}
	crypto_hash_sha256(id->tls_sha256, der, der_len);
	*out = id;
	id = NULL;
	rc = 0;
out:
	if (keysfd >= 0)
		close(keysfd);
	close(homefd);
	free(json);
	sodium_free(seed);
	sodium_free(box);
	free(cert);
	free(der);
	identity_free(id);
	return rc;
}

const char *identity_agency(const struct identity *id)
{
	return id->agency;
}

const char *identity_name(const struct identity *id)
{
	return id->name;
}

const char *identity_country(const struct identity *id)
{
	return id->country;
}

const uint8_t *identity_sign_pk(const struct identity *id)
{
	return id->sign_pk;
}

const uint8_t *identity_box_pk(const struct identity *id)
{
	return id->box_pk;
}

const uint8_t *identity_tls_sha256(const struct identity *id)
{
	return id->tls_sha256;
}

const char *identity_tls_cert_pem(const struct identity *id)
{
	return id->tls_cert_pem;
}

const char *identity_tls_key_pem(const struct identity *id)
{
	return id->tls_key_pem;
}

void identity_peer_key(const struct identity *id, struct peer_key *out)
{
	memset(out, 0, sizeof(*out));
	(void)str_copy(out->agency, sizeof(out->agency), id->agency);
	memcpy(out->box_pk, id->box_pk, IDENTITY_PK_BYTES);
}

/* --- cards -------------------------------------------------------------- */

static const char *const card_keys[] = {
    "version",	 "agency",	    "name",	    "country",	 "ed25519_pk",
    "x25519_pk", "tls_cert_sha256", "tls_cert_pem", "signature",
};
#define N_CARD_KEYS (sizeof(card_keys) / sizeof(card_keys[0]))

int identity_card_json(const struct identity *id, char **out)
{
	char spk[2 * IDENTITY_PK_BYTES + 1], bpk[2 * IDENTITY_PK_BYTES + 1];
	char fp[2 * IDENTITY_SHA256_BYTES + 1], sig[2 * IDENTITY_SIG_BYTES + 1];
	uint8_t s[IDENTITY_SIG_BYTES], *der = NULL;
	size_t der_len;
	struct strbuf sb;
	json_t *o = NULL;
	char *text;
	int rc;

	strbuf_init(&sb, IDENTITY_CARD_MAX);
	if ((rc = cert_check(id->tls_cert_pem, strlen(id->tls_cert_pem),
			     id->agency, &der, &der_len, NULL, NULL, NULL)))
		goto out;
	if ((rc =
		 card_signed_bytes(id->agency, id->name, id->country,
				   id->sign_pk, id->box_pk, der, der_len, &sb)))
		goto out;
	if (crypto_sign_detached(s, NULL, (const uint8_t *)sb.buf, sb.len,
				 id->sign_sk)) {
		rc = LIA_ECRYPTO;
		goto out;
	}
	sodium_bin2hex(spk, sizeof(spk), id->sign_pk, IDENTITY_PK_BYTES);
	sodium_bin2hex(bpk, sizeof(bpk), id->box_pk, IDENTITY_PK_BYTES);
	sodium_bin2hex(fp, sizeof(fp), id->tls_sha256, IDENTITY_SHA256_BYTES);
	sodium_bin2hex(sig, sizeof(sig), s, sizeof(s));
	rc = LIA_ENOMEM;
	if (!(o = json_object()) ||
	    json_object_set_new(o, "version",
				json_integer(IDENTITY_CARD_VERSION)) ||
	    json_object_set_new(o, "agency", json_string(id->agency)) ||
	    json_object_set_new(o, "name", json_string(id->name)) ||
	    json_object_set_new(o, "country", json_string(id->country)) ||
	    json_object_set_new(o, "ed25519_pk", json_string(spk)) ||
	    json_object_set_new(o, "x25519_pk", json_string(bpk)) ||
	    json_object_set_new(o, "tls_cert_sha256", json_string(fp)) ||
	    json_object_set_new(o, "tls_cert_pem",
				json_string(id->tls_cert_pem)) ||
	    json_object_set_new(o, "signature", json_string(sig)))
		goto out;
	if (!(text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		goto out;
	*out = text;
	rc = 0;
out:
	json_decref(o);
	strbuf_release(&sb);
	free(der);
	return rc;
}

void identity_card_free(struct identity_card *card)
{
	if (!card)
		return;
	free(card->tls_cert_pem);
	card->tls_cert_pem = NULL;
}

int identity_card_parse(const void *bytes, size_t len,
			struct identity_card *out, struct diag *d)
{
	struct identity_card c;
	uint8_t sig[IDENTITY_SIG_BYTES], fp[IDENTITY_SHA256_BYTES];
	uint8_t *der = NULL;
	size_t der_len = 0, n = 0;
	struct strbuf sb;
	json_error_t jerr;
	json_t *o = NULL, *v;
	const char *key, *s;
	int rc = LIA_EPARSE;

	memset(&c, 0, sizeof(c));
	strbuf_init(&sb, IDENTITY_CARD_MAX);
	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (len > IDENTITY_CARD_MAX) {
		diag_set(d, "card: longer than %d bytes", IDENTITY_CARD_MAX);
		return LIA_ETOOBIG;
	}
	o = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		diag_set(d, "card: not a JSON object%s%s", o ? "" : ": ",
			 o ? "" : jerr.text);
		goto out;
	}
	json_object_foreach (o, key, v) {
		size_t i;
		for (i = 0; i < N_CARD_KEYS; i++)
			if (!strcmp(key, card_keys[i]))
				break;
		if (i == N_CARD_KEYS) {
			diag_set(d, "card: unknown field \"%.32s\"", key);
			goto out;
		}
	}
	for (size_t i = 0; i < N_CARD_KEYS; i++) {
		if (!json_object_get(o, card_keys[i])) {
			diag_set(d, "card: missing field \"%s\"", card_keys[i]);
			goto out;
		}
		if (i && !json_is_string(json_object_get(o, card_keys[i]))) {
			diag_set(d, "card: %s must be a string", card_keys[i]);
			goto out;
		}
	}
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		diag_set(d, "card: version must be a positive integer");
		goto out;
	}
	if (json_integer_value(v) != IDENTITY_CARD_VERSION) {
		diag_set(d,
			 "card: version %lld is newer than this node "
			 "understands (%d)",
			 (long long)json_integer_value(v),
			 IDENTITY_CARD_VERSION);
		rc = LIA_EVERSION;
		goto out;
	}
	c.version = IDENTITY_CARD_VERSION;
	s = str_field(o, "agency", &n);
	if (!identity_agency_ok(s, n)) {
		diag_set(d,
			 "card: agency is not an agency code (1-%d of "
			 "A-Z, 0-9, '-', '_')",
			 MARKING_CODE_MAX);
		goto out;
	}
	memcpy(c.agency, s, n);
	s = str_field(o, "name", &n);
	if (!name_ok(s, n)) {
		diag_set(d,
			 "card: name must be 1-%d bytes of UTF-8 without "
			 "control characters",
			 IDENTITY_NAME_MAX);
		goto out;
	}
	memcpy(c.name, s, n);
	s = str_field(o, "country", &n);
	if (!country_ok(s, n, c.country) || strcmp(s, c.country)) {
		diag_set(d, "card: country must be an upper-case ISO 3166-1 "
			    "alpha-2 code");
		goto out;
	}
	s = str_field(o, "ed25519_pk", &n);
	if (exchange_hex_decode(s, n, c.sign_pk, IDENTITY_PK_BYTES)) {
		diag_set(d, "card: ed25519_pk must be %d lower-case hex digits",
			 2 * IDENTITY_PK_BYTES);
		goto out;
	}
	s = str_field(o, "x25519_pk", &n);
	if (exchange_hex_decode(s, n, c.box_pk, IDENTITY_PK_BYTES)) {
		diag_set(d, "card: x25519_pk must be %d lower-case hex digits",
			 2 * IDENTITY_PK_BYTES);
		goto out;
	}
	s = str_field(o, "tls_cert_sha256", &n);
	if (exchange_hex_decode(s, n, c.tls_sha256, IDENTITY_SHA256_BYTES)) {
		diag_set(d,
			 "card: tls_cert_sha256 must be %d lower-case hex "
			 "digits",
			 2 * IDENTITY_SHA256_BYTES);
		goto out;
	}
	s = str_field(o, "signature", &n);
	if (exchange_hex_decode(s, n, sig, IDENTITY_SIG_BYTES)) {
		diag_set(d, "card: signature must be %d lower-case hex digits",
			 2 * IDENTITY_SIG_BYTES);
		goto out;
	}
	s = str_field(o, "tls_cert_pem", &n);
	if ((rc = cert_check(s, n, c.agency, &der, &der_len, &c.tls_not_before,
			     &c.tls_not_after, d))) {
		diag_prefix(d, "card: ");
		goto out;
	}
	crypto_hash_sha256(fp, der, der_len);
	if (sodium_memcmp(fp, c.tls_sha256, sizeof(fp))) {
		diag_set(d, "card: tls_cert_sha256 is not the SHA-256 of the "
			    "certificate");
		rc = LIA_ECRYPTO;
		goto out;
	}
	if ((rc = card_signed_bytes(c.agency, c.name, c.country, c.sign_pk,
				    c.box_pk, der, der_len, &sb)))
		goto out;
	if (crypto_sign_verify_detached(sig, (const uint8_t *)sb.buf, sb.len,
					c.sign_pk)) {
		diag_set(d, "card: the signature does not verify (altered "
			    "card or wrong key)");
		rc = LIA_ECRYPTO;
		goto out;
	}
	if (!(c.tls_cert_pem = malloc(n + 1))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	memcpy(c.tls_cert_pem, s, n);
	c.tls_cert_pem[n] = '\0';
	*out = c;
	rc = 0;
out:
	json_decref(o);
	strbuf_release(&sb);
	free(der);
	return rc;
}

int identity_card_check_tls(const struct identity_card *card,
			    const uint8_t *der, size_t der_len, struct diag *d)
{
	uint8_t fp[IDENTITY_SHA256_BYTES];

	if (der_len > IDENTITY_CERT_MAX) {
		diag_set(d, "TLS certificate of %s longer than %d bytes",
			 card->agency, IDENTITY_CERT_MAX);
		return LIA_ETOOBIG;
	}
	crypto_hash_sha256(fp, der, der_len);
	if (sodium_memcmp(fp, card->tls_sha256, sizeof(fp))) {
		diag_set(d,
			 "TLS certificate presented is not the one pinned "
			 "for %s",
			 card->agency);
		return LIA_EDENIED;
	}
	return 0;
}

void identity_card_peer_key(const struct identity_card *card,
			    struct peer_key *out)
{
	memset(out, 0, sizeof(*out));
	(void)str_copy(out->agency, sizeof(out->agency), card->agency);
	memcpy(out->box_pk, card->box_pk, IDENTITY_PK_BYTES);
}
