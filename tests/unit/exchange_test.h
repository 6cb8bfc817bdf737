/*
 * exchange_test.h - helpers the exchange tests share: throwaway node homes
 * with identities made at test time (no key is ever committed).
 */
#ifndef LIAISON_EXCHANGE_TEST_H
#define LIAISON_EXCHANGE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liaison/identity.h"

#define XT_HOME_MAX 64

/* A fresh empty folder under /tmp; returns false when none can be made. */
static inline bool xt_mkhome(char home[XT_HOME_MAX])
{
	snprintf(home, XT_HOME_MAX, "/tmp/liaison-xt-XXXXXX");
	return mkdtemp(home) != NULL;
}

/* Remove a home made by xt_mkhome with whatever identity it holds. */
static inline void xt_rmhome(const char *home)
{
	static const char *const files[] = {
	    "sign.key", "box.key", "tls.key", "tls.crt", "identity.json",
	};
	char p[XT_HOME_MAX + 32];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/keys/%s", home, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/keys", home);
	rmdir(p);
	rmdir(home);
}

/* Create an identity in a fresh home; aborts the test program on failure
 * (the caller cannot do anything useful without it). */
static inline struct identity *
xt_identity(char home[XT_HOME_MAX], const char *agency, const char *country)
{
	struct identity *id = NULL;
	struct diag d;

	diag_clear(&d);
	if (!xt_mkhome(home) ||
	    identity_create(home, agency, agency, country, &id, &d)) {
		fprintf(stderr, "identity_create %s: %s\n", agency, d.msg);
		abort();
	}
	return id;
}

#endif
