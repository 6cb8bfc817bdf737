/* test_identity.c - node identity files, public cards and TLS pinning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>

#include "liaison/identity.h"
#include "liaison/ledger.h"
#include "unit/exchange_test.h"

static const char *const key_files[] = {
    "sign.key", "box.key", "tls.key", "tls.crt", "identity.json",
};

static void file_path(char *buf, size_t n, const char *home, const char *name)
{
	snprintf(buf, n, "%s/keys/%s", home, name);
}

static void create_files_modes(void **state)
{
	char home[XT_HOME_MAX], p[128];
	struct identity *id = NULL, *again = NULL;
	struct stat st;
	struct diag d;

	(void)state;
	assert_true(xt_mkhome(home));
	diag_clear(&d);
	assert_int_equal(
	    identity_create(home, "NL-NP", "Politie Nederland", "nl", &id, &d),
	    0);
	assert_string_equal(identity_agency(id), "NL-NP");
	assert_string_equal(identity_name(id), "Politie Nederland");
	assert_string_equal(identity_country(id), "NL");
	snprintf(p, sizeof(p), "%s/keys", home);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	for (size_t i = 0; i < sizeof(key_files) / sizeof(key_files[0]); i++) {
		file_path(p, sizeof(p), home, key_files[i]);
		assert_int_equal(lstat(p, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	file_path(p, sizeof(p), home, "sign.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_non_null(strstr(identity_tls_key_pem(id), "PRIVATE KEY"));
	assert_non_null(strstr(identity_tls_cert_pem(id), "CERTIFICATE"));

	/* An identity is never overwritten, not even with other values. */
	assert_int_equal(
	    identity_create(home, "DE-BKA", "BKA", "DE", &again, &d),
	    LIA_EEXIST);
	assert_null(again);
	assert_int_equal(identity_load(home, &again, &d), 0);
	assert_string_equal(identity_agency(again), "NL-NP");
	assert_memory_equal(identity_sign_pk(id), identity_sign_pk(again), 32);
	assert_memory_equal(identity_box_pk(id), identity_box_pk(again), 32);
	assert_memory_equal(identity_tls_sha256(id), identity_tls_sha256(again),
			    32);
	identity_free(again);
	identity_free(id);
	xt_rmhome(home);
}

static void create_rejects_bad_arguments(void **state)
{
	char home[XT_HOME_MAX], p[128];
	struct identity *id = NULL;
	struct diag d;

	(void)state;
	assert_true(xt_mkhome(home));
	diag_clear(&d);
	assert_int_equal(identity_create(home, "nl np", "x", "NL", &id, &d),
			 LIA_EINVAL);
	assert_non_null(strstr(d.msg, "agency"));
	assert_int_equal(identity_create(home, "", "x", "NL", &id, &d),
			 LIA_EINVAL);
	assert_int_equal(identity_create(home, "NL-NP", "a\nb", "NL", &id, &d),
			 LIA_EINVAL);
	assert_int_equal(identity_create(home, "NL-NP", "", "NL", &id, &d),
			 LIA_EINVAL);
	assert_int_equal(identity_create(home, "NL-NP", "x", "QQ", &id, &d),
			 LIA_EINVAL);
	assert_int_equal(identity_create(home, "NL-NP", "x", "NLD", &id, &d),
			 LIA_EINVAL);
	assert_null(id);
	/* Nothing was left behind by the refusals. */
	snprintf(p, sizeof(p), "%s/keys", home);
	assert_int_not_equal(access(p, F_OK), 0);
	/* A symbolic link where keys/ would go is not followed. */
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(identity_create(home, "NL-NP", "x", "NL", &id, &d),
			 LIA_EEXIST);
	assert_int_equal(identity_load(home, &id, &d), LIA_EDENIED);
	unlink(p);
	assert_int_equal(identity_load(home, &id, &d), LIA_ENOTFOUND);
	xt_rmhome(home);
}

static void load_refuses_open_modes_and_mixups(void **state)
{
	char home[XT_HOME_MAX], other[XT_HOME_MAX], p[128], q[128];
	struct identity *id, *b, *got = NULL;
	struct diag d;
	FILE *f;
	char buf[64];

	(void)state;
	id = xt_identity(home, "FR-PN", "FR");
	b = xt_identity(other, "BE-FP", "BE");
	diag_clear(&d);
	file_path(p, sizeof(p), home, "sign.key");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(identity_load(home, &got, &d), LIA_EDENIED);
	assert_non_null(strstr(d.msg, "sign.key"));
	assert_int_equal(chmod(p, 0600), 0);

	/* Another node's X25519 key in box.key does not match identity.json. */
	file_path(q, sizeof(q), other, "box.key");
	f = fopen(q, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, 32, f), 32);
	fclose(f);
	file_path(p, sizeof(p), home, "box.key");
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, 32, f), 32);
	fclose(f);
	assert_int_equal(identity_load(home, &got, &d), LIA_ECONFIG);
	assert_null(got);

	/* A truncated key file is refused too. */
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, 31, f), 31);
	fclose(f);
	assert_int_equal(identity_load(home, &got, &d), LIA_ECONFIG);

	identity_free(id);
	identity_free(b);
	xt_rmhome(home);
	xt_rmhome(other);
}

static void tls_key_mismatch(void **state)
{
	char home[XT_HOME_MAX], other[XT_HOME_MAX], p[128];
	struct identity *a, *b, *got = NULL;
	struct diag d;
	FILE *f;

	(void)state;
	a = xt_identity(home, "ES-PN", "ES");
	b = xt_identity(other, "ES-PN", "ES");
	file_path(p, sizeof(p), home, "tls.key");
	f = fopen(p, "wb");
	assert_non_null(f);
	fputs(identity_tls_key_pem(b), f);
	fclose(f);
	diag_clear(&d);
	assert_int_equal(identity_load(home, &got, &d), LIA_ECONFIG);
	assert_non_null(strstr(d.msg, "tls.key"));
	identity_free(a);
	identity_free(b);
	xt_rmhome(home);
	xt_rmhome(other);
}

static void cert_to_der(const char *pem, gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)strlen(pem)};

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM),
			 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, der),
			 0);
	gnutls_x509_crt_deinit(crt);
}

static void card_round_trip_and_pinning(void **state)
{
	char home[XT_HOME_MAX], other[XT_HOME_MAX];
	struct identity *id, *b;
	struct identity_card card;
	struct peer_key pk;
	gnutls_datum_t der, der_b;
	struct diag d;
	char *json = NULL;
	time_t now = time(NULL);

	(void)state;
	id = xt_identity(home, "IT-PS", "IT");
	b = xt_identity(other, "AT-BK", "AT");
	assert_int_equal(identity_card_json(id, &json), 0);
	/* No secret ends up in the card. */
	assert_null(strstr(json, "PRIVATE"));
	diag_clear(&d);
	assert_int_equal(identity_card_parse(json, strlen(json), &card, &d), 0);
	assert_int_equal(card.version, IDENTITY_CARD_VERSION);
	assert_string_equal(card.agency, "IT-PS");
	assert_string_equal(card.country, "IT");
	assert_memory_equal(card.sign_pk, identity_sign_pk(id), 32);
	assert_memory_equal(card.box_pk, identity_box_pk(id), 32);
	assert_memory_equal(card.tls_sha256, identity_tls_sha256(id), 32);
	assert_string_equal(card.tls_cert_pem, identity_tls_cert_pem(id));
	assert_true(card.tls_not_before <= now);
	assert_true(card.tls_not_after > now + 700LL * 86400);
	identity_card_peer_key(&card, &pk);
	assert_string_equal(pk.agency, "IT-PS");
	assert_memory_equal(pk.box_pk, identity_box_pk(id), 32);

	cert_to_der(identity_tls_cert_pem(id), &der);
	cert_to_der(identity_tls_cert_pem(b), &der_b);
	assert_int_equal(identity_card_check_tls(&card, der.data, der.size, &d),
			 0);
	assert_int_equal(
	    identity_card_check_tls(&card, der_b.data, der_b.size, &d),
	    LIA_EDENIED);
	assert_non_null(strstr(d.msg, "IT-PS"));
	der.data[der.size / 2] ^= 1;
	assert_int_equal(identity_card_check_tls(&card, der.data, der.size, &d),
			 LIA_EDENIED);
	gnutls_free(der.data);
	gnutls_free(der_b.data);
	identity_card_free(&card);
	free(json);
	identity_free(id);
	identity_free(b);
	xt_rmhome(home);
	xt_rmhome(other);
}

/* Parse a card after replacing one field (or removing it with v NULL). */
static int parse_with(const char *json, const char *key, json_t *v,
		      struct diag *d)
{
	json_t *o = json_loads(json, 0, NULL);
	struct identity_card card;
	char *text;
	int rc;

	assert_non_null(o);
	if (v)
		assert_int_equal(json_object_set_new(o, key, v), 0);
	else
		assert_int_equal(json_object_del(o, key), 0);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	rc = identity_card_parse(text, strlen(text), &card, d);
	if (!rc)
		identity_card_free(&card);
	free(text);
	json_decref(o);
	return rc;
}

/* The field's string with one character changed to another valid one. */
static json_t *flipped(const char *json, const char *key)
{
	json_t *o = json_loads(json, 0, NULL);
	char *s = strdup(json_string_value(json_object_get(o, key)));
	size_t i = strlen(s) / 2;
	json_t *r;

	/* Stay in the field's alphabet so only the signature can tell. */
	if (s[i] == 'a')
		s[i] = 'b';
	else if (s[i] >= '0' && s[i] <= '8')
		s[i]++;
	else if (s[i] >= 'a' && s[i] < 'z')
		s[i] = 'a';
	else if (s[i] >= 'A' && s[i] < 'Z')
		s[i]++;
	else
		s[i] = 'A';
	r = json_string(s);
	free(s);
	json_decref(o);
	return r;
}

static void card_tamper_rejected(void **state)
{
	static const char *const fields[] = {
	    "agency",	    "name",	 "ed25519_pk",
	    "x25519_pk",    "signature", "tls_cert_sha256",
	    "tls_cert_pem",
	};
	char home[XT_HOME_MAX], other[XT_HOME_MAX];
	struct identity *id, *b;
	char *json = NULL, *json_b = NULL;
	struct diag d;
	int rc;

	(void)state;
	id = xt_identity(home, "PL-KGP", "PL");
	b = xt_identity(other, "PL-KGP", "PL");
	assert_int_equal(identity_card_json(id, &json), 0);
	assert_int_equal(identity_card_json(b, &json_b), 0);
	diag_clear(&d);

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		rc = parse_with(json, fields[i], flipped(json, fields[i]), &d);
		if (rc == 0)
			fail_msg("flipped %s accepted", fields[i]);
		assert_true(rc == LIA_ECRYPTO || rc == LIA_EPARSE);
		rc = parse_with(json, fields[i], NULL, &d);
		assert_int_equal(rc, LIA_EPARSE);
		assert_non_null(strstr(d.msg, fields[i]));
	}
	/* The country is signed too. */
	assert_int_equal(parse_with(json, "country", json_string("DE"), &d),
			 LIA_ECRYPTO);
	assert_int_equal(parse_with(json, "country", json_string("pl"), &d),
			 LIA_EPARSE);
	assert_int_equal(parse_with(json, "country", json_string("XX"), &d),
			 LIA_EPARSE);
	assert_int_equal(parse_with(json, "agency", json_string("pl-kgp"), &d),
			 LIA_EPARSE);
	assert_int_equal(parse_with(json, "agency", json_string("PL-CBA"), &d),
			 LIA_ECRYPTO);
	assert_int_equal(parse_with(json, "version", json_integer(2), &d),
			 LIA_EVERSION);
	assert_int_equal(parse_with(json, "version", json_string("1"), &d),
			 LIA_EPARSE);
	assert_int_equal(parse_with(json, "extra", json_true(), &d),
			 LIA_EPARSE);
	assert_non_null(strstr(d.msg, "extra"));
	assert_int_equal(parse_with(json, "name", json_integer(7), &d),
			 LIA_EPARSE);

	/* Another node's certificate for the same agency, with its correct
	 * fingerprint: only the signature catches it. */
	{
		json_t *ob = json_loads(json_b, 0, NULL);
		json_t *o = json_loads(json, 0, NULL);
		char *text;
		struct identity_card card;

		json_object_set(o, "tls_cert_pem",
				json_object_get(ob, "tls_cert_pem"));
		json_object_set(o, "tls_cert_sha256",
				json_object_get(ob, "tls_cert_sha256"));
		text = json_dumps(o, JSON_COMPACT);
		assert_int_equal(
		    identity_card_parse(text, strlen(text), &card, &d),
		    LIA_ECRYPTO);
		assert_non_null(strstr(d.msg, "signature"));
		free(text);
		json_decref(o);
		json_decref(ob);
	}
	/* Upper-case hex is a second spelling of the same key: refused. */
	{
		json_t *o = json_loads(json, 0, NULL);
		char *s =
		    strdup(json_string_value(json_object_get(o, "ed25519_pk")));
		for (char *c = s; *c; c++)
			if (*c >= 'a' && *c <= 'f')
				*c = (char)(*c - 'a' + 'A');
		json_decref(o);
		assert_int_equal(
		    parse_with(json, "ed25519_pk", json_string(s), &d),
		    LIA_EPARSE);
		free(s);
	}
	/* Text around the PEM certificate is refused. */
	{
		json_t *o = json_loads(json, 0, NULL);
		size_t n = strlen(
		    json_string_value(json_object_get(o, "tls_cert_pem")));
		char *s = malloc(n + 8);
		snprintf(s, n + 8, "x\n%s",
			 json_string_value(json_object_get(o, "tls_cert_pem")));
		json_decref(o);
		assert_int_equal(
		    parse_with(json, "tls_cert_pem", json_string(s), &d),
		    LIA_EPARSE);
		free(s);
	}
	free(json);
	free(json_b);
	identity_free(id);
	identity_free(b);
	xt_rmhome(home);
	xt_rmhome(other);
}

static void card_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{",
	    "null",
	    "{\"version\":1}",
	    "{}x",
	    "{\"version\":1,\"version\":1}",
	};
	struct identity_card card;
	struct diag d;
	char *big;

	(void)state;
	diag_clear(&d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    identity_card_parse(bad[i], strlen(bad[i]), &card, &d),
		    LIA_EPARSE);
	big = malloc(IDENTITY_CARD_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', IDENTITY_CARD_MAX + 1);
	assert_int_equal(
	    identity_card_parse(big, IDENTITY_CARD_MAX + 1, &card, &d),
	    LIA_ETOOBIG);
	free(big);
}

/* The certificate seen by another tool (certtool, from gnutls-bin): CN is
 * the agency and the key ECDSA P-256. Skipped when certtool is missing. */
static void certtool_reads_cert(void **state)
{
	char home[XT_HOME_MAX], cmd[256], line[512];
	struct identity *id;
	int cn = 0, curve = 0;
	FILE *p;

	(void)state;
	if (system("command -v certtool >/dev/null 2>&1"))
		skip();
	id = xt_identity(home, "SE-NOA", "SE");
	snprintf(cmd, sizeof(cmd),
		 "certtool --certificate-info --infile %s/keys/tls.crt", home);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strstr(line, "Subject:") && strstr(line, "CN=SE-NOA"))
			cn = 1;
		if (strstr(line, "SECP256R1"))
			curve = 1;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(cn);
	assert_true(curve);
	identity_free(id);
	xt_rmhome(home);
}

/* The node's key signs ledger heads: the signature verifies with the
 * card's key, a changed message or another key does not. */
static void sign_ledger_heads(void **state)
{
	char home[XT_HOME_MAX];
	struct identity *id, *other;
	struct ledger_signer s;
	struct ledger_head h;
	uint8_t msg[LEDGER_HEAD_SIGNED_SIZE], sig[IDENTITY_SIG_BYTES];
	char home2[XT_HOME_MAX];

	(void)state;
	id = xt_identity(home, "NL-NP", "NL");
	other = xt_identity(home2, "DE-BKA", "DE");
	identity_ledger_signer(id, &s);
	assert_memory_equal(s.pk, identity_sign_pk(id), LEDGER_PK_SIZE);
	memset(&h, 0, sizeof(h));
	h.version = LEDGER_HEAD_VERSION;
	h.size = 7;
	h.time_ms = 1700000000000;
	memset(h.root, 0xab, sizeof(h.root));
	memcpy(h.pk, s.pk, LEDGER_PK_SIZE);
	ledger_head_signed_bytes(&h, msg);
	assert_int_equal(s.sign(s.ctx, msg, sizeof(msg), h.sig), 0);
	assert_int_equal(ledger_head_verify(&h, identity_sign_pk(id)), 0);
	assert_int_not_equal(ledger_head_verify(&h, identity_sign_pk(other)),
			     0);
	h.size = 8;
	assert_int_not_equal(ledger_head_verify(&h, identity_sign_pk(id)), 0);
	assert_int_equal(identity_sign(NULL, msg, sizeof(msg), sig),
			 LIA_EINVAL);
	assert_int_equal(identity_sign(id, NULL, 1, sig), LIA_EINVAL);
	identity_free(id);
	identity_free(other);
	xt_rmhome(home);
	xt_rmhome(home2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_files_modes),
	    cmocka_unit_test(create_rejects_bad_arguments),
	    cmocka_unit_test(load_refuses_open_modes_and_mixups),
	    cmocka_unit_test(tls_key_mismatch),
	    cmocka_unit_test(card_round_trip_and_pinning),
	    cmocka_unit_test(card_tamper_rejected),
	    cmocka_unit_test(card_malformed),
	    cmocka_unit_test(certtool_reads_cert),
	    cmocka_unit_test(sign_ledger_heads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
