/*
 * users.h - the people who act on a node, each with a role and an Ed25519
 * key of their own.
 *
 * A user's key signs what that person does (custody events today, other
 * acts later), so a record says who acted, not only which node. The
 * secret half is a 32-byte seed kept in the store sealed with
 * XChaCha20-Poly1305 under a key derived from the user's passphrase with
 * Argon2id (crypto_pwhash, a random 16-byte salt per user); the
 * associated data binds it to the user's name. A separate Argon2id hash
 * of the passphrase (crypto_pwhash_str) is stored for logins (API
 * sessions, issue #7), so checking a password never needs the seed.
 *
 * Adding a user appends an entry to the ledger in the same transaction as
 * the row: a document naming the user, role and public key, signed by the
 * new key itself (proof that whoever registered the key held it). A
 * verifier of a bundle learns which key belongs to which person and role
 * from that entry and its inclusion proof.
 *
 * Ownership: struct users_info is a plain value. A struct users_key holds
 * the secret in sodium_malloc'd memory; users_key_free wipes it.
 * Passphrases read by users_passphrase are in sodium_malloc'd memory too
 * and wiped by users_passphrase_free. Nothing here prints or logs a
 * passphrase or a secret key.
 *
 * Errors are the negative codes of error.h with a reason in the diag.
 */
#ifndef LIAISON_USERS_H
#define LIAISON_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/ledger.h"
#include "liaison/store.h"

#define USERS_NAME_MAX 64	/* bytes of [a-z0-9._-], first a letter */
#define USERS_PASSPHRASE_MIN 12 /* bytes */
#define USERS_PASSPHRASE_MAX 1024
#define USERS_PK_SIZE 32
#define USERS_SIG_SIZE 64
#define USERS_DOC_VERSION 1
/* The environment variables the CLI reads (documented in README.md). */
#define USERS_ENV_PASSWORD "LIAISON_PASSWORD"
#define USERS_ENV_USER "LIAISON_USER"

enum users_role {
	USERS_OFFICER = 1,
	USERS_ANALYST,
	USERS_SUPERVISOR,
	USERS_AUDITOR,
	USERS_ADMIN,
};

/* "officer" ... "admin"; LIA_EINVAL for anything else. */
int users_role_parse(const char *s, enum users_role *out);
const char *users_role_name(enum users_role r); /* "?" when unknown */

/* What a role may do; checked by the modules that act. */
enum users_right {
	USERS_RECORD_CUSTODY, /* register evidence, record custody events */
	USERS_VIEW_EVIDENCE,  /* show, list and bundle evidence */
	/* The rights of the HTTP API (issue #7, docs/API.md). */
	USERS_SCREEN,          /* screen and compare names */
	USERS_READ_RECORDS,    /* records: get, search, history */
	USERS_READ_MESSAGES,   /* inbox and outbox */
	USERS_READ_ALERTS,     /* alerts and hit notifications */
	USERS_READ_AUDIT,      /* the audit trail (no personal data) */
	USERS_READ_LEDGER,     /* ledger tree heads */
	USERS_READ_METRICS,    /* /v1/metrics */
	USERS_MANAGE_USERS,    /* list users, manage their tokens */
	USERS_MANAGE_PEERS,    /* list and pin peers */
	USERS_APPROVE_RELEASE, /* approve or refuse release requests */
	USERS_READ_EVENTS,     /* /v1/events, filtered by the other rights */
	USERS_EXCHANGE,        /* send messages, queries, release requests */
	USERS_ISSUE_ALERTS,    /* issue and withdraw alerts */
	USERS_IMPORT_RECORDS,  /* import records */
	USERS_OWN_TOKENS,      /* create, list and revoke one's own tokens */
};
bool users_may(enum users_role r, enum users_right what);

/* True when s is a user name: 1..USERS_NAME_MAX bytes of [a-z0-9._-]
 * starting with a letter. */
bool users_name_ok(const char *s);

/* The public facts of a user. */
struct users_info {
	char name[USERS_NAME_MAX + 1];
	enum users_role role;
	uint8_t pk[USERS_PK_SIZE];
	int64_t created; /* ms since 1970 UTC */
	uint64_t ledger_idx;
};

/*
 * Read a passphrase: the whole file when file is not NULL (one trailing
 * newline is dropped), else the environment variable LIAISON_PASSWORD.
 * *out is NUL-terminated, in sodium_malloc'd memory; release it with
 * users_passphrase_free. Errors: LIA_ENOTFOUND (neither given),
 * LIA_EINVAL (shorter than USERS_PASSPHRASE_MIN, or contains a NUL),
 * LIA_ETOOBIG, LIA_EIO, LIA_ENOMEM.
 */
int users_passphrase(const char *file, char **out, size_t *len, struct diag *d);
void users_passphrase_free(char *p, size_t len); /* p may be NULL */

/*
 * Create a user: a new key pair, the sealed seed, the password hash, the
 * row and its ledger entry, in one transaction. agency is the node's (it
 * goes into the entry), actor who added the user (for the audit row).
 * *out (may be NULL) gets the user. Errors: LIA_EINVAL (bad name or
 * passphrase), LIA_EEXIST (name taken), LIA_ECRYPTO, LIA_ESTORE,
 * LIA_EBUSY, LIA_ENOMEM.
 */
int users_add(struct store *st, struct ledger *lg, const char *agency,
	      const char *name, enum users_role role, const char *pass,
	      size_t pass_len, const char *actor, struct users_info *out,
	      struct diag *d);

/* One user; LIA_ENOTFOUND if none. */
int users_get(struct store *st, const char *name, struct users_info *out,
	      struct diag *d);
/* Every user in name order; a non-zero return of fn stops and is
 * returned. */
int users_each(struct store *st,
	       int (*fn)(const struct users_info *u, void *ctx), void *ctx,
	       struct diag *d);

/* Check a passphrase against the stored Argon2id hash (for logins).
 * Returns 0, LIA_EDENIED (wrong passphrase) or LIA_ENOTFOUND. */
int users_check_password(struct store *st, const char *name, const char *pass,
			 size_t pass_len, struct diag *d);

/* An unlocked user key: the user's secret, ready to sign. */
struct users_key;

/* Unseal name's key with the passphrase. The public key derived from the
 * seed must equal the stored one. Errors: LIA_ENOTFOUND, LIA_EDENIED
 * (wrong passphrase: the reason does not say more), LIA_ECRYPTO,
 * LIA_ENOMEM. */
int users_unlock(struct store *st, const char *name, const char *pass,
		 size_t pass_len, struct users_key **out, struct diag *d);
const struct users_info *users_key_info(const struct users_key *k);
/* Sign a ledger entry's document: Ed25519 over LEDGER_SIG_CONTEXT, its
 * NUL and doc (ledger.h). Errors: LIA_EINVAL, LIA_ETOOBIG, LIA_ENOMEM,
 * LIA_ECRYPTO. */
int users_key_sign_entry(const struct users_key *k, const void *doc, size_t len,
			 uint8_t sig[USERS_SIG_SIZE]);
void users_key_free(struct users_key *k); /* wipes; k may be NULL */

#endif
