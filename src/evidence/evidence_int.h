/* evidence_int.h - shared by the files of src/evidence only. */
#ifndef LIAISON_EVIDENCE_INT_H
#define LIAISON_EVIDENCE_INT_H

#include <stdbool.h>

#include "liaison/evidence.h"

/* True when s is an item id: EVIDENCE_ID_LEN lower-case hex digits. */
bool evidence_id_ok(const char *s);

#endif
