/*
 * generate.c - the deterministic scenario of issue #7 section 4.
 *
 * Randomness comes from xoshiro256** seeded through splitmix64, written
 * from the published descriptions of both (Blackman and Vigna), never from
 * rand(): the C library's generator differs between systems and the output
 * must be the same bytes everywhere. The story and each agency's
 * background draw from separate streams, so the number of background
 * records changes neither the story nor the record ids of the story.
 *
 * Every record is built with entity_new/entity_adds (the project's own
 * validation of every value) and written as `liaison export` writes it:
 * canonical entity JSON with the line's "marking" object, sorted keys.
 * Errors inside the many small builders are sticky (struct gen.rc): the
 * first one is kept and every later step is skipped, so each builder reads
 * as the list of values it writes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "liaison/entity.h"
#include "liaison/marking.h"
#include "liaison/match.h"
#include "liaison/scenario.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"
#include "scenario/scenario_int.h"

/* ---- PRNG -------------------------------------------------------------- */

struct rng {
	uint64_t s[4];
};

/* splitmix64: a Weyl sequence passed through a 64-bit finaliser. Used to
 * expand one seed into the four words of xoshiro's state (its authors'
 * recommendation) and, as a bijection, to turn counters into ids. */
static uint64_t splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
	*x += 0x9e3779b97f4a7c15ULL;
	return splitmix64_mix(*x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* One independent stream per purpose: the stream number is mixed into the
 * seed before expansion. */
static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ splitmix64_mix(stream + 0x5ce0a210ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64_next(&x);
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) without modulo bias: multiply the top 32 bits by n and
 * reject the few low products that would favour small results (Lemire). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
	uint32_t low = (uint32_t)m;

	if (low < n) {
		uint32_t t = (uint32_t)(-n) % n;
		while (low < t) {
			m = (rng_next(r) >> 32) * (uint64_t)n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

#define PICK(r, arr, n) ((arr)[rng_below((r), (uint32_t)(n))])

/* ---- the three agencies ------------------------------------------------ */

struct agency_def {
	const char *code, *name, *country, *alpha3, *id_prefix, *file;
	uint32_t home_culture; /* index in scn_cultures */
};

static const struct agency_def agencies[SCENARIO_AGENCIES] = {
    {"BG-OCD", "Organised Crime Directorate, Sofia (fictional)", "bg", "BGR",
     "bgocd", "BG-OCD.jsonl", 0},
    {"GR-BPU", "Border Police Unit, Serres (fictional)", "gr", "GRC", "grbpu",
     "GR-BPU.jsonl", 1},
    {"PL-FCB", "Financial Crime Bureau, Warsaw (fictional)", "pl", "POL",
     "plfcb", "PL-FCB.jsonl", 2},
};
enum { AG_A, AG_B, AG_C };

/* Markings: the story's own, and a few background ones (records of a real
 * node carry a handful of distinct markings, not one per record). */
enum mark_kind {
	MK_STORY,  /* CONFIDENTIAL H2 AMBER B2, to the two partners */
	MK_SHARE,  /* RESTRICTED H1 AMBER B2, to the two partners */
	MK_VICTIM, /* CONFIDENTIAL H3 RED A2, originator only */
	MK_BG0,
	MK_N = MK_BG0 + 6
};

static const char victim_conditions[] =
    "Possible victim of trafficking: no onward disclosure and no contact "
    "without the originator's written consent.";

/* Alpha-3 codes for the MRZ of each culture's usual nationality. */
static const char *alpha3_of(const char *cc)
{
	static const char *const map[][2] = {
	    {"bg", "BGR"}, {"gr", "GRC"}, {"pl", "POL"}, {"ru", "RUS"},
	    {"ua", "UKR"}, {"rs", "SRB"}, {"sy", "SYR"}, {"tr", "TUR"},
	    {"ro", "ROU"}, {"al", "ALB"}, {"de", "D<<"}, {"nl", "NLD"},
	    {"fr", "FRA"}, {"it", "ITA"}, {"vn", "VNM"}, {"cn", "CHN"},
	    {"ge", "GEO"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (!strcmp(map[i][0], cc))
			return map[i][1];
	return NULL;
}

/* ---- output files ------------------------------------------------------ */

struct outf {
	char path[4096], tmp[4096];
	FILE *f;
};

static int outf_open(struct outf *o, const char *dir, const char *name,
		     struct diag *d)
{
	int fd;

	if (snprintf(o->path, sizeof(o->path), "%s/%s", dir, name) >=
		(int)sizeof(o->path) ||
	    snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.XXXXXX", dir, name) >=
		(int)sizeof(o->tmp)) {
		diag_set(d, "output folder path too long");
		return LIA_EINVAL;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		diag_set(d, "%s: %s", o->tmp, strerror(errno));
		return LIA_EIO;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		diag_set(d, "%s: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		o->tmp[0] = '\0';
		return LIA_EIO;
	}
	return 0;
}

/* Flush and sync the temporary file; it is renamed only once every file
 * of the scenario is complete. */
static int outf_finish(struct outf *o, struct diag *d)
{
	int rc = 0;

	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
		rc = LIA_EIO;
	if (fclose(o->f) && !rc)
		rc = LIA_EIO;
	o->f = NULL;
	if (rc)
		diag_set(d, "%s: write failed: %s", o->tmp, strerror(errno));
	return rc;
}

static void outf_abort(struct outf *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

/* ---- record builder ---------------------------------------------------- */

struct gen {
	int rc; /* first error, sticky */
	struct diag *d;
	struct rng r; /* this agency's background stream */
	const struct agency_def *ag;
	FILE *f;
	uint64_t id_key, id_next;
	uint64_t records;
	json_t *mk[MK_N];
};

struct rec {
	struct entity *e;
	char id[48];
};

static void gen_fail(struct gen *g, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void gen_fail(struct gen *g, int rc, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	if (g->rc)
		return;
	g->rc = rc;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* A value our own validation refuses is a bug of the generator,
	 * whatever code the validator gave. */
	if (rc == LIA_EVALUE || rc == LIA_ESCHEMA || rc == LIA_EINVAL)
		g->rc = LIA_EINTERNAL;
	diag_prefix(g->d, "%s: ", buf);
}

/* A new record with the next id of this agency. Ids are a bijection of a
 * counter (so never repeat) keyed by the seed (so look unrelated). */
static void rec_begin(struct gen *g, const char *schema, struct rec *r)
{
	int rc;

	r->e = NULL;
	if (g->rc)
		return;
	snprintf(r->id, sizeof(r->id), "%s-%016" PRIx64, g->ag->id_prefix,
		 splitmix64_mix(g->id_key + g->id_next++));
	if ((rc = entity_new(schema, r->id, &r->e, g->d)))
		gen_fail(g, rc, "%s %s", schema, r->id);
}

static void rec_add(struct gen *g, struct rec *r, const char *prop,
		    const char *v)
{
	int rc;

	if (g->rc || !v)
		return;
	if ((rc = entity_adds(r->e, prop, v, g->d)))
		gen_fail(g, rc, "record %s", r->id);
}

static void rec_addf(struct gen *g, struct rec *r, const char *prop,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rec_addf(struct gen *g, struct rec *r, const char *prop,
		     const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (g->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		gen_fail(g, LIA_EINTERNAL, "record %s: %s too long", r->id,
			 prop);
		return;
	}
	rec_add(g, r, prop, buf);
}

/* Write the record with its marking as one line, and free it. */
static void rec_end(struct gen *g, struct rec *r, enum mark_kind mk)
{
	json_t *obj = NULL;
	int rc;

	if (!g->rc) {
		if ((rc = entity_to_jansson(r->e, &obj)))
			gen_fail(g, rc, "record %s", r->id);
		else if (json_object_set(obj, "marking", g->mk[mk]))
			gen_fail(g, LIA_ENOMEM, "record %s", r->id);
		else if (json_dumpf(obj, g->f, JSON_COMPACT | JSON_SORT_KEYS) ||
			 fputc('\n', g->f) == EOF)
			gen_fail(g, LIA_EIO, "record %s: write failed", r->id);
		else
			g->records++;
	}
	json_decref(obj);
	entity_free(r->e);
	r->e = NULL;
}

/* ---- markings ---------------------------------------------------------- */

struct mark_spec {
	const char *classification, *handling, *tlp, *evaluation, *review;
	int audience; /* 0 none, 1 both partners, 2 both + EU, 3 first only */
	const char *conditions;
};

static const struct mark_spec mark_specs[MK_N] = {
    [MK_STORY] = {"CONFIDENTIAL", "H2", "AMBER", "B2", "2027-06-30", 1, NULL},
    [MK_SHARE] = {"RESTRICTED", "H1", "AMBER", "B2", "2027-06-30", 1, NULL},
    [MK_VICTIM] = {"CONFIDENTIAL", "H3", "RED", "A2", "2026-12-31", 0,
		   victim_conditions},
    [MK_BG0 + 0] = {"UNCLASSIFIED", "H0", "CLEAR", "A1", "2026-12-31", 2, NULL},
    [MK_BG0 + 1] = {"RESTRICTED", "H1", "GREEN", "C3", "2026-09-30", 1, NULL},
    [MK_BG0 + 2] = {"RESTRICTED", "H1", "AMBER", "B2", "2027-03-31", 2, NULL},
    [MK_BG0 + 3] = {"RESTRICTED", "H2", "AMBER+STRICT", "D4", "2026-12-31", 3,
		    NULL},
    [MK_BG0 + 4] = {"CONFIDENTIAL", "H2", "AMBER", "B3", "2027-12-31", 0, NULL},
    [MK_BG0 + 5] = {"UNCLASSIFIED", "H0", "GREEN", NULL, NULL, 2, NULL},
};

/* Build each marking through the setters and marking_validate, so that a
 * marking the importer would refuse cannot be written. */
static int marks_build(int ai, json_t *out[MK_N], struct diag *d)
{
	int rc = 0;

	for (int k = 0; k < MK_N && !rc; k++) {
		const struct mark_spec *s = &mark_specs[k];
		const char *p1 = agencies[(ai + 1) % 3].code;
		const char *p2 = agencies[(ai + 2) % 3].code;
		char aud[128] = "";
		struct marking m;

		marking_init(&m);
		if (s->audience == 1)
			snprintf(aud, sizeof(aud), "%s,%s", p1, p2);
		else if (s->audience == 2)
			snprintf(aud, sizeof(aud), "%s,%s,EU", p1, p2);
		else if (s->audience == 3)
			snprintf(aud, sizeof(aud), "%s", p1);
		if (str_copy(m.agency, sizeof(m.agency), agencies[ai].code) ||
		    str_copy(m.classification, sizeof(m.classification),
			     s->classification) ||
		    (s->review &&
		     str_copy(m.review_by, sizeof(m.review_by), s->review)))
			rc = LIA_EINTERNAL;
		if (!rc && s->conditions &&
		    !(m.conditions = strdup(s->conditions)))
			rc = LIA_ENOMEM;
		if (!rc)
			rc = marking_set_handling(&m, s->handling, d);
		if (!rc)
			rc = marking_set_tlp(&m, s->tlp, d);
		if (!rc && s->evaluation)
			rc = marking_set_evaluation(&m, s->evaluation, d);
		if (!rc && aud[0])
			rc = marking_set_audience(&m, aud, d);
		if (!rc)
			rc = marking_validate(&m, NULL, d);
		if (!rc)
			rc = marking_to_json(&m, &out[k]);
		marking_free(&m);
	}
	if (rc && rc != LIA_ENOMEM) {
		diag_prefix(d, "marking: ");
		rc = LIA_EINTERNAL;
	}
	return rc;
}

/* ---- people ------------------------------------------------------------ */

struct person {
	char name[160], latin[160];  /* full name: own script, Latin */
	char given[80], surname[80]; /* own script */
	char given_l[80], surname_l[80];
	char dob[11];
	char gender; /* 'm' or 'f' */
	const char *country;
	const struct scn_culture *cu;
};

static void join_name(char *out, size_t n, const struct scn_culture *cu,
		      const char *given, const char *surname, bool native)
{
	if (cu->family_first)
		snprintf(out, n, "%s%s%s", surname,
			 native && cu->no_space ? "" : " ", given);
	else
		snprintf(out, n, "%s %s", given, surname);
}

static void person_draw(struct rng *r, const struct scn_culture *cu,
			char gender, uint32_t y0, uint32_t y1, struct person *p)
{
	const struct scn_given *gv;
	const struct scn_surname *sn;

	memset(p, 0, sizeof(*p));
	if (!gender)
		gender = rng_below(r, 2) ? 'f' : 'm';
	/* Given names are listed men first, then women. */
	do
		gv = &PICK(r, cu->given, cu->n_given);
	while (gv->gender != gender);
	sn = &PICK(r, cu->surname, cu->n_surname);
	p->gender = gender;
	p->cu = cu;
	p->country = cu->country;
	snprintf(p->given, sizeof(p->given), "%s", gv->native);
	snprintf(p->given_l, sizeof(p->given_l), "%s", gv->latin);
	snprintf(p->surname, sizeof(p->surname), "%s",
		 gender == 'f' && sn->native_f ? sn->native_f : sn->native);
	snprintf(p->surname_l, sizeof(p->surname_l), "%s",
		 gender == 'f' && sn->latin_f ? sn->latin_f : sn->latin);
	join_name(p->name, sizeof(p->name), cu, p->given, p->surname, true);
	join_name(p->latin, sizeof(p->latin), cu, p->given_l, p->surname_l,
		  false);
	snprintf(p->dob, sizeof(p->dob), "%04u-%02u-%02u", rng_range(r, y0, y1),
		 rng_range(r, 1, 12), rng_range(r, 1, 28));
}

/* Digits of n random decimal digits. */
static void digits(struct rng *r, char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + rng_below(r, 10));
	out[n] = '\0';
}

static void phone_of(struct rng *r, const char *cc, char *out, size_t n)
{
	char d[8];

	digits(r, d, 7);
	if (!strcmp(cc, "bg"))
		snprintf(out, n, "+359 8%c %.3s %.4s", "789"[rng_below(r, 3)],
			 d, d + 3);
	else if (!strcmp(cc, "gr"))
		snprintf(out, n, "+30 69%c %.3s %.4s", "3457"[rng_below(r, 4)],
			 d, d + 3);
	else
		snprintf(out, n, "+48 %c%.2s %.3s %.3s",
			 "5678"[rng_below(r, 4)], d, d + 2, d + 4);
}

/* An IBAN: country, check digits computed with ISO 7064 mod 97-10 (the
 * letters of the country and of the BBAN read as 10..35), then the BBAN. */
static void iban_make(const char *cc, const char *bban, char *out, size_t n)
{
	char tmp[40];
	unsigned rem = 0;
	size_t k;

	snprintf(tmp, sizeof(tmp), "%s%c%c00", bban, cc[0] - 'a' + 'A',
		 cc[1] - 'a' + 'A');
	for (k = 0; tmp[k]; k++) {
		char c = tmp[k];
		if (c >= '0' && c <= '9')
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	snprintf(out, n, "%c%c%02u%s", cc[0] - 'a' + 'A', cc[1] - 'a' + 'A',
		 98 - rem, bban);
}

static void iban_of(struct rng *r, const char *cc, char *out, size_t n)
{
	static const char *const bg_banks[] = {"UNCR", "STSA", "FINV",
					       "BPBI", "UBBS", "RZBB"};
	char bban[32], d[25];

	digits(r, d, 24);
	if (!strcmp(cc, "bg"))
		snprintf(bban, sizeof(bban), "%s%.4s10%.8s",
			 PICK(r, bg_banks, 6), d, d + 4);
	else if (!strcmp(cc, "gr"))
		snprintf(bban, sizeof(bban), "%.7s%.16s", d, d + 7);
	else
		snprintf(bban, sizeof(bban), "%.24s", d);
	iban_make(cc, bban, out, n);
}

static void plate_of(struct rng *r, const char *cc, char *out, size_t n)
{
	/* Bulgarian and Greek plates use only the letters that look alike in
	 * Latin and in their own script. */
	static const char bg_letters[] = "ABEHKMOPCTXY";
	static const char *const bg_regions[] = {"CB", "CA", "E",  "PB",
						 "B",  "A",  "CH", "PA"};
	static const char gr_letters[] = "ABEZHIKMNOPTYX";
	static const char *const pl_regions[] = {"WA", "WW", "KR", "PO",
						 "GD", "EL", "DW", "LU"};
	char d[6];

	digits(r, d, 5);
	if (!strcmp(cc, "bg"))
		snprintf(out, n, "%s %.4s %c%c", PICK(r, bg_regions, 8), d,
			 bg_letters[rng_below(r, 12)],
			 bg_letters[rng_below(r, 12)]);
	else if (!strcmp(cc, "gr"))
		snprintf(out, n, "%c%c%c-%c%.3s", gr_letters[rng_below(r, 14)],
			 gr_letters[rng_below(r, 14)],
			 gr_letters[rng_below(r, 14)], '1' + rng_below(r, 9),
			 d);
	else
		snprintf(out, n, "%s %.5s", PICK(r, pl_regions, 8), d);
}

static void address_of(struct rng *r, const char *cc, char *out, size_t n)
{
	if (!strcmp(cc, "bg"))
		snprintf(out, n, "%s %u, %s, България",
			 PICK(r, scn_street_bg, scn_n_street_bg),
			 rng_range(r, 1, 140),
			 PICK(r, scn_city_bg, scn_n_city_bg));
	else if (!strcmp(cc, "gr"))
		snprintf(out, n, "%s %u, %s, Ελλάδα",
			 PICK(r, scn_street_gr, scn_n_street_gr),
			 rng_range(r, 1, 140),
			 PICK(r, scn_city_gr, scn_n_city_gr));
	else
		snprintf(out, n, "%s %u, %02u-%03u %s, Polska",
			 PICK(r, scn_street_pl, scn_n_street_pl),
			 rng_range(r, 1, 140), rng_range(r, 0, 99),
			 rng_range(r, 0, 999),
			 PICK(r, scn_city_pl, scn_n_city_pl));
}

/* The Bulgarian personal number (EGN): birth date as YYMMDD (month + 40
 * after 1999), three digits, and a check digit with weights
 * 2 4 8 5 10 9 7 3 6 mod 11 (10 counts as 0). */
static void egn_of(struct rng *r, const char *dob, char out[11])
{
	static const int w[9] = {2, 4, 8, 5, 10, 9, 7, 3, 6};
	unsigned y = (unsigned)(dob[2] - '0') * 10 + (unsigned)(dob[3] - '0');
	unsigned m = (unsigned)(dob[5] - '0') * 10 + (unsigned)(dob[6] - '0');
	int sum = 0;

	if (dob[0] == '2')
		m += 40;
	snprintf(out, 11, "%02u%02u%c%c", y, m, dob[8], dob[9]);
	digits(r, out + 6, 3);
	for (int i = 0; i < 9; i++)
		sum += (out[i] - '0') * w[i];
	out[9] = (char)('0' + (sum % 11) % 10);
	out[10] = '\0';
}

/* ---- the story --------------------------------------------------------- */

/* Everything the three shares and the manifest say about the story,
 * drawn first from the story stream. */
struct story {
	struct person suspect, brother, driver, facilitator, passenger[2],
	    director, negative;
	char suspect_father[40], suspect_father_l[40];
	char egn[11], passport_no[10], passport_issue[16], passport_expiry[16];
	char passport_surname[40], passport_given[40], passport_name[80];
	char mrz[96];
	char query_name[80];
	char plate[24], truck[48];
	char iban_bg[40], iban_pl[40];
	char company_bg[96], company_bg_l[96], company_pl[96];
	char eik[10], krs[16], nip[11];
	char phone_suspect[24], phone_driver[24], phone_facilitator[24];
	char addr_suspect[160], addr_company_bg[160], addr_facilitator[160],
	    addr_company_pl[160];
	char crossing[3][16]; /* dates of the three crossings */
	char negative_date[16];
	char negative_passport[10], negative_mrz[96], negative_mrz_name[80];
	struct {
		char date[16], amount[24], ref[32];
	} pay[6];
	size_t n_pay;
	char evidence[512];
	char imei[16];
};

static void upper_ascii(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < n; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 32)
							  : src[i];
	dst[i] = '\0';
}

/* A TD3 passport MRZ (ICAO 9303 part 4): names with '<' fillers, check
 * digits computed with the project's own types_mrz_check_digit. */
static int mrz_td3(const char *issuer, const char *surname, const char *given,
		   const char *number, const char *dob, char sex,
		   const char *expiry, const char *personal, char *out,
		   size_t n)
{
	char l1[45], l2[64], comp[40], pn[15];
	size_t k = 0;
	int c1, c2, c3, c4, c5;

	memset(l1, '<', 44);
	l1[44] = '\0';
	memcpy(l1, "P<", 2);
	memcpy(l1 + 2, issuer, 3);
	k = 5;
	for (const char *p = surname; *p && k < 44; p++)
		l1[k++] = *p == ' ' ? '<' : *p;
	k += 2;
	for (const char *p = given; *p && k < 44; p++)
		l1[k++] = *p == ' ' ? '<' : *p;
	memset(pn, '<', 14);
	pn[14] = '\0';
	memcpy(pn, personal, strnlen(personal, 14));
	char b[7] = {dob[2], dob[3], dob[5], dob[6], dob[8], dob[9], 0};
	char e[7] = {expiry[2], expiry[3], expiry[5], expiry[6],
		     expiry[8], expiry[9], 0};
	c1 = types_mrz_check_digit(number, 9);
	c2 = types_mrz_check_digit(b, 6);
	c3 = types_mrz_check_digit(e, 6);
	c4 = types_mrz_check_digit(pn, 14);
	if (c1 < 0 || c2 < 0 || c3 < 0 || c4 < 0)
		return LIA_EINTERNAL;
	if (snprintf(l2, sizeof(l2), "%.9s%d%.3s%s%d%c%s%d%s%d", number, c1,
		     issuer, b, c2, sex, e, c3, pn, c4) != 43)
		return LIA_EINTERNAL;
	memcpy(comp, l2, 10);
	memcpy(comp + 10, l2 + 13, 7);
	memcpy(comp + 17, l2 + 21, 22);
	if ((c5 = types_mrz_check_digit(comp, 39)) < 0)
		return LIA_EINTERNAL;
	snprintf(out, n, "%s\n%s%d", l1, l2, c5);
	return 0;
}

/* The ICAO form of a Latin name ("Łukasz" -> "LUKASZ") by the project's
 * own table, for passports of the background and the negative. */
static int icao_of(const char *latin, char *out, size_t n, struct diag *d)
{
	struct strbuf sb;
	int rc;

	strbuf_init(&sb, 256);
	rc = match_icao(latin, strlen(latin), &sb, d);
	if (!rc && str_copy(out, n, sb.buf))
		rc = LIA_EINTERNAL;
	strbuf_release(&sb);
	return rc;
}

static const struct scn_culture *culture(const char *key)
{
	for (size_t i = 0; i < scn_n_cultures; i++)
		if (!strcmp(scn_cultures[i].key, key))
			return &scn_cultures[i];
	return &scn_cultures[0];
}

/* The matcher's view of one person: the name and the evidence screening
 * would have. */
static double story_score(struct match_ctx *mc, const char *qname,
			  const struct person *qp, const char *cname,
			  const struct person *cp, bool extras, int *rc,
			  struct diag *d)
{
	struct match_name *q = NULL, *c = NULL;
	struct match_extra qe = {0}, ce = {0};
	double s = 0;

	if (*rc)
		return 0;
	if ((*rc = match_prepare(mc, qname, strlen(qname), MATCH_PERSON, &q,
				 d)) ||
	    (*rc =
		 match_prepare(mc, cname, strlen(cname), MATCH_PERSON, &c, d)))
		goto out;
	if (extras) {
		qe.dob[qe.n_dob++] = qp->dob;
		qe.country[qe.n_country++] = qp->country;
		qe.gender = qp->gender;
		ce.dob[ce.n_dob++] = cp->dob;
		ce.country[ce.n_country++] = cp->country;
		ce.gender = cp->gender;
	}
	s = match_score(q, extras ? &qe : NULL, c, extras ? &ce : NULL, NULL);
out:
	match_name_free(q);
	match_name_free(c);
	return s;
}

static int story_draw(uint64_t seed, struct story *s, struct diag *d)
{
	struct rng r;
	const struct scn_story_name *g, *g2, *sn;
	uint32_t gi, gi2;
	const struct scn_culture *bg = culture("bg"), *el = culture("el"),
				 *ar = culture("ar"), *pl = culture("pl");
	static const struct scn_pair fathers[] = {
	    {"Петров", "Petrov"},   {"Иванов", "Ivanov"},
	    {"Николов", "Nikolov"}, {"Тодоров", "Todorov"},
	    {"Василев", "Vasilev"}, {"Димитров", "Dimitrov"},
	};
	const struct scn_pair *fa;
	const struct scn_pair *cb, *cp;
	char d9[10];
	unsigned y;

	memset(s, 0, sizeof(*s));
	rng_seed(&r, seed, 0);

	/* The suspect and his brother: Bulgarian, Cyrillic, one surname. */
	gi = rng_below(&r, (uint32_t)scn_n_story_given);
	do
		gi2 = rng_below(&r, (uint32_t)scn_n_story_given);
	while (gi2 == gi);
	g = &scn_story_given[gi];
	g2 = &scn_story_given[gi2];
	sn = &PICK(&r, scn_story_surname, scn_n_story_surname);
	fa = &PICK(&r, fathers, sizeof(fathers) / sizeof(*fathers));
	for (int k = 0; k < 2; k++) {
		struct person *p = k ? &s->brother : &s->suspect;
		const struct scn_story_name *gg = k ? g2 : g;

		p->cu = bg;
		p->country = "bg";
		p->gender = 'm';
		snprintf(p->given, sizeof(p->given), "%s", gg->cyr);
		snprintf(p->given_l, sizeof(p->given_l), "%s", gg->latin);
		snprintf(p->surname, sizeof(p->surname), "%s", sn->cyr);
		snprintf(p->surname_l, sizeof(p->surname_l), "%s", sn->latin);
		snprintf(p->name, sizeof(p->name), "%s %s", gg->cyr, sn->cyr);
		snprintf(p->latin, sizeof(p->latin), "%s %s", gg->latin,
			 sn->latin);
		snprintf(p->dob, sizeof(p->dob), "%04u-%02u-%02u",
			 rng_range(&r, 1972, 1990), rng_range(&r, 1, 12),
			 rng_range(&r, 1, 28));
	}
	snprintf(s->suspect_father, sizeof(s->suspect_father), "%s",
		 fa->native);
	snprintf(s->suspect_father_l, sizeof(s->suspect_father_l), "%s",
		 fa->latin);
	egn_of(&r, s->suspect.dob, s->egn);

	/* His passport, as read at the border: the older spelling. */
	upper_ascii(s->passport_surname, sizeof(s->passport_surname),
		    sn->passport);
	upper_ascii(s->passport_given, sizeof(s->passport_given), g->passport);
	snprintf(s->passport_name, sizeof(s->passport_name), "%s %s",
		 s->passport_given, s->passport_surname);
	digits(&r, d9, 7);
	snprintf(s->passport_no, sizeof(s->passport_no), "38%.7s", d9);
	y = rng_range(&r, 2016, 2022);
	snprintf(s->passport_issue, sizeof(s->passport_issue), "%04u-%02u-%02u",
		 y, rng_range(&r, 1, 12), rng_range(&r, 1, 28));
	{
		char md[8];

		memcpy(md, s->passport_issue + 4, 7);
		md[7] = '\0';
		snprintf(s->passport_expiry, sizeof(s->passport_expiry),
			 "%04u%s", y + 10, md);
	}
	if (mrz_td3("BGR", s->passport_surname, s->passport_given,
		    s->passport_no, s->suspect.dob, 'M', s->passport_expiry,
		    s->egn, s->mrz, sizeof(s->mrz))) {
		diag_set(d, "story: MRZ");
		return LIA_EINTERNAL;
	}
	/* Agency C knows him from Polish bank records, in Polish spelling. */
	snprintf(s->query_name, sizeof(s->query_name), "%s %s", g->polish,
		 sn->polish);

	person_draw(&r, bg, 'm', 1965, 1995, &s->driver);
	person_draw(&r, el, 'm', 1960, 1990, &s->facilitator);
	person_draw(&r, ar, 0, 1994, 2006, &s->passenger[0]);
	person_draw(&r, ar, 0, 1994, 2006, &s->passenger[1]);
	person_draw(&r, pl, 0, 1970, 1992, &s->director);

	cb = &PICK(&r, scn_company_bg, scn_n_company_bg);
	cp = &PICK(&r, scn_company_pl, scn_n_company_pl);
	snprintf(s->company_bg, sizeof(s->company_bg), "%s ЕООД", cb->native);
	upper_ascii(s->company_bg_l, sizeof(s->company_bg_l), cb->latin);
	snprintf(s->company_bg_l + strlen(s->company_bg_l),
		 sizeof(s->company_bg_l) - strlen(s->company_bg_l), " EOOD");
	snprintf(s->company_pl, sizeof(s->company_pl), "%s Sp. z o.o.",
		 cp->native);
	digits(&r, s->eik, 9);
	digits(&r, d9, 6);
	snprintf(s->krs, sizeof(s->krs), "0000%.6s", d9);
	digits(&r, s->nip, 10);
	plate_of(&r, "bg", s->plate, sizeof(s->plate));
	snprintf(s->truck, sizeof(s->truck), "%s",
		 PICK(&r, scn_truck_models, 7));
	iban_of(&r, "bg", s->iban_bg, sizeof(s->iban_bg));
	iban_of(&r, "pl", s->iban_pl, sizeof(s->iban_pl));
	phone_of(&r, "bg", s->phone_suspect, sizeof(s->phone_suspect));
	phone_of(&r, "bg", s->phone_driver, sizeof(s->phone_driver));
	phone_of(&r, "gr", s->phone_facilitator, sizeof(s->phone_facilitator));
	address_of(&r, "bg", s->addr_suspect, sizeof(s->addr_suspect));
	address_of(&r, "bg", s->addr_company_bg, sizeof(s->addr_company_bg));
	address_of(&r, "gr", s->addr_facilitator, sizeof(s->addr_facilitator));
	address_of(&r, "pl", s->addr_company_pl, sizeof(s->addr_company_pl));

	/* Three crossings in autumn and winter 2024/25, in order; the last
	 * is the one with passengers and the seizure. */
	snprintf(s->crossing[0], sizeof(s->crossing[0]), "2024-%02u-%02u",
		 rng_range(&r, 9, 10), rng_range(&r, 1, 28));
	snprintf(s->crossing[1], sizeof(s->crossing[1]), "2024-%02u-%02u",
		 rng_range(&r, 11, 12), rng_range(&r, 1, 28));
	snprintf(s->crossing[2], sizeof(s->crossing[2]), "2025-%02u-%02u",
		 rng_range(&r, 2, 3), rng_range(&r, 1, 28));
	snprintf(s->negative_date, sizeof(s->negative_date), "2025-%02u-%02u",
		 rng_range(&r, 1, 3), rng_range(&r, 1, 28));
	digits(&r, s->imei, 15);
	snprintf(s->evidence, sizeof(s->evidence),
		 "Mobile phone Samsung Galaxy A52, IMEI %s, black, cracked "
		 "screen, found switched on in the sleeping cab of lorry %s "
		 "at Promachonas on %s; sealed in evidence bag GR-BPU-%.4s-%s.",
		 s->imei, s->plate, s->crossing[2], s->crossing[2],
		 s->imei + 9);

	s->n_pay = rng_range(&r, 4, 6);
	for (size_t i = 0; i < s->n_pay; i++) {
		/* Monthly from September 2024 to March 2025. */
		unsigned m = 9 + (unsigned)i * 6 / 5;
		char date[16];

		if (snprintf(date, sizeof(date), "%04u-%02u-%02u",
			     m > 12 ? 2025 : 2024, m > 12 ? m - 12 : m,
			     rng_range(&r, 1, 28)) != 10 ||
		    snprintf(s->pay[i].amount, sizeof(s->pay[i].amount),
			     "%u.%02u", rng_range(&r, 9000, 48000),
			     rng_range(&r, 0, 99)) < 0 ||
		    snprintf(s->pay[i].ref, sizeof(s->pay[i].ref),
			     "FV/%.4s/%.2s/%03u", date, date + 5,
			     rng_range(&r, 1, 400)) < 0)
			return LIA_EINTERNAL;
		memcpy(s->pay[i].date, date, sizeof(date));
	}

	/* The negative: a traveller of another culture. Drawn until the
	 * matcher agrees he is not the suspect, so the demo's no-hit holds
	 * whatever the pools hold; the draw is still a pure function of the
	 * seed. */
	{
		static const char *const cultures[] = {"el", "ro", "tr", "de",
						       "sq", "it", "uk", "fr"};
		struct match_ctx *mc = NULL;
		int rc = match_ctx_new(&mc, d);
		int tries = 0;
		bool ok = false;

		while (!rc && !ok && tries++ < 64) {
			const struct scn_culture *cu =
			    culture(PICK(&r, cultures, 8));
			char sur[40], giv[40];

			person_draw(&r, cu, 'm', 1960, 2000, &s->negative);
			if ((rc = icao_of(s->negative.surname_l, sur,
					  sizeof(sur), d)) ||
			    (rc = icao_of(s->negative.given_l, giv, sizeof(giv),
					  d)))
				break;
			snprintf(s->negative_mrz_name,
				 sizeof(s->negative_mrz_name), "%s %s", giv,
				 sur);
			ok = story_score(mc, s->negative_mrz_name, &s->negative,
					 s->suspect.name, &s->suspect, true,
					 &rc, d) < MATCH_THRESHOLD_DEFAULT &&
			     story_score(mc, s->negative_mrz_name, &s->negative,
					 s->suspect.latin, &s->suspect, true,
					 &rc, d) < MATCH_THRESHOLD_DEFAULT &&
			     story_score(mc, s->negative_mrz_name, &s->negative,
					 s->suspect.name, &s->suspect, false,
					 &rc, d) < MATCH_THRESHOLD_DEFAULT;
			if (!rc) {
				char sur_m[40], giv_m[40];
				digits(&r, d9, 9);
				snprintf(s->negative_passport,
					 sizeof(s->negative_passport),
					 "%c%c%.7s", 'A' + rng_below(&r, 26),
					 'A' + rng_below(&r, 26), d9);
				snprintf(sur_m, sizeof(sur_m), "%s", sur);
				snprintf(giv_m, sizeof(giv_m), "%s", giv);
				rc = mrz_td3(alpha3_of(cu->country), sur_m,
					     giv_m, s->negative_passport,
					     s->negative.dob, 'M', "2031-06-30",
					     "", s->negative_mrz,
					     sizeof(s->negative_mrz));
			}
		}
		/* The positive pairs: the passport spelling (name only, and
		 * with birth date, nationality and gender) and C's query. */
		if (!rc && ok) {
			struct person trav = s->suspect;
			double a = story_score(mc, s->passport_name, &trav,
					       s->suspect.name, &s->suspect,
					       false, &rc, d),
			       b = story_score(mc, s->passport_name, &trav,
					       s->suspect.name, &s->suspect,
					       true, &rc, d),
			       c = story_score(mc, s->query_name, &trav,
					       s->suspect.name, &s->suspect,
					       false, &rc, d);
			if (!rc && (a < MATCH_THRESHOLD_DEFAULT ||
				    b < MATCH_THRESHOLD_DEFAULT ||
				    c < MATCH_THRESHOLD_DEFAULT)) {
				diag_set(d,
					 "story check: \"%s\" or \"%s\" "
					 "scores below the threshold "
					 "against \"%s\" (%.2f %.2f %.2f)",
					 s->passport_name, s->query_name,
					 s->suspect.name, a, b, c);
				rc = LIA_EINTERNAL;
			}
		} else if (!rc) {
			diag_set(d, "story check: no negative traveller below "
				    "the threshold in 64 draws");
			rc = LIA_EINTERNAL;
		}
		match_ctx_free(mc);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the three shares -------------------------------------------------- */

struct ids {
	char suspect[48], brother[48], driver[48], company[48], account[48],
	    truck[48], address[48];
	char traveller[48], passport[48], note[48], negative[48],
	    negative_passport[48], facilitator[48], passenger[2][48],
	    crossing[3][48];
	char company_pl[48], director[48], account_pl[48], company_bg_c[48],
	    account_bg_c[48], str_note[48];
};

static void person_rec(struct gen *g, struct rec *r, const struct person *p,
		       bool alias)
{
	rec_begin(g, "Person", r);
	rec_add(g, r, "name", p->name);
	if (alias && !p->cu->latin_script)
		rec_add(g, r, "alias", p->latin);
	rec_add(g, r, "firstName", p->given);
	rec_add(g, r, "lastName", p->surname);
	rec_add(g, r, "birthDate", p->dob);
	rec_add(g, r, "nationality", p->country);
	rec_add(g, r, "gender", p->gender == 'f' ? "female" : "male");
}

static void edge(struct gen *g, const char *schema, const char *p1,
		 const char *v1, const char *p2, const char *v2,
		 const char *relprop, const char *rel, const char *start,
		 enum mark_kind mk, char *id_out)
{
	struct rec r;

	rec_begin(g, schema, &r);
	rec_add(g, &r, p1, v1);
	rec_add(g, &r, p2, v2);
	if (relprop)
		rec_add(g, &r, relprop, rel);
	rec_add(g, &r, "startDate", start);
	if (id_out && !g->rc)
		snprintf(id_out, 48, "%s", r.id);
	rec_end(g, &r, mk);
}

#define KEEP(g, r, dst)                                                        \
	((g)->rc ? (void)0 : (void)snprintf((dst), 48, "%s", (r).id))

static void share_a(struct gen *g, const struct story *s, struct ids *x)
{
	struct rec r;

	rec_begin(g, "Address", &r);
	rec_add(g, &r, "full", s->addr_suspect);
	rec_add(g, &r, "country", "bg");
	KEEP(g, r, x->address);
	rec_end(g, &r, MK_STORY);

	person_rec(g, &r, &s->suspect, true);
	rec_add(g, &r, "fatherName", s->suspect_father);
	rec_add(g, &r, "idNumber", s->egn);
	rec_add(g, &r, "phone", s->phone_suspect);
	rec_add(g, &r, "addressEntity", x->address);
	rec_add(g, &r, "address", s->addr_suspect);
	rec_add(g, &r, "topics", "crime.traffick");
	rec_add(g, &r, "topics", "crime.fin");
	rec_addf(g, &r, "notes",
		 "Head of a network moving people from the Greek border to "
		 "Poland in lorries of %s; proceeds paid to Poland as "
		 "transport invoices.",
		 s->company_bg);
	KEEP(g, r, x->suspect);
	rec_end(g, &r, MK_STORY);

	person_rec(g, &r, &s->brother, true);
	rec_add(g, &r, "topics", "crime.fin");
	KEEP(g, r, x->brother);
	rec_end(g, &r, MK_STORY);

	person_rec(g, &r, &s->driver, true);
	rec_add(g, &r, "phone", s->phone_driver);
	rec_add(g, &r, "position", "lorry driver");
	KEEP(g, r, x->driver);
	rec_end(g, &r, MK_STORY);

	rec_begin(g, "Company", &r);
	rec_add(g, &r, "name", s->company_bg);
	rec_add(g, &r, "alias", s->company_bg_l);
	rec_add(g, &r, "jurisdiction", "bg");
	rec_add(g, &r, "registrationNumber", s->eik);
	rec_add(g, &r, "legalForm", "ЕООД");
	rec_add(g, &r, "address", s->addr_company_bg);
	rec_add(g, &r, "sector", "road freight transport");
	rec_add(g, &r, "incorporationDate", "2019-04-11");
	KEEP(g, r, x->company);
	rec_end(g, &r, MK_STORY);

	rec_begin(g, "BankAccount", &r);
	rec_add(g, &r, "iban", s->iban_bg);
	rec_add(g, &r, "accountNumber", s->iban_bg + 12);
	rec_add(g, &r, "currency", "EUR");
	rec_add(g, &r, "country", "bg");
	rec_add(g, &r, "openingDate", "2019-05-02");
	KEEP(g, r, x->account);
	rec_end(g, &r, MK_STORY);

	rec_begin(g, "Vehicle", &r);
	rec_add(g, &r, "registrationNumber", s->plate);
	rec_add(g, &r, "type", "lorry");
	rec_add(g, &r, "model", s->truck);
	rec_add(g, &r, "owner", x->company);
	rec_add(g, &r, "operator", x->driver);
	rec_add(g, &r, "country", "bg");
	KEEP(g, r, x->truck);
	rec_end(g, &r, MK_STORY);

	edge(g, "Ownership", "owner", x->suspect, "asset", x->company,
	     "percentage", "100", "2019-04-11", MK_STORY, NULL);
	edge(g, "Directorship", "director", x->brother, "organization",
	     x->company, "role", "manager", "2019-04-11", MK_STORY, NULL);
	edge(g, "Ownership", "owner", x->company, "asset", x->account,
	     "ownershipType", "account holder", "2019-05-02", MK_STORY, NULL);
	edge(g, "Family", "person", x->suspect, "relative", x->brother,
	     "relationship", "brother", NULL, MK_STORY, NULL);
	edge(g, "Employment", "employee", x->driver, "employer", x->company,
	     "role", "driver", "2021-02-01", MK_STORY, NULL);
	edge(g, "Associate", "person", x->suspect, "associate", x->driver,
	     "relationship", "trusted driver of the network", NULL, MK_STORY,
	     NULL);
}

static void share_b(struct gen *g, const struct story *s, struct ids *x)
{
	struct rec r;

	/* The suspect as the border knows him: his passport. */
	rec_begin(g, "Person", &r);
	rec_add(g, &r, "name", s->passport_name);
	rec_add(g, &r, "firstName", s->passport_given);
	rec_add(g, &r, "lastName", s->passport_surname);
	rec_add(g, &r, "birthDate", s->suspect.dob);
	rec_add(g, &r, "nationality", "bg");
	rec_add(g, &r, "gender", "male");
	rec_add(g, &r, "passportNumber", s->passport_no);
	KEEP(g, r, x->traveller);
	rec_end(g, &r, MK_SHARE);

	rec_begin(g, "Passport", &r);
	rec_add(g, &r, "holder", x->traveller);
	rec_add(g, &r, "type", "passport");
	rec_add(g, &r, "number", s->passport_no);
	rec_add(g, &r, "country", "bg");
	rec_add(g, &r, "authority",
		"Ministry of Interior, Republic of Bulgaria");
	rec_add(g, &r, "surname", s->passport_surname);
	rec_add(g, &r, "givenName", s->passport_given);
	rec_add(g, &r, "birthDate", s->suspect.dob);
	rec_add(g, &r, "gender", "male");
	rec_add(g, &r, "personalNumber", s->egn);
	rec_add(g, &r, "issueDate", s->passport_issue);
	rec_add(g, &r, "expiryDate", s->passport_expiry);
	rec_add(g, &r, "mrz", s->mrz);
	KEEP(g, r, x->passport);
	rec_end(g, &r, MK_SHARE);

	person_rec(g, &r, &s->facilitator, true);
	rec_add(g, &r, "phone", s->phone_facilitator);
	rec_add(g, &r, "address", s->addr_facilitator);
	KEEP(g, r, x->facilitator);
	rec_end(g, &r, MK_STORY);

	for (int i = 0; i < 2; i++) {
		person_rec(g, &r, &s->passenger[i], true);
		rec_add(g, &r, "notes",
			"Found in the load compartment of the lorry; referred "
			"to the national referral mechanism.");
		KEEP(g, r, x->passenger[i]);
		rec_end(g, &r, MK_VICTIM);
	}

	for (int i = 0; i < 3; i++) {
		rec_begin(g, "Event", &r);
		rec_add(g, &r, "name",
			"Border crossing Promachonas, entry into Greece");
		rec_add(g, &r, "date", s->crossing[i]);
		rec_add(g, &r, "location",
			"Promachonas border crossing point, Serres, Greece");
		rec_add(g, &r, "country", "gr");
		rec_add(g, &r, "involved", x->traveller);
		if (i == 2) {
			rec_add(g, &r, "involved", x->passenger[0]);
			rec_add(g, &r, "involved", x->passenger[1]);
		}
		rec_addf(g, &r, "description",
			 "Driver of lorry %s (%s), declared cargo: %s.%s",
			 s->plate, s->truck,
			 i == 2 ? "furniture parts" : "building materials",
			 i == 2 ? " Two persons found hidden behind the "
				  "load; a mobile phone seized from the cab."
				: "");
		KEEP(g, r, x->crossing[i]);
		rec_end(g, &r, i == 2 ? MK_STORY : MK_SHARE);
	}

	rec_begin(g, "Vehicle", &r);
	rec_add(g, &r, "registrationNumber", s->plate);
	rec_add(g, &r, "type", "lorry");
	rec_add(g, &r, "model", s->truck);
	rec_add(g, &r, "operator", x->traveller);
	rec_add(g, &r, "country", "bg");
	rec_end(g, &r, MK_SHARE);

	edge(g, "Associate", "person", x->traveller, "associate",
	     x->facilitator, "relationship",
	     "called from the seized phone before each crossing", NULL,
	     MK_STORY, NULL);

	rec_begin(g, "Note", &r);
	rec_addf(g, &r, "name", "Seizure at Promachonas, %s", s->crossing[2]);
	rec_add(g, &r, "description", s->evidence);
	rec_add(g, &r, "entity", x->traveller);
	rec_add(g, &r, "createdAt", s->crossing[2]);
	KEEP(g, r, x->note);
	rec_end(g, &r, MK_STORY);

	/* The negative: an ordinary traveller on another day. */
	person_rec(g, &r, &s->negative, true);
	rec_add(g, &r, "passportNumber", s->negative_passport);
	KEEP(g, r, x->negative);
	rec_end(g, &r, MK_BG0 + 2);

	rec_begin(g, "Passport", &r);
	rec_add(g, &r, "holder", x->negative);
	rec_add(g, &r, "type", "passport");
	rec_add(g, &r, "number", s->negative_passport);
	rec_add(g, &r, "country", s->negative.country);
	rec_add(g, &r, "birthDate", s->negative.dob);
	rec_add(g, &r, "gender", "male");
	rec_add(g, &r, "expiryDate", "2031-06-30");
	rec_add(g, &r, "mrz", s->negative_mrz);
	KEEP(g, r, x->negative_passport);
	rec_end(g, &r, MK_BG0 + 2);

	rec_begin(g, "Event", &r);
	rec_add(g, &r, "name",
		"Border crossing Promachonas, entry into Greece");
	rec_add(g, &r, "date", s->negative_date);
	rec_add(g, &r, "location",
		"Promachonas border crossing point, Serres, Greece");
	rec_add(g, &r, "country", "gr");
	rec_add(g, &r, "involved", x->negative);
	rec_add(g, &r, "description",
		"Passenger car, routine check, no "
		"findings.");
	rec_end(g, &r, MK_BG0 + 2);
}

static void share_c(struct gen *g, const struct story *s, struct ids *x)
{
	struct rec r;

	rec_begin(g, "Company", &r);
	rec_add(g, &r, "name", s->company_pl);
	rec_add(g, &r, "jurisdiction", "pl");
	rec_add(g, &r, "registrationNumber", s->krs);
	rec_add(g, &r, "taxNumber", s->nip);
	rec_add(g, &r, "legalForm", "spółka z ograniczoną odpowiedzialnością");
	rec_add(g, &r, "address", s->addr_company_pl);
	rec_add(g, &r, "incorporationDate", "2023-09-18");
	KEEP(g, r, x->company_pl);
	rec_end(g, &r, MK_STORY);

	person_rec(g, &r, &s->director, true);
	KEEP(g, r, x->director);
	rec_end(g, &r, MK_STORY);

	rec_begin(g, "BankAccount", &r);
	rec_add(g, &r, "iban", s->iban_pl);
	rec_add(g, &r, "currency", "EUR");
	rec_add(g, &r, "country", "pl");
	rec_add(g, &r, "openingDate", "2023-10-02");
	KEEP(g, r, x->account_pl);
	rec_end(g, &r, MK_STORY);

	/* The Bulgarian company and its account as Polish bank records name
	 * them: Latin letters only. */
	rec_begin(g, "Company", &r);
	rec_add(g, &r, "name", s->company_bg_l);
	rec_add(g, &r, "jurisdiction", "bg");
	KEEP(g, r, x->company_bg_c);
	rec_end(g, &r, MK_STORY);

	rec_begin(g, "BankAccount", &r);
	rec_add(g, &r, "iban", s->iban_bg);
	rec_add(g, &r, "country", "bg");
	KEEP(g, r, x->account_bg_c);
	rec_end(g, &r, MK_STORY);

	edge(g, "Directorship", "director", x->director, "organization",
	     x->company_pl, "role", "prezes zarządu", "2023-09-18", MK_STORY,
	     NULL);
	edge(g, "Ownership", "owner", x->company_pl, "asset", x->account_pl,
	     "ownershipType", "account holder", "2023-10-02", MK_STORY, NULL);
	edge(g, "Ownership", "owner", x->company_bg_c, "asset", x->account_bg_c,
	     "ownershipType", "account holder", NULL, MK_STORY, NULL);

	for (size_t i = 0; i < s->n_pay; i++) {
		rec_begin(g, "Payment", &r);
		rec_add(g, &r, "payer", x->company_bg_c);
		rec_add(g, &r, "payerAccount", x->account_bg_c);
		rec_add(g, &r, "beneficiary", x->company_pl);
		rec_add(g, &r, "beneficiaryAccount", x->account_pl);
		rec_add(g, &r, "amount", s->pay[i].amount);
		rec_add(g, &r, "currency", "EUR");
		rec_add(g, &r, "date", s->pay[i].date);
		rec_addf(g, &r, "purpose", "Faktura %s, usługi transportowe",
			 s->pay[i].ref);
		rec_addf(g, &r, "transactionNumber", "PLSEPA%.4s%.2s%.2s%03zu",
			 s->pay[i].date, s->pay[i].date + 5, s->pay[i].date + 8,
			 i + 1);
		rec_end(g, &r, MK_STORY);
	}

	rec_begin(g, "Note", &r);
	rec_add(g, &r, "name", "Suspicious transaction report");
	rec_addf(g, &r, "description",
		 "Incoming transfers from %s (%s) invoiced as transport "
		 "services, withdrawn in cash within days. The payer's "
		 "representative gave his name as %s.",
		 s->company_bg_l, s->iban_bg, s->query_name);
	rec_add(g, &r, "entity", x->company_pl);
	rec_add(g, &r, "createdAt", "2025-03-20");
	KEEP(g, r, x->str_note);
	rec_end(g, &r, MK_STORY);
}

/* ---- background -------------------------------------------------------- */

static void background_one(struct gen *g)
{
	struct rng *r = &g->r;
	const char *cc = g->ag->country;
	uint32_t kind = rng_below(r, 100);
	enum mark_kind mk = (enum mark_kind)(MK_BG0 + rng_below(r, 6));
	char buf[160];
	struct rec rec;

	if (kind < 70) {
		/* Half the people are of the agency's own country, the rest
		 * from any culture. */
		const struct scn_culture *cu =
		    rng_below(r, 2) ? &scn_cultures[g->ag->home_culture]
				    : &PICK(r, scn_cultures, scn_n_cultures);
		struct person p;

		person_draw(r, cu, 0, 1945, 2006, &p);
		person_rec(g, &rec, &p, true);
		if (rng_below(r, 3) == 0) {
			phone_of(r, cc, buf, sizeof(buf));
			rec_add(g, &rec, "phone", buf);
		}
		if (rng_below(r, 4) == 0) {
			address_of(r, cc, buf, sizeof(buf));
			rec_add(g, &rec, "address", buf);
		}
		if (rng_below(r, 5) == 0) {
			digits(r, buf, 9);
			rec_add(g, &rec, "passportNumber", buf);
		}
	} else if (kind < 78) {
		const struct scn_pair *c;
		const char *form;

		if (!strcmp(cc, "bg")) {
			c = &PICK(r, scn_company_bg, scn_n_company_bg);
			form = rng_below(r, 2) ? "ЕООД" : "ООД";
		} else if (!strcmp(cc, "gr")) {
			c = &PICK(r, scn_company_gr, scn_n_company_gr);
			form = rng_below(r, 2) ? "Α.Ε." : "Ι.Κ.Ε.";
		} else {
			c = &PICK(r, scn_company_pl, scn_n_company_pl);
			form = rng_below(r, 2) ? "Sp. z o.o." : "S.A.";
		}
		rec_begin(g, "Company", &rec);
		rec_addf(g, &rec, "name", "%s %u %s", c->native,
			 rng_range(r, 1, 99), form);
		rec_add(g, &rec, "jurisdiction", cc);
		digits(r, buf, 10);
		rec_add(g, &rec, "registrationNumber", buf);
		address_of(r, cc, buf, sizeof(buf));
		rec_add(g, &rec, "address", buf);
	} else if (kind < 86) {
		bool truck = rng_below(r, 4) == 0;

		rec_begin(g, "Vehicle", &rec);
		plate_of(r, cc, buf, sizeof(buf));
		rec_add(g, &rec, "registrationNumber", buf);
		rec_add(g, &rec, "type", truck ? "lorry" : "car");
		rec_add(g, &rec, "model",
			truck ? PICK(r, scn_truck_models, scn_n_truck_models)
			      : PICK(r, scn_car_models, scn_n_car_models));
		rec_add(g, &rec, "country", cc);
		snprintf(buf, sizeof(buf), "%04u", rng_range(r, 2005, 2024));
		rec_add(g, &rec, "buildDate", buf);
	} else if (kind < 93) {
		rec_begin(g, "BankAccount", &rec);
		iban_of(r, cc, buf, sizeof(buf));
		rec_add(g, &rec, "iban", buf);
		rec_add(g, &rec, "currency", rng_below(r, 3) ? "EUR" : "USD");
		rec_add(g, &rec, "country", cc);
	} else {
		rec_begin(g, "Address", &rec);
		address_of(r, cc, buf, sizeof(buf));
		rec_add(g, &rec, "full", buf);
		rec_add(g, &rec, "country", cc);
	}
	rec_end(g, &rec, mk);
}

/* ---- manifest ---------------------------------------------------------- */

static json_t *person_json(const char *agency, const char *id,
			   const struct person *p, const char *role)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "agency", agency,
			 "record_id", id, "role", role, "name", p->name,
			 "name_latin", p->latin, "birth_date", p->dob,
			 "nationality", p->country, "gender",
			 p->gender == 'f' ? "female" : "male");
}

static int manifest_write(FILE *f, uint64_t seed, size_t background,
			  const struct story *s, const struct ids *x,
			  const struct scenario_result *res, struct diag *d)
{
	const char *A = agencies[AG_A].code, *B = agencies[AG_B].code,
		   *C = agencies[AG_C].code;
	char seed_s[24];
	json_t *m = NULL, *ags = json_array(), *net = json_array();
	json_t *suspect = NULL, *traveller = NULL, *query = NULL,
	       *evidence = NULL, *negative = NULL;
	int rc = LIA_ENOMEM;

	snprintf(seed_s, sizeof(seed_s), "%" PRIu64, seed);
	if (!ags || !net)
		goto out;
	for (int i = 0; i < SCENARIO_AGENCIES; i++) {
		json_t *a = json_pack(
		    "{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "role",
		    i == 0   ? "A"
		    : i == 1 ? "B"
			     : "C",
		    "agency", agencies[i].code, "name", agencies[i].name,
		    "country", agencies[i].country, "file", agencies[i].file,
		    "records", (json_int_t)res->agency[i].records,
		    "story_records", (json_int_t)res->agency[i].story,
		    "background_records",
		    (json_int_t)res->agency[i].background);
		if (!a || json_array_append_new(ags, a))
			goto out;
	}
	if (json_array_append_new(net, person_json(A, x->brother, &s->brother,
						   "brother, manager of the "
						   "company")) ||
	    json_array_append_new(
		net, person_json(A, x->driver, &s->driver, "lorry driver")) ||
	    json_array_append_new(net, person_json(B, x->facilitator,
						   &s->facilitator,
						   "facilitator in Greece")) ||
	    json_array_append_new(net, person_json(C, x->director, &s->director,
						   "director of the Polish "
						   "company")) ||
	    json_array_append_new(
		net,
		json_pack("{s:s,s:s,s:s,s:s,s:s}", "agency", A, "record_id",
			  x->company, "role", "front company", "name",
			  s->company_bg, "name_latin", s->company_bg_l)) ||
	    json_array_append_new(net, json_pack("{s:s,s:s,s:s,s:s}", "agency",
						 A, "record_id", x->truck,
						 "role", "lorry",
						 "registration", s->plate)) ||
	    json_array_append_new(net, json_pack("{s:s,s:s,s:s,s:s}", "agency",
						 A, "record_id", x->account,
						 "role", "company account",
						 "iban", s->iban_bg)) ||
	    json_array_append_new(net, json_pack("{s:s,s:s,s:s,s:s}", "agency",
						 C, "record_id", x->company_pl,
						 "role", "receiving company",
						 "name", s->company_pl)))
		goto out;

	suspect = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "agency",
	    A, "record_id", x->suspect, "name", s->suspect.name, "name_latin",
	    s->suspect.latin, "first_name", s->suspect.given, "last_name",
	    s->suspect.surname, "father_name", s->suspect_father, "birth_date",
	    s->suspect.dob, "nationality", "bg", "gender", "male", "id_number",
	    s->egn, "alert_kind", "discreet-check", "alert_action",
	    "Discreet check: record the vehicle, passengers and route; do "
	    "not alert the driver; inform the issuer at once.");
	traveller = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
	    "s:[s,s,s],s:s,s:s}",
	    "agency", B, "record_id", x->traveller, "passport_record_id",
	    x->passport, "passport_name", s->passport_name, "surname",
	    s->passport_surname, "given_name", s->passport_given, "birth_date",
	    s->suspect.dob, "nationality", "bg", "gender", "male",
	    "passport_number", s->passport_no, "mrz", s->mrz, "vehicle",
	    s->plate, "crossing_point",
	    "Promachonas border crossing point, Serres, Greece",
	    "crossing_date", s->crossing[2], "crossings", x->crossing[0],
	    x->crossing[1], x->crossing[2], "expect", "hit", "matches",
	    x->suspect);
	query = json_pack("{s:s,s:s,s:s,s:s,s:s}", "agency", C, "name",
			  s->query_name, "expect", "hit", "owner", A, "matches",
			  x->suspect);
	evidence = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "agency", B, "record_id", x->note,
	    "description", s->evidence, "seized_from", x->traveller, "date",
	    s->crossing[2], "place", "Promachonas", "transfer_to", A);
	negative = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			     "agency", B, "record_id", x->negative,
			     "passport_name", s->negative_mrz_name, "name",
			     s->negative.name, "birth_date", s->negative.dob,
			     "nationality", s->negative.country, "gender",
			     "male", "passport_number", s->negative_passport,
			     "mrz", s->negative_mrz, "expect", "no-hit");
	if (!suspect || !traveller || !query || !evidence || !negative)
		goto out;
	m = json_pack("{s:s,s:i,s:s,s:I,s:O,s:{s:s,s:O,s:O,s:O,s:O,s:O,s:O}}",
		      "format", "liaison-scenario", "version", 1, "seed",
		      seed_s, "background_per_agency", (json_int_t)background,
		      "agencies", ags, "story", "summary",
		      "A Bulgarian network moves people across the Greek "
		      "border in its lorries and launders the proceeds "
		      "through a Polish company. A holds the suspect; B's "
		      "border police know him by his passport spelling; C "
		      "sees only money and a name in Polish spelling.",
		      "suspect", suspect, "traveller", traveller, "query",
		      query, "evidence", evidence, "negative", negative,
		      "network", net);
	if (!m)
		goto out;
	if (json_dumpf(m, f, JSON_INDENT(2) | JSON_SORT_KEYS) ||
	    fputc('\n', f) == EOF) {
		diag_set(d, "scenario.json: write failed");
		rc = LIA_EIO;
		goto out;
	}
	rc = 0;
out:
	json_decref(m);
	json_decref(ags);
	json_decref(net);
	json_decref(suspect);
	json_decref(traveller);
	json_decref(query);
	json_decref(evidence);
	json_decref(negative);
	return rc;
}

/* ---- driver ------------------------------------------------------------ */

static int ensure_dir(const char *dir, struct diag *d)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		diag_set(d, "%s: %s", dir, strerror(errno));
		return LIA_EIO;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		diag_set(d, "%s: not a folder", dir);
		return LIA_EIO;
	}
	return 0;
}

static int sync_dir(const char *dir, struct diag *d)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc = 0;

	if (fd < 0 || fsync(fd))
		rc = LIA_EIO;
	if (rc)
		diag_set(d, "%s: sync failed: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int scenario_generate(uint64_t seed, size_t background, const char *dir,
		      struct scenario_result *out, struct diag *d)
{
	struct outf of[SCENARIO_AGENCIES + 1];
	struct gen g[SCENARIO_AGENCIES];
	struct scenario_result res;
	struct story *s = NULL;
	struct ids *x = NULL;
	int rc;

	memset(of, 0, sizeof(of));
	memset(g, 0, sizeof(g));
	memset(&res, 0, sizeof(res));
	if (!dir || !dir[0] || background > SCENARIO_BACKGROUND_MAX) {
		diag_set(d,
			 "scenario: no output folder, or more than %u "
			 "background records",
			 SCENARIO_BACKGROUND_MAX);
		return LIA_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	x = calloc(1, sizeof(*x));
	rc = LIA_ENOMEM;
	if (!s || !x)
		goto out;
	if ((rc = story_draw(seed, s, d)) || (rc = ensure_dir(dir, d)))
		goto out;
	for (int i = 0; i < SCENARIO_AGENCIES; i++) {
		g[i].d = d;
		g[i].ag = &agencies[i];
		rng_seed(&g[i].r, seed, 1 + (uint64_t)i);
		g[i].id_key = rng_next(&g[i].r);
		if ((rc = marks_build(i, g[i].mk, d)) ||
		    (rc = outf_open(&of[i], dir, agencies[i].file, d)))
			goto out;
		g[i].f = of[i].f;
	}
	share_a(&g[AG_A], s, x);
	share_b(&g[AG_B], s, x);
	share_c(&g[AG_C], s, x);
	for (int i = 0; i < SCENARIO_AGENCIES; i++) {
		uint64_t story = g[i].records;

		for (size_t k = 0; k < background && !g[i].rc; k++)
			background_one(&g[i]);
		if ((rc = g[i].rc))
			goto out;
		g[i].f = NULL;
		if ((rc = outf_finish(&of[i], d)))
			goto out;
		(void)str_copy(res.agency[i].agency,
			       sizeof(res.agency[i].agency), agencies[i].code);
		(void)str_copy(res.agency[i].file, sizeof(res.agency[i].file),
			       agencies[i].file);
		res.agency[i].records = g[i].records;
		res.agency[i].story = story;
		res.agency[i].background = g[i].records - story;
		res.total += g[i].records;
	}
	if ((rc = outf_open(&of[3], dir, SCENARIO_MANIFEST, d)) ||
	    (rc = manifest_write(of[3].f, seed, background, s, x, &res, d)) ||
	    (rc = outf_finish(&of[3], d)))
		goto out;
	/* The manifest is renamed last: a reader that finds it finds every
	 * file it names complete. */
	for (int i = 0; i <= SCENARIO_AGENCIES; i++) {
		if (rename(of[i].tmp, of[i].path)) {
			diag_set(d, "%s: %s", of[i].path, strerror(errno));
			rc = LIA_EIO;
			goto out;
		}
		of[i].tmp[0] = '\0';
	}
	if ((rc = sync_dir(dir, d)))
		goto out;
	if (out)
		*out = res;
out:
	for (int i = 0; i < SCENARIO_AGENCIES; i++)
		for (int k = 0; k < MK_N; k++)
			json_decref(g[i].mk[k]);
	for (int i = 0; i <= SCENARIO_AGENCIES; i++)
		outf_abort(&of[i]);
	free(s);
	free(x);
	return rc;
}
