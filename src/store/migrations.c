/*
 * migrations.c - the versioned schema of the SQLite store.
 *
 * Each entry takes the database from PRAGMA user_version i to i + 1 and runs
 * inside the one transaction store_open() wraps around all pending steps, so
 * a crash half-way leaves the old version intact. Steps are append-only:
 * never edit a step that has shipped, add a new one.
 */
#include "store/store_int.h"

const char *const store_sqlite_migrations[] = {
	/* 0 -> 1: the initial schema. */
	"CREATE TABLE imports ("
	"  id INTEGER PRIMARY KEY,"
	"  format TEXT NOT NULL,"
	"  files TEXT NOT NULL,"
	"  sha256 TEXT,"
	"  actor TEXT NOT NULL,"
	"  started TEXT NOT NULL,"
	"  finished TEXT,"
	"  seen INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL DEFAULT 0,"
	"  changed INTEGER NOT NULL DEFAULT 0,"
	"  unchanged INTEGER NOT NULL DEFAULT 0"
	");"
	/* Markings are few and shared by many records: stored once. */
	"CREATE TABLE markings ("
	"  id INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  json TEXT NOT NULL"
	");"
	/* The current version of every record. rid is an explicit INTEGER
	 * PRIMARY KEY so it survives VACUUM: the FTS rows are keyed on it. */
	"CREATE TABLE records ("
	"  rid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  vid INTEGER NOT NULL,"
	"  schema TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  marking_id INTEGER NOT NULL REFERENCES markings(id),"
	"  import_id INTEGER NOT NULL REFERENCES imports(id),"
	"  agency TEXT NOT NULL,"
	"  class_rank INTEGER NOT NULL,"
	"  countries TEXT NOT NULL,"
	"  date_min TEXT,"
	"  date_max TEXT,"
	"  caption TEXT NOT NULL,"
	"  names TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  first_seen TEXT NOT NULL,"
	"  last_changed TEXT NOT NULL"
	");"
	/* Every version ever written; never updated or deleted. */
	/* Versions are appended in import order and chained: records.vid
	 * is the current version's row, each version points at the one it
	 * replaced (prev_vid). So writing a version costs one append and no
	 * index insert at a random place, and a record's history is a walk
	 * down its chain. */
	"CREATE TABLE versions ("
	"  vid INTEGER PRIMARY KEY,"
	"  entity_id TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  prev_vid INTEGER REFERENCES versions(vid),"
	"  hash BLOB NOT NULL,"
	"  body TEXT NOT NULL,"
	"  marking_id INTEGER NOT NULL REFERENCES markings(id),"
	"  import_id INTEGER NOT NULL REFERENCES imports(id),"
	"  created TEXT NOT NULL"
	");"
	"CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions"
	" BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;"
	"CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions"
	" BEGIN SELECT RAISE(ABORT, 'versions are append-only'); END;"
	/* Full text over the current versions, rowid = records.rid. The
	 * text lives once, in records (external content): sqlite.c removes
	 * a row from the index with the values it indexed, kept there. */
	"CREATE VIRTUAL TABLE records_fts USING fts5("
	"  id UNINDEXED, names, text,"
	"  content = 'records', content_rowid = 'rid',"
	"  tokenize = 'unicode61 remove_diacritics 2'"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT,"
	"  detail TEXT"
	");"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",

	/* 1 -> 2: the exchange. Peers pinned like SSH known hosts; the
	 * outbox (one envelope, one row per recipient) and the inbox (the
	 * envelope exactly as received, still encrypted); seen ids for
	 * replay detection, kept until the envelope expires. Times are UTC
	 * seconds so the delivery worker can compare them. */
	"CREATE TABLE peers ("
	"  agency TEXT PRIMARY KEY,"
	"  card TEXT NOT NULL,"
	"  url TEXT NOT NULL,"
	"  tls_sha256 TEXT NOT NULL UNIQUE,"
	"  added TEXT NOT NULL"
	");"
	"CREATE TABLE out_envelopes ("
	"  env_id TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  case_ref TEXT NOT NULL,"
	"  reply_to TEXT,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  bytes BLOB NOT NULL"
	");"
	"CREATE TABLE outbox ("
	"  env_id TEXT NOT NULL REFERENCES out_envelopes(env_id),"
	"  recipient TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('queued', 'sent', 'delivered', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_at INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  updated INTEGER NOT NULL,"
	"  PRIMARY KEY (env_id, recipient)"
	");"
	"CREATE INDEX outbox_due ON outbox(next_at)"
	"  WHERE state IN ('queued', 'sent');"
	"CREATE TABLE inbox ("
	"  env_id TEXT PRIMARY KEY,"
	"  sender TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  priority TEXT NOT NULL,"
	"  case_ref TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  marking TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('received', 'read')),"
	"  read_at INTEGER,"
	"  bytes BLOB NOT NULL"
	");"
	"CREATE TABLE seen ("
	"  env_id TEXT PRIMARY KEY,"
	"  expires INTEGER NOT NULL"
	");",
	/* 2 -> 3: hit/no-hit queries. The opaque references this node gave in
	 * its answers, each mapped to the record and bound to the agency
	 * and query it was given to, so only that agency can ask for it. */
	"CREATE TABLE query_refs ("
	"  ref TEXT PRIMARY KEY,"
	"  record_id TEXT NOT NULL,"
	"  asker TEXT NOT NULL,"
	"  query_id TEXT NOT NULL,"
	"  score REAL NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX query_refs_query ON query_refs(query_id);",
	/* 3 -> 4: the evidence ledger (src/ledger, issue #6). Entries are
	 * numbered from 0 by the log itself (idx is the rowid, so an append
	 * is an insert at the end of the table's b-tree). ledger_nodes keeps
	 * the hash of every perfect subtree of height >= 1, keyed by (level,
	 * index), so a proof is O(log n) point lookups and an append adds
	 * about one row per entry; height 0 is the entry's leaf_hash. Heads
	 * are the signed tree heads, one per published size. All three are
	 * append-only, like the audit trail. */
	"CREATE TABLE ledger_entries ("
	"  idx INTEGER PRIMARY KEY,"
	"  data BLOB NOT NULL,"
	"  leaf_hash BLOB NOT NULL,"
	"  at_ms INTEGER NOT NULL"
	");"
	"CREATE TABLE ledger_nodes ("
	"  level INTEGER NOT NULL,"
	"  idx INTEGER NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  PRIMARY KEY (level, idx)"
	") WITHOUT ROWID;"
	"CREATE TABLE ledger_heads ("
	"  size INTEGER PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  root BLOB NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  pk BLOB NOT NULL,"
	"  sig BLOB NOT NULL"
	");"
	"CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_heads_no_update BEFORE UPDATE ON ledger_heads"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
	/* 4 -> 5: requests for the records behind references, decided once. A
	 * reference may have at most one request that is pending or
	 * approved, so a record is not released twice for one hit. */
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  env_id TEXT NOT NULL UNIQUE,"
	"  asker TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  query_id TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('pending', 'approved', 'refused')),"
	"  decided_by TEXT,"
	"  decided_at INTEGER,"
	"  decision TEXT,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX requests_open ON requests(ref)"
	"  WHERE state IN ('pending', 'approved');",
	/* 5 -> 6: alerts this
	 * node issued and received, and hit notifications sent and
	 * received. A hit sent keeps only a hash of what was screened, for
	 * deduplication, never the screened data itself. */
	"CREATE TABLE alerts ("
	"  id TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('issued', 'received')),"
	"  issuer TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  record_id TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  recipients TEXT NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('active', 'withdrawn')),"
	"  reason TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	");"
	"CREATE INDEX alerts_record ON alerts(record_id);"
	"CREATE TABLE alert_hits ("
	"  env_id TEXT PRIMARY KEY,"
	"  direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),"
	"  alert_id TEXT NOT NULL,"
	"  agency TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  score REAL NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  schema TEXT NOT NULL,"
	"  subject_key TEXT NOT NULL"
	");"
	"CREATE INDEX alert_hits_dedup ON alert_hits(alert_id, subject_key, at);",
	/* 6 -> 7: users with their own Ed25519 keys (the secret sealed under
	 * a key derived from the passphrase), items of evidence and their
	 * custody events. The signed documents themselves are entries of the
	 * ledger (ledger_idx); these rows index them. Evidence and custody
	 * rows are append-only like the ledger. */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN"
	"    ('officer', 'analyst', 'supervisor', 'auditor', 'admin')),"
	"  sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),"
	"  sealed_sk BLOB NOT NULL,"
	"  salt BLOB NOT NULL,"
	"  kdf_ops INTEGER NOT NULL,"
	"  kdf_mem INTEGER NOT NULL,"
	"  pwhash TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  ledger_idx INTEGER NOT NULL UNIQUE"
	");"
	"CREATE TABLE evidence ("
	"  id TEXT PRIMARY KEY,"
	"  case_ref TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  media_type TEXT NOT NULL,"
	"  seized_at TEXT NOT NULL,"
	"  seized_on TEXT NOT NULL,"
	"  registered_by TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  ledger_idx INTEGER NOT NULL UNIQUE"
	");"
	"CREATE INDEX evidence_case ON evidence(case_ref);"
	"CREATE TABLE custody ("
	"  item TEXT NOT NULL REFERENCES evidence(id),"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  ledger_idx INTEGER NOT NULL UNIQUE,"
	"  PRIMARY KEY (item, seq)"
	");"
	"CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence"
	" BEGIN SELECT RAISE(ABORT, 'evidence rows are append-only'); END;"
	"CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence"
	" BEGIN SELECT RAISE(ABORT, 'evidence rows are append-only'); END;"
	"CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody"
	" BEGIN SELECT RAISE(ABORT, 'custody rows are append-only'); END;"
	"CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody"
	" BEGIN SELECT RAISE(ABORT, 'custody rows are append-only'); END;",
	/* 7 -> 8: API tokens (issue #7). Only the SHA-256 of a token is
	 * kept: a token is 32 random bytes, so a fast hash is enough and a
	 * copy of the store does not let anyone call the API. Rows are
	 * revoked, never deleted, so the audit trail can name them. */
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name),"
	"  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  label TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX api_tokens_user ON api_tokens(user);",
	/* 8 -> 9: witnessing (issue #6, section 3). A witness row is one
	 * countersignature by witness of the head of node at size: on a
	 * publisher (node = this node) those it received, on a witness
	 * (witness = this node) those it made, each with the node's own head
	 * signature. A problem is an inconsistency a witness found, kept on
	 * both sides with the head that showed it. Both are append-only. */
	"CREATE TABLE witness ("
	"  node TEXT NOT NULL,"
	"  witness TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  root BLOB NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  sig BLOB NOT NULL,"
	"  cosig BLOB NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  PRIMARY KEY (node, witness, size)"
	") WITHOUT ROWID;"
	"CREATE TABLE witness_problems ("
	"  id INTEGER PRIMARY KEY,"
	"  env_id TEXT NOT NULL UNIQUE,"
	"  node TEXT NOT NULL,"
	"  witness TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  evidence TEXT NOT NULL,"
	"  at INTEGER NOT NULL"
	");"
	"CREATE TRIGGER witness_no_update BEFORE UPDATE ON witness"
	" BEGIN SELECT RAISE(ABORT, 'witness rows are append-only'); END;"
	"CREATE TRIGGER witness_no_delete BEFORE DELETE ON witness"
	" BEGIN SELECT RAISE(ABORT, 'witness rows are append-only'); END;"
	"CREATE TRIGGER witness_problems_no_update BEFORE UPDATE ON"
	" witness_problems"
	" BEGIN SELECT RAISE(ABORT, 'witness rows are append-only'); END;"
	"CREATE TRIGGER witness_problems_no_delete BEFORE DELETE ON"
	" witness_problems"
	" BEGIN SELECT RAISE(ABORT, 'witness rows are append-only'); END;",
	/* 9 -> 10: custody across agencies (issue #6). Each row is a bundle
	 * another agency sent about one item: a transfer to this node, or
	 * the receipt of a transfer this node made. The bundle was verified
	 * before it was stored; what it changes on the ledger is applied
	 * later, outside the receiving transaction, and the row stays as the
	 * proof of what the other agency signed. Append-only. */
	"CREATE TABLE custody_inbox ("
	"  id INTEGER PRIMARY KEY,"
	"  env_id TEXT NOT NULL UNIQUE,"
	"  item TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('transfer', 'receipt')),"
	"  bundle TEXT NOT NULL,"
	"  received INTEGER NOT NULL"
	");"
	"CREATE INDEX custody_inbox_item ON custody_inbox(item, id);"
	"CREATE TRIGGER custody_inbox_no_update BEFORE UPDATE ON"
	" custody_inbox"
	" BEGIN SELECT RAISE(ABORT, 'custody_inbox rows are append-only');"
	" END;"
	"CREATE TRIGGER custody_inbox_no_delete BEFORE DELETE ON"
	" custody_inbox"
	" BEGIN SELECT RAISE(ABORT, 'custody_inbox rows are append-only');"
	" END;",
};

const int store_sqlite_migrations_n =
	(int)(sizeof(store_sqlite_migrations) /
	      sizeof(store_sqlite_migrations[0]));
