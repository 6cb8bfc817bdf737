/*
 * identity.h - a node's identity and the public cards of its peers.
 *
 * A node identity is the agency code, the agency's name and country, and
 * three key pairs: Ed25519 (signs envelopes and the card), X25519 (receives
 * the content keys of envelopes) and an ECDSA P-256 key with a self-signed
 * X.509 certificate (mutual TLS between nodes). It lives in HOME/keys/:
 *
 *   keys/            mode 0700, created once, never overwritten
 *   identity.json    agency, name, country and the public keys
 *   sign.key         the 32-byte Ed25519 seed
 *   box.key          the 32-byte X25519 secret key
 *   tls.key          the TLS private key, PKCS#8 PEM
 *   tls.crt          the TLS certificate, PEM
 *
 * Every file is created with O_EXCL and mode 0600; a key file that is not a
 * regular file, is a symbolic link or can be read by group or others is
 * refused on load, as ssh does.
 *
 * A struct identity is opaque. Its secret keys are held in sodium_malloc'd
 * memory (guard pages, locked when the system allows) and wiped by
 * identity_free(); no function of this module prints or logs them.
 *
 * The public card (identity_card_json) is what an agency hands to a partner
 * to be pinned, like an SSH known-hosts entry; docs/EXCHANGE-FORMAT.md
 * describes it byte by byte.
 */
#ifndef LIAISON_IDENTITY_H
#define LIAISON_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/marking.h"

#define IDENTITY_NAME_MAX 128	/* bytes of UTF-8 in an agency's name */
#define IDENTITY_CARD_MAX 16384 /* bytes of a card's JSON */
#define IDENTITY_CERT_MAX 8192	/* bytes of a certificate (DER or PEM) */
#define IDENTITY_CARD_VERSION 1
#define IDENTITY_TLS_DAYS 730 /* validity of the TLS certificate */
#define IDENTITY_PK_BYTES 32  /* Ed25519 and X25519 public keys */
#define IDENTITY_SIG_BYTES 64 /* Ed25519 signature */
#define IDENTITY_SHA256_BYTES 32

struct identity;

/* Create a new identity in HOME/keys/. home is created (0700) when missing.
 * agency: 1..MARKING_CODE_MAX of [A-Z0-9_-]; name: 1..IDENTITY_NAME_MAX
 * bytes of UTF-8 without control characters; country: ISO 3166-1 alpha-2 in
 * either case (stored upper case). On success *out is the loaded identity
 * (free it with identity_free). Errors: LIA_EINVAL (bad argument, reason in
 * d), LIA_EEXIST (HOME/keys already exists, also a partial one: nothing is
 * touched), LIA_EIO, LIA_ECRYPTO, LIA_ENOMEM. A failure part-way removes
 * what it created. */
int identity_create(const char *home, const char *agency, const char *name,
		    const char *country, struct identity **out, struct diag *d);

/* Load HOME/keys/. Every public key is derived again from its secret and
 * compared with identity.json, and the TLS key with the certificate, so a
 * mixed-up or damaged file is found here. Errors: LIA_ENOTFOUND (no
 * identity), LIA_EDENIED (a key file is not a private regular file),
 * LIA_ECONFIG (a file is malformed or does not match), LIA_EVERSION,
 * LIA_EIO, LIA_ENOMEM. */
int identity_load(const char *home, struct identity **out, struct diag *d);

/* Wipe the secrets and free. id may be NULL. */
void identity_free(struct identity *id);

/* Accessors; the strings and bytes belong to the identity. */
const char *identity_agency(const struct identity *id);
const char *identity_name(const struct identity *id);
const char *identity_country(const struct identity *id);       /* "NL" */
const uint8_t *identity_sign_pk(const struct identity *id);    /* 32 bytes */
const uint8_t *identity_box_pk(const struct identity *id);     /* 32 bytes */
const uint8_t *identity_tls_sha256(const struct identity *id); /* of DER */
const char *identity_tls_cert_pem(const struct identity *id);
/* The TLS private key (PKCS#8 PEM, NUL-terminated) for the HTTPS server
 * and client of the daemon. It is secret: hand it to GnuTLS, libmicrohttpd
 * or libcurl directly; never copy it into logs or unlocked memory. */
const char *identity_tls_key_pem(const struct identity *id);

/* Sign msg[0..len) with the node's Ed25519 key (detached signature of 64
 * bytes into sig). This is how the node vouches for what it publishes
 * beyond envelopes, e.g. the signed tree heads of its ledger: the secret
 * key never leaves the identity. The caller puts a context string into msg
 * so that a signature made for one purpose cannot be replayed for
 * another. Errors: LIA_EINVAL (NULL arguments), LIA_ECRYPTO. */
int identity_sign(const struct identity *id, const uint8_t *msg, size_t len,
		  uint8_t sig[IDENTITY_SIG_BYTES]);

/* A ledger signer (ledger.h) backed by the node's Ed25519 key: the log's
 * tree heads are signed by the node, and verified with the sign_pk of its
 * card. The signer borrows id, which must outlive it. */
struct ledger_signer;
void identity_ledger_signer(const struct identity *id,
			    struct ledger_signer *out);

/* The public card as JSON text (compact, sorted keys, NUL-terminated);
 * the caller frees *out with free(). Errors: LIA_ENOMEM, LIA_ECRYPTO. */
int identity_card_json(const struct identity *id, char **out);

/* A parsed and verified card of a peer (or of this node). */
struct identity_card {
	int version;
	char agency[MARKING_CODE_MAX + 1];
	char name[IDENTITY_NAME_MAX + 1];
	char country[3];			   /* upper case */
	uint8_t sign_pk[IDENTITY_PK_BYTES];	   /* Ed25519 */
	uint8_t box_pk[IDENTITY_PK_BYTES];	   /* X25519 */
	uint8_t tls_sha256[IDENTITY_SHA256_BYTES]; /* SHA-256 of the DER */
	int64_t tls_not_before, tls_not_after;	   /* UTC seconds */
	char *tls_cert_pem;			   /* owned, NUL-terminated */
};

/* Parse untrusted card bytes. Strict: a JSON object with exactly the known
 * fields, right types and lengths, lower-case hex, an agency code, a
 * country code, a certificate that is ECDSA P-256 or Ed25519 with CN =
 * agency whose SHA-256 is tls_cert_sha256, and a valid self-signature.
 * Nothing is repaired. On success *out owns tls_cert_pem (release with
 * identity_card_free). Errors: LIA_ETOOBIG (len > IDENTITY_CARD_MAX),
 * LIA_EPARSE (malformed, reason in d), LIA_EVERSION (a newer card
 * version), LIA_ECRYPTO (bad signature or certificate), LIA_ENOMEM. */
int identity_card_parse(const void *bytes, size_t len,
			struct identity_card *out, struct diag *d);

/* Release what a parsed card owns; card may be NULL. */
void identity_card_free(struct identity_card *card);

/* Does a certificate a TLS peer presented (DER) match the pinned card?
 * Compares the SHA-256 of the whole DER certificate. Returns 0 when it
 * matches, LIA_EDENIED (reason in d) when not, LIA_ETOOBIG when der_len >
 * IDENTITY_CERT_MAX. */
int identity_card_check_tls(const struct identity_card *card,
			    const uint8_t *der, size_t der_len, struct diag *d);

/* What a sender needs to encrypt to a recipient. */
struct peer_key {
	char agency[MARKING_CODE_MAX + 1];
	uint8_t box_pk[IDENTITY_PK_BYTES]; /* X25519 */
};

/* The peer key of a parsed card, and of an identity (to encrypt to one's
 * own node, and in tests). */
void identity_card_peer_key(const struct identity_card *card,
			    struct peer_key *out);
void identity_peer_key(const struct identity *id, struct peer_key *out);

/* True when [s, s+len) is an agency code: 1..MARKING_CODE_MAX bytes of
 * [A-Z0-9_-]. */
bool identity_agency_ok(const char *s, size_t len);

/* --- a federation CA instead of pinning (fedca.c) ----------------------
 *
 * A node may trust one or more federation CAs: a peer whose TLS
 * certificate chains to one of them, with its agency code as the common
 * name, is that agency (its card still gives the signing and encryption
 * keys). */

/* Check untrusted PEM (len bytes) holding 1..16 CA certificates
 * (basicConstraints CA:TRUE). *count gets their number and fp the SHA-256
 * of the last one's DER. LIA_EPARSE, LIA_ETOOBIG otherwise. */
int identity_ca_parse(const char *pem, size_t len, size_t *count, char fp[65],
		      struct diag *d);

/* Verify a peer's chain (DER certificates der[0..n), the peer's first, as
 * the TLS handshake gave them) against the CAs in ca_pem and nothing else
 * (validity times against the clock), and the revocation lists in crl_pem
 * (NULL or crl_len 0: none) that those CAs signed.
 * agency gets the leaf's common name. LIA_EDENIED with the reason in d
 * when it does not verify or the name is not an agency code. */
int identity_ca_verify(const char *ca_pem, size_t ca_len, const char *crl_pem,
		       size_t crl_len, const uint8_t *const *der,
		       const size_t *der_len, size_t n,
		       char agency[MARKING_CODE_MAX + 1], struct diag *d);

/* Revocation lists of the federation CAs: PEM, at most this many bytes,
 * 1..16 lists. */
#define IDENTITY_CRL_MAX (1 << 20)

/* Check untrusted PEM (crl_len bytes) holding 1..16 CRLs, each signed by
 * one of the CAs in ca_pem. *count gets their number. LIA_EPARSE,
 * LIA_ETOOBIG, LIA_EDENIED (not signed by a federation CA). */
int identity_crl_parse(const char *ca_pem, size_t ca_len, const char *crl_pem,
		       size_t crl_len, size_t *count, struct diag *d);

/* Call fn for each CA of a federation CA file: the SHA-256 of its DER, its
 * subject DN and its expiry (UTC seconds). fn's non-zero return stops. */
int identity_ca_each(const char *pem, size_t len,
		     int (*fn)(const char *fp, const char *dn, int64_t expires,
			       void *ctx),
		     void *ctx, struct diag *d);

/* The federation CA file without the CA whose SHA-256 is fp, as PEM in
 * *out (free it; *out_len 0 when none is left). LIA_ENOTFOUND. */
int identity_ca_remove(const char *pem, size_t len, const char *fp, char **out,
		       size_t *out_len, struct diag *d);

#endif
