/*
 * ingest.h - importers of standard formats.
 *
 * Each importer reads its input in a streaming way (memory does not grow
 * with file size), turns it into FtM entities with stable ids (the same
 * source record always gets the same id, so re-importing changes nothing),
 * and hands each entity to a sink. The importer owns the entity and frees it
 * after sink->put returns. The first error stops the import; its diag has
 * `file:line[:column]` and a reason, and the caller (src/node/import.c)
 * aborts the store transaction so nothing of the file is kept.
 */
#ifndef LIAISON_INGEST_H
#define LIAISON_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/marking.h"

struct ingest_sink {
	/* Store one entity. A non-zero return stops the import. */
	int (*put)(void *ctx, const struct entity *e, struct diag *d);
	/* Optional: bytes of input consumed so far, called now and then. */
	void (*progress)(void *ctx, uint64_t bytes);
	/* Optional, FtM JSON lines only: a line's own "marking" object (as
	 * written by `liaison export`), called just before put() for the
	 * same entity, so that an export re-imports with its markings. */
	int (*marking)(void *ctx, const json_t *marking, struct diag *d);
	/* Optional: something in the input was skipped for a documented
	 * reason (d says where and why). Importers warn only where the
	 * format itself allows it; anything else is an error. */
	void (*warn)(void *ctx, const struct diag *d);
	void *ctx;
};

/* Longest line of a line-based format (JSON lines, notice lines). */
#define INGEST_LINE_MAX ((size_t)16 << 20)

/* FollowTheMoney JSON lines: one entity object per line. Blank lines are
 * errors (they are a sign of a corrupted file), except at the very end. */
int ingest_ftm(FILE *f, const char *name, const struct ingest_sink *sink,
	       struct diag *d);

/* UN Security Council consolidated list XML (libxml2 reader). Individuals
 * become Person "un-<DATAID>", entities Organization "un-<DATAID>", with
 * aliases, birth dates and places, nationalities, Identification/Passport
 * documents, Address entities and one Sanction per record. */
int ingest_un(const char *path, const struct ingest_sink *sink,
	      struct diag *d);

/* OFAC SDN legacy CSV. sdn is required; alt, add and comments may be NULL.
 * The four files are joined by entry number in one streaming merge (OFAC
 * publishes them sorted; an out-of-order row is an error, and so is an alt
 * or add row for an entry the sdn file lacks). The comments file is
 * published separately and continues remarks of the full list; its rows
 * for entries not in the given sdn file are skipped with a warning. */
struct ofac_files {
	const char *sdn, *alt, *add, *comments;
};
int ingest_ofac(const struct ofac_files *files,
		const struct ingest_sink *sink, struct diag *d);

/* INTERPOL public notices JSON: a single notice, the notices API list
 * ({"_embedded": {"notices": [...]}}), an array, or one notice per line.
 * A whole-document input is limited to INGEST_LINE_MAX bytes. Each notice
 * becomes a Person "interpol-<entity_id with / as ->" and each arrest
 * warrant a Sanction linked to it. */
int ingest_interpol(FILE *f, const char *name,
		    const struct ingest_sink *sink, struct diag *d);

/* CSV with a mapping file (JSON, see docs/IMPORT.md):
 * {"schema": "Person", "id_column": "ref", "id_prefix": "acme-",
 *  "columns": {"Full name": "name", "DOB": "birthDate"},
 *  "constants": {"topics": "crime"}, "separator": ","} */
struct csv_mapping;
int csv_mapping_load(const char *path, struct csv_mapping **out,
		     struct diag *d);
void csv_mapping_free(struct csv_mapping *m);
/* The mapping's constant "marking" object (same form as marking_to_json),
 * or NULL when it sets none. Owned by the mapping. */
const json_t *csv_mapping_marking(const struct csv_mapping *m);
int ingest_csv(FILE *f, const char *name, const struct csv_mapping *map,
	       const struct ingest_sink *sink, struct diag *d);

#endif
