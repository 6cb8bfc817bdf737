/*
 * countries.h - the country data tables behind types_country().
 */
#ifndef LIAISON_COUNTRIES_H
#define LIAISON_COUNTRIES_H

#include <stddef.h>

struct country {
	const char *alpha2; /* lower case, "de" */
	const char *alpha3; /* lower case, "deu" */
	const char *name;   /* English short name, "Germany" */
};

struct country_alias {
	const char *name;   /* compared ASCII-case-insensitively */
	const char *alpha2;
};

/* Sorted by alpha2. */
extern const struct country country_table[];
extern const size_t country_table_len;
extern const struct country_alias country_aliases[];
extern const size_t country_aliases_len;

#endif
