/*
 * evidence.c - registering items and recording custody events (evidence.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "evidence/evidence_int.h"
#include "liaison/strbuf.h"

#define CHUNK ((size_t)1 << 16)

static const char *const kind_names[] = {
    [EVIDENCE_REGISTERED] = "registered",   [EVIDENCE_SEALED] = "sealed",
    [EVIDENCE_TRANSFERRED] = "transferred", [EVIDENCE_RECEIVED] = "received",
    [EVIDENCE_EXAMINED] = "examined",	    [EVIDENCE_COPIED] = "copied",
    [EVIDENCE_RETURNED] = "returned",	    [EVIDENCE_DESTROYED] = "destroyed",
};

const char *evidence_kind_name(enum evidence_kind k)
{
	if ((unsigned)k > EVIDENCE_DESTROYED)
		return "?";
	return kind_names[k];
}

int evidence_kind_parse(const char *s, enum evidence_kind *out)
{
	if (!s || !out)
		return LIA_EINVAL;
	for (int k = EVIDENCE_REGISTERED; k <= EVIDENCE_DESTROYED; k++) {
		if (!strcmp(s, kind_names[k])) {
			*out = (enum evidence_kind)k;
			return 0;
		}
	}
	return LIA_EINVAL;
}

/* --- media types ----------------------------------------------------- */

static const struct {
	size_t off;
	const char *magic;
	size_t len;
	const char *type;
} magics[] = {
    {0, "%PDF-", 5, "application/pdf"},
    {0, "\x89PNG\r\n\x1a\n", 8, "image/png"},
    {0, "\xff\xd8\xff", 3, "image/jpeg"},
    {0, "GIF87a", 6, "image/gif"},
    {0, "GIF89a", 6, "image/gif"},
    {0, "PK\x03\x04", 4, "application/zip"},
    {0, "\x1f\x8b", 2, "application/gzip"},
    {0, "7z\xbc\xaf\x27\x1c", 6, "application/x-7z-compressed"},
    {0, "II*\0", 4, "image/tiff"},
    {0, "MM\0*", 4, "image/tiff"},
    {4, "ftyp", 4, "video/mp4"},
    {0,
     "\x7f"
     "ELF",
     4, "application/x-executable"},
    {0, "SQLite format 3", 15, "application/vnd.sqlite3"},
};

static const struct {
	const char *ext;
	const char *type;
} exts[] = {
    {".txt", "text/plain"},	   {".csv", "text/csv"},
    {".json", "application/json"}, {".xml", "application/xml"},
    {".eml", "message/rfc822"},
};

const char *evidence_media_type(const uint8_t *head, size_t n, const char *name)
{
	const char *dot;

	for (size_t i = 0; head && i < sizeof(magics) / sizeof(*magics); i++) {
		if (n >= magics[i].off + magics[i].len &&
		    !memcmp(head + magics[i].off, magics[i].magic,
			    magics[i].len))
			return magics[i].type;
	}
	if (name && (dot = strrchr(name, '.')) && !strchr(dot, '/')) {
		for (size_t i = 0; i < sizeof(exts) / sizeof(*exts); i++) {
			if (!strcasecmp(dot, exts[i].ext))
				return exts[i].type;
		}
	}
	return "application/octet-stream";
}

/* --- rules ----------------------------------------------------------- */

bool evidence_to_agency(const char *to)
{
	return to && identity_agency_ok(to, strlen(to));
}

int evidence_rule(struct evidence_state *s, enum evidence_kind kind,
		  const char *user, struct diag *d)
{
	return evidence_rule_at(s, kind, user, NULL, NULL, d);
}

/* Who may record next: the holder, or the agency an open transfer is
 * addressed to, for its receipt only. */
static int agency_rule(struct evidence_state *s, enum evidence_kind kind,
		       const char *agency, struct diag *d)
{
	bool to_other = s->transfer_open &&
			evidence_to_agency(s->transfer_to) &&
			strcmp(s->transfer_to, s->holder);

	if (!agency || !*s->holder)
		return 0;
	if (kind == EVIDENCE_RECEIVED && to_other) {
		if (strcmp(agency, s->transfer_to)) {
			diag_set(d,
				 "the transfer was to %s: only %s may sign "
				 "its receipt",
				 s->transfer_to, s->transfer_to);
			return LIA_EDENIED;
		}
		return 0;
	}
	if (strcmp(agency, s->holder)) {
		diag_set(d, "an event recorded at %s while %s holds the item",
			 agency, s->holder);
		return LIA_EDENIED;
	}
	return 0;
}

int evidence_rule_at(struct evidence_state *s, enum evidence_kind kind,
		     const char *user, const char *agency, const char *to,
		     struct diag *d)
{
	bool across;
	int err;

	if (!s || !user || (unsigned)kind > EVIDENCE_DESTROYED)
		return LIA_EINVAL;
	if (agency && strlen(agency) > MARKING_CODE_MAX)
		return LIA_EINVAL;
	if (s->next_seq == 0 && agency)
		memcpy(s->holder, agency, strlen(agency) + 1);
	if ((err = agency_rule(s, kind, agency, d)))
		return err;
	/* A receipt at another agency is signed by a person of that agency,
	 * necessarily someone else than the transferor. */
	across = agency && kind == EVIDENCE_RECEIVED && s->transfer_open &&
		 strcmp(agency, s->holder);
	if ((s->next_seq == 0) != (kind == EVIDENCE_REGISTERED)) {
		diag_set(d, s->next_seq ? "an item is registered only once"
					: "the first event must be the "
					  "registration");
		return LIA_EDENIED;
	}
	if (s->destroyed) {
		diag_set(d, "no event may follow \"destroyed\"");
		return LIA_EDENIED;
	}
	if (kind == EVIDENCE_RECEIVED) {
		if (!s->transfer_open) {
			diag_set(d, "\"received\" must follow a "
				    "\"transferred\" not yet received");
			return LIA_EDENIED;
		}
		if (!across && !strcmp(s->transferor, user)) {
			diag_set(d, "the receipt must be signed by someone "
				    "other than the user who transferred");
			return LIA_EDENIED;
		}
		s->transfer_open = false;
		if (across)
			memcpy(s->holder, agency, strlen(agency) + 1);
	} else if (s->transfer_open) {
		/* While in transit the item is with nobody on the record:
		 * only the receipt may come next. */
		diag_set(d, "the transfer by %s must be received first",
			 s->transferor);
		return LIA_EDENIED;
	}
	if (kind == EVIDENCE_TRANSFERRED) {
		size_t n = strnlen(user, USERS_NAME_MAX + 1);

		if (n > USERS_NAME_MAX)
			return LIA_EINVAL;
		memcpy(s->transferor, user, n + 1);
		s->transfer_open = true;
		n = to ? strnlen(to, EVIDENCE_FIELD_MAX + 1) : 0;
		if (n > EVIDENCE_FIELD_MAX)
			return LIA_EINVAL;
		memcpy(s->transfer_to, to ? to : "", n + 1);
	}
	if (kind == EVIDENCE_DESTROYED)
		s->destroyed = true;
	s->next_seq++;
	return 0;
}

/* --- helpers --------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A bounded single-line text (no control characters), or NULL/"" when
 * optional. */
static int text_ok(const char *what, const char *s, size_t max, bool required,
		   struct diag *d)
{
	size_t n;

	if (!s || !*s) {
		if (required) {
			diag_set(d, "%s is required", what);
			return LIA_EINVAL;
		}
		return 0;
	}
	n = strnlen(s, max + 1);
	if (n > max) {
		diag_set(d, "%s is longer than %zu bytes", what, max);
		return LIA_ETOOBIG;
	}
	if (!utf8_valid(s, n, NULL)) {
		diag_set(d, "%s is not UTF-8", what);
		return LIA_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			diag_set(d, "%s contains a control character", what);
			return LIA_EINVAL;
		}
	}
	return 0;
}

static int may_record(const struct users_key *who, struct diag *d)
{
	const struct users_info *u = users_key_info(who);

	if (!u)
		return LIA_EINVAL;
	if (!users_may(u->role, USERS_RECORD_CUSTODY)) {
		diag_set(d,
			 "user %s has role %s: only officers and "
			 "supervisors record custody",
			 u->name, users_role_name(u->role));
		return LIA_EDENIED;
	}
	return 0;
}

/* Sign doc with who's key and frame it as a ledger entry. */
static int sign_frame(const struct users_key *who, const char *doc,
		      uint8_t **entry, size_t *len)
{
	uint8_t sig[USERS_SIG_SIZE];
	int err;

	if ((err = users_key_sign_entry(who, doc, strlen(doc), sig)))
		return err;
	return ledger_frame(doc, strlen(doc), sig, entry, len);
}

/* The fields every custody document has. */
json_t *evidence_doc_common(const struct evidence_ctx *c,
			    const struct users_key *who, const char *id,
			    uint64_t seq, enum evidence_kind kind,
			    const char *prev, int64_t at)
{
	const struct users_info *u = users_key_info(who);
	char pk[USERS_PK_SIZE * 2 + 1];

	sodium_bin2hex(pk, sizeof(pk), u->pk, USERS_PK_SIZE);
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, "
			 "s:i}",
			 "agency", c->agency, "at", (json_int_t)at, "item", id,
			 "kind", evidence_kind_name(kind), "pk", pk, "prev",
			 prev, "role", users_role_name(u->role), "seq",
			 (json_int_t)seq, "type", "custody", "user", u->name,
			 "v", EVIDENCE_DOC_VERSION);
}

/* --- content copy ---------------------------------------------------- */

/* Make HOME/evidence (0700) and return an fd on it. */
static int content_dir(const char *home, struct diag *d)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/evidence", home) >=
	    sizeof(path))
		return LIA_EINVAL;
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return LIA_EIO;
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return LIA_EIO;
	}
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return LIA_EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct streamed {
	uint8_t sha[crypto_hash_sha256_BYTES];
	uint64_t size;
	uint8_t head[16];
	size_t head_len;
};

/*
 * Stream file into a temporary file in dirfd while hashing, then fsync it
 * and rename it to its hash (a second registration of the same content
 * keeps the first copy, which is identical), and fsync the folder: after
 * this returns the copy survives a crash.
 */
static int stream_copy(const char *file, int dirfd, struct streamed *out,
		       struct diag *d)
{
	crypto_hash_sha256_state h;
	char tmp[64], hex[crypto_hash_sha256_BYTES * 2 + 1];
	uint8_t *buf = NULL;
	struct streamed s;
	int in = -1, tfd = -1, err = 0;
	bool made = false;

	memset(&s, 0, sizeof(s));
	if (!(buf = malloc(CHUNK)))
		return LIA_ENOMEM;
	if ((in = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(d, "%s: %s", file, strerror(errno));
		err = errno == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
		goto out;
	}
	randombytes_buf(hex, 8);
	snprintf(tmp, sizeof(tmp), ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x",
		 (uint8_t)hex[0], (uint8_t)hex[1], (uint8_t)hex[2],
		 (uint8_t)hex[3], (uint8_t)hex[4], (uint8_t)hex[5],
		 (uint8_t)hex[6], (uint8_t)hex[7]);
	if ((tfd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600)) < 0) {
		diag_set(d, "evidence copy: %s", strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	made = true;
	crypto_hash_sha256_init(&h);
	for (;;) {
		ssize_t r = read(in, buf, CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_set(d, "%s: %s", file, strerror(errno));
			err = LIA_EIO;
			goto out;
		}
		if (r == 0)
			break;
		if (s.head_len < sizeof(s.head)) {
			size_t k = sizeof(s.head) - s.head_len;

			if (k > (size_t)r)
				k = (size_t)r;
			memcpy(s.head + s.head_len, buf, k);
			s.head_len += k;
		}
		if ((uint64_t)r > UINT64_MAX - s.size) {
			err = LIA_EOVERFLOW;
			goto out;
		}
		s.size += (uint64_t)r;
		crypto_hash_sha256_update(&h, buf, (size_t)r);
		if ((err = write_all(tfd, buf, (size_t)r))) {
			diag_set(d, "evidence copy: %s", strerror(errno));
			goto out;
		}
	}
	crypto_hash_sha256_final(&h, s.sha);
	sodium_bin2hex(hex, sizeof(hex), s.sha, sizeof(s.sha));
	if (fsync(tfd) != 0 || close(tfd) != 0) {
		tfd = -1;
		diag_set(d, "evidence copy: %s", strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	tfd = -1;
	if (renameat(dirfd, tmp, dirfd, hex) != 0 || fsync(dirfd) != 0) {
		diag_set(d, "evidence copy: %s", strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	made = false;
	*out = s;
out:
	if (tfd >= 0)
		close(tfd);
	if (made)
		unlinkat(dirfd, tmp, 0);
	if (in >= 0)
		close(in);
	free(buf);
	return err;
}

/* --- registering ----------------------------------------------------- */

struct add_hook_ctx {
	struct store_evidence row;
	struct store_custody ev;
};

static int add_hook(void *ctx, struct store *st, uint64_t first, struct diag *d)
{
	struct add_hook_ctx *a = ctx;

	a->row.ledger_idx = first;
	a->ev.ledger_idx = first;
	int err;

	if ((err = store_evidence_add(st, &a->row, d)))
		return err;
	return store_custody_add(st, &a->ev, d);
}

int evidence_add(const struct evidence_ctx *c, const struct users_key *who,
		 const struct evidence_new *e, char id[EVIDENCE_ID_LEN + 1],
		 struct diag *d)
{
	char sha[crypto_hash_sha256_BYTES * 2 + 1], newid[EVIDENCE_ID_LEN + 1];
	uint8_t rnd[EVIDENCE_ID_LEN / 2], *entry = NULL;
	const struct users_info *u = users_key_info(who);
	struct add_hook_ctx a;
	struct ledger_entry le;
	struct streamed s;
	json_t *o = NULL;
	char *doc = NULL;
	const char *mt;
	size_t entry_len;
	int64_t at = now_ms();
	int dirfd = -1, err;

	if (!c || !c->st || !c->lg || !c->home || !c->agency || !e ||
	    !e->file || !id || !u)
		return LIA_EINVAL;
	if ((err = may_record(who, d)) ||
	    (err = text_ok("case", e->case_ref, EVIDENCE_FIELD_MAX, true, d)) ||
	    (err = text_ok("description", e->description, EVIDENCE_TEXT_MAX,
			   true, d)) ||
	    (err = text_ok("seized at", e->seized_at, EVIDENCE_FIELD_MAX, false,
			   d)) ||
	    (err = text_ok("seized on", e->seized_on, EVIDENCE_FIELD_MAX, false,
			   d)))
		return err;
	if ((dirfd = content_dir(c->home, d)) < 0)
		return dirfd;
	if ((err = stream_copy(e->file, dirfd, &s, d)))
		goto out;
	if (s.size > (uint64_t)INT64_MAX) {
		err = LIA_ETOOBIG;
		goto out;
	}
	sodium_bin2hex(sha, sizeof(sha), s.sha, sizeof(s.sha));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(newid, sizeof(newid), rnd, sizeof(rnd));
	mt = evidence_media_type(s.head, s.head_len, e->file);
	if (!(o = evidence_doc_common(c, who, newid, 0, EVIDENCE_REGISTERED, "",
				      at)) ||
	    json_object_set_new(o, "case", json_string(e->case_ref)) ||
	    json_object_set_new(o, "description",
				json_string(e->description)) ||
	    json_object_set_new(o, "media_type", json_string(mt)) ||
	    json_object_set_new(
		o, "seized_at",
		json_string(e->seized_at ? e->seized_at : "")) ||
	    json_object_set_new(
		o, "seized_on",
		json_string(e->seized_on ? e->seized_on : "")) ||
	    json_object_set_new(o, "sha256", json_string(sha)) ||
	    json_object_set_new(o, "size", json_integer((json_int_t)s.size)) ||
	    json_object_set_new(o, "to", json_string("")) ||
	    json_object_set_new(o, "note", json_string("")) ||
	    !(doc = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = sign_frame(who, doc, &entry, &entry_len)))
		goto out;
	memset(&a, 0, sizeof(a));
	a.row = (struct store_evidence){
	    .id = newid,
	    .case_ref = e->case_ref,
	    .description = e->description,
	    .sha256 = sha,
	    .size = s.size,
	    .media_type = mt,
	    .seized_at = e->seized_at ? e->seized_at : "",
	    .seized_on = e->seized_on ? e->seized_on : "",
	    .registered_by = u->name,
	    .created = at,
	};
	a.ev = (struct store_custody){.item = newid,
				      .seq = 0,
				      .kind = "registered",
				      .user = u->name,
				      .at = at};
	le.data = entry;
	le.len = entry_len;
	if ((err =
		 ledger_append_with(c->lg, &le, 1, at, add_hook, &a, NULL, d)))
		goto out;
	memcpy(id, newid, sizeof(newid));
out:
	json_decref(o);
	free(doc);
	free(entry);
	if (dirfd >= 0)
		close(dirfd);
	return err;
}

/* --- custody events -------------------------------------------------- */

static int exists_cb(const struct store_evidence *e, void *ctx)
{
	(void)e;
	(void)ctx;
	return 0;
}

struct event_hook_ctx {
	struct store_custody ev;
};

static int event_hook(void *ctx, struct store *st, uint64_t first,
		      struct diag *d)
{
	struct event_hook_ctx *a = ctx;

	a->ev.ledger_idx = first;
	return store_custody_add(st, &a->ev, d);
}

bool evidence_id_ok(const char *s)
{
	if (!s || strlen(s) != EVIDENCE_ID_LEN)
		return false;
	for (size_t i = 0; i < EVIDENCE_ID_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

int evidence_event(const struct evidence_ctx *c, const struct users_key *who,
		   const char *id, enum evidence_kind kind, const char *to,
		   const char *note, uint64_t *seq, struct diag *d)
{
	const struct users_info *u = users_key_info(who);
	char prev[LEDGER_HASH_SIZE * 2 + 1];
	uint8_t leaf[LEDGER_HASH_SIZE], *entry = NULL;
	struct evidence_state state;
	struct event_hook_ctx a;
	struct ledger_entry le;
	size_t entry_len;
	json_t *o = NULL;
	char *doc = NULL;
	int64_t at = now_ms();
	int err;

	if (!c || !c->st || !c->lg || !c->agency || !u || !id)
		return LIA_EINVAL;
	if (!evidence_id_ok(id)) {
		diag_set(d, "an item id is %d lower-case hex digits",
			 EVIDENCE_ID_LEN);
		return LIA_EINVAL;
	}
	if (kind == EVIDENCE_REGISTERED || (unsigned)kind > EVIDENCE_DESTROYED)
		return LIA_EINVAL;
	if ((err = may_record(who, d)) ||
	    (err = text_ok("to", to, EVIDENCE_FIELD_MAX,
			   kind == EVIDENCE_TRANSFERRED, d)) ||
	    (err = text_ok("note", note, EVIDENCE_TEXT_MAX, false, d)))
		return err;
	if (kind == EVIDENCE_TRANSFERRED && evidence_to_agency(to) &&
	    !strcmp(to, c->agency)) {
		diag_set(d,
			 "a transfer to %s, this node, is a transfer to a "
			 "person of it: name them",
			 to);
		return LIA_EINVAL;
	}
	err = store_evidence_each(c->st, id, NULL, exists_cb, NULL, d);
	/* An item another agency transferred to this node becomes one of
	 * its items with the receipt its officer signs. */
	if (err == LIA_ENOTFOUND && kind == EVIDENCE_RECEIVED)
		return evidence_receive_import(c, who, id, note, seq, d);
	if (err)
		return err;
	/* The receipts other agencies sent back come first: they may be
	 * what this event follows. */
	if ((err = evidence_settle(c, id, NULL, d)))
		return err;
	/* The rules, and the chain link: the leaf hash of the item's
	 * previous entry as the ledger holds it now. */
	if ((err = evidence_chain_load(c, id, &state, leaf, d)))
		return err;
	/* A receipt here that is not of a transfer to a person of this node
	 * can only be of an item another agency transferred back: its
	 * later events come in with the receipt. When no such transfer
	 * waits (LIA_ENOTFOUND) the rules below say why not. */
	if (kind == EVIDENCE_RECEIVED &&
	    !(state.transfer_open && !evidence_to_agency(state.transfer_to))) {
		err = evidence_receive_import(c, who, id, note, seq, d);
		if (err != LIA_ENOTFOUND)
			return err;
	}
	if ((err = evidence_rule_at(&state, kind, u->name, c->agency, to, d)))
		return err;
	sodium_bin2hex(prev, sizeof(prev), leaf, sizeof(leaf));
	if (!(o = evidence_doc_common(c, who, id, state.next_seq - 1, kind,
				      prev, at)) ||
	    json_object_set_new(o, "to", json_string(to ? to : "")) ||
	    json_object_set_new(o, "note", json_string(note ? note : "")) ||
	    !(doc = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		err = LIA_ENOMEM;
		goto out;
	}
	if ((err = sign_frame(who, doc, &entry, &entry_len)))
		goto out;
	a.ev = (struct store_custody){.item = id,
				      .seq = state.next_seq - 1,
				      .kind = evidence_kind_name(kind),
				      .user = u->name,
				      .at = at};
	le.data = entry;
	le.len = entry_len;
	if ((err = ledger_append_with(c->lg, &le, 1, at, event_hook, &a, NULL,
				      d)))
		goto out;
	if (seq)
		*seq = a.ev.seq;
out:
	json_decref(o);
	free(doc);
	free(entry);
	return err;
}

int evidence_each(struct store *st, const char *case_ref,
		  int (*fn)(const struct store_evidence *e, void *ctx),
		  void *ctx, struct diag *d)
{
	return store_evidence_each(st, NULL, case_ref, fn, ctx, d);
}
