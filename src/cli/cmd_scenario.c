/*
 * cmd_scenario.c - `liaison scenario generate`: the synthetic cross-border
 * case of docs/SCENARIO.md, for demos and tests. Needs no node.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "liaison/scenario.h"
#include "liaison/strbuf.h"

static const char scenario_usage[] =
    "generate --seed N -o DIR [--background K]\n"
    "\nWrite a synthetic case of three fictional agencies (BG-OCD, GR-BPU,\n"
    "PL-FCB) into DIR: one FtM JSON lines file per agency, every record\n"
    "with its marking, ready for `liaison import`, and scenario.json, who\n"
    "is who in the story. K unrelated background records per agency\n"
    "(default 2000). The same seed gives the same bytes on any machine.\n";

static int usage_error(void)
{
	fprintf(stderr, "usage: liaison scenario %s", scenario_usage);
	return EX_USAGE;
}

int cmd_scenario(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seed", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"background", required_argument, NULL, 'b'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *dir = NULL;
	uint64_t seed = 0, background = SCENARIO_BACKGROUND_DEFAULT;
	bool have_seed = false;
	struct scenario_result res;
	struct diag d;
	int ch, rc;

	/* The action word comes first: `liaison scenario generate ...`. */
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: liaison scenario %s", scenario_usage);
		return EX_OK;
	}
	if (argc < 2 || strcmp(argv[1], "generate"))
		return usage_error();
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (str_to_u64(optarg, strlen(optarg), &seed))
				return usage_error();
			have_seed = true;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'b':
			if (str_to_u64(optarg, strlen(optarg), &background) ||
			    background > SCENARIO_BACKGROUND_MAX)
				return usage_error();
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			printf("usage: liaison scenario %s", scenario_usage);
			return EX_OK;
		default:
			return usage_error();
		}
	}
	if (!have_seed || !dir || optind != argc)
		return usage_error();
	diag_clear(&d);
	rc = scenario_generate(seed, (size_t)background, dir, &res, &d);
	if (rc)
		return cli_fail("scenario", rc, &d);
	if (c->json) {
		json_t *o =
		    json_pack("{s:s,s:I,s:[]}", "folder", dir, "records",
			      (json_int_t)res.total, "agencies");
		for (int i = 0; o && i < SCENARIO_AGENCIES; i++)
			json_array_append_new(
			    json_object_get(o, "agencies"),
			    json_pack("{s:s,s:s,s:I}", "agency",
				      res.agency[i].agency, "file",
				      res.agency[i].file, "records",
				      (json_int_t)res.agency[i].records));
		rc = o ? json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS)
		       : -1;
		json_decref(o);
		fputc('\n', stdout);
		return rc ? EX_SOFTWARE : EX_OK;
	}
	for (int i = 0; i < SCENARIO_AGENCIES; i++)
		printf("%s/%s: %llu records (%llu story, %llu background)\n",
		       dir, res.agency[i].file,
		       (unsigned long long)res.agency[i].records,
		       (unsigned long long)res.agency[i].story,
		       (unsigned long long)res.agency[i].background);
	printf("%s/%s: the story's cast\n", dir, SCENARIO_MANIFEST);
	return EX_OK;
}
