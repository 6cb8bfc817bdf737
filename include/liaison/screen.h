/*
 * screen.h - screening against watchlists: an in-memory index over every
 * name of every listed record, with candidate generation that never scans
 * the whole list and scoring of the candidates with match_score().
 *
 * Candidates come from an inverted index over tokens, Double Metaphone keys
 * and character n-grams of every Latin form of every name; rare keys weigh
 * more than common ones, and only the best-supported candidates are scored.
 *
 * Concurrency: any number of threads may run screen_query() at once (each
 * with its own match_ctx); screen_put()/screen_remove() take the index
 * exclusively for the short time they change it, so a record added,
 * changed or withdrawn is reflected in the very next query.
 *
 * Ownership: the index copies everything it is given. Hits returned by
 * screen_query() point into the index and stay valid until the next
 * screen_put/screen_remove of that record; copy what you keep.
 */
#ifndef LIAISON_SCREEN_H
#define LIAISON_SCREEN_H

#include <stddef.h>

#include "liaison/entity.h"
#include "liaison/error.h"
#include "liaison/match.h"

struct screen_index;

int screen_index_new(struct screen_index **out);
void screen_index_free(struct screen_index *ix);

/* One name to index: the record it belongs to, its list ("un", "ofac",
 * "interpol", an alert list, ...), kind, and the record's evidence. */
struct screen_entry {
	const char *record_id;
	const char *list;
	const char *schema;          /* FtM schema of the record */
	enum match_kind kind;
	const char *const *names;    /* every name and alias */
	size_t n_names;
	const struct match_extra *extra;
};

/* Add a record's names, replacing whatever the index held for that id. */
int screen_put(struct screen_index *ix, struct match_ctx *mc,
	       const struct screen_entry *e, struct diag *d);
/* Withdraw a record; LIA_ENOTFOUND if the index has no such id. */
int screen_remove(struct screen_index *ix, const char *record_id);

/* The names and evidence of an FtM entity as a screen_entry: name, alias,
 * weakAlias, previousName, firstName+lastName; birthDate; gender;
 * nationality, citizenship, country; passportNumber, idNumber,
 * registrationNumber, imoNumber, taxNumber. Returns LIA_ENOTFOUND for
 * entities that are not matchable (not Person/Organization/... or no
 * name). The strings point into e and into *storage, which the caller
 * provides and keeps while out is used; nothing is allocated. */
struct screen_entry_storage {
	const char *names[64];
	struct match_extra extra;
	char joined[MATCH_NAME_MAX];  /* "firstName lastName" when given */
};
int screen_entry_from_entity(const struct entity *e, const char *list,
			     struct screen_entry *out,
			     struct screen_entry_storage *storage);

/* The kind a schema's names are screened as (case-insensitive schema
 * name), or MATCH_ANY for a schema that is not screened. */
enum match_kind screen_kind(const char *schema);

struct screen_query {
	const char *name;            /* required, any script */
	enum match_kind kind;        /* MATCH_ANY unless known */
	const struct match_extra *extra;
	const char *list;            /* only this list, or NULL = all */
	double threshold;            /* 0 = MATCH_THRESHOLD_DEFAULT */
	size_t limit;                /* 0 = 10 */
};

struct screen_hit {
	const char *record_id;
	const char *list;
	const char *schema;
	const char *matched_name;    /* the listed name that matched best */
	double score;
	struct match_explain explain;
};

/* Screen one name: the best hits at or above the threshold, best first,
 * one per record, at most min(limit, max_hits). */
int screen_query(struct screen_index *ix, struct match_ctx *mc,
		 const struct screen_query *q, struct screen_hit *hits,
		 size_t max_hits, size_t *n_hits, struct diag *d);

struct screen_stats {
	size_t records, names, keys;
	size_t bytes;                /* approximate memory held */
};
void screen_stats(struct screen_index *ix, struct screen_stats *out);

#endif
