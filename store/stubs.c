#include "common/err.h"
#include "store/store.h"
#define STUB(x) int cmd_##x(void *g, int argc, char **argv, struct err **err) { (void)g; (void)argc; (void)argv; return err_set(err, 0, "not implemented"); }
STUB(commit) STUB(diff) STUB(export) STUB(save) STUB(load) STUB(import_layout) STUB(export_layout) STUB(gc) STUB(du) STUB(info)
