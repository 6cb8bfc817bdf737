/*
 * marking.h - the handling marking every record carries.
 *
 * originating agency; classification on a configurable ladder (default
 * UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET); handling code H0-H3
 * (H3 with free-text conditions); TLP 2.0; Admiralty evaluation (source
 * reliability A-F, information credibility 1-6); a review-by date; and the
 * audience (agencies or groups that may receive the record).
 *
 * A struct marking owns its heap strings; marking_free() releases them.
 * Its JSON form (marking_to_json) is canonical: sorted keys, compact.
 */
#ifndef LIAISON_MARKING_H
#define LIAISON_MARKING_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "liaison/error.h"

#define MARKING_CODE_MAX 32      /* agency codes, level names */
#define MARKING_AUDIENCE_MAX 64  /* entries in an audience */
#define MARKING_LADDER_MAX 16
#define MARKING_CONDITIONS_MAX 2048

enum tlp { TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED };

/* The classification ladder, lowest first. */
struct ladder {
	char level[MARKING_LADDER_MAX][MARKING_CODE_MAX + 1];
	size_t n;
};

struct marking {
	char agency[MARKING_CODE_MAX + 1];         /* originating agency */
	char classification[MARKING_CODE_MAX + 1]; /* a level of the ladder */
	int handling;                              /* 0..3 for H0..H3 */
	char *conditions;                          /* H3 only, else NULL */
	enum tlp tlp;
	char reliability;                          /* 'A'..'F', 0 = not graded */
	char credibility;                          /* '1'..'6', 0 = not graded */
	char review_by[11];                        /* YYYY-MM-DD or "" */
	char **audience;                           /* owned; n_audience entries */
	size_t n_audience;
};

/* The default ladder. */
void marking_ladder_default(struct ladder *l);
/* Index of a level (case-insensitive), or -1. */
int marking_ladder_index(const struct ladder *l, const char *level);

void marking_init(struct marking *m);
void marking_free(struct marking *m);
/* Deep copy. */
int marking_copy(struct marking *dst, const struct marking *src);

/* Check every field (agency code syntax, level on the ladder, conditions
 * present exactly for H3, evaluation letters, review date, audience codes).
 * Errors: LIA_EVALUE with the field in d. */
int marking_validate(const struct marking *m, const struct ladder *l,
		     struct diag *d);

/* Field setters from text (CLI options, mapping files, JSON). */
int marking_set_handling(struct marking *m, const char *s, struct diag *d);
int marking_set_tlp(struct marking *m, const char *s, struct diag *d);
int marking_set_evaluation(struct marking *m, const char *s, struct diag *d); /* "B2" */
int marking_set_audience(struct marking *m, const char *csv, struct diag *d); /* "DE-BKA,EU" */

const char *marking_tlp_name(enum tlp t); /* "AMBER+STRICT" */

/* JSON: {"agency","classification","handling":"H2","conditions",
 * "tlp","evaluation":"B2","review_by","audience":[...]} */
int marking_to_json(const struct marking *m, json_t **out);
int marking_from_json(const json_t *obj, const struct ladder *l,
		      struct marking *out, struct diag *d);

/* One line for people: "RESTRICTED H2 TLP:AMBER B2 from NL-NP to EU,DE-BKA
 * review 2027-01-01". Appends to out. */
struct strbuf;
int marking_describe(const struct marking *m, struct strbuf *out);

/* May a recipient agency (or a group it belongs to) receive m? TLP RED
 * needs the recipient itself named in the audience; an empty audience
 * means the originating agency only. */
bool marking_allows(const struct marking *m, const char *agency,
		    const char *const *groups, size_t n_groups);

#endif
