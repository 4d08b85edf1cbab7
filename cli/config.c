// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon config [set KEY VALUE...]: the namespace's runtime knobs. The
 * kernel checks the ranges (its extended ack names the bad one); we only
 * check that a value is a number that fits its attribute.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "format.h"
#include "hsmon.h"
#include "nl.h"

static const char *const config_names[HSMON_A_CONFIG_MAX + 1] = {
	[HSMON_A_CONFIG_MAX_FLOWS]	= "max_flows",
	[HSMON_A_CONFIG_SYN_TIMEOUT]	= "syn_timeout",
	[HSMON_A_CONFIG_EST_TIMEOUT]	= "est_timeout",
	[HSMON_A_CONFIG_LINGER_TIMEOUT]	= "linger_timeout",
	[HSMON_A_CONFIG_EVENTS]		= "events",
	[HSMON_A_CONFIG_TRACK_MIDSTREAM]	= "track_midstream",
};

struct config {
	uint32_t val[HSMON_A_CONFIG_MAX + 1];
	bool have[HSMON_A_CONFIG_MAX + 1];
};

static bool is_flag(uint16_t type)
{
	return type == HSMON_A_CONFIG_EVENTS ||
	       type == HSMON_A_CONFIG_TRACK_MIDSTREAM;
}

static int config_attr_cb(const struct nlattr *attr, void *data)
{
	struct config *cfg = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* What a newer module sends that we cannot name. */
	if (type > HSMON_A_CONFIG_MAX || !config_names[type])
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, is_flag(type) ? MNL_TYPE_U8 :
			      MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	cfg->val[type] = is_flag(type) ? mnl_attr_get_u8(attr) :
					 mnl_attr_get_u32(attr);
	cfg->have[type] = true;
	return MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), config_attr_cb,
			   data) < 0) {
		fprintf(stderr, "hsmon: config: malformed reply from the kernel\n");
		return HSMON_EXIT_FAIL;
	}
	return HSMON_EXIT_OK;
}

static int config_get(struct hsmon_nl *nl, struct config *cfg)
{
	char buf[HSMON_NL_SNDBUF];
	struct hsmon_req req = {
		.op = "config",
		.cb = config_cb,
		.data = cfg,
	};

	req.nlh = hsmon_nl_msg(nl, buf, HSMON_CMD_CONFIG_GET, NLM_F_ACK);
	return hsmon_nl_talk(nl, &req);
}

static void print_config(const struct hsmon_opts *o, const struct config *cfg)
{
	bool first = true;
	int i;

	if (o->json)
		putchar('{');
	for (i = 1; i <= HSMON_A_CONFIG_MAX; i++) {
		if (!cfg->have[i])
			continue;
		if (!o->json) {
			printf("%s %" PRIu32 "\n", config_names[i], cfg->val[i]);
			continue;
		}
		hsmon_json_key(stdout, &first, config_names[i]);
		if (is_flag(i))
			fputs(cfg->val[i] ? "true" : "false", stdout);
		else
			printf("%" PRIu32, cfg->val[i]);
	}
	if (o->json)
		printf("}\n");
}

static int config_key(const char *s)
{
	char name[32];
	size_t i;

	/* syn-timeout as well as syn_timeout */
	for (i = 0; i < sizeof(name) - 1 && s[i]; i++)
		name[i] = s[i] == '-' ? '_' : s[i];
	name[i] = '\0';
	for (i = 1; i <= HSMON_A_CONFIG_MAX; i++)
		if (config_names[i] && !strcmp(name, config_names[i]))
			return i;
	return -1;
}

static uint32_t config_value(int type, const char *s)
{
	unsigned long v;
	char *end;

	if (is_flag(type)) {
		if (!strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "yes"))
			return 1;
		if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no"))
			return 0;
		hsmon_usage_error("config set: %s must be 0 or 1, not '%s'",
				  config_names[type], s);
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || v > UINT32_MAX)
		hsmon_usage_error("config set: %s wants a number, not '%s'",
				  config_names[type], s);
	return v;
}

static int config_set(const struct hsmon_opts *o, struct hsmon_args *a)
{
	char buf[HSMON_NL_SNDBUF];
	struct hsmon_req req = {
		.op = "config set",
		.attr_names = config_names,
		.nattr_names = HSMON_A_CONFIG_MAX + 1,
	};
	struct config set = {}, now = {};
	struct hsmon_nl nl;
	int i, type, ret;

	if (!a->argc)
		hsmon_usage_error("config set: nothing to set");
	for (i = 0; i < a->argc; i += 2) {
		type = config_key(a->argv[i]);
		if (type < 0)
			hsmon_usage_error("config set: unknown key '%s'", a->argv[i]);
		if (i + 1 >= a->argc)
			hsmon_usage_error("config set: '%s' needs a value", a->argv[i]);
		if (set.have[type])
			hsmon_usage_error("config set: %s given twice", config_names[type]);
		set.val[type] = config_value(type, a->argv[i + 1]);
		set.have[type] = true;
	}

	ret = hsmon_nl_open(&nl);
	if (ret)
		goto out;
	req.nlh = hsmon_nl_msg(&nl, buf, HSMON_CMD_CONFIG_SET, NLM_F_ACK);
	for (i = 1; i <= HSMON_A_CONFIG_MAX; i++) {
		if (!set.have[i])
			continue;
		if (is_flag(i))
			mnl_attr_put_u8(req.nlh, i, set.val[i]);
		else
			mnl_attr_put_u32(req.nlh, i, set.val[i]);
	}
	ret = hsmon_nl_talk(&nl, &req);
	/* Silent on success, but a JSON reader gets the resulting config. */
	if (!ret && o->json) {
		ret = config_get(&nl, &now);
		if (!ret)
			print_config(o, &now);
	}
out:
	hsmon_nl_close(&nl);
	return ret;
}

int hsmon_cmd_config(const struct hsmon_opts *o, struct hsmon_args *a)
{
	struct config cfg = {};
	struct hsmon_nl nl;
	int ret;

	if (a->argc && !strcmp(a->argv[0], "set")) {
		a->argc--;
		a->argv++;
		return config_set(o, a);
	}
	if (a->argc)
		hsmon_usage_error("config: unexpected argument '%s'", a->argv[0]);

	ret = hsmon_nl_open(&nl);
	if (!ret)
		ret = config_get(&nl, &cfg);
	hsmon_nl_close(&nl);
	if (!ret)
		print_config(o, &cfg);
	return ret;
}
