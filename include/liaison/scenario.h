/*
 * scenario.h - a deterministic synthetic cross-border case for demos and
 * tests (issue #7 section 4).
 *
 * scenario_generate() writes, into one folder, an FtM JSON lines file per
 * agency (three fictional agencies in Bulgaria, Greece and Poland) that
 * `liaison import` accepts as it is, every line with its own marking, and
 * `scenario.json`, the manifest that says who is who in the story. The
 * output is a pure function of the seed and the background count: the same
 * arguments give the same bytes on any machine (own PRNG, fixed dates, no
 * clock, no locale, no floating point in the output). Formats:
 * docs/SCENARIO.md.
 *
 * Before anything is written, the story's key pairs are checked with the
 * project's matcher (match_score at MATCH_THRESHOLD_DEFAULT): the
 * traveller's passport spelling and agency C's query must score at or
 * above the threshold against the suspect, the negative traveller below.
 *
 * Files are written to temporary names, synced and renamed into place, so
 * a crash leaves either the old or the new file, never half of one.
 */
#ifndef LIAISON_SCENARIO_H
#define LIAISON_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "liaison/error.h"
#include "liaison/marking.h"

#define SCENARIO_AGENCIES 3
#define SCENARIO_BACKGROUND_DEFAULT 2000 /* background records per agency */
#define SCENARIO_BACKGROUND_MAX 10000000u
#define SCENARIO_MANIFEST "scenario.json"

/* What was written: per agency (A, B, C), its code, the file name (inside
 * the folder) and the number of records (lines). */
struct scenario_result {
	struct {
		char agency[MARKING_CODE_MAX + 1];
		char file[64];
		uint64_t records;
		uint64_t story;
		uint64_t background;
	} agency[SCENARIO_AGENCIES];
	uint64_t total;
};

/* Generate the scenario of `seed` with `background` unrelated records per
 * agency into the folder dir (created with mode 0700 if missing; existing
 * files of the same names are replaced). On success *out (may be NULL)
 * describes what was written. Nothing is allocated for the caller.
 * Errors: LIA_EINVAL (dir NULL or empty, background above
 * SCENARIO_BACKGROUND_MAX), LIA_EIO (folder or file not writable),
 * LIA_ENOMEM, LIA_EINTERNAL (a generated value failed the project's own
 * validation, or the story failed its matcher check: a bug). The reason is
 * in d. */
int scenario_generate(uint64_t seed, size_t background, const char *dir,
		      struct scenario_result *out, struct diag *d);

#endif
