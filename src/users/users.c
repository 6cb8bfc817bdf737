/*
 * users.c - users with roles and their own Ed25519 keys (users.h).
 *
 * Key derivation and password hashing both use Argon2id at libsodium's
 * "interactive" limits (64 MiB, 2 passes): an act is signed within a
 * fraction of a second on the node, and the limits are stored with each
 * user so that they can be raised for new users without breaking old ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/strbuf.h"
#include "liaison/users.h"

#define SEED_SIZE crypto_sign_SEEDBYTES
#define KEY_SIZE crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_SIZE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEALED_SIZE                                                            \
	(NONCE_SIZE + SEED_SIZE + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define AD_CONTEXT "liaison-user-key-v1"

static const char *const role_names[] = {
    [USERS_OFFICER] = "officer",       [USERS_ANALYST] = "analyst",
    [USERS_SUPERVISOR] = "supervisor", [USERS_AUDITOR] = "auditor",
    [USERS_ADMIN] = "admin",
};

int users_role_parse(const char *s, enum users_role *out)
{
	if (!s || !out)
		return LIA_EINVAL;
	for (int r = USERS_OFFICER; r <= USERS_ADMIN; r++) {
		if (!strcmp(s, role_names[r])) {
			*out = (enum users_role)r;
			return 0;
		}
	}
	return LIA_EINVAL;
}

const char *users_role_name(enum users_role r)
{
	if (r < USERS_OFFICER || r > USERS_ADMIN)
		return "?";
	return role_names[r];
}

bool users_may(enum users_role r, enum users_right what)
{
	switch (what) {
	case USERS_RECORD_CUSTODY:
		/* Custody is handled by sworn staff; an analyst examines
		 * copies and an auditor only reads. */
		return r == USERS_OFFICER || r == USERS_SUPERVISOR;
	case USERS_VIEW_EVIDENCE:
		return r == USERS_OFFICER || r == USERS_SUPERVISOR ||
		       r == USERS_ANALYST || r == USERS_AUDITOR;
	case USERS_SCREEN:
	case USERS_READ_RECORDS:
	case USERS_READ_MESSAGES:
	case USERS_READ_ALERTS:
	case USERS_EXCHANGE:
	case USERS_IMPORT_RECORDS:
		/* Personal data: the people who work cases. An auditor
		 * checks what they did, not what they saw; an admin runs
		 * the node, not cases. */
		return r == USERS_OFFICER || r == USERS_SUPERVISOR ||
		       r == USERS_ANALYST;
	case USERS_READ_AUDIT:
		return r == USERS_AUDITOR || r == USERS_ADMIN;
	case USERS_READ_LEDGER:
		/* Tree heads hold hashes only; everyone may check them. */
		return true;
	case USERS_READ_EVENTS:
		/* Every role has events of its own (case events, or the
		 * audit trail); the stream is filtered by the rights. */
		return true;
	case USERS_READ_METRICS:
	case USERS_MANAGE_USERS:
	case USERS_MANAGE_PEERS:
		return r == USERS_ADMIN;
	case USERS_APPROVE_RELEASE:
		return r == USERS_SUPERVISOR;
	case USERS_ISSUE_ALERTS:
		/* An alert asks partners to act on a person: sworn staff
		 * issue it, as they handle custody. */
		return r == USERS_OFFICER || r == USERS_SUPERVISOR;
	case USERS_OWN_TOKENS:
		/* Every user may manage the tokens that act as them. */
		return true;
	}
	return false;
}

bool users_name_ok(const char *s)
{
	size_t n;

	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	n = strnlen(s, USERS_NAME_MAX + 1);
	if (n > USERS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- passphrases ----------------------------------------------------- */

void users_passphrase_free(char *p, size_t len)
{
	(void)len; /* sodium_free wipes the whole block */
	sodium_free(p);
}

/* Check and copy [s, s + n) into locked memory. */
static int pass_take(const char *s, size_t n, char **out, size_t *len,
		     struct diag *d)
{
	char *p;

	if (n > USERS_PASSPHRASE_MAX) {
		diag_set(d, "passphrase longer than %d bytes",
			 USERS_PASSPHRASE_MAX);
		return LIA_ETOOBIG;
	}
	if (n < USERS_PASSPHRASE_MIN) {
		diag_set(d, "passphrase shorter than %d bytes",
			 USERS_PASSPHRASE_MIN);
		return LIA_EINVAL;
	}
	if (memchr(s, '\0', n)) {
		diag_set(d, "passphrase contains a NUL byte");
		return LIA_EINVAL;
	}
	if (!(p = sodium_malloc(n + 1)))
		return LIA_ENOMEM;
	memcpy(p, s, n);
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

int users_passphrase(const char *file, char **out, size_t *len, struct diag *d)
{
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd = -1, err;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!out || !len)
		return LIA_EINVAL;
	if (!file) {
		const char *env = getenv(USERS_ENV_PASSWORD);

		if (!env) {
			diag_set(d, "no passphrase: give --password-file "
				    "or set " USERS_ENV_PASSWORD);
			return LIA_ENOTFOUND;
		}
		return pass_take(env, strlen(env), out, len, d);
	}
	/* Read into locked memory so the passphrase is never in an
	 * ordinary heap block; one byte more than allowed shows it is too
	 * long. */
	if (!(buf = sodium_malloc(USERS_PASSPHRASE_MAX + 2)))
		return LIA_ENOMEM;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(d, "%s: %s", file, strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	while (n < USERS_PASSPHRASE_MAX + 2) {
		r = read(fd, buf + n, USERS_PASSPHRASE_MAX + 2 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_set(d, "%s: %s", file, strerror(errno));
			err = LIA_EIO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	err = pass_take(buf, n, out, len, d);
out:
	if (fd >= 0)
		close(fd);
	sodium_free(buf);
	return err;
}

/* --- keys ------------------------------------------------------------ */

struct users_key {
	struct users_info info;
	uint8_t *sk; /* sodium_malloc'd, crypto_sign_SECRETKEYBYTES */
};

void users_key_free(struct users_key *k)
{
	if (!k)
		return;
	sodium_free(k->sk);
	free(k);
}

const struct users_info *users_key_info(const struct users_key *k)
{
	return k ? &k->info : NULL;
}

int users_key_sign_entry(const struct users_key *k, const void *doc, size_t len,
			 uint8_t sig[USERS_SIG_SIZE])
{
	uint8_t *msg = NULL, s[USERS_SIG_SIZE];
	size_t n;
	int err;

	if (!k || !sig)
		return LIA_EINVAL;
	if ((err = ledger_sig_message(doc, len, &msg, &n)))
		return err;
	err = crypto_sign_detached(s, NULL, msg, n, k->sk) ? LIA_ECRYPTO : 0;
	free(msg);
	if (!err)
		memcpy(sig, s, sizeof(s));
	return err;
}

/* The associated data of a sealed seed: the context and the name, so a
 * sealed seed copied to another user's row does not open. */
static int seal_ad(const char *name, uint8_t *ad, size_t cap, size_t *n)
{
	size_t c = sizeof(AD_CONTEXT), l = strlen(name);

	if (c + l > cap)
		return LIA_EINVAL;
	memcpy(ad, AD_CONTEXT, c);
	memcpy(ad + c, name, l);
	*n = c + l;
	return 0;
}

/* The sealing key from a passphrase and salt, into locked memory. */
static int derive(const char *pass, size_t pass_len, const uint8_t *salt,
		  uint64_t ops, uint64_t mem, uint8_t *key, struct diag *d)
{
	if (ops > (uint64_t)crypto_pwhash_OPSLIMIT_MAX ||
	    mem > (uint64_t)crypto_pwhash_MEMLIMIT_MAX || ops == 0 ||
	    mem == 0) {
		diag_set(d, "users: key derivation limits out of range");
		return LIA_ECRYPTO;
	}
	if (crypto_pwhash(key, KEY_SIZE, pass, pass_len, salt,
			  (unsigned long long)ops, (size_t)mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		diag_set(d, "users: key derivation failed (out of memory?)");
		return LIA_ECRYPTO;
	}
	return 0;
}

/* --- adding ---------------------------------------------------------- */

struct add_ctx {
	struct store_user row;
};

static int add_hook(void *ctx, struct store *st, uint64_t first, struct diag *d)
{
	struct add_ctx *a = ctx;

	a->row.ledger_idx = first;
	return store_user_add(st, &a->row, d);
}

static int exists_cb(const struct store_user *u, void *ctx)
{
	(void)u;
	(void)ctx;
	return 0;
}

/* The user's ledger document: canonical JSON (compact, sorted keys). */
static char *user_doc(const char *agency, const char *name,
		      enum users_role role, const uint8_t pk[USERS_PK_SIZE],
		      int64_t at, const char *actor)
{
	char hex[USERS_PK_SIZE * 2 + 1];
	json_t *o;
	char *s;

	sodium_bin2hex(hex, sizeof(hex), pk, USERS_PK_SIZE);
	o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:i}", "agency",
		      agency, "at", (json_int_t)at, "by", actor, "name", name,
		      "pk", hex, "role", users_role_name(role), "type", "user",
		      "v", USERS_DOC_VERSION);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int users_add(struct store *st, struct ledger *lg, const char *agency,
	      const char *name, enum users_role role, const char *pass,
	      size_t pass_len, const char *actor, struct users_info *out,
	      struct diag *d)
{
	uint8_t pk[USERS_PK_SIZE], salt[STORE_USER_SALT], sealed[SEALED_SIZE];
	uint8_t ad[sizeof(AD_CONTEXT) + USERS_NAME_MAX], sig[USERS_SIG_SIZE];
	uint8_t *seed = NULL, *sk = NULL, *key = NULL, *entry = NULL;
	char pwhash[crypto_pwhash_STRBYTES];
	struct add_ctx a;
	struct ledger_entry le;
	char *doc = NULL;
	size_t ad_len, entry_len;
	int64_t at = now_ms();
	int err;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!st || !lg || !agency || !pass || !actor)
		return LIA_EINVAL;
	if (!users_name_ok(name)) {
		diag_set(d,
			 "user name must be 1..%d of a-z 0-9 . _ - "
			 "starting with a letter",
			 USERS_NAME_MAX);
		return LIA_EINVAL;
	}
	if (!strcmp(users_role_name(role), "?"))
		return LIA_EINVAL;
	if (pass_len < USERS_PASSPHRASE_MIN ||
	    pass_len > USERS_PASSPHRASE_MAX) {
		diag_set(d, "passphrase must be %d..%d bytes",
			 USERS_PASSPHRASE_MIN, USERS_PASSPHRASE_MAX);
		return LIA_EINVAL;
	}
	/* Refuse a taken name before the costly derivations; the insert
	 * checks again inside the transaction. */
	err = store_user_get(st, name, exists_cb, NULL, NULL);
	if (err == 0) {
		diag_set(d, "user %s already exists", name);
		return LIA_EEXIST;
	}
	if (err != LIA_ENOTFOUND)
		return err;
	seed = sodium_malloc(SEED_SIZE);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	key = sodium_malloc(KEY_SIZE);
	if (!seed || !sk || !key) {
		err = LIA_ENOMEM;
		goto out;
	}
	randombytes_buf(seed, SEED_SIZE);
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(sealed, NONCE_SIZE);
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    (err = seal_ad(name, ad, sizeof(ad), &ad_len)) ||
	    (err = derive(pass, pass_len, salt,
			  crypto_pwhash_OPSLIMIT_INTERACTIVE,
			  crypto_pwhash_MEMLIMIT_INTERACTIVE, key, d))) {
		err = err ? err : LIA_ECRYPTO;
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + NONCE_SIZE, NULL,
						   seed, SEED_SIZE, ad, ad_len,
						   NULL, sealed, key);
	if (crypto_pwhash_str(pwhash, pass, pass_len,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		diag_set(d, "users: password hashing failed (out of memory?)");
		err = LIA_ECRYPTO;
		goto out;
	}
	if (!(doc = user_doc(agency, name, role, pk, at, actor))) {
		err = LIA_ENOMEM;
		goto out;
	}
	{
		struct users_key k = {.sk = sk};

		if ((err = users_key_sign_entry(&k, doc, strlen(doc), sig)))
			goto out;
	}
	if ((err = ledger_frame(doc, strlen(doc), sig, &entry, &entry_len)))
		goto out;
	memset(&a, 0, sizeof(a));
	a.row.name = name;
	a.row.role = users_role_name(role);
	a.row.sign_pk = pk;
	a.row.sealed_sk = sealed;
	a.row.sealed_len = sizeof(sealed);
	a.row.salt = salt;
	a.row.kdf_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	a.row.kdf_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	a.row.pwhash = pwhash;
	a.row.created = at;
	a.row.created_by = actor;
	le.data = entry;
	le.len = entry_len;
	if ((err = ledger_append_with(lg, &le, 1, at, add_hook, &a, NULL, d)))
		goto out;
	if (out) {
		memset(out, 0, sizeof(*out));
		memcpy(out->name, name, strlen(name) + 1);
		out->role = role;
		memcpy(out->pk, pk, USERS_PK_SIZE);
		out->created = at;
		out->ledger_idx = a.row.ledger_idx;
	}
out:
	sodium_free(seed);
	sodium_free(sk);
	sodium_free(key);
	sodium_memzero(pwhash, sizeof(pwhash));
	free(entry);
	free(doc);
	return err;
}

/* --- reading --------------------------------------------------------- */

static int info_of(const struct store_user *u, struct users_info *out,
		   struct diag *d)
{
	enum users_role r;

	if (!users_name_ok(u->name) || users_role_parse(u->role, &r)) {
		diag_set(d, "users: a stored user row is damaged");
		return LIA_ESTORE;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->name, u->name, strlen(u->name) + 1);
	out->role = r;
	memcpy(out->pk, u->sign_pk, USERS_PK_SIZE);
	out->created = u->created;
	out->ledger_idx = u->ledger_idx;
	return 0;
}

struct get_ctx {
	struct users_info *info;
	struct diag *d;
	int (*fn)(const struct users_info *u, void *ctx);
	void *ctx;
};

static int get_cb(const struct store_user *u, void *ctx)
{
	struct get_ctx *g = ctx;
	struct users_info i;
	int err;

	if ((err = info_of(u, &i, g->d)))
		return err;
	if (g->info)
		*g->info = i;
	return g->fn ? g->fn(&i, g->ctx) : 0;
}

int users_get(struct store *st, const char *name, struct users_info *out,
	      struct diag *d)
{
	struct users_info i;
	struct get_ctx g = {.info = &i, .d = d};
	int err;

	if (!st || !out || !name)
		return LIA_EINVAL;
	if ((err = store_user_get(st, name, get_cb, &g, d)))
		return err;
	*out = i;
	return 0;
}

int users_each(struct store *st,
	       int (*fn)(const struct users_info *u, void *ctx), void *ctx,
	       struct diag *d)
{
	struct get_ctx g = {.d = d, .fn = fn, .ctx = ctx};

	if (!st || !fn)
		return LIA_EINVAL;
	return store_user_get(st, NULL, get_cb, &g, d);
}

/* The secret columns of one user, copied out of the callback. */
struct secret_row {
	struct users_info info;
	uint8_t sealed[SEALED_SIZE];
	uint8_t salt[STORE_USER_SALT];
	uint64_t ops, mem;
	char pwhash[crypto_pwhash_STRBYTES];
	struct diag *d;
};

static int secret_cb(const struct store_user *u, void *ctx)
{
	struct secret_row *r = ctx;
	size_t n = strlen(u->pwhash);
	int err;

	if ((err = info_of(u, &r->info, r->d)))
		return err;
	if (u->sealed_len != SEALED_SIZE || n >= sizeof(r->pwhash)) {
		diag_set(r->d, "users: the key of user %s is damaged", u->name);
		return LIA_ESTORE;
	}
	memcpy(r->sealed, u->sealed_sk, SEALED_SIZE);
	memcpy(r->salt, u->salt, STORE_USER_SALT);
	r->ops = u->kdf_ops;
	r->mem = u->kdf_mem;
	memcpy(r->pwhash, u->pwhash, n + 1);
	return 0;
}

int users_check_password(struct store *st, const char *name, const char *pass,
			 size_t pass_len, struct diag *d)
{
	struct secret_row r = {.d = d};
	int err;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!st || !name || !pass)
		return LIA_EINVAL;
	if ((err = store_user_get(st, name, secret_cb, &r, d)))
		return err;
	if (crypto_pwhash_str_verify(r.pwhash, pass, pass_len) != 0) {
		diag_set(d, "wrong passphrase for user %s", name);
		err = LIA_EDENIED;
	}
	sodium_memzero(&r, sizeof(r));
	return err;
}

int users_unlock(struct store *st, const char *name, const char *pass,
		 size_t pass_len, struct users_key **out, struct diag *d)
{
	uint8_t ad[sizeof(AD_CONTEXT) + USERS_NAME_MAX], pk[USERS_PK_SIZE];
	struct secret_row r = {.d = d};
	uint8_t *seed = NULL, *key = NULL;
	struct users_key *k = NULL;
	size_t ad_len;
	int err;

	if (sodium_init() < 0)
		return LIA_ECRYPTO;
	if (!st || !name || !pass || !out)
		return LIA_EINVAL;
	if ((err = store_user_get(st, name, secret_cb, &r, d)))
		return err;
	seed = sodium_malloc(SEED_SIZE);
	key = sodium_malloc(KEY_SIZE);
	k = calloc(1, sizeof(*k));
	if (!seed || !key || !k ||
	    !(k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = seal_ad(name, ad, sizeof(ad), &ad_len)) ||
	    (err = derive(pass, pass_len, r.salt, r.ops, r.mem, key, d)))
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		seed, NULL, NULL, r.sealed + NONCE_SIZE,
		SEALED_SIZE - NONCE_SIZE, ad, ad_len, r.sealed, key) != 0) {
		diag_set(d, "wrong passphrase for user %s", name);
		err = LIA_EDENIED;
		goto out;
	}
	if (crypto_sign_seed_keypair(pk, k->sk, seed) != 0 ||
	    sodium_memcmp(pk, r.info.pk, USERS_PK_SIZE) != 0) {
		diag_set(d,
			 "users: the key of user %s does not match its "
			 "public key",
			 name);
		err = LIA_ECRYPTO;
		goto out;
	}
	k->info = r.info;
	*out = k;
	k = NULL;
out:
	users_key_free(k);
	sodium_free(seed);
	sodium_free(key);
	sodium_memzero(&r, sizeof(r));
	return err;
}
