/*
 * node.h - a liaison node: its home folder, configuration and store, and
 * the operations the CLI (and later the API) run on it.
 *
 * The home folder holds config.json (the node's identity and defaults,
 * mode 0600) and store.db (the SQLite store). A struct node owns its store
 * handle; node_close() releases everything.
 */
#ifndef LIAISON_NODE_H
#define LIAISON_NODE_H

#include <stdbool.h>
#include <stdio.h>

#include "liaison/error.h"
#include "liaison/marking.h"
#include "liaison/match.h"
#include "liaison/store.h"

#define NODE_NAME_MAX 128

struct node_config {
	char agency[MARKING_CODE_MAX + 1]; /* this node's agency code */
	char name[NODE_NAME_MAX + 1];      /* human name of the agency */
	char country[3];                   /* lower-case alpha-2 */
	struct ladder ladder;              /* classification ladder */
	struct marking defaults;           /* default marking for imports */
};

struct node {
	char *home;
	struct node_config cfg;
	struct store *store;
};

/* Resolve the home folder: opt (--home) if set, else $LIAISON_HOME, else
 * ./liaison-data. Writes into buf. */
int node_home(const char *opt, char *buf, size_t n);

/* Create a new node: folder (0700), config.json and an empty store.
 * LIA_EEXIST if the folder already holds a node. */
int node_init(const char *home, const char *agency, const char *name,
	      const char *country, struct diag *d);

int node_open(const char *home, bool readonly, struct node **out,
	      struct diag *d);
void node_close(struct node *n);

/* --- import ---------------------------------------------------------- */

enum node_format { FMT_AUTO, FMT_FTM, FMT_UN, FMT_OFAC, FMT_INTERPOL, FMT_CSV };
int node_format_parse(const char *s, enum node_format *out);
const char *node_format_name(enum node_format f);
/* Guess from file names: .ijson/.jsonl/.ndjson → ftm, .xml → un, *sdn*.csv
 * → ofac, .json → interpol, a mapping → csv; FMT_AUTO if unsure. */
enum node_format node_format_guess(const char *const *files, size_t n_files,
				   const char *mapping);

struct node_import {
	enum node_format format;
	const char *const *files;  /* input paths ("-" = stdin for line formats) */
	size_t n_files;
	const char *mapping;       /* FMT_CSV: the mapping file */
	const struct marking *marking; /* NULL = defaults for the format */
	const char *actor;         /* who runs it, for provenance */
	bool progress;             /* progress bar on stderr */
	/* Optional: called for each input row an importer skipped for a
	 * documented reason (see ingest.h); the count is in *warnings. */
	void (*warn)(void *ctx, const struct diag *d);
	void *warn_ctx;
	uint64_t warnings;         /* out: number of warnings */
};

/* The marking an import uses unless told otherwise: the node's defaults,
 * except for public lists (UN, OFAC, INTERPOL public notices) which are
 * lowest level, H0, TLP:CLEAR. */
int node_import_marking(const struct node *n, enum node_format f,
			struct marking *out);

/* Import files as one transaction. On any error nothing is stored and d
 * says file:line[:col]: reason. */
int node_import(struct node *n, struct node_import *imp,
		struct store_counts *counts, struct diag *d);

/* --- export ---------------------------------------------------------- */

/* FtM JSON lines, one record per line with its "marking" beside the
 * entity keys, in id order. ids (may be NULL) selects records by id. */
int node_export(struct node *n, const struct store_query *filter,
		const char *const *ids, size_t n_ids, FILE *out,
		uint64_t *count, struct diag *d);

/* --- screening ------------------------------------------------------- */

struct screen_index;
struct match_ctx;

/* True for the lists screened when no list is named: the public sanctions
 * lists and notices (and, with the exchange, received alerts). */
bool node_default_list(const char *list);

/* Fill ix with every matchable record of the store whose list (the format
 * of the import that wrote it) is `only_list`, or a default list when
 * only_list is NULL. *records (may be NULL) gets the number indexed. */
int node_screen_load(struct node *n, struct screen_index *ix,
		     struct match_ctx *mc, const char *only_list,
		     size_t *records, struct diag *d);

/*
 * One row of a batch screening CSV. The header may name full_name or name,
 * first_name, middle_name, last_name, date_of_birth, gender,
 * place_of_birth, nationality, id_number (case-insensitive, spaces
 * trimmed); any other column is passed through. A request borrows the
 * row's fields and its own buffers; release with node_screen_row_release.
 */
struct node_screen_cols {
	int full_name, first, middle, last, dob, gender, pob, nationality,
	    id_number;
	size_t n_cols;
};
struct node_screen_row {
	char name[1024];             /* full name, built from parts if need be */
	char dob[16];                /* normalised partial date or "" */
	char gender;                 /* 'm', 'f' or 0 */
	char nationality[3];         /* alpha-2 or "" */
	char id_number[128];
	struct match_extra extra;    /* points into the fields above */
};
/* Map a header row. LIA_EPARSE if it has neither full_name/name nor any of
 * first_name/last_name. */
int node_screen_header(const char *const *fields, const size_t *lens,
		       size_t n, struct node_screen_cols *cols,
		       struct diag *d);
/* Read one data row. Row errors (empty name, bad date, unknown gender or
 * country, wrong column count) are LIA_EVALUE with the reason in d; the
 * batch reports them and goes on with the next row. */
int node_screen_row(const struct node_screen_cols *cols,
		    const char *const *fields, const size_t *lens, size_t n,
		    struct node_screen_row *row, struct diag *d);

#endif
