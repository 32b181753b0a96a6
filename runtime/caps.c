/* caps.c: the five capability sets of process.capabilities, with libcap.
 *
 * The parent turns names into a bitmask per set (validation happens there,
 * where errors can still be reported cleanly); the child only makes the
 * prctl/capset calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h> /* libcap */
#include <sys/prctl.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "runtime/security.h"

enum cap_set {
	SET_BOUNDING,
	SET_EFFECTIVE,
	SET_INHERITABLE,
	SET_PERMITTED,
	SET_AMBIENT,
	SET_COUNT
};

static const char *const set_names[SET_COUNT] = {"bounding", "effective", "inheritable",
						 "permitted", "ambient"};

struct rt_caps {
	uint64_t sets[SET_COUNT]; /* bit n = capability n */
	cap_value_t last;         /* highest capability the kernel knows */
};

static void cleanup_capp(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define cleanup_cap __attribute__((cleanup(cleanup_capp)))

/* Highest capability number of the running kernel (libcap reads
 * /proc/sys/kernel/cap_last_cap, or probes the bounding set). */
static cap_value_t kernel_last_cap(void)
{
	cap_value_t n = cap_max_bits();
	if (n <= 0 || n > 64)
		n = CAP_LAST_CAP + 1;
	return n - 1;
}

static int parse_name(const char *name, const char *path, cap_value_t *out, struct err **err)
{
	cap_value_t v;

	/* libcap also accepts numbers and lower case; the spec names are CAP_*. */
	if (!str_has_prefix(name, "CAP_") || name[4] == '\0')
		return err_set(err, 0, "unknown capability '%s' in '%s'", name, path);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return err_set(err, 0, "unknown capability '%s' in '%s'", name, path);
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return err_set(err, 0, "unknown capability '%s' in '%s'", name, path);
	*out = v;
	return 0;
}

int rt_caps_prepare(const cJSON *capabilities, struct rt_caps **out, struct err **err)
{
	struct rt_caps *c;
	const cJSON *item;

	*out = NULL;
	if (!capabilities || cJSON_IsNull(capabilities))
		return 0;
	if (!cJSON_IsObject(capabilities))
		return err_set(err, 0, "'process.capabilities' must be an object");

	c = xcalloc(1, sizeof(*c));
	c->last = kernel_last_cap();
	cJSON_ArrayForEach(item, capabilities)
	{
		int set = -1;
		const cJSON *name;
		char path[64];

		for (int i = 0; i < SET_COUNT; i++)
			if (item->string && streq(item->string, set_names[i]))
				set = i;
		if (set < 0) {
			err_set(err, 0, "unknown field 'process.capabilities.%s'",
				item->string ? item->string : "");
			goto fail;
		}
		snprintf(path, sizeof(path), "process.capabilities.%s", set_names[set]);
		if (cJSON_IsNull(item))
			continue;
		if (!cJSON_IsArray(item)) {
			err_set(err, 0, "'%s' must be an array of strings", path);
			goto fail;
		}
		cJSON_ArrayForEach(name, item)
		{
			cap_value_t v = 0;

			if (!cJSON_IsString(name)) {
				err_set(err, 0, "'%s' must be an array of strings", path);
				goto fail;
			}
			if (parse_name(name->valuestring, path, &v, err) < 0)
				goto fail;
			if (v > c->last) {
				log_warn("capability '%s' is not supported by the running kernel: "
					 "ignored",
					 name->valuestring);
				continue;
			}
			c->sets[set] |= UINT64_C(1) << v;
		}
	}
	/* The kernel raises an ambient capability only if it is permitted and
	 * inheritable.  runc ignores the others (its own default spec lists
	 * ambient ones that are not inheritable), so kist drops them here. */
	{
		uint64_t ok = c->sets[SET_PERMITTED] & c->sets[SET_INHERITABLE];

		if (c->sets[SET_AMBIENT] & ~ok)
			log_debug("ambient capabilities that are not both permitted and "
				  "inheritable are ignored");
		c->sets[SET_AMBIENT] &= ok;
	}
	*out = c;
	return 0;
fail:
	free(c);
	return -1;
}

int rt_caps_before_setuid(const struct rt_caps *c, struct err **err)
{
	if (!c)
		return 0;
	for (cap_value_t v = 0; v <= c->last; v++) {
		if (c->sets[SET_BOUNDING] & (UINT64_C(1) << v))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(err, errno, "drop capability %d from the bounding set",
				       (int)v);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(err, errno, "prctl PR_SET_KEEPCAPS");
	return 0;
}

static int fill_flag(cap_t caps, cap_flag_t flag, uint64_t mask, cap_value_t last, struct err **err)
{
	cap_value_t list[64];
	int n = 0;

	for (cap_value_t v = 0; v <= last; v++)
		if (mask & (UINT64_C(1) << v))
			list[n++] = v;
	if (n > 0 && cap_set_flag(caps, flag, n, list, CAP_SET) < 0)
		return err_set(err, errno, "cap_set_flag");
	return 0;
}

int rt_caps_after_setuid(const struct rt_caps *c, struct err **err)
{
	cleanup_cap cap_t caps = NULL;

	if (!c)
		return 0;
	caps = cap_init(); /* all clear */
	if (!caps)
		return err_set(err, errno, "cap_init");
	if (fill_flag(caps, CAP_PERMITTED, c->sets[SET_PERMITTED], c->last, err) < 0 ||
	    fill_flag(caps, CAP_EFFECTIVE, c->sets[SET_EFFECTIVE], c->last, err) < 0 ||
	    fill_flag(caps, CAP_INHERITABLE, c->sets[SET_INHERITABLE], c->last, err) < 0)
		return -1;
	if (cap_set_proc(caps) < 0)
		return err_set(err, errno, "set capabilities (effective must be within permitted)");
	/* Ambient capabilities are a subset of permitted and inheritable here
	 * (rt_caps_prepare dropped the others). */
	/* one call (libcap's cap_reset_ambient first asks about every
	 * capability); EINVAL: a kernel without ambient capabilities */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(err, errno, "clear the ambient capability set");
	for (cap_value_t v = 0; v <= c->last; v++) {
		if (!(c->sets[SET_AMBIENT] & (UINT64_C(1) << v)))
			continue;
		if (cap_set_ambient(v, CAP_SET) < 0) {
			cleanup_free char *name = NULL;
			char *n = cap_to_name(v);

			name = xstrdup(n ? n : "?");
			cap_free(n);
			return err_set(err, errno,
				       "raise ambient capability '%s' (it must also be permitted "
				       "and inheritable)",
				       name);
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_set(err, errno, "prctl PR_SET_KEEPCAPS");
	return 0;
}

void rt_caps_free(struct rt_caps *c)
{
	free(c);
}
