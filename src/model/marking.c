/*
 * marking.c - handling markings: classification, handling code, TLP,
 * Admiralty evaluation, review date and audience.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "liaison/marking.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

static const char *const default_ladder[] = {
	"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET",
};

void marking_ladder_default(struct ladder *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < 4; i++)
		(void)str_copy(l->level[i], sizeof(l->level[i]),
			       default_ladder[i]);
	l->n = 4;
}

int marking_ladder_index(const struct ladder *l, const char *level)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->level[i], level))
			return (int)i;
	return -1;
}

void marking_init(struct marking *m)
{
	memset(m, 0, sizeof(*m));
	m->tlp = TLP_AMBER;
}

void marking_free(struct marking *m)
{
	free(m->conditions);
	for (size_t i = 0; i < m->n_audience; i++)
		free(m->audience[i]);
	free(m->audience);
	marking_init(m);
}

int marking_copy(struct marking *dst, const struct marking *src)
{
	struct marking t = *src;

	t.conditions = NULL;
	t.audience = NULL;
	t.n_audience = 0;
	if (src->conditions && !(t.conditions = strdup(src->conditions)))
		goto fail;
	if (src->n_audience) {
		t.audience = calloc(src->n_audience, sizeof(char *));
		if (!t.audience)
			goto fail;
		for (size_t i = 0; i < src->n_audience; i++) {
			t.audience[i] = strdup(src->audience[i]);
			if (!t.audience[i])
				goto fail;
			t.n_audience++;
		}
	}
	*dst = t;
	return 0;
fail:
	marking_free(&t);
	return LIA_ENOMEM;
}

/* Agency and group codes: upper-case letters, digits and '-', like
 * "DE-BKA" or "EU". Kept strict because they are routing keys. */
static bool valid_code(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MARKING_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isupper(c) || isdigit(c) || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static const char *const tlp_names[] = {
	"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED",
};

const char *marking_tlp_name(enum tlp t)
{
	return (unsigned)t <= TLP_RED ? tlp_names[t] : "?";
}

int marking_set_tlp(struct marking *m, const char *s, struct diag *d)
{
	const char *p = s;

	/* "TLP:AMBER" is how people write it on documents. */
	if (!strncasecmp(p, "TLP:", 4))
		p += 4;
	for (int i = 0; i <= TLP_RED; i++) {
		if (!strcasecmp(p, tlp_names[i])) {
			m->tlp = (enum tlp)i;
			return 0;
		}
	}
	/* TLP 1.0's WHITE became CLEAR in 2.0; accept it as an alias. */
	if (!strcasecmp(p, "WHITE")) {
		m->tlp = TLP_CLEAR;
		return 0;
	}
	diag_set(d, "tlp: \"%.32s\" is not one of CLEAR, GREEN, AMBER, "
		    "AMBER+STRICT, RED", s);
	return LIA_EVALUE;
}

int marking_set_handling(struct marking *m, const char *s, struct diag *d)
{
	if ((s[0] == 'H' || s[0] == 'h') && s[1] >= '0' && s[1] <= '3' &&
	    !s[2]) {
		m->handling = s[1] - '0';
		return 0;
	}
	diag_set(d, "handling: \"%.32s\" is not one of H0, H1, H2, H3", s);
	return LIA_EVALUE;
}

int marking_set_evaluation(struct marking *m, const char *s, struct diag *d)
{
	char r, c;

	if (strlen(s) != 2)
		goto bad;
	r = (char)toupper((unsigned char)s[0]);
	c = s[1];
	if (r < 'A' || r > 'F' || c < '1' || c > '6')
		goto bad;
	m->reliability = r;
	m->credibility = c;
	return 0;
bad:
	diag_set(d, "evaluation: \"%.32s\" is not a source reliability A-F "
		    "followed by an information credibility 1-6 (e.g. B2)", s);
	return LIA_EVALUE;
}

int marking_set_audience(struct marking *m, const char *csv, struct diag *d)
{
	struct marking t;
	const char *p = csv;
	int rc = 0;

	marking_init(&t);
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char code[MARKING_CODE_MAX + 1];

		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		if (!n || n > MARKING_CODE_MAX) {
			diag_set(d, "audience: empty or over-long entry in "
				    "\"%.64s\"", csv);
			rc = LIA_EVALUE;
			goto out;
		}
		memcpy(code, p, n);
		code[n] = '\0';
		for (size_t i = 0; i < n; i++)
			code[i] = (char)toupper((unsigned char)code[i]);
		if (!valid_code(code)) {
			diag_set(d, "audience: \"%s\" is not an agency or group "
				    "code (A-Z, 0-9, -)", code);
			rc = LIA_EVALUE;
			goto out;
		}
		if (t.n_audience >= MARKING_AUDIENCE_MAX) {
			diag_set(d, "audience: more than %d entries",
				 MARKING_AUDIENCE_MAX);
			rc = LIA_ETOOBIG;
			goto out;
		}
		char **na = realloc(t.audience,
				    (t.n_audience + 1) * sizeof(char *));
		if (!na) {
			rc = LIA_ENOMEM;
			goto out;
		}
		t.audience = na;
		if (!(t.audience[t.n_audience] = strdup(code))) {
			rc = LIA_ENOMEM;
			goto out;
		}
		t.n_audience++;
		p += (end ? (size_t)(end - p) + 1 : strlen(p));
		if (end && !*p) {
			diag_set(d, "audience: trailing comma in \"%.64s\"",
				 csv);
			rc = LIA_EVALUE;
			goto out;
		}
	}
out:
	if (rc) {
		marking_free(&t);
		return rc;
	}
	for (size_t i = 0; i < m->n_audience; i++)
		free(m->audience[i]);
	free(m->audience);
	m->audience = t.audience;
	m->n_audience = t.n_audience;
	return 0;
}

int marking_validate(const struct marking *m, const struct ladder *l,
		     struct diag *d)
{
	struct ladder def;

	if (!l) {
		marking_ladder_default(&def);
		l = &def;
	}
	if (!valid_code(m->agency)) {
		diag_set(d, "agency: \"%.32s\" is not an agency code "
			    "(A-Z, 0-9, -)", m->agency);
		return LIA_EVALUE;
	}
	if (marking_ladder_index(l, m->classification) < 0) {
		diag_set(d, "classification: \"%.32s\" is not a level of "
			    "this node's ladder", m->classification);
		return LIA_EVALUE;
	}
	if (m->handling < 0 || m->handling > 3) {
		diag_set(d, "handling: must be H0 to H3");
		return LIA_EVALUE;
	}
	if (m->handling == 3 && (!m->conditions || !m->conditions[0])) {
		diag_set(d, "handling: H3 requires its conditions in text");
		return LIA_EVALUE;
	}
	if (m->handling != 3 && m->conditions) {
		diag_set(d, "handling: conditions are only for H3");
		return LIA_EVALUE;
	}
	if (m->conditions && strlen(m->conditions) > MARKING_CONDITIONS_MAX) {
		diag_set(d, "handling: conditions longer than %d bytes",
			 MARKING_CONDITIONS_MAX);
		return LIA_EVALUE;
	}
	if ((unsigned)m->tlp > TLP_RED) {
		diag_set(d, "tlp: invalid");
		return LIA_EVALUE;
	}
	if (!m->reliability != !m->credibility ||
	    (m->reliability && (m->reliability < 'A' || m->reliability > 'F' ||
				m->credibility < '1' || m->credibility > '6'))) {
		diag_set(d, "evaluation: needs both reliability A-F and "
			    "credibility 1-6");
		return LIA_EVALUE;
	}
	if (m->review_by[0]) {
		struct strbuf sb;
		int rc;

		strbuf_init(&sb, 64);
		rc = types_date(m->review_by, strlen(m->review_by), &sb, d);
		if (!rc && (sb.len != 10 || strcmp(sb.buf, m->review_by))) {
			diag_set(d, "review_by: must be a full date "
				    "YYYY-MM-DD");
			rc = LIA_EVALUE;
		} else if (rc) {
			diag_prefix(d, "review_by: ");
		}
		strbuf_release(&sb);
		if (rc)
			return rc;
	}
	if (m->n_audience > MARKING_AUDIENCE_MAX)
		return LIA_ETOOBIG;
	for (size_t i = 0; i < m->n_audience; i++) {
		if (!valid_code(m->audience[i])) {
			diag_set(d, "audience: \"%.32s\" is not an agency or "
				    "group code", m->audience[i]);
			return LIA_EVALUE;
		}
	}
	return 0;
}

int marking_to_json(const struct marking *m, json_t **out)
{
	json_t *o = json_object(), *aud = json_array();
	char ev[3] = {0};
	int rc = LIA_ENOMEM;

	if (!o || !aud)
		goto out;
	for (size_t i = 0; i < m->n_audience; i++)
		if (json_array_append_new(aud, json_string(m->audience[i])))
			goto out;
	char h[3] = {'H', (char)('0' + m->handling), 0};
	if (json_object_set_new(o, "agency", json_string(m->agency)) ||
	    json_object_set_new(o, "classification",
				json_string(m->classification)) ||
	    json_object_set_new(o, "handling", json_string(h)) ||
	    json_object_set_new(o, "tlp", json_string(marking_tlp_name(m->tlp))) ||
	    json_object_set(o, "audience", aud))
		goto out;
	if (m->conditions &&
	    json_object_set_new(o, "conditions", json_string(m->conditions)))
		goto out;
	if (m->reliability) {
		ev[0] = m->reliability;
		ev[1] = m->credibility;
		if (json_object_set_new(o, "evaluation", json_string(ev)))
			goto out;
	}
	if (m->review_by[0] &&
	    json_object_set_new(o, "review_by", json_string(m->review_by)))
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(aud);
	json_decref(o);
	return rc;
}

static const char *const marking_keys[] = {
	"agency", "classification", "handling", "conditions", "tlp",
	"evaluation", "review_by", "audience", NULL,
};

int marking_from_json(const json_t *obj, const struct ladder *l,
		      struct marking *out, struct diag *d)
{
	struct marking m;
	const char *key;
	json_t *val;
	int rc = LIA_EVALUE;

	marking_init(&m);
	if (!json_is_object(obj)) {
		diag_set(d, "marking must be a JSON object");
		return LIA_EPARSE;
	}
	json_object_foreach((json_t *)obj, key, val) {
		size_t i;
		for (i = 0; marking_keys[i]; i++)
			if (!strcmp(key, marking_keys[i]))
				break;
		if (!marking_keys[i]) {
			diag_set(d, "marking: unknown field \"%.32s\"", key);
			rc = LIA_EPARSE;
			goto out;
		}
		if (strcmp(key, "audience") && !json_is_string(val)) {
			diag_set(d, "marking: %s must be a string", key);
			rc = LIA_EPARSE;
			goto out;
		}
	}
#define STR(k) json_string_value(json_object_get(obj, k))
	if (!STR("agency") || str_copy(m.agency, sizeof(m.agency), STR("agency"))) {
		diag_set(d, "agency: missing or too long");
		goto out;
	}
	if (!STR("classification") ||
	    str_copy(m.classification, sizeof(m.classification),
		     STR("classification"))) {
		diag_set(d, "classification: missing or too long");
		goto out;
	}
	if (STR("handling") && (rc = marking_set_handling(&m, STR("handling"), d)))
		goto out;
	if (STR("tlp") && (rc = marking_set_tlp(&m, STR("tlp"), d)))
		goto out;
	if (STR("evaluation") &&
	    (rc = marking_set_evaluation(&m, STR("evaluation"), d)))
		goto out;
	if (STR("conditions") && !(m.conditions = strdup(STR("conditions")))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	if (STR("review_by") &&
	    str_copy(m.review_by, sizeof(m.review_by), STR("review_by"))) {
		diag_set(d, "review_by: must be YYYY-MM-DD");
		rc = LIA_EVALUE;
		goto out;
	}
#undef STR
	val = json_object_get(obj, "audience");
	if (val) {
		size_t i;
		json_t *it;
		if (!json_is_array(val) ||
		    json_array_size(val) > MARKING_AUDIENCE_MAX) {
			diag_set(d, "audience: must be an array of at most %d "
				    "codes", MARKING_AUDIENCE_MAX);
			rc = LIA_EVALUE;
			goto out;
		}
		m.audience = calloc(json_array_size(val) + 1, sizeof(char *));
		if (!m.audience) {
			rc = LIA_ENOMEM;
			goto out;
		}
		json_array_foreach(val, i, it) {
			if (!json_is_string(it)) {
				diag_set(d, "audience: entries must be strings");
				rc = LIA_EVALUE;
				goto out;
			}
			if (!(m.audience[i] = strdup(json_string_value(it)))) {
				rc = LIA_ENOMEM;
				goto out;
			}
			m.n_audience++;
		}
	}
	rc = marking_validate(&m, l, d);
out:
	if (rc) {
		marking_free(&m);
		return rc;
	}
	*out = m;
	return 0;
}

int marking_describe(const struct marking *m, struct strbuf *out)
{
	int rc = strbuf_addf(out, "%s H%d TLP:%s", m->classification,
			     m->handling, marking_tlp_name(m->tlp));

	if (!rc && m->reliability)
		rc = strbuf_addf(out, " %c%c", m->reliability, m->credibility);
	if (!rc)
		rc = strbuf_addf(out, " from %s", m->agency);
	if (!rc && m->n_audience) {
		rc = strbuf_addstr(out, " to ");
		for (size_t i = 0; !rc && i < m->n_audience; i++)
			rc = strbuf_addf(out, "%s%s", i ? "," : "",
					 m->audience[i]);
	}
	if (!rc && m->review_by[0])
		rc = strbuf_addf(out, " review %s", m->review_by);
	if (!rc && m->conditions)
		rc = strbuf_addf(out, " conditions: %s", m->conditions);
	return rc;
}

bool marking_allows(const struct marking *m, const char *agency,
		    const char *const *groups, size_t n_groups)
{
	/* The originating agency always holds its own records. */
	if (!strcmp(m->agency, agency))
		return true;
	for (size_t i = 0; i < m->n_audience; i++) {
		if (!strcmp(m->audience[i], agency))
			return true;
		/* TLP RED is for named recipients only: a group is not a
		 * name, so membership does not count. */
		if (m->tlp == TLP_RED)
			continue;
		for (size_t g = 0; g < n_groups; g++)
			if (!strcmp(m->audience[i], groups[g]))
				return true;
	}
	return false;
}
