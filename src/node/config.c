/*
 * config.c - node home folder and config.json.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liaison/ledger.h"
#include "liaison/node.h"
#include "liaison/strbuf.h"
#include "liaison/types.h"

#define CONFIG_VERSION 1
#define CONFIG_MAX (1 << 20)

int node_home(const char *opt, char *buf, size_t n)
{
	const char *h = opt;

	if (!h || !*h)
		h = getenv("LIAISON_HOME");
	if (!h || !*h)
		h = "./liaison-data";
	return str_copy(buf, n, h);
}

static int config_path(const char *home, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s/config.json", home);

	return k < 0 || (size_t)k >= n ? LIA_ETOOBIG : 0;
}

static int agency_ok(const char *a)
{
	size_t n = strlen(a);

	if (!n || n > MARKING_CODE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isupper((unsigned char)a[i]) ||
		      isdigit((unsigned char)a[i]) || a[i] == '-' ||
		      a[i] == '_'))
			return 0;
	return 1;
}

static int config_to_json(const struct node_config *c, json_t **out)
{
	json_t *o = json_object(), *lad = json_array(), *def = NULL;
	int rc = LIA_ENOMEM;

	if (!o || !lad)
		goto out;
	for (size_t i = 0; i < c->ladder.n; i++)
		if (json_array_append_new(lad, json_string(c->ladder.level[i])))
			goto out;
	if ((rc = marking_to_json(&c->defaults, &def)))
		goto out;
	rc = LIA_ENOMEM;
	if (json_object_set_new(o, "version", json_integer(CONFIG_VERSION)) ||
	    json_object_set_new(o, "agency", json_string(c->agency)) ||
	    json_object_set_new(o, "name", json_string(c->name)) ||
	    json_object_set_new(o, "country", json_string(c->country)) ||
	    json_object_set(o, "classification_ladder", lad) ||
	    json_object_set(o, "default_marking", def) ||
	    json_object_set_new(o, "listen", json_string(c->listen)))
		goto out;
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(def);
	json_decref(lad);
	json_decref(o);
	return rc;
}

/* Write atomically: a crash leaves either the old or the new file. */
static int config_write(const char *home, const struct node_config *c,
			struct diag *d)
{
	char path[4096], tmp[4200];
	json_t *o = NULL;
	char *text = NULL;
	int fd = -1, rc;
	size_t len;

	if ((rc = config_path(home, path, sizeof(path))))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((rc = config_to_json(c, &o)))
		goto out;
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text) {
		rc = LIA_ENOMEM;
		goto out;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) || close(fd)) {
		diag_set(d, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		unlink(tmp);
		rc = LIA_EIO;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		diag_set(d, "%s: %s", path, strerror(errno));
		unlink(tmp);
		rc = LIA_EIO;
	}
out:
	free(text);
	json_decref(o);
	return rc;
}

static int config_read(const char *home, struct node_config *c,
		       struct diag *d)
{
	char path[4096];
	json_error_t jerr;
	json_t *o = NULL, *v;
	size_t i;
	int rc;

	if ((rc = config_path(home, path, sizeof(path))))
		return rc;
	memset(c, 0, sizeof(*c));
	marking_init(&c->defaults);
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		if (access(path, F_OK)) {
			diag_set(d, "%s: not a liaison node (no config.json); "
				    "run `liaison init` first", home);
			return LIA_ENOTFOUND;
		}
		diag_set(d, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return LIA_ECONFIG;
	}
	rc = LIA_ECONFIG;
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CONFIG_VERSION) {
		diag_set(d, "%s: unsupported config version", path);
		rc = json_is_integer(v) && json_integer_value(v) > CONFIG_VERSION
			     ? LIA_EVERSION
			     : LIA_ECONFIG;
		goto out;
	}
	if (!json_is_string(json_object_get(o, "agency")) ||
	    str_copy(c->agency, sizeof(c->agency),
		     json_string_value(json_object_get(o, "agency"))) ||
	    !agency_ok(c->agency)) {
		diag_set(d, "%s: agency missing or invalid", path);
		goto out;
	}
	v = json_object_get(o, "name");
	if (json_is_string(v) &&
	    str_copy(c->name, sizeof(c->name), json_string_value(v))) {
		diag_set(d, "%s: name too long", path);
		goto out;
	}
	v = json_object_get(o, "country");
	if (json_is_string(v) &&
	    str_copy(c->country, sizeof(c->country), json_string_value(v))) {
		diag_set(d, "%s: country must be an alpha-2 code", path);
		goto out;
	}
	v = json_object_get(o, "listen");
	(void)str_copy(c->listen, sizeof(c->listen), NODE_LISTEN_DEFAULT);
	if (v && (!json_is_string(v) ||
		  str_copy(c->listen, sizeof(c->listen),
			   json_string_value(v)))) {
		diag_set(d, "%s: listen must be \"ADDR:PORT\"", path);
		goto out;
	}
	/* Attachments from peers: optional, defaults when absent. */
	v = json_object_get(o, "blob_quota_mb");
	c->blob_quota = (uint64_t)NODE_BLOB_QUOTA_MB_DEFAULT << 20;
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > (1LL << 24))) {
		diag_set(d, "%s: blob_quota_mb must be 1 to %lld", path,
			 1LL << 24);
		goto out;
	}
	if (v)
		c->blob_quota = (uint64_t)json_integer_value(v) << 20;
	v = json_object_get(o, "blob_expiry_s");
	c->blob_expiry_s = NODE_BLOB_EXPIRY_S_DEFAULT;
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > 365LL * 86400)) {
		diag_set(d, "%s: blob_expiry_s must be 1 to %lld", path,
			 365LL * 86400);
		goto out;
	}
	if (v)
		c->blob_expiry_s = (int64_t)json_integer_value(v);
	v = json_object_get(o, "upload_expiry_s");
	c->upload_expiry_s = NODE_UPLOAD_EXPIRY_S_DEFAULT;
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > 365LL * 86400)) {
		diag_set(d, "%s: upload_expiry_s must be 1 to %lld", path,
			 365LL * 86400);
		goto out;
	}
	if (v)
		c->upload_expiry_s = (int64_t)json_integer_value(v);
	v = json_object_get(o, "classification_ladder");
	if (!json_is_array(v) || !json_array_size(v) ||
	    json_array_size(v) > MARKING_LADDER_MAX) {
		diag_set(d, "%s: classification_ladder must list 1 to %d "
			    "levels", path, MARKING_LADDER_MAX);
		goto out;
	}
	for (i = 0; i < json_array_size(v); i++) {
		json_t *lv = json_array_get(v, i);
		if (!json_is_string(lv) ||
		    str_copy(c->ladder.level[i], sizeof(c->ladder.level[i]),
			     json_string_value(lv))) {
			diag_set(d, "%s: bad classification level %zu", path,
				 i + 1);
			goto out;
		}
	}
	c->ladder.n = i;
	rc = marking_from_json(json_object_get(o, "default_marking"),
			       &c->ladder, &c->defaults, d);
	if (rc) {
		diag_prefix(d, "%s: default_marking: ", path);
		goto out;
	}
	/* An invalid policy stops the node: it must not approve more, or
	 * less, than its configuration says. */
	if ((rc = node_policy_from_json(json_object_get(o, "release_policy"),
					&c->ladder, &c->release_policy, d)))
		diag_prefix(d, "%s: ", path);
out:
	json_decref(o);
	return rc;
}

int node_init(const char *home, const char *agency, const char *name,
	      const char *country, struct diag *d)
{
	struct node_config c;
	struct store *st = NULL;
	struct store_opts so = {0};
	char path[4096];
	int rc;

	memset(&c, 0, sizeof(c));
	marking_init(&c.defaults);
	if (!agency_ok(agency)) {
		diag_set(d, "agency code \"%.40s\" must be 1-%d characters "
			    "A-Z, 0-9, '-' (e.g. NL-NP)", agency,
			 MARKING_CODE_MAX);
		return LIA_EINVAL;
	}
	if (str_copy(c.name, sizeof(c.name), name ? name : agency)) {
		diag_set(d, "name longer than %d bytes", NODE_NAME_MAX);
		return LIA_EINVAL;
	}
	if (country && *country) {
		if (types_country(country, strlen(country), c.country, d)) {
			diag_prefix(d, "country: ");
			return LIA_EINVAL;
		}
	}
	(void)str_copy(c.agency, sizeof(c.agency), agency);
	marking_ladder_default(&c.ladder);
	(void)str_copy(c.listen, sizeof(c.listen), NODE_LISTEN_DEFAULT);
	/* Defaults for the node's own records: restricted, need-to-know,
	 * shared with no one until someone decides otherwise. */
	(void)str_copy(c.defaults.agency, sizeof(c.defaults.agency), agency);
	(void)str_copy(c.defaults.classification,
		       sizeof(c.defaults.classification), "RESTRICTED");
	c.defaults.handling = 1;
	c.defaults.tlp = TLP_AMBER;

	if ((rc = config_path(home, path, sizeof(path))))
		return rc;
	if (!access(path, F_OK)) {
		diag_set(d, "%s already holds a liaison node", home);
		return LIA_EEXIST;
	}
	if (mkdir(home, 0700) && errno != EEXIST) {
		diag_set(d, "%s: %s", home, strerror(errno));
		return LIA_EIO;
	}
	so.create = true;
	so.ladder = &c.ladder;
	if ((rc = store_open(home, &so, &st, d)))
		goto out;
	rc = config_write(home, &c, d);
out:
	store_close(st);
	marking_free(&c.defaults);
	return rc;
}

static void wake_hook(void *ctx)
{
	const struct node *n = ctx;

	node_wake_daemon(n->home);
}

int node_open(const char *home, bool readonly, struct node **out,
	      struct diag *d)
{
	struct node *n = calloc(1, sizeof(*n));
	struct store_opts so = {0};
	int rc;

	if (!n)
		return LIA_ENOMEM;
	if ((rc = config_read(home, &n->cfg, d)))
		goto out;
	if (!(n->home = strdup(home))) {
		rc = LIA_ENOMEM;
		goto out;
	}
	so.ladder = &n->cfg.ladder;
	so.readonly = readonly;
	if ((rc = store_open(home, &so, &n->store, d)))
		goto out;
	/* Whatever this process queues (a send, an alert, a hit, an
	 * answer) wakes the daemon's delivery worker once committed. */
	if (!readonly)
		store_set_queue_hook(n->store, wake_hook, n);
	/* The audit trail of the exchange is part of the ledger (issue #6):
	 * every audit row becomes an entry in its own transaction. */
	if (!readonly)
		store_set_audit_hook(n->store, ledger_audit_hook, NULL);
out:
	if (rc) {
		node_close(n);
		return rc;
	}
	*out = n;
	return 0;
}

void node_close(struct node *n)
{
	if (!n)
		return;
	node_own_index_free(n->own_ix);
	store_close(n->store);
	marking_free(&n->cfg.defaults);
	free(n->home);
	free(n);
}
