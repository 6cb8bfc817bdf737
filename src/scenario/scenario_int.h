/*
 * scenario_int.h - the name pools and place lists of the scenario
 * generator (data in pools.c, used by generate.c).
 *
 * Every string is UTF-8 in Unicode NFC, so the generated files do not
 * depend on how a given ICU version normalises. Latin forms were written by
 * hand for each pool (the common romanisation of each country: Bulgarian
 * 2009 streamlined system, ELOT 743 for Greek, ...), not produced at run
 * time, for the same reason.
 */
#ifndef LIAISON_SCENARIO_INT_H
#define LIAISON_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>

/* A given name in its own script and in Latin; gender 'm' or 'f'. */
struct scn_given {
	const char *native, *latin;
	char gender;
};

/* A surname; the female forms are NULL where they equal the male ones. */
struct scn_surname {
	const char *native, *latin, *native_f, *latin_f;
};

/* The names of one culture. */
struct scn_culture {
	const char *key;     /* "bg", "el", ... (for the manifest) */
	const char *country; /* the usual nationality, lower-case alpha-2 */
	bool latin_script;   /* names are Latin already: no Latin alias */
	bool family_first;   /* the surname is written first */
	bool no_space;	     /* written without a space (Chinese) */
	const struct scn_given *given;
	size_t n_given;
	const struct scn_surname *surname;
	size_t n_surname;
};

extern const struct scn_culture scn_cultures[];
extern const size_t scn_n_cultures;

/* The story's suspect: Bulgarian names in Cyrillic with the official Latin
 * form, the spelling of an older passport (French-influenced, as Bulgarian
 * passports printed before 2009 often had) and the Polish spelling. Kept
 * out of the Bulgarian background pool so that no background person shares
 * the suspect's name by construction. */
struct scn_story_name {
	const char *cyr, *latin, *passport, *polish;
};
extern const struct scn_story_name scn_story_given[];
extern const size_t scn_n_story_given;
extern const struct scn_story_name scn_story_surname[];
extern const size_t scn_n_story_surname;

/* Company name parts per country: a stem in the local script and in Latin,
 * and the legal form. */
struct scn_pair {
	const char *native, *latin;
};
extern const struct scn_pair scn_company_bg[], scn_company_gr[],
    scn_company_pl[];
extern const size_t scn_n_company_bg, scn_n_company_gr, scn_n_company_pl;

/* Cities and streets per country, local script. */
extern const char *const scn_city_bg[], *const scn_city_gr[],
					    *const scn_city_pl[];
extern const size_t scn_n_city_bg, scn_n_city_gr, scn_n_city_pl;
extern const char *const scn_street_bg[], *const scn_street_gr[],
					      *const scn_street_pl[];
extern const size_t scn_n_street_bg, scn_n_street_gr, scn_n_street_pl;

/* Vehicle makes and models (cars, vans, lorries). */
extern const char *const scn_car_models[], *const scn_truck_models[];
extern const size_t scn_n_car_models, scn_n_truck_models;

#endif
