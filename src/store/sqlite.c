/*
 * sqlite.c - the store on SQLite: one file dir/store.db in WAL mode.
 *
 * Layout (see migrations.c): imports (provenance), markings (deduplicated
 * by hash), records (the current version of each entity, with the columns
 * filters need), versions (every version ever written, append-only),
 * records_fts (FTS5 over names and other text, rowid = records.rid) and
 * audit (append-only).
 *
 * An import is one BEGIN IMMEDIATE transaction, so it is stored whole or
 * not at all, also across kill -9. store_put() costs one indexed lookup of
 * the current hash plus the inserts; statements are prepared once per
 * handle and the buffers for the canonical JSON live on the handle, so the
 * import path does not allocate per record in this file.
 *
 * The busy timeout is STORE_BUSY_MS_DEFAULT milliseconds; the environment
 * variable LIAISON_BUSY_MS (0..600000) overrides it, which tests use to
 * see LIA_EBUSY quickly. A handle must be used by one thread at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "liaison/entity.h"
#include "liaison/marking.h"
#include "liaison/schema.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"
#include "store/store_int.h"

#define HASH_LEN crypto_hash_sha256_BYTES

enum stmt_id {
	S_CUR,
	S_MARK_INS,
	S_MARK_ID,
	S_IMP_INS,
	S_IMP_FIN,
	S_VER_INS,
	S_REC_INS,
	S_REC_UPD,
	S_FTS_DEL,
	S_FTS_INS,
	S_GET,
	S_HIST,
	S_SEARCH_TEXT,
	S_SEARCH,
	S_EACH,
	S_COUNTS,
	S_PER_SCHEMA,
	S_AUDIT_INS,
	S_AUDIT_EACH,
	S_MAX_VID,
	S_LG_SIZE,
	S_LG_ENT_INS,
	S_LG_NODE_INS,
	S_LG_LEAF,
	S_LG_NODE,
	S_LG_NODE_MAX,
	S_LG_EACH,
	S_LG_NODE_FROM,
	S_LG_HEAD_INS,
	S_LG_HEAD,
	S_LG_HEAD_LAST,
	S_LG_HEAD_EACH,
	S_LAST_VID,
	S__COUNT
};

/*
 * The filters shared by search and export. Parameters ?10..?15 are the
 * resolved store_filter; NULL disables a filter. Partial dates are ranges:
 * "1970" covers the whole year, so two dates are compared on their common
 * prefix ("1970" vs "1970-05-12" compares "1970" with "1970"). A record
 * matches [from, to] when its own [date_min, date_max] overlaps it.
 */
#define FILTERS                                                               \
	" AND (?10 IS NULL OR r.schema IN (SELECT value FROM json_each(?10)))" \
	" AND (?11 IS NULL OR"                                                \
	"      instr(' ' || r.countries || ' ', ' ' || ?11 || ' ') > 0)"      \
	" AND (?12 IS NULL OR r.class_rank <= ?12)"                           \
	" AND (?13 IS NULL OR r.agency = ?13)"                                \
	" AND (?14 IS NULL OR (r.date_max IS NOT NULL AND"                    \
	"      substr(r.date_max, 1, min(length(r.date_max), length(?14))) >=" \
	"      substr(?14, 1, min(length(r.date_max), length(?14)))))"        \
	" AND (?15 IS NULL OR (r.date_min IS NOT NULL AND"                    \
	"      substr(r.date_min, 1, min(length(r.date_min), length(?15))) <=" \
	"      substr(?15, 1, min(length(r.date_min), length(?15)))))"

static const char *const stmt_sql[S__COUNT] = {
	[S_MAX_VID] = "SELECT coalesce(max(vid), 0) FROM versions",
	[S_CUR] = "SELECT rid, version, hash, names, text, vid FROM records"
		  " WHERE id = ?1",
	[S_MARK_INS] = "INSERT INTO markings(hash, json) VALUES (?1, ?2)"
		       " ON CONFLICT(hash) DO NOTHING",
	[S_MARK_ID] = "SELECT id FROM markings WHERE hash = ?1",
	[S_IMP_INS] = "INSERT INTO imports(format, files, sha256, actor,"
		      " started) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_IMP_FIN] = "UPDATE imports SET finished = ?2, seen = ?3,"
		      " created = ?4, changed = ?5, unchanged = ?6"
		      " WHERE id = ?1",
	[S_VER_INS] = "INSERT INTO versions(entity_id, version, hash, body,"
		      " marking_id, import_id, created, vid, prev_vid)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_REC_INS] = "INSERT INTO records(id, schema, version, hash,"
		      " marking_id, import_id, agency, class_rank, countries,"
		      " date_min, date_max, caption, names, text, first_seen,"
		      " last_changed, vid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		      " ?8, ?9, ?10, ?11, ?12, ?15, ?16, ?13, ?13, ?17)"
		      " ON CONFLICT(id) DO NOTHING",
	[S_REC_UPD] = "UPDATE records SET schema = ?2, version = ?3,"
		      " hash = ?4, marking_id = ?5, import_id = ?6,"
		      " agency = ?7, class_rank = ?8, countries = ?9,"
		      " date_min = ?10, date_max = ?11, caption = ?12,"
		      " names = ?15, text = ?16, last_changed = ?13,"
		      " vid = ?17 WHERE rid = ?14",
	[S_FTS_DEL] = "INSERT INTO records_fts(records_fts, rowid, id, names,"
		      " text) VALUES ('delete', ?1, ?2, ?3, ?4)",
	[S_FTS_INS] = "INSERT INTO records_fts(rowid, id, names, text)"
		      " VALUES (?1, ?2, ?3, ?4)",
	[S_GET] = "SELECT r.version, r.import_id, r.first_seen,"
		  " r.last_changed, v.body, r.marking_id, m.json,"
		  " (SELECT format FROM imports WHERE id = r.import_id)"
		  " FROM records r"
		  " JOIN versions v ON v.vid = r.vid"
		  " JOIN markings m ON m.id = r.marking_id"
		  " WHERE r.id = ?1",
	[S_HIST] = "WITH RECURSIVE chain(vid) AS ("
		   "  SELECT vid FROM records WHERE id = ?1"
		   "  UNION ALL SELECT v.prev_vid FROM versions v"
		   "  JOIN chain c ON v.vid = c.vid WHERE v.prev_vid IS NOT NULL)"
		   " SELECT v.version, v.import_id, i.format, i.files,"
		   " i.actor, v.created, v.hash, v.body, v.marking_id, m.json"
		   " FROM chain c JOIN versions v ON v.vid = c.vid"
		   " JOIN imports i ON i.id = v.import_id"
		   " JOIN markings m ON m.id = v.marking_id"
		   " ORDER BY v.version",
	[S_SEARCH_TEXT] = "SELECT r.id, r.schema, r.caption, records_fts.rank,"
			  " r.marking_id, m.json"
			  " FROM records_fts"
			  " JOIN records r ON r.rid = records_fts.rowid"
			  " JOIN markings m ON m.id = r.marking_id"
			  " WHERE records_fts MATCH ?1" FILTERS
			  " ORDER BY records_fts.rank LIMIT ?2 OFFSET ?3",
	[S_SEARCH] = "SELECT r.id, r.schema, r.caption, 0.0,"
		     " r.marking_id, m.json"
		     " FROM records r"
		     " JOIN markings m ON m.id = r.marking_id"
		     " WHERE 1" FILTERS " ORDER BY r.id LIMIT ?2 OFFSET ?3",
	[S_EACH] = "SELECT r.id, r.version, r.import_id, r.first_seen,"
		   " r.last_changed, v.body, r.marking_id, m.json,"
		   " (SELECT format FROM imports WHERE id = r.import_id)"
		   " FROM records r"
		   " JOIN versions v ON v.vid = r.vid"
		   " JOIN markings m ON m.id = r.marking_id"
		   " WHERE 1" FILTERS " ORDER BY r.id LIMIT ?2 OFFSET ?3",
	[S_COUNTS] = "SELECT (SELECT count(*) FROM records),"
		     " (SELECT count(*) FROM versions),"
		     " (SELECT count(*) FROM imports)",
	[S_LAST_VID] = "SELECT coalesce(max(vid), 0) FROM versions",
	[S_PER_SCHEMA] = "SELECT schema, count(*) FROM records"
			 " GROUP BY schema ORDER BY schema",
	[S_AUDIT_INS] = "INSERT INTO audit(at, actor, action, object, detail)"
			" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_AUDIT_EACH] = "SELECT id, at, actor, action, object, detail"
			 " FROM audit WHERE id > ?1 ORDER BY id",
	[S_LG_SIZE] = "SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries",
	[S_LG_ENT_INS] = "INSERT INTO ledger_entries(idx, data, leaf_hash,"
			 " at_ms) VALUES (?1, ?2, ?3, ?4)",
	[S_LG_NODE_INS] = "INSERT INTO ledger_nodes(level, idx, hash)"
			  " VALUES (?1, ?2, ?3)",
	[S_LG_LEAF] = "SELECT leaf_hash FROM ledger_entries WHERE idx = ?1",
	[S_LG_NODE] = "SELECT hash FROM ledger_nodes"
		      " WHERE level = ?1 AND idx = ?2",
	/* One level at a time: max() over a prefix of the primary key is a
	 * single b-tree seek, a GROUP BY over all levels would be a scan. */
	[S_LG_NODE_MAX] = "SELECT max(idx) FROM ledger_nodes WHERE level = ?1",
	[S_LG_EACH] = "SELECT idx, data, leaf_hash, at_ms FROM ledger_entries"
		      " WHERE idx >= ?1 ORDER BY idx",
	[S_LG_NODE_FROM] = "SELECT idx, hash FROM ledger_nodes"
			   " WHERE level = ?1 AND idx >= ?2 ORDER BY idx"
			   " LIMIT ?3",
	[S_LG_HEAD_INS] = "INSERT INTO ledger_heads(size, version, root,"
			  " at_ms, pk, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			  " ON CONFLICT(size) DO NOTHING",
	[S_LG_HEAD] = "SELECT size, version, root, at_ms, pk, sig"
		      " FROM ledger_heads WHERE size = ?1",
	[S_LG_HEAD_LAST] = "SELECT size, version, root, at_ms, pk, sig"
			   " FROM ledger_heads ORDER BY size DESC LIMIT 1",
	[S_LG_HEAD_EACH] = "SELECT size, version, root, at_ms, pk, sig"
			   " FROM ledger_heads ORDER BY size",
};

#define QCACHE_MAX 16

struct sq {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *stmt[S__COUNT];
	int version;
	int busy_ms;
	bool mapped;         /* mmap_size set for ledger reads */

	/* The open import. */
	int64_t import_id;
	int64_t next_vid;    /* row id of the next version written */
	struct store_counts counts;
	bool failed;         /* a write failed: only abort is possible */

	/* The last marking put, its canonical JSON, hash and row id: an
	 * import normally uses one marking for all its records. */
	bool mc_valid;
	struct marking mc;
	int64_t mc_id;
	struct strbuf mjson;

	/* Reused per-record buffers. */
	struct strbuf old_names; /* what the index holds for a changed record */
	struct strbuf old_text;

	time_t now_t;
	char now[32];

	/* Group commit (store_batch_begin): one transaction open, each
	 * envelope in a savepoint "item", each store call in "op". */
	bool batch, item, op;
	/* An outbox row was inserted since the last commit: the queue hook
	 * is called once the transaction is durable. */
	bool queued;

	/* Statements of the exchange's hot paths (q_cached), prepared
	 * once: compiling them for every envelope was a fifth of the
	 * receiver's time. Keyed by the address of their SQL literal. */
	const char *qc_sql[QCACHE_MAX];
	sqlite3_stmt *qc[QCACHE_MAX];
	size_t n_qc;
};

static int sq_err(struct sq *s, const char *what, struct diag *d)
{
	int rc = sqlite3_errcode(s->db);

	diag_set(d, "store: %s: %s", what, sqlite3_errmsg(s->db));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return LIA_EBUSY;
	return LIA_ESTORE;
}

static void sq_now(struct sq *s)
{
	time_t t = time(NULL);

	if (t != s->now_t || !s->now[0]) {
		s->now_t = t;
		store_iso_time(t, s->now, sizeof(s->now));
	}
}

/* Fetch a cached statement, preparing it on first use. A statement still
 * running means a callback re-entered the same kind of query: refused,
 * because resetting it would pull the rows from under the outer loop. */
static int stmt_get(struct sq *s, enum stmt_id id, sqlite3_stmt **out,
		    struct diag *d)
{
	if (!s->stmt[id]) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->stmt[id],
				       NULL) != SQLITE_OK)
			return sq_err(s, "prepare", d);
	} else if (sqlite3_stmt_busy(s->stmt[id])) {
		diag_set(d, "store: re-entrant use of the same query from a "
			    "callback");
		return LIA_EINVAL;
	}
	*out = s->stmt[id];
	return 0;
}

static void stmt_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Run a statement that returns no rows. */
static int stmt_exec(struct sq *s, sqlite3_stmt *st, const char *what,
		     struct diag *d)
{
	int err = 0;

	if (sqlite3_step(st) != SQLITE_DONE)
		err = sq_err(s, what, d);
	stmt_done(st);
	return err;
}

static int exec_sql(struct sq *s, const char *sql, const char *what,
		    struct diag *d)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_err(s, what, d);
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* --- markings -------------------------------------------------------- */

static void mcache_drop(struct sq *s)
{
	if (s->mc_valid)
		marking_free(&s->mc);
	marking_init(&s->mc);
	s->mc_valid = false;
	s->mc_id = 0;
	strbuf_reset(&s->mjson);
}

/* Make m the cached marking: its canonical JSON and its row id, inserting
 * the row if this marking was never stored. */
static int mcache_set(struct sq *s, const struct marking *m, struct diag *d)
{
	unsigned char h[HASH_LEN];
	sqlite3_stmt *st;
	int err;

	if (s->mc_valid && store_marking_eq(&s->mc, m))
		return 0;
	mcache_drop(s);
	if ((err = store_marking_json(m, &s->mjson)))
		goto out;
	crypto_hash_sha256(h, (const unsigned char *)s->mjson.buf,
			   s->mjson.len);

	if ((err = stmt_get(s, S_MARK_INS, &st, d)))
		goto out;
	sqlite3_bind_blob(st, 1, h, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->mjson.buf, (int)s->mjson.len,
			  SQLITE_STATIC);
	if ((err = stmt_exec(s, st, "store marking", d)))
		goto out;

	if ((err = stmt_get(s, S_MARK_ID, &st, d)))
		goto out;
	sqlite3_bind_blob(st, 1, h, HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = sq_err(s, "find marking", d);
		stmt_done(st);
		goto out;
	}
	s->mc_id = sqlite3_column_int64(st, 0);
	stmt_done(st);

	if ((err = marking_copy(&s->mc, m)))
		goto out;
	s->mc_valid = true;
out:
	if (err && !s->mc_valid)
		mcache_drop(s);
	return err;
}

/* A marking read back from the store, parsed once per distinct row id
 * within one read call. */
struct mread {
	bool valid;
	int64_t id;
	struct marking m;
};

static int mread_load(struct sq *s, struct mread *c, int64_t id,
		      const char *js, size_t len, struct diag *d)
{
	json_error_t jerr;
	json_t *obj;
	struct marking m;
	int err;

	if (c->valid && c->id == id)
		return 0;
	obj = json_loadb(js, len, 0, &jerr);
	if (!obj) {
		diag_set(d, "store: marking %lld: %s", (long long)id, jerr.text);
		return LIA_ESTORE;
	}
	marking_init(&m);
	err = marking_from_json(obj, &s->base.ladder, &m, d);
	json_decref(obj);
	if (err) {
		diag_prefix(d, "store: marking %lld: ", (long long)id);
		return err;
	}
	if (c->valid)
		marking_free(&c->m);
	c->m = m;
	c->id = id;
	c->valid = true;
	return 0;
}

static void mread_free(struct mread *c)
{
	if (c->valid)
		marking_free(&c->m);
	c->valid = false;
}

/* --- open, migrate, close -------------------------------------------- */

static int busy_ms_from_env(int *out, struct diag *d)
{
	const char *v = getenv("LIAISON_BUSY_MS");
	int64_t ms;

	if (!v) {
		*out = STORE_BUSY_MS_DEFAULT;
		return 0;
	}
	if (str_to_i64(v, strlen(v), &ms) || ms < 0 || ms > 600000) {
		diag_set(d, "store: LIAISON_BUSY_MS must be 0..600000");
		return LIA_ECONFIG;
	}
	*out = (int)ms;
	return 0;
}

static int read_user_version(struct sq *s, int *out, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		err = sq_err(s, "read schema version", d);
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
out:
	sqlite3_finalize(st);
	return err;
}

static int migrate(struct sq *s, struct diag *d)
{
	char sql[64];
	int v, err;

	if (s->base.readonly) {
		if ((err = read_user_version(s, &v, d)))
			return err;
		if (v > store_sqlite_migrations_n)
			goto newer;
		if (v < store_sqlite_migrations_n) {
			diag_set(d, "store: schema version %d needs migrating "
				    "to %d; open it read-write once", v,
				 store_sqlite_migrations_n);
			return LIA_ESTORE;
		}
		s->version = v;
		return 0;
	}

	/* Most opens find the schema current: they must not wait for the
	 * write lock, or a search would block behind a running import. */
	if ((err = read_user_version(s, &v, d)))
		return err;
	if (v > store_sqlite_migrations_n)
		goto newer;
	if (v == store_sqlite_migrations_n) {
		s->version = v;
		return 0;
	}
	/* IMMEDIATE, and the version read again under the lock: two
	 * processes opening a new store at once must not both migrate. */
	if ((err = exec_sql(s, "BEGIN IMMEDIATE", "begin migration", d)))
		return err;
	if ((err = read_user_version(s, &v, d)))
		goto fail;
	if (v > store_sqlite_migrations_n) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto newer;
	}
	for (int i = v; i < store_sqlite_migrations_n; i++) {
		if (sqlite3_exec(s->db, store_sqlite_migrations[i], NULL, NULL,
				 NULL) != SQLITE_OK) {
			err = sq_err(s, "migration", d);
			diag_prefix(d, "step %d: ", i + 1);
			goto fail;
		}
	}
	if (v < store_sqlite_migrations_n) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 store_sqlite_migrations_n);
		if ((err = exec_sql(s, sql, "set schema version", d)))
			goto fail;
	}
	if ((err = exec_sql(s, "COMMIT", "commit migration", d)))
		goto fail;
	s->version = store_sqlite_migrations_n;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
newer:
	diag_set(d, "store: schema version %d is newer than this program's %d",
		 v, store_sqlite_migrations_n);
	return LIA_EVERSION;
}

static void sq_close(struct store *st)
{
	struct sq *s = (struct sq *)st;

	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	for (size_t i = 0; i < s->n_qc; i++)
		sqlite3_finalize(s->qc[i]);
	/* An import still open is rolled back by SQLite on close. */
	if (s->db)
		sqlite3_close_v2(s->db);
	mcache_drop(s);
	strbuf_release(&s->mjson);
	strbuf_release(&s->old_names);
	strbuf_release(&s->old_text);
	free(s);
}

static int sq_schema_version(struct store *st)
{
	return ((struct sq *)st)->version;
}

/* Create dir/store.db readable by its owner only, before SQLite opens it:
 * SQLite gives the -wal and -shm files the mode of the database. */
static int create_file(const char *path, struct diag *d)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		diag_set(d, "store: cannot create %s: %s", path,
			 strerror(errno));
		return LIA_EIO;
	}
	/* The umask may only have removed bits; make the mode exact. */
	if (fchmod(fd, 0600) < 0) {
		diag_set(d, "store: chmod %s: %s", path, strerror(errno));
		close(fd);
		return LIA_EIO;
	}
	close(fd);
	return 0;
}

static const struct store_ops sqlite_ops;

int store_sqlite_open(const char *dir, const struct store_opts *o,
		      struct store **out, struct diag *d)
{
	struct sq *s = NULL;
	char path[PATH_MAX];
	struct stat sb;
	int flags, n, err = 0;

	if (sodium_init() < 0) {
		diag_set(d, "store: libsodium failed to initialise");
		return LIA_ECRYPTO;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		diag_set(d, "store: %s is not a directory", dir);
		return LIA_ENOTFOUND;
	}
	n = snprintf(path, sizeof(path), "%s/store.db", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		diag_set(d, "store: path too long");
		return LIA_ETOOBIG;
	}
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT) {
			diag_set(d, "store: %s: %s", path, strerror(errno));
			return LIA_EIO;
		}
		if (!o->create || o->readonly) {
			diag_set(d, "store: no store at %s", path);
			return LIA_ENOTFOUND;
		}
		if ((err = create_file(path, d)))
			return err;
	} else if (!S_ISREG(sb.st_mode)) {
		diag_set(d, "store: %s is not a regular file", path);
		return LIA_ESTORE;
	} else if (sb.st_mode & 077) {
		/* Records are personal data: a store others can read is a
		 * leak already, and we refuse to add to it. */
		diag_set(d, "store: %s is accessible to other users (mode %o); "
			    "run chmod 600 on it", path,
			 (unsigned)(sb.st_mode & 0777));
		return LIA_EDENIED;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return LIA_ENOMEM;
	s->base.ops = &sqlite_ops;
	s->base.readonly = o->readonly;
	if (o->ladder)
		s->base.ladder = *o->ladder;
	else
		marking_ladder_default(&s->base.ladder);
	marking_init(&s->mc);
	strbuf_init(&s->mjson, 0);
	strbuf_init(&s->old_names, 0);
	strbuf_init(&s->old_text, 0);
	if ((err = busy_ms_from_env(&s->busy_ms, d)))
		goto out;

	flags = (o->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
	/* A handle is used by one thread at a time (an import's writer is
	 * the only thread that touches it), so SQLite's own per-call mutexes
	 * are pure cost. */
	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		diag_set(d, "store: cannot open %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		err = LIA_ESTORE;
		goto out;
	}
	sqlite3_busy_timeout(s->db, s->busy_ms);
	if ((err = exec_sql(s, "PRAGMA foreign_keys = ON", "open", d)))
		goto out;
	if (!o->readonly) {
		sqlite3_stmt *st = NULL;
		bool wal;

		/* Larger pages halve the b-tree work of bulk imports; it only
		 * takes effect on a new, empty database. */
		if ((err = exec_sql(s, "PRAGMA page_size = 16384", "open", d)))
			goto out;
		if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1,
				       &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW) {
			err = sq_err(s, "set WAL mode", d);
			sqlite3_finalize(st);
			goto out;
		}
		wal = sqlite3_stricmp(col_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (!wal) {
			diag_set(d, "store: cannot switch %s to WAL mode", path);
			err = LIA_ESTORE;
			goto out;
		}
		/* In WAL mode NORMAL loses no committed transaction on a
		 * process crash, only possibly the last ones on power loss. */
		if ((err = exec_sql(s,
				    "PRAGMA synchronous = NORMAL;"
				    "PRAGMA cache_size = -32768;"
				    "PRAGMA temp_store = MEMORY",
				    "open", d)))
			goto out;
	}
	if ((err = migrate(s, d)))
		goto out;
	*out = &s->base;
	s = NULL;
out:
	if (s)
		sq_close(&s->base);
	return err;
}

/* --- imports --------------------------------------------------------- */

static int sq_import_begin(struct store *st, const struct store_import *imp,
			   int64_t *import_id, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int err;

	/* Inside a batch (records that came with an envelope) the import
	 * is a savepoint of the batch transaction. */
	if (sqlite3_exec(s->db, s->batch ? "SAVEPOINT imp" : "BEGIN IMMEDIATE",
			 NULL, NULL, NULL) != SQLITE_OK) {
		err = sq_err(s, "begin import", d);
		if (err == LIA_EBUSY)
			diag_set(d, "store: another writer holds the store "
				    "(waited %d ms): %s", s->busy_ms,
				 sqlite3_errmsg(s->db));
		return err;
	}
	sq_now(s);
	if ((err = stmt_get(s, S_IMP_INS, &q, d)))
		goto fail;
	sqlite3_bind_text(q, 1, imp->format, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, imp->files ? imp->files : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 3, imp->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, imp->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, s->now, -1, SQLITE_STATIC);
	if ((err = stmt_exec(s, q, "record import", d)))
		goto fail;
	s->import_id = sqlite3_last_insert_rowid(s->db);
	/* This handle is the only writer until commit: it numbers the
	 * version rows itself, so a record row can name its version before
	 * the version is written. */
	if ((err = stmt_get(s, S_MAX_VID, &q, d)))
		goto fail;
	if (sqlite3_step(q) != SQLITE_ROW) {
		err = sq_err(s, "number versions", d);
		stmt_done(q);
		goto fail;
	}
	s->next_vid = sqlite3_column_int64(q, 0) + 1;
	stmt_done(q);
	memset(&s->counts, 0, sizeof(s->counts));
	s->failed = false;
	st->in_import = true;
	if (import_id)
		*import_id = s->import_id;
	return 0;
fail:
	sqlite3_exec(s->db,
		     s->batch ? "ROLLBACK TO imp; RELEASE imp" : "ROLLBACK",
		     NULL, NULL, NULL);
	return err;
}

static void sq_import_abort(struct store *st)
{
	struct sq *s = (struct sq *)st;

	sqlite3_exec(s->db,
		     s->batch ? "ROLLBACK TO imp; RELEASE imp" : "ROLLBACK",
		     NULL, NULL, NULL);
	/* The cached marking row may have been rolled back with it. */
	mcache_drop(s);
	st->in_import = false;
	s->failed = false;
}

static int sq_import_commit(struct store *st, struct store_counts *counts,
			    struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int err;

	if (s->failed) {
		diag_set(d, "store: a write of this import failed; it was "
			    "rolled back");
		err = LIA_ESTORE;
		goto fail;
	}
	sq_now(s);
	if ((err = stmt_get(s, S_IMP_FIN, &q, d)))
		goto fail;
	sqlite3_bind_int64(q, 1, s->import_id);
	sqlite3_bind_text(q, 2, s->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)s->counts.seen);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)s->counts.created);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)s->counts.changed);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)s->counts.unchanged);
	if ((err = stmt_exec(s, q, "finish import", d)))
		goto fail;
	if ((err = exec_sql(s, s->batch ? "RELEASE imp" : "COMMIT",
			    "commit import", d)))
		goto fail;
	st->in_import = false;
	if (counts)
		*counts = s->counts;
	return 0;
fail:
	sq_import_abort(st);
	return err;
}

/* --- put ------------------------------------------------------------- */

/* Bind the columns of a records row (insert or update) for p. */
static void bind_record(struct sq *s, sqlite3_stmt *q,
			const struct store_prep *p, sqlite3_int64 version,
			sqlite3_int64 rid)
{
	sqlite3_bind_text(q, 1, p->id.buf, (int)p->id.len, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->schema, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, version);
	sqlite3_bind_blob(q, 4, p->hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, s->mc_id);
	sqlite3_bind_int64(q, 6, s->import_id);
	sqlite3_bind_text(q, 7, p->m->agency, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 8, p->class_rank);
	sqlite3_bind_text(q, 9, p->countries.buf, (int)p->countries.len,
			  SQLITE_STATIC);
	if (p->has_date) {
		sqlite3_bind_text(q, 10, p->date_min, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 11, p->date_max, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(q, 10);
		sqlite3_bind_null(q, 11);
	}
	sqlite3_bind_text(q, 12, p->caption.buf, (int)p->caption.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 13, s->now, -1, SQLITE_STATIC);
	if (rid)
		sqlite3_bind_int64(q, 14, rid);
	sqlite3_bind_text(q, 15, p->names.buf, (int)p->names.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 16, p->text.buf, (int)p->text.len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 17, s->next_vid);
}

static int sq_put_prepared(struct store *st, const struct store_prep *p,
			   enum store_change *change, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	const char *id = p->id.buf;
	sqlite3_stmt *q;
	sqlite3_int64 rid = 0, version = 0, prev_vid = 0;
	enum store_change ch;
	int err;

	if (s->failed) {
		diag_set(d, "store: an earlier write of this import failed");
		return LIA_ESTORE;
	}
	if ((err = mcache_set(s, p->m, d)))
		goto fail;
	sq_now(s);

	/*
	 * Most records of an import are new: try the insert first, which
	 * finds an existing id in the same index seek it needs anyway, and
	 * look the current version up only when the id is already there.
	 */
	if ((err = stmt_get(s, S_REC_INS, &q, d)))
		goto fail;
	bind_record(s, q, p, 1, 0);
	if ((err = stmt_exec(s, q, "write record", d)))
		goto fail;
	if (sqlite3_changes(s->db) == 1) {
		ch = STORE_NEW;
		rid = sqlite3_last_insert_rowid(s->db);
	} else {
		if ((err = stmt_get(s, S_CUR, &q, d)))
			goto fail;
		sqlite3_bind_text(q, 1, id, (int)p->id.len, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_ROW) {
			err = sq_err(s, "look up record", d);
			stmt_done(q);
			goto fail;
		}
		rid = sqlite3_column_int64(q, 0);
		version = sqlite3_column_int64(q, 1);
		prev_vid = sqlite3_column_int64(q, 5);
		if (sqlite3_column_bytes(q, 2) == HASH_LEN &&
		    memcmp(sqlite3_column_blob(q, 2), p->hash, HASH_LEN) == 0) {
			stmt_done(q);
			s->counts.seen++;
			s->counts.unchanged++;
			if (change)
				*change = STORE_UNCHANGED;
			return 0;
		}
		ch = STORE_CHANGED;
		strbuf_reset(&s->old_names);
		strbuf_reset(&s->old_text);
		if ((err = strbuf_add(&s->old_names,
				      sqlite3_column_text(q, 3),
				      (size_t)sqlite3_column_bytes(q, 3))) ||
		    (err = strbuf_add(&s->old_text, sqlite3_column_text(q, 4),
				      (size_t)sqlite3_column_bytes(q, 4)))) {
			stmt_done(q);
			goto fail;
		}
		stmt_done(q);
		if ((err = stmt_get(s, S_REC_UPD, &q, d)))
			goto fail;
		bind_record(s, q, p, version + 1, rid);
		if ((err = stmt_exec(s, q, "write record", d)))
			goto fail;
		if ((err = stmt_get(s, S_FTS_DEL, &q, d)))
			goto fail;
		sqlite3_bind_int64(q, 1, rid);
		sqlite3_bind_text(q, 2, id, (int)p->id.len, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, s->old_names.buf,
				  (int)s->old_names.len, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, s->old_text.buf, (int)s->old_text.len,
				  SQLITE_STATIC);
		if ((err = stmt_exec(s, q, "unindex record", d)))
			goto fail;
	}

	if ((err = stmt_get(s, S_VER_INS, &q, d)))
		goto fail;
	sqlite3_bind_text(q, 1, id, (int)p->id.len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, version + 1);
	sqlite3_bind_blob(q, 3, p->hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->body.buf, (int)p->body.len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, s->mc_id);
	sqlite3_bind_int64(q, 6, s->import_id);
	sqlite3_bind_text(q, 7, s->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, s->next_vid);
	if (prev_vid)
		sqlite3_bind_int64(q, 9, prev_vid);
	else
		sqlite3_bind_null(q, 9);
	if ((err = stmt_exec(s, q, "write version", d)))
		goto fail;
	s->next_vid++;

	if ((err = stmt_get(s, S_FTS_INS, &q, d)))
		goto fail;
	sqlite3_bind_int64(q, 1, rid);
	sqlite3_bind_text(q, 2, id, (int)p->id.len, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->names.buf, (int)p->names.len,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->text.buf, (int)p->text.len, SQLITE_STATIC);
	if ((err = stmt_exec(s, q, "index record", d)))
		goto fail;

	s->counts.seen++;
	if (ch == STORE_NEW)
		s->counts.created++;
	else
		s->counts.changed++;
	if (change)
		*change = ch;
	return 0;
fail:
	/* Part of this record may be written: the import must not commit. */
	s->failed = true;
	diag_prefix(d, "%s: ", id);
	return err;
}

/* --- reading --------------------------------------------------------- */

static int parse_body(sqlite3_stmt *q, int col, struct entity **out,
		      struct diag *d)
{
	const char *b = (const char *)sqlite3_column_text(q, col);
	int err;

	if (!b) {
		diag_set(d, "store: version without a body");
		return LIA_ESTORE;
	}
	err = entity_parse(b, (size_t)sqlite3_column_bytes(q, col), out, d);
	if (err)
		diag_prefix(d, "store: stored entity: ");
	return err;
}

static int load_marking(struct sq *s, struct mread *c, sqlite3_stmt *q,
			int idcol, struct diag *d)
{
	return mread_load(s, c, sqlite3_column_int64(q, idcol),
			  (const char *)sqlite3_column_text(q, idcol + 1),
			  (size_t)sqlite3_column_bytes(q, idcol + 1), d);
}

static int sq_get(struct store *st, const char *id, struct store_record **out,
		  struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_record *r = NULL;
	struct mread mc = { 0 };
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, S_GET, &q, d)))
		return err;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		diag_set(d, "store: no record %s", id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = sq_err(s, "read record", d);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		err = LIA_ENOMEM;
		goto out;
	}
	marking_init(&r->marking);
	r->version = sqlite3_column_int64(q, 0);
	r->import_id = sqlite3_column_int64(q, 1);
	if ((err = str_copy(r->first_seen, sizeof(r->first_seen),
			    col_text(q, 2))) ||
	    (err = str_copy(r->last_changed, sizeof(r->last_changed),
			    col_text(q, 3))) ||
	    (err = str_copy(r->source, sizeof(r->source), col_text(q, 7))) ||
	    (err = parse_body(q, 4, &r->entity, d)) ||
	    (err = load_marking(s, &mc, q, 5, d)) ||
	    (err = marking_copy(&r->marking, &mc.m)))
		goto out;
	*out = r;
	r = NULL;
out:
	stmt_done(q);
	mread_free(&mc);
	store_record_free(r);
	return err;
}

void store_record_free(struct store_record *r)
{
	if (!r)
		return;
	entity_free(r->entity);
	marking_free(&r->marking);
	free(r);
}

static int sq_history(struct store *st, const char *id,
		      int (*fn)(const struct store_version *v, void *ctx),
		      void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct mread mc = { 0 };
	struct entity *e = NULL;
	char hex[HASH_LEN * 2 + 1];
	sqlite3_stmt *q;
	int rc, err, n = 0;

	if ((err = stmt_get(s, S_HIST, &q, d)))
		return err;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_version v = { 0 };

		if (sqlite3_column_bytes(q, 6) != HASH_LEN) {
			diag_set(d, "store: %s: bad stored hash", id);
			err = LIA_ESTORE;
			goto out;
		}
		sodium_bin2hex(hex, sizeof(hex), sqlite3_column_blob(q, 6),
			       HASH_LEN);
		if ((err = parse_body(q, 7, &e, d)) ||
		    (err = load_marking(s, &mc, q, 8, d)))
			goto out;
		v.version = sqlite3_column_int64(q, 0);
		v.import_id = sqlite3_column_int64(q, 1);
		v.format = col_text(q, 2);
		v.files = col_text(q, 3);
		v.actor = col_text(q, 4);
		v.created = col_text(q, 5);
		v.hash = hex;
		v.entity = e;
		v.marking = &mc.m;
		n++;
		err = fn(&v, ctx);
		entity_free(e);
		e = NULL;
		if (err)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		err = sq_err(s, "read history", d);
		goto out;
	}
	if (n == 0) {
		diag_set(d, "store: no record %s", id);
		err = LIA_ENOTFOUND;
	}
out:
	stmt_done(q);
	entity_free(e);
	mread_free(&mc);
	return err;
}

static void bind_filter(sqlite3_stmt *q, const struct store_filter *f)
{
	sqlite3_bind_int64(q, 2, f->limit);
	sqlite3_bind_int64(q, 3, f->offset);
	sqlite3_bind_text(q, 10, f->schemas_json, -1, SQLITE_STATIC);
	if (f->country[0])
		sqlite3_bind_text(q, 11, f->country, -1, SQLITE_STATIC);
	if (f->max_rank >= 0)
		sqlite3_bind_int(q, 12, f->max_rank);
	sqlite3_bind_text(q, 13, f->agency, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 14, f->date_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 15, f->date_to, -1, SQLITE_STATIC);
}

static int sq_search(struct store *st, const struct store_query *qr,
		     int (*fn)(const struct store_hit *h, void *ctx),
		     void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_filter f;
	struct mread mc = { 0 };
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = store_filter_build(st, qr, true, &f, d)))
		return err;
	/* Text that held only spaces searches nothing rather than all. */
	if (f.match_none)
		goto out;
	if ((err = stmt_get(s, f.fts ? S_SEARCH_TEXT : S_SEARCH, &q, d)))
		goto out;
	bind_filter(q, &f);
	if (f.fts)
		sqlite3_bind_text(q, 1, f.fts, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_hit h;

		if ((err = load_marking(s, &mc, q, 4, d)))
			goto out;
		h.id = col_text(q, 0);
		h.schema = col_text(q, 1);
		h.caption = col_text(q, 2);
		h.rank = sqlite3_column_double(q, 3);
		h.marking = &mc.m;
		if ((err = fn(&h, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "search", d);
out:
	stmt_done(q);
	mread_free(&mc);
	store_filter_release(&f);
	return err;
}

static int sq_each(struct store *st, const struct store_query *qr,
		   int (*fn)(const struct store_record *r, void *ctx),
		   void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_filter f;
	struct mread mc = { 0 };
	sqlite3_stmt *q = NULL;
	struct store_record r;
	int rc, err;

	memset(&r, 0, sizeof(r));
	if ((err = store_filter_build(st, qr, false, &f, d)))
		return err;
	if ((err = stmt_get(s, S_EACH, &q, d)))
		goto out;
	bind_filter(q, &f);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((err = parse_body(q, 5, &r.entity, d)) ||
		    (err = load_marking(s, &mc, q, 6, d)))
			goto out;
		/* The callback borrows the cached marking for this row. */
		r.marking = mc.m;
		r.version = sqlite3_column_int64(q, 1);
		r.import_id = sqlite3_column_int64(q, 2);
		if ((err = str_copy(r.first_seen, sizeof(r.first_seen),
				    col_text(q, 3))) ||
		    (err = str_copy(r.last_changed, sizeof(r.last_changed),
				    col_text(q, 4))) ||
		    (err = str_copy(r.source, sizeof(r.source),
				    col_text(q, 8))))
			goto out;
		err = fn(&r, ctx);
		entity_free(r.entity);
		r.entity = NULL;
		if (err)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "export", d);
out:
	entity_free(r.entity);
	stmt_done(q);
	mread_free(&mc);
	store_filter_release(&f);
	return err;
}

static int sq_stats(struct store *st, struct store_stats *out,
		    int (*per_schema)(const char *schema, uint64_t n,
				      void *ctx),
		    void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_stats res;
	sqlite3_stmt *q = NULL;
	bool txn = false;
	int rc, err;

	/* One snapshot, so the totals and the per-schema counts agree. */
	if (!st->in_import && !st->in_ledger) {
		if ((err = exec_sql(s, "BEGIN", "stats", d)))
			return err;
		txn = true;
	}
	if ((err = stmt_get(s, S_COUNTS, &q, d)))
		goto out;
	if (sqlite3_step(q) != SQLITE_ROW) {
		err = sq_err(s, "count", d);
		goto out;
	}
	res.records = (uint64_t)sqlite3_column_int64(q, 0);
	res.versions = (uint64_t)sqlite3_column_int64(q, 1);
	res.imports = (uint64_t)sqlite3_column_int64(q, 2);
	stmt_done(q);
	q = NULL;
	if (per_schema) {
		if ((err = stmt_get(s, S_PER_SCHEMA, &q, d)))
			goto out;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			if ((err = per_schema(col_text(q, 0),
					      (uint64_t)sqlite3_column_int64(q,
									     1),
					      ctx)))
				goto out;
		}
		if (rc != SQLITE_DONE) {
			err = sq_err(s, "count per schema", d);
			goto out;
		}
	}
	*out = res;
out:
	stmt_done(q);
	if (txn)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return err;
}

/* The last version id: versions are append-only and every new record,
 * changed record or changed marking is one, so it grows exactly when
 * what a screening index loads can have changed. An index lookup, in
 * whatever transaction is open. */
static int sq_records_mark(struct store *st, int64_t *out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = stmt_get(s, S_LAST_VID, &q, d)))
		return err;
	if (sqlite3_step(q) != SQLITE_ROW)
		err = sq_err(s, "last version", d);
	else
		*out = sqlite3_column_int64(q, 0);
	stmt_done(q);
	return err;
}

/* --- audit ----------------------------------------------------------- */

/* The audit row itself, in whatever transaction is open. */
static int audit_insert(struct sq *s, const char *at, const char *actor,
			const char *action, const char *object,
			const char *detail, struct diag *d)
{
	sqlite3_stmt *q;
	int err;

	if ((err = stmt_get(s, S_AUDIT_INS, &q, d)))
		return err;
	sqlite3_bind_text(q, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, detail, -1, SQLITE_STATIC);
	return stmt_exec(s, q, "append audit", d);
}

static int sq_audit(struct store *st, const char *actor, const char *action,
		    const char *object, const char *detail, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_audit_row row;
	struct timespec ts;
	bool own_txn;
	char at[32];
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	store_iso_time(ts.tv_sec, at, sizeof(at));
	/* Rows of a ledger transaction are about entries of the ledger
	 * already; without a hook there is nothing to keep together. */
	if (!st->audit_hook || st->in_ledger)
		return audit_insert(s, at, actor, action, object, detail, d);
	/* The row and its mirror must be one transaction: open one when the
	 * caller has none (a lone store_audit). */
	own_txn = sqlite3_get_autocommit(s->db) != 0;
	if (own_txn && (err = exec_sql(s, "BEGIN IMMEDIATE", "begin audit", d)))
		return err;
	if ((err = audit_insert(s, at, actor, action, object, detail, d)))
		goto out;
	row = (struct store_audit_row){
	    .time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	    .at = at,
	    .actor = actor,
	    .action = action,
	    .object = object,
	    .detail = detail};
	/* The hook writes ledger rows, which the store accepts only inside
	 * a ledger transaction; this is one for as long as the hook runs. */
	st->in_ledger = true;
	err = st->audit_hook(st->audit_hook_ctx, st, &row, d);
	st->in_ledger = false;
out:
	if (own_txn) {
		if (!err)
			err = exec_sql(s, "COMMIT", "commit audit", d);
		if (err)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return err;
}

static int sq_audit_each(struct store *st, int64_t since_id,
			 int (*fn)(int64_t id, const char *at,
				   const char *actor, const char *action,
				   const char *object, const char *detail,
				   void *ctx),
			 void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, S_AUDIT_EACH, &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, since_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((err = fn(sqlite3_column_int64(q, 0), col_text(q, 1),
			      col_text(q, 2), col_text(q, 3),
			      (const char *)sqlite3_column_text(q, 4),
			      (const char *)sqlite3_column_text(q, 5), ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read audit", d);
out:
	stmt_done(q);
	return err;
}

/* --- exchange: peers, outbox, inbox, seen ids ------------------------- */

/* The exchange's statements run a few times per message, not per record:
 * prepared per call, which keeps the statement cache for the import
 * path. */
static int q_prep(struct sq *s, const char *sql, sqlite3_stmt **out,
		  struct diag *d)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return sq_err(s, "prepare", d);
	}
	return 0;
}

/* A statement of a hot path, kept prepared: sql must be a string
 * literal (its address is the key). Release it with stmt_done, never
 * sqlite3_finalize. */
static int q_cached(struct sq *s, const char *sql, sqlite3_stmt **out,
		    struct diag *d)
{
	sqlite3_stmt *q = NULL;

	for (size_t i = 0; i < s->n_qc; i++)
		if (s->qc_sql[i] == sql) {
			if (sqlite3_stmt_busy(s->qc[i])) {
				diag_set(d, "store: re-entrant use of a "
					    "cached query");
				return LIA_EINVAL;
			}
			*out = s->qc[i];
			return 0;
		}
	if (s->n_qc == QCACHE_MAX) {
		/* More hot statements than slots: a programming error. */
		diag_set(d, "store: statement cache full");
		return LIA_EINTERNAL;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q,
			       NULL) != SQLITE_OK)
		return sq_err(s, "prepare", d);
	s->qc_sql[s->n_qc] = sql;
	s->qc[s->n_qc++] = q;
	*out = q;
	return 0;
}

/* Step a cached statement that returns no rows and release it. */
static int qc_step_done(struct sq *s, sqlite3_stmt *q, const char *what,
			struct diag *d)
{
	int err = 0;

	if (sqlite3_step(q) != SQLITE_DONE)
		err = sq_err(s, what, d);
	stmt_done(q);
	return err;
}

static int q_step_done(struct sq *s, sqlite3_stmt *q, const char *what,
		       struct diag *d)
{
	int err = 0;

	if (sqlite3_step(q) != SQLITE_DONE)
		err = sq_err(s, what, d);
	sqlite3_finalize(q);
	return err;
}


/* --- transactions ---------------------------------------------------- */

/*
 * The small write transactions (peers, outbox, inbox, requests, alerts)
 * acknowledge something to a person or a peer, so they must survive a
 * power cut, not only a crash: they run under synchronous = FULL, which
 * syncs the WAL at commit. The connection stays NORMAL otherwise (bulk
 * imports can be run again). The pragma cannot change inside a
 * transaction, hence set around it.
 *
 * Inside a batch (store_batch_begin) the same calls become savepoints of
 * the one batch transaction, so that a batch of envelopes costs one sync.
 */
static void sync_normal(struct sq *s)
{
	sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

static void queued_fire(struct sq *s)
{
	bool q = s->queued;

	s->queued = false;
	if (q && s->base.on_queue)
		s->base.on_queue(s->base.on_queue_ctx);
}

static int txn_begin(struct sq *s, struct diag *d)
{
	int err;

	if (s->batch) {
		if (s->op || sqlite3_get_autocommit(s->db)) {
			diag_set(d, "store: the batch transaction was lost");
			return LIA_ESTORE;
		}
		if ((err = exec_sql(s, "SAVEPOINT op", "begin", d)))
			return err;
		s->op = true;
		return 0;
	}
	if ((err = exec_sql(s, "PRAGMA synchronous = FULL", "begin", d)))
		return err;
	if ((err = exec_sql(s, "BEGIN IMMEDIATE", "begin", d)))
		sync_normal(s);
	return err;
}

static int txn_commit(struct sq *s, struct diag *d)
{
	int err;

	if (s->batch) {
		if (!s->op) {
			diag_set(d, "store: no savepoint to release");
			return LIA_EINTERNAL;
		}
		if ((err = exec_sql(s, "RELEASE op", "commit", d)))
			return err;
		s->op = false;
		return 0;
	}
	if ((err = exec_sql(s, "COMMIT", "commit", d)))
		return err;
	sync_normal(s);
	queued_fire(s);
	return 0;
}

static void txn_rollback(struct sq *s)
{
	if (s->batch) {
		if (s->op)
			sqlite3_exec(s->db, "ROLLBACK TO op; RELEASE op", NULL,
				     NULL, NULL);
		s->op = false;
		/* The cached marking row may have been rolled back. */
		mcache_drop(s);
		return;
	}
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	mcache_drop(s);
	s->queued = false;
	sync_normal(s);
}

static int sq_batch_begin(struct store *st, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	int err;

	if (s->batch || !sqlite3_get_autocommit(s->db)) {
		diag_set(d, "store: a transaction is already open");
		return LIA_EINVAL;
	}
	if ((err = txn_begin(s, d)))
		return err;
	s->batch = true;
	s->item = s->op = false;
	return 0;
}

static int sq_batch_item(struct store *st, bool begin, bool keep,
			 struct diag *d)
{
	struct sq *s = (struct sq *)st;
	int err = 0;

	if (!s->batch || s->op || s->item == begin) {
		diag_set(d, "store: batch item out of order");
		return LIA_EINVAL;
	}
	if (sqlite3_get_autocommit(s->db)) {
		/* SQLite rolled the whole transaction back (an I/O error,
		 * a full disk): nothing of the batch can be kept. */
		diag_set(d, "store: the batch transaction was lost");
		s->item = false;
		return LIA_ESTORE;
	}
	if (begin)
		err = exec_sql(s, "SAVEPOINT item", "begin item", d);
	else if (keep)
		err = exec_sql(s, "RELEASE item", "keep item", d);
	else {
		err = exec_sql(s, "ROLLBACK TO item; RELEASE item",
			       "drop item", d);
		mcache_drop(s);
	}
	if (!err)
		s->item = begin;
	return err;
}

static int sq_batch_end(struct store *st, bool commit, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	bool parts_open = s->item || s->op;
	int err;

	if (!s->batch) {
		diag_set(d, "store: no batch open");
		return LIA_EINVAL;
	}
	s->batch = s->item = s->op = false;
	if (!commit) {
		txn_rollback(s);
		return 0;
	}
	if (parts_open) {
		diag_set(d, "store: batch item still open");
		err = LIA_EINVAL;
	} else if (sqlite3_get_autocommit(s->db)) {
		diag_set(d, "store: the batch transaction was lost");
		err = LIA_ESTORE;
	} else {
		err = txn_commit(s, d);
	}
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_peer_add(struct store *st, const struct store_peer *p,
		       const char *actor, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char at[32], detail[STORE_URL_MAX + 128];
	int err;

	store_iso_time(time(NULL), at, sizeof(at));
	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s, "SELECT 1 FROM peers WHERE agency = ?1"
			     " OR tls_sha256 = ?2", &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, p->agency, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->tls_sha256, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		diag_set(d, "peer %s (or its certificate) is already pinned; "
			    "remove it first", p->agency);
		err = LIA_EEXIST;
		goto out;
	}
	sqlite3_finalize(q);
	if ((err = q_prep(s, "INSERT INTO peers(agency, card, url, tls_sha256,"
			     " added) VALUES (?1, ?2, ?3, ?4, ?5)", &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, p->agency, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->card, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->tls_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, at, -1, SQLITE_STATIC);
	err = q_step_done(s, q, "pin peer", d);
	q = NULL;
	if (err)
		goto out;
	snprintf(detail, sizeof(detail), "url %s tls sha256 %s", p->url,
		 p->tls_sha256);
	if ((err = sq_audit(st, actor, "peer-add", p->agency, detail, d)))
		goto out;
	err = txn_commit(s, d);
out:
	sqlite3_finalize(q);
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_peer_remove(struct store *st, const char *agency,
			  const char *actor, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s, "DELETE FROM peers WHERE agency = ?1", &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, agency, -1, SQLITE_STATIC);
	err = q_step_done(s, q, "remove peer", d);
	q = NULL;
	if (err)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		diag_set(d, "no pinned peer %s", agency);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if ((err = sq_audit(st, actor, "peer-remove", agency, NULL, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_peer_find(struct store *st, const char *key, bool by_tls,
			int (*fn)(const struct store_peer *p, void *ctx),
			void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	const char *sql =
		!key ? "SELECT agency, card, url, tls_sha256, added FROM peers"
		       " ORDER BY agency"
		: by_tls ? "SELECT agency, card, url, tls_sha256, added FROM"
			   " peers WHERE tls_sha256 = ?1"
			 : "SELECT agency, card, url, tls_sha256, added FROM"
			   " peers WHERE agency = ?1";
	sqlite3_stmt *q = NULL;
	bool any = false;
	int rc, err;

	if ((err = q_prep(s, sql, &q, d)))
		return err;
	if (key)
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_peer p = {
			.agency = col_text(q, 0),
			.card = col_text(q, 1),
			.url = col_text(q, 2),
			.tls_sha256 = col_text(q, 3),
			.added = col_text(q, 4),
		};
		any = true;
		if ((err = fn(&p, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		err = sq_err(s, "read peers", d);
		goto out;
	}
	if (key && !any) {
		diag_set(d, "no pinned peer %s %s", by_tls ? "with certificate"
							   : "", key);
		err = LIA_ENOTFOUND;
	}
out:
	sqlite3_finalize(q);
	return err;
}

/* Insert an envelope and its rows inside the caller's transaction. */
static int ob_insert(struct sq *s, const struct store_outbound *o,
		     struct diag *d)
{
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int err;

	if ((err = q_cached(s, "INSERT INTO out_envelopes(env_id, kind, subject,"
			     " case_ref, reply_to, created, expires, bytes)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, o->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, o->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, o->subject ? o->subject : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 4, o->case_ref ? o->case_ref : "", -1,
			  SQLITE_STATIC);
	if (o->reply_to)
		sqlite3_bind_text(q, 5, o->reply_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, o->created);
	sqlite3_bind_int64(q, 7, o->expires);
	sqlite3_bind_blob64(q, 8, o->bytes, o->len, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_PRIMARYKEY) {
			diag_set(d, "envelope %s is already queued", o->env_id);
			err = LIA_EEXIST;
		} else {
			err = sq_err(s, "queue envelope", d);
		}
		stmt_done(q);
		return err;
	}
	stmt_done(q);
	for (size_t i = 0; i < o->n_recipients; i++) {
		if ((err = q_cached(s, "INSERT INTO outbox(env_id, recipient,"
				     " state, next_at, updated)"
				     " VALUES (?1, ?2, 'queued', ?3, ?3)",
				  &q, d)))
			return err;
		sqlite3_bind_text(q, 1, o->env_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, o->recipients[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now);
		if ((err = qc_step_done(s, q, "queue row", d)))
			return err;
	}
	s->queued = true;
	return sq_audit(&s->base, o->actor,
			strcmp(o->kind, "receipt") ? "send" : "send-receipt",
			o->env_id, o->detail, d);
}

static int sq_outbox_add(struct store *st, const struct store_outbound *o,
			 struct diag *d)
{
	struct sq *s = (struct sq *)st;
	int err;

	if ((err = txn_begin(s, d)))
		return err;
	if ((err = ob_insert(s, o, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static enum store_out_state state_parse(const char *s)
{
	if (!strcmp(s, "sent"))
		return STORE_OUT_SENT;
	if (!strcmp(s, "delivered"))
		return STORE_OUT_DELIVERED;
	if (!strcmp(s, "failed"))
		return STORE_OUT_FAILED;
	return STORE_OUT_QUEUED;
}

static int sq_outbox_due(struct store *st, int64_t now,
			 struct store_out_item *items, size_t max, size_t *n,
			 struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	size_t k = 0, total = 0;
	int rc, err;

	if ((err = q_prep(s, "SELECT o.env_id, o.recipient, e.kind, o.state,"
			     " o.attempts, e.created, e.expires, e.bytes"
			     " FROM outbox o JOIN out_envelopes e"
			     " ON e.env_id = o.env_id"
			     " WHERE o.state IN ('queued', 'sent')"
			     " AND o.next_at <= ?1"
			     " ORDER BY o.next_at, o.rowid LIMIT ?2",
			  &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, (int64_t)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && k < max) {
		struct store_out_item *it = &items[k];
		int blen = sqlite3_column_bytes(q, 7);
		const void *b = sqlite3_column_blob(q, 7);

		memset(it, 0, sizeof(*it));
		if (str_copy(it->env_id, sizeof(it->env_id), col_text(q, 0)) ||
		    str_copy(it->recipient, sizeof(it->recipient),
			     col_text(q, 1)) ||
		    str_copy(it->kind, sizeof(it->kind), col_text(q, 2)) ||
		    blen <= 0 || !b) {
			diag_set(d, "store: malformed outbox row");
			err = LIA_ESTORE;
			goto out;
		}
		it->state = state_parse(col_text(q, 3));
		it->attempts = sqlite3_column_int64(q, 4);
		it->created = sqlite3_column_int64(q, 5);
		it->expires = sqlite3_column_int64(q, 6);
		it->bytes = malloc((size_t)blen);
		if (!it->bytes) {
			err = LIA_ENOMEM;
			goto out;
		}
		memcpy(it->bytes, b, (size_t)blen);
		it->len = (size_t)blen;
		k++;
		total += (size_t)blen;
		if (total >= STORE_DUE_BYTES_MAX)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		err = sq_err(s, "read outbox", d);
		goto out;
	}
	*n = k;
out:
	sqlite3_finalize(q);
	if (err)
		for (size_t i = 0; i < k; i++)
			store_out_item_release(&items[i]);
	return err;
}

static int sq_outbox_mark(struct store *st, const char *env_id,
			  const char *recipient, enum store_out_state state,
			  int64_t next_at, const char *error, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err, changed;

	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_cached(s, "UPDATE outbox SET state = ?3, next_at = ?4,"
			     " last_error = ?5, attempts = attempts + 1,"
			     " updated = ?6 WHERE env_id = ?1"
			     " AND recipient = ?2"
			     " AND state IN ('queued', 'sent')",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, store_out_state_name(state), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, next_at);
	if (error)
		sqlite3_bind_text(q, 5, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, (int64_t)time(NULL));
	err = qc_step_done(s, q, "update outbox", d);
	q = NULL;
	if (err)
		goto out;
	changed = sqlite3_changes(s->db);
	if (!changed) {
		if ((err = q_prep(s, "SELECT 1 FROM outbox WHERE env_id = ?1"
				     " AND recipient = ?2", &q, d)))
			goto out;
		sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, recipient, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_ROW) {
			diag_set(d, "no outbox row %s to %s", env_id,
				 recipient);
			err = LIA_ENOTFOUND;
			goto out;
		}
	} else if (state == STORE_OUT_FAILED) {
		char detail[STORE_ERROR_MAX + 64];

		snprintf(detail, sizeof(detail), "to %s: %s", recipient,
			 error ? error : "failed");
		if ((err = sq_audit(st, "node", "send-failed", env_id, detail,
				    d)))
			goto out;
	}
	err = txn_commit(s, d);
out:
	sqlite3_finalize(q);
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_msg_each(struct store *st, bool inbox,
		       int (*fn)(const struct store_msg_row *r, void *ctx),
		       void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s,
			  inbox ? "SELECT env_id, sender, kind, subject,"
				  " case_ref, state, NULL, 0, received,"
				  " coalesce(read_at, received) FROM inbox"
				  " ORDER BY received, env_id"
				: "SELECT o.env_id, o.recipient, e.kind,"
				  " e.subject, e.case_ref, o.state,"
				  " o.last_error, o.attempts, e.created,"
				  " o.updated FROM outbox o"
				  " JOIN out_envelopes e ON e.env_id = o.env_id"
				  " WHERE e.kind <> 'receipt'"
				  " ORDER BY e.created, o.env_id, o.recipient",
			  &q, d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char created[32], updated[32];
		struct store_msg_row r = {
			.env_id = col_text(q, 0),
			.peer = col_text(q, 1),
			.kind = col_text(q, 2),
			.subject = col_text(q, 3),
			.case_ref = col_text(q, 4),
			.state = col_text(q, 5),
			.error = (const char *)sqlite3_column_text(q, 6),
			.attempts = sqlite3_column_int64(q, 7),
			.created = created,
			.updated = updated,
		};
		store_iso_time((time_t)sqlite3_column_int64(q, 8), created,
			       sizeof(created));
		store_iso_time((time_t)sqlite3_column_int64(q, 9), updated,
			       sizeof(updated));
		if ((err = fn(&r, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read messages", d);
out:
	sqlite3_finalize(q);
	return err;
}

static int seen_check(struct sq *s, const char *env_id, struct diag *d)
{
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_cached(s, "SELECT 1 FROM seen WHERE env_id = ?1"
			       " UNION ALL SELECT 1 FROM inbox"
			       " WHERE env_id = ?1",
			    &q, d)))
		return err;
	sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		err = 1;
	else if (rc != SQLITE_DONE)
		err = sq_err(s, "read seen ids", d);
	stmt_done(q);
	return err;
}

static int sq_seen(struct store *st, const char *env_id, struct diag *d)
{
	return seen_check((struct sq *)st, env_id, d);
}

/* A pending request, inside the receive transaction. A reference that
 * already has a pending or approved request is refused (requests_open). */
static int request_insert(struct sq *s, const struct store_inbound *in,
			  int64_t now, struct diag *d)
{
	const struct store_request *r = in->request;
	sqlite3_stmt *q = NULL;
	int err = 0;

	if ((err = q_prep(s, "INSERT INTO requests(env_id, asker, ref,"
			     " record_id, query_id, reason, state, created)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, in->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, in->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, r->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->query_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, r->reason ? r->reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, now);
	if (sqlite3_step(q) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_UNIQUE) {
			diag_set(d, "reference %s already has a pending or "
				    "approved request", r->ref);
			err = LIA_EDENIED;
		} else {
			err = sq_err(s, "store request", d);
		}
	}
	sqlite3_finalize(q);
	return err;
}

static int sq_inbound_apply(struct store *st, const struct store_inbound *in,
			    struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int err;

	if ((err = txn_begin(s, d)))
		return err;
	/* Checked again under the write lock: two deliveries of the same
	 * envelope racing each other must not both apply. */
	if ((err = seen_check(s, in->env_id, d)) < 0)
		goto out;
	if (err == 1) {
		diag_set(d, "envelope %s was already received", in->env_id);
		err = LIA_EEXIST;
		goto out;
	}
	if ((err = q_cached(s, "INSERT INTO seen(env_id, expires)"
			     " VALUES (?1, ?2)", &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, in->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, in->expires);
	if ((err = qc_step_done(s, q, "remember id", d)))
		goto out;
	if (in->keep) {
		if ((err = q_cached(s, "INSERT INTO inbox(env_id, sender, kind,"
				     " priority, case_ref, subject, marking,"
				     " created, expires, received, state,"
				     " bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
				     " ?7, ?8, ?9, ?10, 'received', ?11)",
				  &q, d)))
			goto out;
		sqlite3_bind_text(q, 1, in->env_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, in->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, in->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, in->priority, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, in->case_ref ? in->case_ref : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 6, in->subject ? in->subject : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 7, in->marking, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 8, in->created);
		sqlite3_bind_int64(q, 9, in->expires);
		sqlite3_bind_int64(q, 10, now);
		sqlite3_bind_blob64(q, 11, in->bytes, in->len, SQLITE_STATIC);
		if ((err = qc_step_done(s, q, "store in inbox", d)))
			goto out;
	}
	for (size_t i = 0; i < in->n_delivered; i++) {
		if ((err = q_cached(s, "UPDATE outbox SET state = 'delivered',"
				     " last_error = NULL, updated = ?3"
				     " WHERE env_id = ?1 AND recipient = ?2"
				     " AND state <> 'delivered'",
				  &q, d)))
			goto out;
		sqlite3_bind_text(q, 1, in->delivered[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, in->sender, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now);
		if ((err = qc_step_done(s, q, "mark delivered", d)))
			goto out;
		/* One audit row per envelope acknowledged, as if each had
		 * come with its own receipt. */
		if ((err = sq_audit(st, in->actor, "receipt", in->delivered[i],
				    in->detail, d)))
			goto out;
	}
	if (!in->n_delivered &&
	    (err = sq_audit(st, in->actor, "receive", in->env_id, in->detail,
			    d)))
		goto out;
	if (in->reply && (err = ob_insert(s, in->reply, d)))
		goto out;
	if (in->answer && (err = ob_insert(s, in->answer, d)))
		goto out;
	for (size_t i = 0; i < in->n_refs; i++) {
		if ((err = q_prep(s, "INSERT INTO query_refs(ref, record_id,"
				     " asker, query_id, score, created)"
				     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				  &q, d)))
			goto out;
		sqlite3_bind_text(q, 1, in->refs[i].ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, in->refs[i].record_id, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(q, 3, in->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, in->env_id, -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 5, in->refs[i].score);
		sqlite3_bind_int64(q, 6, now);
		if ((err = q_step_done(s, q, "remember reference", d)))
			goto out;
	}
	if (in->request && (err = request_insert(s, in, now, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_seen_prune(struct store *st, int64_t before, uint64_t *n,
			 struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = q_prep(s, "DELETE FROM seen WHERE expires < ?1", &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, before);
	if ((err = q_step_done(s, q, "prune seen ids", d)))
		return err;
	if (n)
		*n = (uint64_t)sqlite3_changes(s->db);
	return 0;
}

static int sq_inbox_get(struct store *st, const char *env_id,
			struct store_in_msg **out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_in_msg *m = NULL;
	sqlite3_stmt *q = NULL;
	const void *b;
	int blen, rc, err;

	if ((err = q_prep(s, "SELECT env_id, sender, kind, state, received,"
			     " case_ref, bytes FROM inbox WHERE env_id = ?1",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		diag_set(d, "no message %s in the inbox", env_id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = sq_err(s, "read inbox", d);
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = LIA_ENOMEM;
		goto out;
	}
	b = sqlite3_column_blob(q, 6);
	blen = sqlite3_column_bytes(q, 6);
	if (str_copy(m->env_id, sizeof(m->env_id), col_text(q, 0)) ||
	    str_copy(m->sender, sizeof(m->sender), col_text(q, 1)) ||
	    str_copy(m->kind, sizeof(m->kind), col_text(q, 2)) ||
	    str_copy(m->state, sizeof(m->state), col_text(q, 3)) || !b ||
	    blen <= 0) {
		diag_set(d, "store: malformed inbox row");
		err = LIA_ESTORE;
		goto out;
	}
	store_iso_time((time_t)sqlite3_column_int64(q, 4), m->received,
		       sizeof(m->received));
	m->case_ref = strdup(col_text(q, 5));
	m->bytes = malloc((size_t)blen);
	if (!m->case_ref || !m->bytes) {
		err = LIA_ENOMEM;
		goto out;
	}
	memcpy(m->bytes, b, (size_t)blen);
	m->len = (size_t)blen;
	*out = m;
	m = NULL;
out:
	store_in_msg_free(m);
	sqlite3_finalize(q);
	return err;
}

static int sq_inbox_mark_read(struct store *st, const char *env_id,
			      const char *actor, const char *detail,
			      struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s, "UPDATE inbox SET state = 'read',"
			     " read_at = coalesce(read_at, ?2)"
			     " WHERE env_id = ?1", &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
	if ((err = q_step_done(s, q, "mark read", d)))
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		diag_set(d, "no message %s in the inbox", env_id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if ((err = sq_audit(st, actor, "read", env_id, detail, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_msg_case(struct store *st, const char *env_id, char **out,
		       char *peer, size_t peer_n, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char *c;
	int rc, err;

	if ((err = q_prep(s, "SELECT case_ref, sender FROM inbox"
			     " WHERE env_id = ?1 UNION ALL"
			     " SELECT e.case_ref, min(o.recipient)"
			     " FROM out_envelopes e JOIN outbox o"
			     " ON o.env_id = e.env_id WHERE e.env_id = ?1"
			     " GROUP BY e.env_id",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, env_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		diag_set(d, "no message %s in the inbox or outbox", env_id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = sq_err(s, "read message", d);
		goto out;
	}
	if (str_copy(peer, peer_n, col_text(q, 1))) {
		err = LIA_ESTORE;
		goto out;
	}
	if (!(c = strdup(col_text(q, 0)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	*out = c;
out:
	sqlite3_finalize(q);
	return err;
}

/* --- ledger rows ----------------------------------------------------- */

/*
 * A ledger batch is made durable at its commit: the connection runs with
 * synchronous = NORMAL (an import lost to a power cut can be run again),
 * but a custody event acknowledged to an officer must survive one, so the
 * transaction runs with synchronous = FULL, which syncs the WAL at commit.
 * The pragma cannot change inside a transaction, hence set around it.
 */
static void lg_sync_normal(struct sq *s)
{
	sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

static int sq_ledger_size_q(struct sq *s, uint64_t *out, struct diag *d)
{
	sqlite3_stmt *q;
	sqlite3_int64 v;
	int err;

	if ((err = stmt_get(s, S_LG_SIZE, &q, d)))
		return err;
	if (sqlite3_step(q) != SQLITE_ROW) {
		err = sq_err(s, "ledger size", d);
		stmt_done(q);
		return err;
	}
	v = sqlite3_column_int64(q, 0);
	stmt_done(q);
	if (v < 0) {
		diag_set(d, "store: ledger indexes are negative");
		return LIA_ESTORE;
	}
	*out = (uint64_t)v;
	return 0;
}

static int sq_ledger_begin(struct store *st, uint64_t *size, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	uint64_t n;
	int err;

	if ((err = exec_sql(s, "PRAGMA synchronous = FULL", "ledger begin",
			    d)))
		return err;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		err = sq_err(s, "begin ledger append", d);
		lg_sync_normal(s);
		return err;
	}
	if ((err = sq_ledger_size_q(s, &n, d))) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		lg_sync_normal(s);
		return err;
	}
	st->in_ledger = true;
	*size = n;
	return 0;
}

static void sq_ledger_abort(struct store *st)
{
	struct sq *s = (struct sq *)st;

	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	lg_sync_normal(s);
	st->in_ledger = false;
}

static int sq_ledger_commit(struct store *st, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	int err;

	if ((err = exec_sql(s, "COMMIT", "commit ledger append", d))) {
		sq_ledger_abort(st);
		return err;
	}
	lg_sync_normal(s);
	st->in_ledger = false;
	return 0;
}

static int sq_ledger_put_entry(struct store *st,
			       const struct store_ledger_row *r,
			       struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int err;

	if ((err = stmt_get(s, S_LG_ENT_INS, &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)r->index);
	/* A zero-length blob must still be a blob, not NULL. */
	if (r->len)
		sqlite3_bind_blob64(q, 2, r->data, r->len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(q, 2, 0);
	sqlite3_bind_blob(q, 3, r->leaf_hash, STORE_LEDGER_HASH,
			  SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, r->time_ms);
	return stmt_exec(s, q, "append ledger entry", d);
}

static int sq_ledger_put_node(struct store *st, unsigned level,
			      uint64_t index, const uint8_t *hash,
			      struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int err;

	if ((err = stmt_get(s, S_LG_NODE_INS, &q, d)))
		return err;
	sqlite3_bind_int(q, 1, (int)level);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(q, 3, hash, STORE_LEDGER_HASH, SQLITE_STATIC);
	return stmt_exec(s, q, "append ledger node", d);
}

static int sq_ledger_size(struct store *st, uint64_t *out, struct diag *d)
{
	return sq_ledger_size_q((struct sq *)st, out, d);
}

static int sq_ledger_nodes_end(struct store *st, uint64_t *out,
			       struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	uint64_t end = 0;
	int err = 0;

	for (unsigned level = 1; level <= 62 && !err; level++) {
		sqlite3_int64 v;

		if ((err = stmt_get(s, S_LG_NODE_MAX, &q, d)))
			return err;
		sqlite3_bind_int(q, 1, (int)level);
		if (sqlite3_step(q) != SQLITE_ROW) {
			err = sq_err(s, "ledger nodes", d);
		} else if (sqlite3_column_type(q, 0) != SQLITE_NULL) {
			v = sqlite3_column_int64(q, 0);
			/* Beyond what a log can hold: report the largest
			 * end, which no real size reaches. */
			if (v < 0 || (uint64_t)v >= (UINT64_MAX >> level))
				end = UINT64_MAX;
			else if ((((uint64_t)v + 1) << level) > end)
				end = ((uint64_t)v + 1) << level;
		}
		stmt_done(q);
	}
	if (!err)
		*out = end;
	return err;
}

static int sq_ledger_node(struct store *st, unsigned level, uint64_t index,
			  uint8_t *out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, level ? S_LG_NODE : S_LG_LEAF, &q, d)))
		return err;
	if (level) {
		sqlite3_bind_int(q, 1, (int)level);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)index);
	} else {
		sqlite3_bind_int64(q, 1, (sqlite3_int64)index);
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 0) != STORE_LEDGER_HASH) {
			diag_set(d, "store: ledger hash (%u, %llu) is not %d "
				    "bytes", level, (unsigned long long)index,
				 STORE_LEDGER_HASH);
			err = LIA_EPARSE;
		} else {
			memcpy(out, sqlite3_column_blob(q, 0),
			       STORE_LEDGER_HASH);
		}
	} else if (rc == SQLITE_DONE) {
		diag_set(d, "store: no ledger hash (%u, %llu)", level,
			 (unsigned long long)index);
		err = LIA_ENOTFOUND;
	} else {
		err = sq_err(s, "read ledger hash", d);
	}
	stmt_done(q);
	return err;
}

static int sq_ledger_nodes_from(struct store *st, unsigned level,
				uint64_t from, size_t max,
				int (*fn)(uint64_t index, const uint8_t *hash,
					  void *ctx),
				void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, S_LG_NODE_FROM, &q, d)))
		return err;
	sqlite3_bind_int(q, 1, (int)level);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)from);
	sqlite3_bind_int64(q, 3,
			   max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 1) != STORE_LEDGER_HASH) {
			diag_set(d, "store: ledger hash (%u, %lld) is not %d "
				    "bytes", level, sqlite3_column_int64(q, 0),
				 STORE_LEDGER_HASH);
			err = LIA_EPARSE;
			goto out;
		}
		if ((err = fn((uint64_t)sqlite3_column_int64(q, 0),
			      sqlite3_column_blob(q, 1), ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read ledger hashes", d);
out:
	stmt_done(q);
	return err;
}

static int sq_ledger_each(struct store *st, uint64_t from,
			  int (*fn)(const struct store_ledger_row *r,
				    void *ctx),
			  void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, S_LG_EACH, &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)from);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_ledger_row r = {0};

		r.index = (uint64_t)sqlite3_column_int64(q, 0);
		r.data = sqlite3_column_blob(q, 1);
		r.len = (size_t)sqlite3_column_bytes(q, 1);
		/* A damaged hash is handed on as NULL: the caller reports
		 * the entry, the store does not judge it. */
		r.leaf_hash = sqlite3_column_bytes(q, 2) == STORE_LEDGER_HASH
				      ? sqlite3_column_blob(q, 2)
				      : NULL;
		r.time_ms = sqlite3_column_int64(q, 3);
		if ((err = fn(&r, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read ledger", d);
out:
	stmt_done(q);
	return err;
}

/* Proofs read a few hashes scattered over a file of gigabytes: through a
 * memory map each page is read in place from the OS cache instead of
 * copied into SQLite's page cache, which took a proof at 10M entries
 * from about 90 to 60 us (docs/BENCHMARKS.md). Only connections that
 * read the ledger map the file, and only up to the limit SQLite was
 * built with; a refusal leaves the ordinary reads. */
#define LEDGER_MMAP_SIZE "4294967296"

static int sq_ledger_read(struct store *st, bool begin, struct diag *d)
{
	struct sq *s = (struct sq *)st;

	if (begin && !s->mapped) {
		sqlite3_exec(s->db, "PRAGMA mmap_size = " LEDGER_MMAP_SIZE,
			     NULL, NULL, NULL);
		s->mapped = true;
	}
	if (begin)
		return exec_sql(s, "BEGIN", "ledger read", d);
	/* A read transaction has nothing to lose: COMMIT only ends it. */
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return 0;
}

/* A head row into h; LIA_EPARSE when a column has the wrong size. */
static int lg_head_row(sqlite3_stmt *q, struct store_ledger_head *h,
		       struct diag *d)
{
	if (sqlite3_column_bytes(q, 2) != STORE_LEDGER_HASH ||
	    sqlite3_column_bytes(q, 4) != (int)sizeof(h->pk) ||
	    sqlite3_column_bytes(q, 5) != (int)sizeof(h->sig) ||
	    sqlite3_column_int64(q, 0) < 0) {
		diag_set(d, "store: ledger head of size %lld is damaged",
			 (long long)sqlite3_column_int64(q, 0));
		return LIA_EPARSE;
	}
	h->size = (uint64_t)sqlite3_column_int64(q, 0);
	h->version = sqlite3_column_int(q, 1);
	memcpy(h->root, sqlite3_column_blob(q, 2), STORE_LEDGER_HASH);
	h->time_ms = sqlite3_column_int64(q, 3);
	memcpy(h->pk, sqlite3_column_blob(q, 4), sizeof(h->pk));
	memcpy(h->sig, sqlite3_column_blob(q, 5), sizeof(h->sig));
	return 0;
}

static int sq_ledger_put_head(struct store *st,
			      const struct store_ledger_head *h,
			      struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int err;

	if ((err = stmt_get(s, S_LG_HEAD_INS, &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)h->size);
	sqlite3_bind_int(q, 2, h->version);
	sqlite3_bind_blob(q, 3, h->root, STORE_LEDGER_HASH, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, h->time_ms);
	sqlite3_bind_blob(q, 5, h->pk, sizeof(h->pk), SQLITE_STATIC);
	sqlite3_bind_blob(q, 6, h->sig, sizeof(h->sig), SQLITE_STATIC);
	if ((err = stmt_exec(s, q, "store ledger head", d)))
		return err;
	if (sqlite3_changes(s->db) == 0) {
		diag_set(d, "store: a head of size %llu is already stored",
			 (unsigned long long)h->size);
		return LIA_EEXIST;
	}
	return 0;
}

static int sq_ledger_head(struct store *st, uint64_t size,
			  struct store_ledger_head *out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	struct store_ledger_head h;
	bool last = size == UINT64_MAX;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, last ? S_LG_HEAD_LAST : S_LG_HEAD, &q, d)))
		return err;
	if (!last)
		sqlite3_bind_int64(q, 1, (sqlite3_int64)size);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		if (!(err = lg_head_row(q, &h, d)))
			*out = h;
	} else if (rc == SQLITE_DONE) {
		diag_set(d, "store: no ledger head");
		err = LIA_ENOTFOUND;
	} else {
		err = sq_err(s, "read ledger head", d);
	}
	stmt_done(q);
	return err;
}

static int sq_ledger_head_each(struct store *st,
			       int (*fn)(const struct store_ledger_head *h,
					 void *ctx),
			       void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int rc, err;

	if ((err = stmt_get(s, S_LG_HEAD_EACH, &q, d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_ledger_head h;

		if ((err = lg_head_row(q, &h, d)) || (err = fn(&h, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read ledger heads", d);
out:
	stmt_done(q);
	return err;
}

/* --- users, evidence and custody ------------------------------------- */

/* The caller (store.c) checked that a ledger transaction is open: these
 * rows and their audit rows join it. */

static int sq_user_add(struct store *st, const struct store_user *u,
		       struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char detail[64];
	int err;

	if ((err = q_prep(s, "SELECT 1 FROM users WHERE name = ?1", &q, d)))
		return err;
	sqlite3_bind_text(q, 1, u->name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		sqlite3_finalize(q);
		diag_set(d, "user %s already exists", u->name);
		return LIA_EEXIST;
	}
	sqlite3_finalize(q);
	if ((err = q_prep(s,
			  "INSERT INTO users(name, role, sign_pk, sealed_sk,"
			  " salt, kdf_ops, kdf_mem, pwhash, created,"
			  " created_by, ledger_idx) VALUES (?1, ?2, ?3, ?4,"
			  " ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, u->sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, u->sealed_sk, (int)u->sealed_len,
			  SQLITE_STATIC);
	sqlite3_bind_blob(q, 5, u->salt, STORE_USER_SALT, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)u->kdf_ops);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)u->kdf_mem);
	sqlite3_bind_text(q, 8, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, u->created);
	sqlite3_bind_text(q, 10, u->created_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)u->ledger_idx);
	if ((err = q_step_done(s, q, "add user", d)))
		return err;
	snprintf(detail, sizeof(detail), "role %s, ledger entry %llu", u->role,
		 (unsigned long long)u->ledger_idx);
	return sq_audit(st, u->created_by, "user.add", u->name, detail, d);
}

static int user_row(sqlite3_stmt *q, struct store_user *u, struct diag *d)
{
	int n_pk = sqlite3_column_bytes(q, 2), n_sealed, n_salt;

	memset(u, 0, sizeof(*u));
	u->name = col_text(q, 0);
	u->role = col_text(q, 1);
	u->sign_pk = sqlite3_column_blob(q, 2);
	u->sealed_sk = sqlite3_column_blob(q, 3);
	n_sealed = sqlite3_column_bytes(q, 3);
	u->salt = sqlite3_column_blob(q, 4);
	n_salt = sqlite3_column_bytes(q, 4);
	if (n_pk != 32 || !u->sign_pk || !u->sealed_sk || n_sealed <= 0 ||
	    n_sealed > (int)STORE_USER_SEALED_MAX || !u->salt ||
	    n_salt != STORE_USER_SALT || sqlite3_column_int64(q, 5) < 0 ||
	    sqlite3_column_int64(q, 6) < 0 || sqlite3_column_int64(q, 10) < 0) {
		diag_set(d, "store: the row of user %s is damaged", u->name);
		return LIA_EPARSE;
	}
	u->sealed_len = (size_t)n_sealed;
	u->kdf_ops = (uint64_t)sqlite3_column_int64(q, 5);
	u->kdf_mem = (uint64_t)sqlite3_column_int64(q, 6);
	u->pwhash = col_text(q, 7);
	u->created = sqlite3_column_int64(q, 8);
	u->created_by = col_text(q, 9);
	u->ledger_idx = (uint64_t)sqlite3_column_int64(q, 10);
	return 0;
}

/* Every API request reads its token and its user: prepared once. */
static const char sql_user_get[] =
    "SELECT name, role, sign_pk, sealed_sk, salt, kdf_ops, kdf_mem, pwhash,"
    " created, created_by, ledger_idx FROM users"
    " WHERE ?1 IS NULL OR name = ?1 ORDER BY name";
static const char sql_token_each[] =
    "SELECT id, user, hash, label, created, expires, revoked FROM api_tokens"
    " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR hash = ?2) AND"
    " id > ?3 ORDER BY id";

static int sq_user_get(struct store *st, const char *name,
		       int (*fn)(const struct store_user *u, void *ctx),
		       void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	bool any = false;
	int rc, err;

	if ((err = q_cached(s, sql_user_get, &q, d)))
		return err;
	if (name)
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_user u;

		any = true;
		if ((err = user_row(q, &u, d)) || (err = fn(&u, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read users", d);
	else if (name && !any) {
		diag_set(d, "no user %s", name);
		err = LIA_ENOTFOUND;
	}
out:
	stmt_done(q);
	return err;
}

static int sq_evidence_add(struct store *st, const struct store_evidence *e,
			   struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char detail[160];
	int err;

	if ((err = q_prep(s,
			  "INSERT INTO evidence(id, case_ref, description,"
			  " sha256, size, media_type, seized_at, seized_on,"
			  " registered_by, created, ledger_idx) VALUES (?1,"
			  " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, e->case_ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, e->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, e->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)e->size);
	sqlite3_bind_text(q, 6, e->media_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, e->seized_at ? e->seized_at : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 8, e->seized_on ? e->seized_on : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, 9, e->registered_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 10, e->created);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)e->ledger_idx);
	if ((err = q_step_done(s, q, "add evidence", d)))
		return err;
	snprintf(detail, sizeof(detail), "sha256 %s, ledger entry %llu",
		 e->sha256, (unsigned long long)e->ledger_idx);
	return sq_audit(st, e->registered_by, "evidence.add", e->id, detail, d);
}

static int
sq_evidence_each(struct store *st, const char *id, const char *case_ref,
		 int (*fn)(const struct store_evidence *e, void *ctx),
		 void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	bool any = false;
	int rc, err;

	if ((err = q_prep(s,
			  "SELECT id, case_ref, description, sha256, size,"
			  " media_type, seized_at, seized_on, registered_by,"
			  " created, ledger_idx FROM evidence"
			  " WHERE (?1 IS NULL OR id = ?1)"
			  " AND (?2 IS NULL OR case_ref = ?2)"
			  " ORDER BY ledger_idx",
			  &q, d)))
		return err;
	if (id)
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (case_ref)
		sqlite3_bind_text(q, 2, case_ref, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_evidence e = {
		    .id = col_text(q, 0),
		    .case_ref = col_text(q, 1),
		    .description = col_text(q, 2),
		    .sha256 = col_text(q, 3),
		    .media_type = col_text(q, 5),
		    .seized_at = col_text(q, 6),
		    .seized_on = col_text(q, 7),
		    .registered_by = col_text(q, 8),
		    .created = sqlite3_column_int64(q, 9),
		};

		any = true;
		if (sqlite3_column_int64(q, 4) < 0 ||
		    sqlite3_column_int64(q, 10) < 0) {
			diag_set(d, "store: the row of item %s is damaged",
				 e.id);
			err = LIA_EPARSE;
			goto out;
		}
		e.size = (uint64_t)sqlite3_column_int64(q, 4);
		e.ledger_idx = (uint64_t)sqlite3_column_int64(q, 10);
		if ((err = fn(&e, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read evidence", d);
	else if (id && !any) {
		diag_set(d, "no item of evidence %s", id);
		err = LIA_ENOTFOUND;
	}
out:
	sqlite3_finalize(q);
	return err;
}

static int sq_custody_add(struct store *st, const struct store_custody *c,
			  struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char detail[96];
	int err;

	if ((err = q_prep(s,
			  "SELECT 1 FROM custody WHERE item = ?1"
			  " AND seq = ?2",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, c->item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)c->seq);
	if (sqlite3_step(q) == SQLITE_ROW) {
		sqlite3_finalize(q);
		diag_set(d,
			 "another event of item %s was recorded at the "
			 "same time; try again",
			 c->item);
		return LIA_EEXIST;
	}
	sqlite3_finalize(q);
	if ((err = q_prep(s,
			  "INSERT INTO custody(item, seq, kind, user, at,"
			  " ledger_idx) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, c->item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)c->seq);
	sqlite3_bind_text(q, 3, c->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, c->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, c->at);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)c->ledger_idx);
	if ((err = q_step_done(s, q, "add custody event", d)))
		return err;
	snprintf(detail, sizeof(detail), "%s (event %llu, ledger entry %llu)",
		 c->kind, (unsigned long long)c->seq,
		 (unsigned long long)c->ledger_idx);
	return sq_audit(st, c->user, "evidence.event", c->item, detail, d);
}

static int sq_custody_each(struct store *st, const char *item,
			   int (*fn)(const struct store_custody *c, void *ctx),
			   void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s,
			  "SELECT item, seq, kind, user, at, ledger_idx"
			  " FROM custody WHERE item = ?1 ORDER BY seq",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_custody c = {
		    .item = col_text(q, 0),
		    .kind = col_text(q, 2),
		    .user = col_text(q, 3),
		    .at = sqlite3_column_int64(q, 4),
		};

		if (sqlite3_column_int64(q, 1) < 0 ||
		    sqlite3_column_int64(q, 5) < 0) {
			diag_set(d, "store: a custody row of %s is damaged",
				 item);
			err = LIA_EPARSE;
			goto out;
		}
		c.seq = (uint64_t)sqlite3_column_int64(q, 1);
		c.ledger_idx = (uint64_t)sqlite3_column_int64(q, 5);
		if ((err = fn(&c, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read custody", d);
out:
	sqlite3_finalize(q);
	return err;
}

/* --- requests ------------------------------------------------------- */

static int sq_qref_get(struct store *st, const char *ref, char **record_id,
		       char asker[MARKING_CODE_MAX + 1], char query_id[33],
		       int64_t *created, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char *rid = NULL;
	int rc, err;

	if ((err = q_prep(s, "SELECT record_id, asker, query_id, created"
			     " FROM query_refs WHERE ref = ?1",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		diag_set(d, "no reference %s", ref);
		err = LIA_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = sq_err(s, "read reference", d);
		goto out;
	}
	if (strlen(col_text(q, 1)) > MARKING_CODE_MAX ||
	    strlen(col_text(q, 2)) != 32) {
		diag_set(d, "reference %s: stored row is malformed", ref);
		err = LIA_ESTORE;
		goto out;
	}
	if (!(rid = strdup(col_text(q, 0)))) {
		err = LIA_ENOMEM;
		goto out;
	}
	memcpy(asker, col_text(q, 1), strlen(col_text(q, 1)) + 1);
	memcpy(query_id, col_text(q, 2), 33);
	*created = sqlite3_column_int64(q, 3);
	*record_id = rid;
out:
	sqlite3_finalize(q);
	return err;
}

static const char *col_opt(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL
		       ? NULL
		       : (const char *)sqlite3_column_text(q, i);
}

static int sq_request_each(struct store *st, int64_t id, const char *env_id,
			   int (*fn)(const struct store_request *r, void *ctx),
			   void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s, "SELECT id, env_id, asker, ref, record_id,"
			     " query_id, reason, state, decided_by,"
			     " decided_at, decision, created FROM requests"
			     " WHERE (?1 = 0 OR id = ?1)"
			     " AND (?2 IS NULL OR env_id = ?2) ORDER BY id",
			  &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, id);
	if (env_id)
		sqlite3_bind_text(q, 2, env_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		char at[32] = "", created[32];
		struct store_request r = {
			.id = sqlite3_column_int64(q, 0),
			.env_id = col_text(q, 1), .asker = col_text(q, 2),
			.ref = col_text(q, 3), .record_id = col_text(q, 4),
			.query_id = col_text(q, 5), .reason = col_text(q, 6),
			.state = col_text(q, 7), .decided_by = col_opt(q, 8),
			.decision = col_opt(q, 10), .created = created,
		};
		store_iso_time((time_t)sqlite3_column_int64(q, 11), created,
			       sizeof(created));
		if (sqlite3_column_type(q, 9) != SQLITE_NULL) {
			store_iso_time((time_t)sqlite3_column_int64(q, 9), at,
				       sizeof(at));
			r.decided_at = at;
		}
		if ((err = fn(&r, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read requests", d);
out:
	sqlite3_finalize(q);
	return err;
}

static int sq_request_decide(struct store *st, int64_t id, const char *state,
			     const char *decided_by, const char *reason,
			     const struct store_outbound *o, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char obj[64];
	int rc, err;

	if ((err = txn_begin(s, d)))
		return err;
	/* Checked under the write lock, so two people (or a person and the
	 * policy) deciding at once cannot both win. */
	if ((err = q_prep(s, "SELECT state FROM requests WHERE id = ?1", &q,
			  d)))
		goto out;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		diag_set(d, "no request %lld", (long long)id);
		err = LIA_ENOTFOUND;
	} else if (rc != SQLITE_ROW) {
		err = sq_err(s, "read request", d);
	} else if (strcmp(col_text(q, 0), "pending")) {
		diag_set(d, "request %lld was already decided (%s)",
			 (long long)id, col_text(q, 0));
		err = LIA_EEXIST;
	}
	sqlite3_finalize(q);
	if (err)
		goto out;
	if ((err = q_prep(s, "UPDATE requests SET state = ?2, decided_by = ?3,"
			     " decided_at = ?4, decision = ?5 WHERE id = ?1"
			     " AND state = 'pending'",
			  &q, d)))
		goto out;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, decided_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)time(NULL));
	sqlite3_bind_text(q, 5, reason ? reason : "", -1, SQLITE_STATIC);
	snprintf(obj, sizeof(obj), "request %lld", (long long)id);
	if ((err = q_step_done(s, q, "decide request", d)) ||
	    (err = sq_audit(st, decided_by,
			    strcmp(state, "approved") ? "refuse" : "approve",
			    obj, o->detail, d)) ||
	    (err = ob_insert(s, o, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

/* --- alerts ------------------------------------------------------------ */

static int sq_alert_save(struct store *st, const struct store_alert *a,
			 const struct store_outbound *o, const char *actor,
			 const char *action, const char *detail,
			 struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s, "INSERT INTO alerts(id, role, issuer, kind,"
			     " record_id, action, recipients, expires, version,"
			     " state, reason, created, updated) VALUES (?1, ?2,"
			     " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
			     " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,"
			     " action = excluded.action,"
			     " recipients = excluded.recipients,"
			     " expires = excluded.expires,"
			     " version = excluded.version,"
			     " state = excluded.state, reason = excluded.reason,"
			     " updated = excluded.updated"
			     " WHERE alerts.issuer = excluded.issuer"
			     " AND alerts.role = excluded.role"
			     " AND alerts.record_id = excluded.record_id"
			     " AND alerts.state = 'active'"
			     " AND excluded.version >= alerts.version",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, a->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, a->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, a->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, a->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, a->action ? a->action : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, a->recipients ? a->recipients : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, a->expires);
	sqlite3_bind_int64(q, 9, a->version);
	sqlite3_bind_text(q, 10, a->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, a->reason ? a->reason : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(q, 12, a->created);
	sqlite3_bind_int64(q, 13, a->updated);
	if ((err = q_step_done(s, q, "save alert", d)))
		goto out;
	if (!sqlite3_changes(s->db)) {
		/* Fail closed: another issuer's id, a withdrawn alert or an
		 * older version changes nothing and says so. */
		diag_set(d, "alert %s: not changed (withdrawn, older version "
			    "or another issuer)", a->id);
		err = LIA_EDENIED;
		goto out;
	}
	if ((err = sq_audit(st, actor, action, a->id, detail, d)))
		goto out;
	if (o && (err = ob_insert(s, o, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_alert_each(struct store *st,
			 int (*fn)(const struct store_alert *a, void *ctx),
			 void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s, "SELECT id, role, issuer, kind, record_id,"
			     " action, recipients, expires, version, state,"
			     " reason, created, updated FROM alerts"
			     " ORDER BY created, id",
			  &q, d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_alert a = {
			.id = col_text(q, 0), .role = col_text(q, 1),
			.issuer = col_text(q, 2), .kind = col_text(q, 3),
			.record_id = col_text(q, 4), .action = col_text(q, 5),
			.recipients = col_text(q, 6),
			.expires = sqlite3_column_int64(q, 7),
			.version = sqlite3_column_int64(q, 8),
			.state = col_text(q, 9), .reason = col_text(q, 10),
			.created = sqlite3_column_int64(q, 11),
			.updated = sqlite3_column_int64(q, 12),
		};
		if ((err = fn(&a, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "list alerts", d);
out:
	sqlite3_finalize(q);
	return err;
}

static int sq_alert_hit_add(struct store *st, const struct store_alert_hit *h,
			    int64_t since, const struct store_outbound *o,
			    const char *actor, const char *detail,
			    struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = txn_begin(s, d)))
		return err;
	/* The duplicate check runs under the write lock, so two screenings
	 * racing each other notify once. */
	if (since > 0) {
		if ((err = q_prep(s, "SELECT 1 FROM alert_hits WHERE"
				     " direction = 'sent' AND alert_id = ?1"
				     " AND subject_key = ?2 AND at >= ?3",
				  &q, d)))
			goto out;
		sqlite3_bind_text(q, 1, h->alert_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, h->subject_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, since);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_ROW) {
			err = LIA_EEXIST;
			goto out;
		}
		if (rc != SQLITE_DONE) {
			err = sq_err(s, "check duplicate hit", d);
			goto out;
		}
	}
	if ((err = q_prep(s, "INSERT OR IGNORE INTO alert_hits(env_id,"
			     " direction, alert_id, agency, at, score, channel,"
			     " schema, subject_key) VALUES (?1, ?2, ?3, ?4, ?5,"
			     " ?6, ?7, ?8, ?9)",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, h->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, h->direction, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, h->alert_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, h->agency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, h->at);
	sqlite3_bind_double(q, 6, h->score);
	sqlite3_bind_text(q, 7, h->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, h->schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, h->subject_key ? h->subject_key : "", -1,
			  SQLITE_STATIC);
	if ((err = q_step_done(s, q, "record hit", d)))
		goto out;
	if (!sqlite3_changes(s->db)) {
		err = LIA_EEXIST;
		goto out;
	}
	if ((err = sq_audit(st, actor,
			    strcmp(h->direction, "sent") ? "hit-receive"
							 : "hit-notify",
			    h->alert_id, detail, d)))
		goto out;
	if (o && (err = ob_insert(s, o, d)))
		goto out;
	err = txn_commit(s, d);
out:
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_alert_hit_each(struct store *st,
			     int (*fn)(const struct store_alert_hit *h,
				       void *ctx),
			     void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s, "SELECT env_id, direction, alert_id, agency, at,"
			     " score, channel, schema, subject_key"
			     " FROM alert_hits ORDER BY at, env_id",
			  &q, d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_alert_hit h = {
			.env_id = col_text(q, 0), .direction = col_text(q, 1),
			.alert_id = col_text(q, 2), .agency = col_text(q, 3),
			.at = sqlite3_column_int64(q, 4),
			.score = sqlite3_column_double(q, 5),
			.channel = col_text(q, 6), .schema = col_text(q, 7),
			.subject_key = col_text(q, 8),
		};
		if ((err = fn(&h, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "list hits", d);
out:
	sqlite3_finalize(q);
	return err;
}

/* --- API tokens ------------------------------------------------------ */

static int sq_token_add(struct store *st, const struct store_token *t,
			const char *actor, int64_t *id, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char object[32];
	int64_t new_id;
	int err;

	if ((err = exec_sql(s, "BEGIN IMMEDIATE", "begin", d)))
		return err;
	if ((err = q_prep(s,
			  "INSERT INTO api_tokens(user, hash, label, created,"
			  " expires) SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS"
			  " (SELECT 1 FROM users WHERE name = ?1)",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, t->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, t->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, t->label ? t->label : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, t->created);
	sqlite3_bind_int64(q, 5, t->expires);
	err = q_step_done(s, q, "add token", d);
	q = NULL;
	if (err)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		diag_set(d, "no user %s", t->user);
		err = LIA_ENOTFOUND;
		goto out;
	}
	new_id = (int64_t)sqlite3_last_insert_rowid(s->db);
	snprintf(object, sizeof(object), "token %lld", (long long)new_id);
	if ((err = sq_audit(st, actor, "token.create", object, t->user, d)) ||
	    (err = exec_sql(s, "COMMIT", "commit", d)))
		goto out;
	*id = new_id;
out:
	sqlite3_finalize(q);
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_token_each(struct store *st, const char *user, const char *hash,
			 int64_t after,
			 int (*fn)(const struct store_token *t, void *ctx),
			 void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	bool any = false;
	int rc, err;

	if ((err = q_cached(s, sql_token_each, &q, d)))
		return err;
	if (user)
		sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	if (hash)
		sqlite3_bind_text(q, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, after);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_token t = {
			.id = sqlite3_column_int64(q, 0),
			.user = col_text(q, 1),
			.hash = col_text(q, 2),
			.label = col_text(q, 3),
			.created = sqlite3_column_int64(q, 4),
			.expires = sqlite3_column_int64(q, 5),
			.revoked = sqlite3_column_int64(q, 6),
		};
		any = true;
		if ((err = fn(&t, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read tokens", d);
	else if (hash && !any) {
		diag_set(d, "no such token");
		err = LIA_ENOTFOUND;
	}
out:
	stmt_done(q);
	return err;
}

static int sq_token_revoke(struct store *st, int64_t id, int64_t now,
			   const char *actor, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char object[32];
	int err;

	if ((err = exec_sql(s, "BEGIN IMMEDIATE", "begin", d)))
		return err;
	if ((err = q_prep(s,
			  "UPDATE api_tokens SET revoked = ?2 WHERE id = ?1"
			  " AND revoked = 0",
			  &q, d)))
		goto out;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, now);
	err = q_step_done(s, q, "revoke token", d);
	q = NULL;
	if (err)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		diag_set(d, "no live token %lld", (long long)id);
		err = LIA_ENOTFOUND;
		goto out;
	}
	snprintf(object, sizeof(object), "token %lld", (long long)id);
	if ((err = sq_audit(st, actor, "token.revoke", object, "", d)))
		goto out;
	err = exec_sql(s, "COMMIT", "commit", d);
out:
	sqlite3_finalize(q);
	if (err)
		txn_rollback(s);
	return err;
}

/* --- witnessing ------------------------------------------------------ */

static int sq_witness_put(struct store *st, const struct store_witness *w,
			  struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = q_prep(s,
			  "INSERT OR IGNORE INTO witness(node, witness, size,"
			  " root, at_ms, sig, cosig, received)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, w->node, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, w->witness, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)w->size);
	sqlite3_bind_blob(q, 4, w->root, STORE_LEDGER_HASH, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, w->at_ms);
	sqlite3_bind_blob(q, 6, w->sig, 64, SQLITE_STATIC);
	sqlite3_bind_blob(q, 7, w->cosig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, w->received);
	return q_step_done(s, q, "store countersignature", d);
}

/* A witness row from the columns node, witness, size, root, at_ms, sig,
 * cosig, received; LIA_EPARSE when a stored value is out of shape. */
static int witness_row(sqlite3_stmt *q, struct store_witness *w,
		       struct diag *d)
{
	const char *node = col_text(q, 0), *wit = col_text(q, 1);

	memset(w, 0, sizeof(*w));
	if (strlen(node) >= sizeof(w->node) ||
	    strlen(wit) >= sizeof(w->witness) ||
	    sqlite3_column_int64(q, 2) < 0 ||
	    sqlite3_column_bytes(q, 3) != STORE_LEDGER_HASH ||
	    sqlite3_column_bytes(q, 5) != 64 ||
	    sqlite3_column_bytes(q, 6) != 64) {
		diag_set(d, "store: a witness row is damaged");
		return LIA_EPARSE;
	}
	memcpy(w->node, node, strlen(node) + 1);
	memcpy(w->witness, wit, strlen(wit) + 1);
	w->size = (uint64_t)sqlite3_column_int64(q, 2);
	memcpy(w->root, sqlite3_column_blob(q, 3), STORE_LEDGER_HASH);
	w->at_ms = sqlite3_column_int64(q, 4);
	memcpy(w->sig, sqlite3_column_blob(q, 5), 64);
	memcpy(w->cosig, sqlite3_column_blob(q, 6), 64);
	w->received = sqlite3_column_int64(q, 7);
	return 0;
}

#define WITNESS_COLS \
	"SELECT node, witness, size, root, at_ms, sig, cosig, received" \
	" FROM witness"

static int sq_witness_get(struct store *st, const char *node,
			  const char *witness, uint64_t size,
			  struct store_witness *out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	struct store_witness w;
	int rc, err;

	if ((err = q_prep(s,
			  size == UINT64_MAX
			      ? WITNESS_COLS " WHERE node = ?1 AND witness = ?2"
					     " ORDER BY size DESC LIMIT 1"
			      : WITNESS_COLS " WHERE node = ?1 AND witness = ?2"
					     " AND size = ?3",
			  &q, d)))
		return err;
	sqlite3_bind_text(q, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, witness, -1, SQLITE_STATIC);
	if (size != UINT64_MAX)
		sqlite3_bind_int64(q, 3, (sqlite3_int64)size);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		if (!(err = witness_row(q, &w, d)))
			*out = w;
	} else if (rc == SQLITE_DONE) {
		err = LIA_ENOTFOUND;
	} else {
		err = sq_err(s, "read witness", d);
	}
	sqlite3_finalize(q);
	return err;
}

static int sq_witness_each(struct store *st,
			   int (*fn)(const struct store_witness *w, void *ctx),
			   void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	struct store_witness w;
	int rc, err;

	if ((err = q_prep(s, WITNESS_COLS " ORDER BY node, size, witness", &q,
			  d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((err = witness_row(q, &w, d)) || (err = fn(&w, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read witness", d);
out:
	sqlite3_finalize(q);
	return err;
}

static int sq_witness_problem_add(struct store *st,
				  const struct store_witness_problem *p,
				  struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char detail[400];
	int err;

	/* Inside a received batch this is the batch's savepoint. */
	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s,
			  "INSERT OR IGNORE INTO witness_problems(env_id, node,"
			  " witness, size, reason, evidence, at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, p->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->node, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->witness, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)p->size);
	sqlite3_bind_text(q, 5, p->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, p->evidence, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, p->at);
	if ((err = q_step_done(s, q, "store witness problem", d)))
		goto out;
	/* A repeated report changes nothing and is not audited twice. */
	if (sqlite3_changes(s->db) == 0)
		goto out;
	snprintf(detail, sizeof(detail), "node %s witness %s size %llu: %.300s",
		 p->node, p->witness, (unsigned long long)p->size, p->reason);
	if ((err = sq_audit(st, "node", "witness-problem", p->env_id, detail,
			    d)))
		goto out;
out:
	if (!err)
		err = txn_commit(s, d);
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_witness_problem_each(
    struct store *st,
    int (*fn)(const struct store_witness_problem *p, void *ctx), void *ctx,
    struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s,
			  "SELECT env_id, node, witness, size, reason,"
			  " evidence, at FROM witness_problems ORDER BY id",
			  &q, d)))
		return err;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_witness_problem p = {
		    .env_id = col_text(q, 0),
		    .node = col_text(q, 1),
		    .witness = col_text(q, 2),
		    .reason = col_text(q, 4),
		    .evidence = col_text(q, 5),
		    .at = sqlite3_column_int64(q, 6),
		};

		if (sqlite3_column_int64(q, 3) < 0) {
			diag_set(d, "store: a witness problem is damaged");
			err = LIA_EPARSE;
			goto out;
		}
		p.size = (uint64_t)sqlite3_column_int64(q, 3);
		if ((err = fn(&p, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read witness problems", d);
out:
	sqlite3_finalize(q);
	return err;
}

static int sq_custody_in_add(struct store *st,
			     const struct store_custody_in *r,
			     struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	char detail[200];
	int err;

	/* Inside a received batch this is the batch's savepoint. */
	if ((err = txn_begin(s, d)))
		return err;
	if ((err = q_prep(s,
			  "INSERT OR IGNORE INTO custody_inbox(env_id, item,"
			  " sender, kind, bundle, received)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &q, d)))
		goto out;
	sqlite3_bind_text(q, 1, r->env_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, r->item, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, r->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->bundle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, r->received);
	/* q_step_done finalizes the statement. */
	if ((err = q_step_done(s, q, "store custody bundle", d)))
		goto out;
	if (sqlite3_changes(s->db) == 0)
		goto out;
	snprintf(detail, sizeof(detail), "%s of item %s from %s", r->kind,
		 r->item, r->sender);
	err = sq_audit(st, "node", "custody-in", r->env_id, detail, d);
out:
	if (!err)
		err = txn_commit(s, d);
	if (err)
		txn_rollback(s);
	return err;
}

static int sq_custody_in_each(struct store *st, const char *item,
			      int (*fn)(const struct store_custody_in *r,
					void *ctx),
			      void *ctx, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int rc, err;

	if ((err = q_prep(s,
			  "SELECT env_id, item, sender, kind, bundle, received"
			  " FROM custody_inbox WHERE ?1 IS NULL OR item = ?1"
			  " ORDER BY id",
			  &q, d)))
		return err;
	if (item)
		sqlite3_bind_text(q, 1, item, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_custody_in r = {
		    .env_id = col_text(q, 0),
		    .item = col_text(q, 1),
		    .sender = col_text(q, 2),
		    .kind = col_text(q, 3),
		    .bundle = col_text(q, 4),
		    .received = sqlite3_column_int64(q, 5),
		};

		if ((err = fn(&r, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read custody bundles", d);
out:
	sqlite3_finalize(q);
	return err;
}

/* --- changes, for caches of records (the API's screening index) ------ */

static const char sql_data_version[] = "PRAGMA data_version";
static const char sql_versions_since[] =
    "SELECT vid, entity_id FROM versions WHERE vid > ?1 ORDER BY vid";

static int sq_data_version(struct store *st, int64_t *out, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int err;

	if ((err = q_cached(s, sql_data_version, &q, d)))
		return err;
	if (sqlite3_step(q) != SQLITE_ROW)
		err = sq_err(s, "read the data version", d);
	else
		*out = sqlite3_column_int64(q, 0);
	stmt_done(q);
	return err;
}

static int sq_versions_since(struct store *st, int64_t after,
			     int (*fn)(const char *id, int64_t vid, void *ctx),
			     void *ctx, int64_t *last, struct diag *d)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q = NULL;
	int64_t vid = after;
	int rc, err;

	if ((err = q_cached(s, sql_versions_since, &q, d)))
		return err;
	sqlite3_bind_int64(q, 1, after);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		vid = sqlite3_column_int64(q, 0);
		if ((err = fn(col_text(q, 1), vid, ctx)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = sq_err(s, "read new versions", d);
out:
	stmt_done(q);
	if (!err)
		*last = vid;
	return err;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.schema_version = sq_schema_version,
	.import_begin = sq_import_begin,
	.put_prepared = sq_put_prepared,
	.import_commit = sq_import_commit,
	.import_abort = sq_import_abort,
	.get = sq_get,
	.history = sq_history,
	.search = sq_search,
	.each = sq_each,
	.stats = sq_stats,
	.records_mark = sq_records_mark,
	.audit = sq_audit,
	.audit_each = sq_audit_each,
	.peer_add = sq_peer_add,
	.peer_remove = sq_peer_remove,
	.peer_find = sq_peer_find,
	.outbox_add = sq_outbox_add,
	.outbox_due = sq_outbox_due,
	.outbox_mark = sq_outbox_mark,
	.msg_each = sq_msg_each,
	.inbound_apply = sq_inbound_apply,
	.seen = sq_seen,
	.batch_begin = sq_batch_begin,
	.batch_item = sq_batch_item,
	.batch_end = sq_batch_end,
	.seen_prune = sq_seen_prune,
	.inbox_get = sq_inbox_get,
	.inbox_mark_read = sq_inbox_mark_read,
	.msg_case = sq_msg_case,
	.ledger_begin = sq_ledger_begin,
	.ledger_put_entry = sq_ledger_put_entry,
	.ledger_put_node = sq_ledger_put_node,
	.ledger_put_head = sq_ledger_put_head,
	.ledger_commit = sq_ledger_commit,
	.ledger_abort = sq_ledger_abort,
	.ledger_size = sq_ledger_size,
	.ledger_nodes_end = sq_ledger_nodes_end,
	.ledger_node = sq_ledger_node,
	.ledger_nodes_from = sq_ledger_nodes_from,
	.ledger_each = sq_ledger_each,
	.ledger_head = sq_ledger_head,
	.ledger_head_each = sq_ledger_head_each,
	.ledger_read = sq_ledger_read,
	.user_add = sq_user_add,
	.user_get = sq_user_get,
	.token_add = sq_token_add,
	.token_each = sq_token_each,
	.token_revoke = sq_token_revoke,
	.evidence_add = sq_evidence_add,
	.evidence_each = sq_evidence_each,
	.custody_add = sq_custody_add,
	.custody_each = sq_custody_each,
	.qref_get = sq_qref_get,
	.request_each = sq_request_each,
	.request_decide = sq_request_decide,
	.alert_save = sq_alert_save,
	.alert_each = sq_alert_each,
	.alert_hit_add = sq_alert_hit_add,
	.alert_hit_each = sq_alert_hit_each,
	.witness_put = sq_witness_put,
	.witness_get = sq_witness_get,
	.witness_each = sq_witness_each,
	.custody_in_add = sq_custody_in_add,
	.custody_in_each = sq_custody_in_each,
	.witness_problem_add = sq_witness_problem_add,
	.witness_problem_each = sq_witness_problem_each,
	.data_version = sq_data_version,
	.versions_since = sq_versions_since,
};
