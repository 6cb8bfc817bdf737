/*
 * screen_int.h - internals of the screening index shared by its files.
 *
 * A prepared struct match_name is a fixed-size struct of about 3 KiB (three
 * forms of 24 tokens), so keeping one per listed name would need ~3 GB for
 * a million names. The index keeps each name as a compact byte string
 * instead (about 100 bytes for a typical name) and rebuilds a match_name
 * from it, pointing into the bytes, only for the few candidates it scores.
 */
#ifndef LIAISON_SCREEN_INT_H
#define LIAISON_SCREEN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "liaison/match.h"

/* Encode n into a new heap buffer (caller frees). */
int screen_name_encode(const struct match_name *n, uint8_t **out,
		       size_t *len);
/* Fill out from an encoded name. The strings of out point into b, which
 * must outlive it; out->_buf is NULL and out must never be passed to
 * match_name_free(). Only the used forms and tokens are written. */
void screen_name_decode(const uint8_t *b, struct match_name *out);
/* The original name of an encoded name (NUL-terminated, inside b). */
const char *screen_name_original(const uint8_t *b);

#endif
