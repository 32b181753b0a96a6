/* netinfo.c: a container's network as docker shows it (inspect's
 * NetworkSettings, ps's PORTS and NETWORKS), from what it asked for (the
 * io.kist.* annotations of its overrides) and what kist-net gave it while
 * it runs (RUN/net/<id>.json, see net/attach.c). */
#define _GNU_SOURCE
#include <string.h>
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "store/store.h"

static const char *sval(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return s ? s : "";
}

static cJSON *net_record(struct store *s, const char *id)
{
	cleanup_free char *p = xasprintf("%s/net/%s.json", s->run, id);
	cJSON *r = json_load_file(p, 0, NULL);

	if (!cJSON_IsObject(r)) {
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

static const char *asked_network(const struct container *c)
{
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(c->doc, "Overrides");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(ov, "Annotations");
	const char *n = sval(ann, "io.kist.network");

	if (*n)
		return n;
	return streq(sval(ov, "NetworkMode"), "host") ? "host" : "";
}

char *container_ports_text(struct store *s, const struct container *c)
{
	cleanup_json cJSON *rec = net_record(s, c->id);
	const cJSON *list, *b;
	struct buf out = BUF_INIT;

	cJSON_ArrayForEach(list, cJSON_GetObjectItemCaseSensitive(rec, "Ports"))
	{
		cJSON_ArrayForEach(b, list)
		{
			cleanup_free char *one =
			    xasprintf("%s%s:%s->%s", out.len ? ", " : "", sval(b, "HostIp"),
				      sval(b, "HostPort"), list->string);
			buf_add(&out, one, strlen(one));
		}
	}
	return out.len ? buf_detach(&out, NULL) : xstrdup("");
}

char *container_networks_text(const struct container *c)
{
	const char *n = asked_network(c);

	return xstrdup(str_has_prefix(n, "container:") ? "" : n);
}

static cJSON *ann_array(const cJSON *ann, const char *key)
{
	const char *t = sval(ann, key);
	cJSON *a = *t ? cJSON_Parse(t) : NULL;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return cJSON_CreateNull();
	}
	return a;
}

void container_net_inspect(struct store *s, const struct container *c, cJSON *doc)
{
	cleanup_json cJSON *rec = net_record(s, c->id);
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(c->doc, "Overrides");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(ov, "Annotations");
	const char *net = asked_network(c);
	cJSON *host = cJSON_GetObjectItemCaseSensitive(doc, "HostConfig");
	cJSON *ns, *nets, *pb, *b;
	cleanup_json cJSON *want = NULL;

	if (host) {
		cJSON_AddStringToObject(host, "NetworkMode", *net ? net : "default");
		pb = cJSON_AddObjectToObject(host, "PortBindings");
		want = ann_array(ann, "io.kist.port-bindings");
		cJSON_ArrayForEach(b, want)
		{
			cleanup_free char *key =
			    xasprintf("%s/%s", sval(b, "ContainerPort"), sval(b, "Proto"));
			cJSON *l = cJSON_GetObjectItemCaseSensitive(pb, key), *o;

			if (!l)
				l = cJSON_AddArrayToObject(pb, key);
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "HostIp", sval(b, "HostIp"));
			cJSON_AddStringToObject(o, "HostPort", sval(b, "HostPort"));
			cJSON_AddItemToArray(l, o);
		}
		cJSON_AddBoolToObject(host, "PublishAllPorts",
				      streq(sval(ann, "io.kist.publish-all"), "true"));
		cJSON_AddItemToObject(host, "Dns", ann_array(ann, "io.kist.dns"));
		cJSON_AddItemToObject(host, "DnsSearch", ann_array(ann, "io.kist.dns-search"));
		cJSON_AddItemToObject(host, "DnsOptions", ann_array(ann, "io.kist.dns-option"));
		cJSON_AddItemToObject(host, "ExtraHosts", ann_array(ann, "io.kist.extra-hosts"));
	}
	ns = cJSON_AddObjectToObject(doc, "NetworkSettings");
	cJSON_AddStringToObject(ns, "SandboxKey", sval(rec, "SandboxKey"));
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "Ports");
		cJSON_AddItemToObject(ns, "Ports",
				      p ? cJSON_Duplicate(p, true) : cJSON_CreateObject());
	}
	/* the default bridge's address is also at the top, as docker has it */
	{
		bool top = streq(net, "bridge");

		cJSON_AddStringToObject(ns, "Gateway", top ? sval(rec, "Gateway") : "");
		cJSON_AddStringToObject(ns, "IPAddress", top ? sval(rec, "IPAddress") : "");
		cJSON_AddNumberToObject(
		    ns, "IPPrefixLen",
		    top ? cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "IPPrefixLen"))
			: 0);
		cJSON_AddStringToObject(ns, "MacAddress", top ? sval(rec, "MacAddress") : "");
	}
	nets = cJSON_AddObjectToObject(ns, "Networks");
	if (*net && !str_has_prefix(net, "container:")) {
		cJSON *n = cJSON_AddObjectToObject(nets, net);
		double len =
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "IPPrefixLen"));

		cJSON_AddStringToObject(n, "NetworkID", sval(rec, "NetworkID"));
		cJSON_AddStringToObject(n, "EndpointID", rec ? c->id : "");
		cJSON_AddStringToObject(n, "Gateway", sval(rec, "Gateway"));
		cJSON_AddStringToObject(n, "IPAddress", sval(rec, "IPAddress"));
		cJSON_AddNumberToObject(n, "IPPrefixLen", rec && len == len ? len : 0);
		cJSON_AddStringToObject(n, "MacAddress", sval(rec, "MacAddress"));
	}
}
