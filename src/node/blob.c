/*
 * blob.c - attachments beside the envelope: the sender's spool of
 * encrypted files and the receiver's store of uploaded ones.
 *
 * Files, not store rows: an attachment can be far larger than anything
 * SQLite should hold, and it must never pass through memory whole. The
 * durability rules are those of the envelopes they belong to. A spool is
 * written and synced before its envelope's outbox row is committed, and
 * removed only when no row waits to send it. A received blob is published
 * (renamed from .part) only after every byte is synced and its hash is
 * its name, and the envelope naming it is accepted only after that, so a
 * crash at any moment leaves a complete verified blob, a .part to
 * continue, or nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "liaison/attach.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "node_int.h"

#define SPOOL_DIR "spool"
#define BLOB_DIR "blobs"
/* HOME/blobs/by-peer/<agency>/<blob>: a hard link to each blob (or .part)
 * a peer uploaded that no accepted envelope names yet, so that a peer's
 * pending bytes can be counted and old ones found. */
#define OWNER_DIR "blobs/by-peer"

/* HOME/sub[/name[suffix]] into buf. */
static int path_of(char *buf, size_t n, const char *home, const char *sub,
		   const char *name, const char *suffix, struct diag *d)
{
	int k = name ? snprintf(buf, n, "%s/%s/%s%s", home, sub, name,
				suffix ? suffix : "")
		     : snprintf(buf, n, "%s/%s", home, sub);

	if (k < 0 || (size_t)k >= n) {
		diag_set(d, "path under %s too long", home);
		return LIA_ETOOBIG;
	}
	return 0;
}

static int mkdir_0700(const char *path, struct diag *d)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return LIA_EIO;
	}
	return 0;
}

/* fsync a folder, so that a rename or a new name in it is durable. */
static int sync_dir(const char *path, struct diag *d)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0 || fsync(fd)) {
		diag_set(d, "%s: %s", path, strerror(errno));
		err = LIA_EIO;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* ------------------------------------------------------- the spool */

int node_spool_attach(const char *home, const char *env_id, const char *path,
		      struct attach_desc *desc, char blob[ATTACH_BLOB_HEX + 1],
		      struct diag *d)
{
	char dir[PATH_MAX], tmp[PATH_MAX], fin[PATH_MAX];
	char hex[ATTACH_BLOB_HEX + 1];
	const char *base = strrchr(path, '/');
	struct attach_desc ad;
	FILE *in = NULL, *out = NULL;
	uint64_t size = 0;
	int fd = -1, err;

	memset(&ad, 0, sizeof(ad));
	if ((err = path_of(dir, sizeof(dir), home, SPOOL_DIR, NULL, NULL, d)) ||
	    (err = mkdir_0700(dir, d)) ||
	    (err =
		 path_of(dir, sizeof(dir), home, SPOOL_DIR, env_id, NULL, d)) ||
	    (err = mkdir_0700(dir, d)) ||
	    (err = path_of(tmp, sizeof(tmp), dir, ".", "encrypting", NULL, d)))
		return err;
	if (!(in = fopen(path, "rb"))) {
		diag_set(d, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? LIA_ENOTFOUND : LIA_EIO;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || !(out = fdopen(fd, "w+b"))) {
		diag_set(d, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		err = LIA_EIO;
		goto out;
	}
	if ((err = attach_encrypt(in, out, base ? base + 1 : path,
				  "application/octet-stream", &ad, d))) {
		diag_prefix(d, "%s: ", path);
		goto out;
	}
	if (fflush(out) || fsync(fd) || lseek(fd, 0, SEEK_SET)) {
		diag_set(d, "%s: %s", tmp, strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	/* Read back rather than hashed while written: what is hashed is
	 * what is on disk and will be uploaded. */
	if ((err = attach_blob_id(fd, hex, &size, d)))
		goto out;
	if (size != attach_encrypted_size(ad.size)) {
		diag_set(d, "%s: encrypted size is not as expected", tmp);
		err = LIA_EIO;
		goto out;
	}
	if ((err = path_of(fin, sizeof(fin), dir, ".", hex, NULL, d)))
		goto out;
	if (rename(tmp, fin)) {
		diag_set(d, "%s: %s", fin, strerror(errno));
		err = LIA_EIO;
		goto out;
	}
	if ((err = sync_dir(dir, d)))
		goto out;
	*desc = ad;
	memcpy(blob, hex, sizeof(hex));
out:
	sodium_memzero(&ad, sizeof(ad));
	if (out)
		fclose(out);
	fclose(in);
	if (err)
		unlink(tmp);
	return err;
}

void node_spool_remove(const char *home, const char *env_id)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *e;
	DIR *dh;

	if (path_of(dir, sizeof(dir), home, SPOOL_DIR, env_id, NULL, NULL) ||
	    !(dh = opendir(dir)))
		return;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !path_of(p, sizeof(p), dir, ".", e->d_name, NULL, NULL))
			unlink(p);
	closedir(dh);
	rmdir(dir);
}

int node_spool_each(const char *home, const char *env_id,
		    int (*fn)(const char *path, const char *blob, uint64_t size,
			      void *ctx),
		    void *ctx, struct diag *d)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *e;
	struct stat sb;
	DIR *dh;
	int err;

	if ((err = path_of(dir, sizeof(dir), home, SPOOL_DIR, env_id, NULL, d)))
		return err;
	if (!(dh = opendir(dir))) {
		if (errno == ENOENT)
			return 0;
		diag_set(d, "%s: %s", dir, strerror(errno));
		return LIA_EIO;
	}
	while ((e = readdir(dh))) {
		/* Only finished files carry a blob id as their name. */
		if (!attach_blob_hex_ok(e->d_name, strlen(e->d_name)))
			continue;
		if ((err = path_of(p, sizeof(p), dir, ".", e->d_name, NULL, d)))
			break;
		if (stat(p, &sb)) {
			diag_set(d, "%s: %s", p, strerror(errno));
			err = LIA_EIO;
			break;
		}
		if ((err = fn(p, e->d_name, (uint64_t)sb.st_size, ctx)))
			break;
	}
	closedir(dh);
	return err;
}

struct pending {
	char (*ids)[33];
	size_t n;
	bool *busy;  /* a row still waits to send it */
	bool *known; /* it has outbox rows: the send was committed */
	bool *old;   /* older than the caller's min_age */
};

static int pending_cb(const struct store_msg_row *r, void *ctx)
{
	struct pending *p = ctx;
	bool busy = !strcmp(r->state, "queued") || !strcmp(r->state, "sent");

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->ids[i], r->env_id)) {
			p->known[i] = true;
			p->busy[i] = p->busy[i] || busy;
		}
	return 0;
}

#define PRUNE_MAX 256 /* spools looked at per call */

int node_spool_prune(struct node *n, int64_t now, int64_t min_age,
		     size_t *removed, struct diag *d)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct pending pend = {0};
	struct dirent *e;
	struct stat sb;
	DIR *dh = NULL;
	int err;

	*removed = 0;
	if ((err =
		 path_of(dir, sizeof(dir), n->home, SPOOL_DIR, NULL, NULL, d)))
		return err;
	if (!(dh = opendir(dir)))
		return errno == ENOENT ? 0 : LIA_EIO;
	pend.ids = calloc(PRUNE_MAX, sizeof(*pend.ids));
	pend.busy = calloc(PRUNE_MAX, sizeof(*pend.busy));
	pend.known = calloc(PRUNE_MAX, sizeof(*pend.known));
	pend.old = calloc(PRUNE_MAX, sizeof(*pend.old));
	if (!pend.ids || !pend.busy || !pend.known || !pend.old) {
		err = LIA_ENOMEM;
		goto out;
	}
	while (pend.n < PRUNE_MAX && (e = readdir(dh))) {
		if (!node_hex32(e->d_name) ||
		    path_of(p, sizeof(p), dir, ".", e->d_name, NULL, NULL) ||
		    stat(p, &sb))
			continue;
		pend.old[pend.n] = now - (int64_t)sb.st_mtime >= min_age;
		memcpy(pend.ids[pend.n++], e->d_name, 33);
	}
	if (!pend.n)
		goto out;
	if ((err = store_outbox_each(n->store, pending_cb, &pend, d)))
		goto out;
	for (size_t i = 0; i < pend.n; i++)
		/* A spool without rows may belong to a send that has not
		 * committed yet: only an old one is an orphan. */
		if (!pend.busy[i] && (pend.known[i] || pend.old[i])) {
			node_spool_remove(n->home, pend.ids[i]);
			(*removed)++;
		}
out:
	closedir(dh);
	free(pend.ids);
	free(pend.busy);
	free(pend.known);
	free(pend.old);
	return err;
}

/* ------------------------------------------------------ the receiver */

int node_blob_state(const char *home, const char *blob, uint64_t *have,
		    bool *complete, struct diag *d)
{
	char p[PATH_MAX];
	struct stat sb;
	int err;

	if (!attach_blob_hex_ok(blob, strlen(blob)))
		return LIA_EINVAL;
	if ((err = path_of(p, sizeof(p), home, BLOB_DIR, blob, NULL, d)))
		return err;
	if (!stat(p, &sb)) {
		*have = (uint64_t)sb.st_size;
		*complete = true;
		return 0;
	}
	if ((err = path_of(p, sizeof(p), home, BLOB_DIR, blob, ".part", d)))
		return err;
	*have = stat(p, &sb) ? 0 : (uint64_t)sb.st_size;
	*complete = false;
	return 0;
}

/*
 * A hub keeps what it relays in its spool, not among its own blobs: the
 * uploaded file moves (rename, same file system) to HOME/spool/<env
 * id>/<blob>, where its delivery worker uploads it to the recipients like
 * one of its own attachments, and its spool pruning deletes it once no
 * relay row waits for the envelope. A hub cannot open the body that names
 * the blobs, so the sender states the envelope with each request.
 */
static bool agency_name_ok(const char *a);

/* Is blobs/<blob> the file agency uploaded and no envelope took yet (its
 * owner link is the same file)? */
static bool owned_by(const char *home, const char *agency, const char *blob)
{
	char dir[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	struct stat a, b;

	return !path_of(dir, sizeof(dir), home, OWNER_DIR, agency, NULL,
			NULL) &&
	       !path_of(p, sizeof(p), dir, ".", blob, NULL, NULL) &&
	       !path_of(q, sizeof(q), home, BLOB_DIR, blob, NULL, NULL) &&
	       !lstat(p, &a) && !lstat(q, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int node_blob_claim(const char *home, const char *agency, const char *blob,
		    const char *env_id, uint64_t *have, bool *complete,
		    struct diag *d)
{
	char dir[PATH_MAX], fin[PATH_MAX], src[PATH_MAX], bdir[PATH_MAX];
	struct stat sb;
	uint64_t h = 0;
	bool c = false;
	int err;

	if (!agency_name_ok(agency) ||
	    !attach_blob_hex_ok(blob, strlen(blob)) || !node_hex32(env_id))
		return LIA_EINVAL;
	if ((err =
		 path_of(dir, sizeof(dir), home, SPOOL_DIR, env_id, NULL, d)) ||
	    (err = path_of(fin, sizeof(fin), dir, ".", blob, NULL, d)))
		return err;
	if (!stat(fin, &sb)) {
		*have = (uint64_t)sb.st_size;
		*complete = true;
		return 0;
	}
	if ((err = node_blob_state(home, blob, &h, &c, d)))
		return err;
	/* Only the peer's own pending upload moves: not a blob another
	 * peer uploaded, nor one an accepted envelope here names. */
	if (c && !owned_by(home, agency, blob)) {
		diag_set(d, "blob %.16s... is not an upload of %s", blob,
			 agency);
		return LIA_EDENIED;
	}
	if (c) {
		if ((err = path_of(src, sizeof(src), home, BLOB_DIR, blob, NULL,
				   d)) ||
		    (err = path_of(bdir, sizeof(bdir), home, BLOB_DIR, NULL,
				   NULL, d)) ||
		    (err = path_of(dir, sizeof(dir), home, SPOOL_DIR, NULL,
				   NULL, d)) ||
		    (err = mkdir_0700(dir, d)) ||
		    (err = path_of(dir, sizeof(dir), home, SPOOL_DIR, env_id,
				   NULL, d)) ||
		    (err = mkdir_0700(dir, d)))
			return err;
		if (rename(src, fin)) {
			diag_set(d, "%s: %s", fin, strerror(errno));
			return LIA_EIO;
		}
		/* Both folders: a crash leaves the file in one place. */
		if ((err = sync_dir(dir, d)) || (err = sync_dir(bdir, d)))
			return err;
	}
	*have = h;
	*complete = c;
	return 0;
}

struct node_blob_up {
	char blob[ATTACH_BLOB_HEX + 1];
	char home[PATH_MAX];
	int fd;
	uint64_t have;	/* bytes in the .part file */
	uint64_t total; /* of the whole file, as the chunk says */
	uint64_t end;	/* one past the current chunk's last byte */
	/* The hash of bytes 0..have, kept while the chunks arrive in order
	 * in this process; otherwise the file is hashed again at the end. */
	crypto_generichash_state h;
	bool hashing;
	bool broken;
};

void node_blob_up_free(struct node_blob_up *up)
{
	if (!up)
		return;
	if (up->fd >= 0)
		close(up->fd); /* drops the lock too */
	free(up);
}

int node_blob_up_begin(const char *home, const char *blob,
		       const struct attach_range *r, struct node_blob_up **up,
		       uint64_t *have, struct diag *d)
{
	struct node_blob_up *u = *up;
	char p[PATH_MAX];
	struct stat sb;
	bool complete = false;
	int err;

	if (u &&
	    (strcmp(u->blob, blob) || strcmp(u->home, home) || u->broken)) {
		node_blob_up_free(u);
		*up = u = NULL;
	}
	if ((err = node_blob_state(home, blob, have, &complete, d)))
		return err;
	if (complete)
		return LIA_EEXIST;
	if (!u) {
		if ((err = path_of(p, sizeof(p), home, BLOB_DIR, NULL, NULL,
				   d)) ||
		    (err = mkdir_0700(p, d)) ||
		    (err = path_of(p, sizeof(p), home, BLOB_DIR, blob, ".part",
				   d)))
			return err;
		if (!(u = calloc(1, sizeof(*u))))
			return LIA_ENOMEM;
		(void)str_copy(u->blob, sizeof(u->blob), blob);
		(void)str_copy(u->home, sizeof(u->home), home);
		u->fd =
		    open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (u->fd < 0) {
			diag_set(d, "%s: %s", p, strerror(errno));
			free(u);
			return LIA_EIO;
		}
		/* Two requests writing one file would interleave: the lock
		 * (held while this upload lives) refuses the second. */
		if (flock(u->fd, LOCK_EX | LOCK_NB)) {
			diag_set(d, "blob %s is being uploaded already", blob);
			node_blob_up_free(u);
			return LIA_EBUSY;
		}
		if (fstat(u->fd, &sb)) {
			diag_set(d, "%s: %s", p, strerror(errno));
			node_blob_up_free(u);
			return LIA_EIO;
		}
		u->have = (uint64_t)sb.st_size;
		u->hashing = u->have == 0;
		if (u->hashing)
			crypto_generichash_init(&u->h, NULL, 0, 32);
		*up = u;
	}
	*have = u->have;
	if (r->first > u->have)
		return LIA_EINVAL;
	if (r->first < u->have) {
		/* The sender goes back (a whole file that a crash kept from
		 * being published, or bytes it does not trust): what follows
		 * its offset is dropped, and the hash computed again at the
		 * end. */
		if (ftruncate(u->fd, (off_t)r->first)) {
			diag_set(d, "blob %s: %s", blob, strerror(errno));
			u->broken = true;
			return LIA_EIO;
		}
		u->have = r->first;
		u->hashing = u->have == 0;
		if (u->hashing)
			crypto_generichash_init(&u->h, NULL, 0, 32);
	}
	u->total = r->total;
	u->end = r->last + 1;
	return 0;
}

int node_blob_up_write(struct node_blob_up *up, const void *p, size_t n,
		       struct diag *d)
{
	const uint8_t *b = p;

	if (up->broken)
		return LIA_EIO;
	if (n > up->end - up->have) {
		diag_set(d, "more bytes than the chunk's range");
		up->broken = true;
		return LIA_ETOOBIG;
	}
	while (n) {
		ssize_t k = pwrite(up->fd, b, n, (off_t)up->have);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			diag_set(d, "blob %s: %s", up->blob, strerror(errno));
			/* What reached the file is unknown: the next
			 * request starts from the file's size again. */
			up->broken = true;
			return LIA_EIO;
		}
		if (up->hashing)
			crypto_generichash_update(&up->h, b, (size_t)k);
		up->have += (uint64_t)k;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int node_blob_up_end(struct node_blob_up *up, uint64_t *have, bool *complete,
		     struct diag *d)
{
	char part[PATH_MAX], fin[PATH_MAX], dir[PATH_MAX];
	char hex[ATTACH_BLOB_HEX + 1];
	uint8_t h[32];
	uint64_t size = 0;
	int err;

	*complete = false;
	*have = up->have;
	if (up->broken)
		return LIA_EIO;
	/* Acknowledged bytes survive a crash: the sender continues from
	 * what the next status reports. */
	if (fdatasync(up->fd)) {
		diag_set(d, "blob %s: %s", up->blob, strerror(errno));
		up->broken = true;
		return LIA_EIO;
	}
	if (up->have < up->total)
		return 0;
	if ((err = path_of(dir, sizeof(dir), up->home, BLOB_DIR, NULL, NULL,
			   d)) ||
	    (err = path_of(part, sizeof(part), up->home, BLOB_DIR, up->blob,
			   ".part", d)) ||
	    (err = path_of(fin, sizeof(fin), up->home, BLOB_DIR, up->blob, NULL,
			   d)))
		return err;
	if (up->hashing) {
		crypto_generichash_final(&up->h, h, sizeof(h));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		size = up->have;
	} else if (lseek(up->fd, 0, SEEK_SET) ||
		   (err = attach_blob_id(up->fd, hex, &size, d))) {
		up->broken = true;
		return err ? err : LIA_EIO;
	}
	up->hashing = false;
	if (size != up->total || strcmp(hex, up->blob)) {
		/* Wrong bytes somewhere (a bad sender, or a .part a power
		 * cut left behind): start again from nothing. */
		diag_set(d, "blob %s: the whole file hashes to %.16s...",
			 up->blob, hex);
		unlink(part);
		up->broken = true;
		*have = 0;
		return LIA_ECRYPTO;
	}
	if (rename(part, fin) || (err = sync_dir(dir, d))) {
		if (!err)
			diag_set(d, "%s: %s", fin, strerror(errno));
		up->broken = true;
		return LIA_EIO;
	}
	up->broken = true; /* done: nothing more to write */
	*complete = true;
	return 0;
}

int node_blob_status_parse(const char *buf, size_t len, uint64_t *have,
			   bool *complete)
{
	static const char *const keys[] = {"have", "complete"};
	json_t *o, *h, *c, *v;
	const char *k;
	int err = LIA_EPARSE;

	if (!buf || len > 4096)
		return LIA_EPARSE;
	if (!(o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)))
		return LIA_EPARSE;
	if (!json_is_object(o) || json_object_size(o) != 2)
		goto out;
	json_object_foreach (o, k, v) {
		(void)v;
		if (strcmp(k, keys[0]) && strcmp(k, keys[1]))
			goto out;
	}
	h = json_object_get(o, "have");
	c = json_object_get(o, "complete");
	if (!json_is_integer(h) || json_integer_value(h) < 0 ||
	    (uint64_t)json_integer_value(h) >
		attach_encrypted_size(ATTACH_SIZE_MAX) ||
	    !json_is_boolean(c))
		goto out;
	*have = (uint64_t)json_integer_value(h);
	*complete = json_is_true(c);
	err = 0;
out:
	json_decref(o);
	return err;
}

/* ---------------------------------------------- quota and expiry */

static bool agency_name_ok(const char *a)
{
	size_t n = strlen(a);

	if (!n || n > MARKING_CODE_MAX || !strcmp(a, ".") || !strcmp(a, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((a[i] >= 'A' && a[i] <= 'Z') ||
		      (a[i] >= '0' && a[i] <= '9') || a[i] == '-' ||
		      a[i] == '_'))
			return false;
	return true;
}

int node_blob_quota(const char *home, const char *agency, const char *blob,
		    uint64_t total, uint64_t quota, uint64_t *used,
		    struct diag *d)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *e;
	struct stat sb;
	uint64_t sum = total;
	DIR *dh;
	int err;

	if (!agency_name_ok(agency) || !attach_blob_hex_ok(blob, strlen(blob)))
		return LIA_EINVAL;
	if ((err = path_of(dir, sizeof(dir), home, OWNER_DIR, agency, NULL, d)))
		return err;
	if ((dh = opendir(dir))) {
		while ((e = readdir(dh))) {
			if (!attach_blob_hex_ok(e->d_name, strlen(e->d_name)) ||
			    path_of(p, sizeof(p), dir, ".", e->d_name, NULL,
				    NULL) ||
			    lstat(p, &sb))
				continue;
			/* The only name left: the blob was deleted (a hub's
			 * spool pruned, a .part expired). */
			if (sb.st_nlink < 2) {
				unlink(p);
				continue;
			}
			/* This blob counts with its whole size. */
			if (strcmp(e->d_name, blob) &&
			    __builtin_add_overflow(sum, (uint64_t)sb.st_size,
						   &sum))
				sum = UINT64_MAX;
		}
		closedir(dh);
	} else if (errno != ENOENT) {
		diag_set(d, "%s: %s", dir, strerror(errno));
		return LIA_EIO;
	}
	if (sum > quota) {
		diag_set(d,
			 "%s is over its disk quota: %llu bytes pending with "
			 "this upload, %llu allowed",
			 agency, (unsigned long long)sum,
			 (unsigned long long)quota);
		return LIA_EDENIED;
	}
	*used = sum;
	return 0;
}

int node_blob_own(const char *home, const char *agency, const char *blob,
		  struct diag *d)
{
	char dir[PATH_MAX], part[PATH_MAX], link_p[PATH_MAX];
	int err;

	if (!agency_name_ok(agency) || !attach_blob_hex_ok(blob, strlen(blob)))
		return LIA_EINVAL;
	if ((err = path_of(dir, sizeof(dir), home, OWNER_DIR, NULL, NULL, d)) ||
	    (err = mkdir_0700(dir, d)) ||
	    (err =
		 path_of(dir, sizeof(dir), home, OWNER_DIR, agency, NULL, d)) ||
	    (err = mkdir_0700(dir, d)) ||
	    (err = path_of(link_p, sizeof(link_p), dir, ".", blob, NULL, d)) ||
	    (err =
		 path_of(part, sizeof(part), home, BLOB_DIR, blob, ".part", d)))
		return err;
	if (link(part, link_p) && errno != EEXIST) {
		diag_set(d, "%s: %s", link_p, strerror(errno));
		return LIA_EIO;
	}
	return 0;
}

void node_blob_disown(const char *home, const char *agency, const char *blob)
{
	char dir[PATH_MAX], p[PATH_MAX];

	if (agency_name_ok(agency) && attach_blob_hex_ok(blob, strlen(blob)) &&
	    !path_of(dir, sizeof(dir), home, OWNER_DIR, agency, NULL, NULL) &&
	    !path_of(p, sizeof(p), dir, ".", blob, NULL, NULL))
		unlink(p);
}

/* Remove blobs/<name> when it is the file of the owner link lsb. */
static void unlink_same(const char *home, const char *name, const char *suffix,
			const struct stat *lsb)
{
	char p[PATH_MAX];
	struct stat sb;

	if (!path_of(p, sizeof(p), home, BLOB_DIR, name, suffix, NULL) &&
	    !lstat(p, &sb) && sb.st_ino == lsb->st_ino &&
	    sb.st_dev == lsb->st_dev)
		unlink(p);
}

int node_blob_prune(const char *home, int64_t now, int64_t max_age,
		    size_t *removed, struct diag *d)
{
	char dir[PATH_MAX], sub[PATH_MAX], p[PATH_MAX];
	struct dirent *e, *f;
	struct stat sb;
	DIR *dh, *sh;
	int err;

	*removed = 0;
	/* Owned uploads first: a complete blob no envelope came for is
	 * deleted with its link, like an unfinished one. */
	if ((err = path_of(dir, sizeof(dir), home, OWNER_DIR, NULL, NULL, d)))
		return err;
	if ((dh = opendir(dir))) {
		while ((e = readdir(dh))) {
			if (!agency_name_ok(e->d_name) ||
			    path_of(sub, sizeof(sub), dir, ".", e->d_name, NULL,
				    NULL) ||
			    !(sh = opendir(sub)))
				continue;
			while ((f = readdir(sh))) {
				if (!attach_blob_hex_ok(f->d_name,
							strlen(f->d_name)) ||
				    path_of(p, sizeof(p), sub, ".", f->d_name,
					    NULL, NULL) ||
				    lstat(p, &sb) ||
				    now - (int64_t)sb.st_mtime < max_age)
					continue;
				unlink_same(home, f->d_name, NULL, &sb);
				unlink_same(home, f->d_name, ".part", &sb);
				unlink(p);
				(*removed)++;
			}
			closedir(sh);
		}
		closedir(dh);
	}
	/* Then .part files without an owner (from before owners were
	 * recorded) or whose owner link was lost. */
	if ((err = path_of(dir, sizeof(dir), home, BLOB_DIR, NULL, NULL, d)))
		return err;
	if (!(dh = opendir(dir)))
		return errno == ENOENT ? 0 : LIA_EIO;
	while ((e = readdir(dh))) {
		size_t len = strlen(e->d_name);

		if (len != ATTACH_BLOB_HEX + 5 ||
		    strcmp(e->d_name + ATTACH_BLOB_HEX, ".part") ||
		    path_of(p, sizeof(p), dir, ".", e->d_name, NULL, NULL) ||
		    lstat(p, &sb) || now - (int64_t)sb.st_mtime < max_age)
			continue;
		unlink(p);
		(*removed)++;
	}
	closedir(dh);
	return 0;
}
