/* devices_bpf.h: device rules on cgroup v2 as an attached eBPF program. */
#ifndef KIST_RUNTIME_DEVICES_BPF_H
#define KIST_RUNTIME_DEVICES_BPF_H

#include <stddef.h> /* size_t */

struct err;
struct spec_device_rule;

/* Build the program for rules (the last matching rule wins; no match
 * denies), attach it to the cgroup v2 directory and detach the device
 * programs attached there before.  <0 with *err set on failure. */
int rt_devices_bpf_apply(const char *cgroup_dir, const struct spec_device_rule *rules, size_t n,
			 struct err **err);

#endif
