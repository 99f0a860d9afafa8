/* dlopen.c: load a library and its symbols on first use (dlopen.h). */
#include "common/dlopen.h"

#include <dlfcn.h>
#include <errno.h>

#include "common/log.h"

int dl_load(DlLibrary *l) {
        void *h;

        if (l->handle)
                return 0;
        if (l->error < 0)
                return l->error;
        h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h) {
                l->error = -EOPNOTSUPP;
                log_error("cannot load %s, needed for %s: %s", l->soname, l->needed_for, dlerror());
                return l->error;
        }
        for (const DlSym *s = l->syms; s->name; s++) {
                *s->ptr = dlsym(h, s->name);
                if (!*s->ptr) {
                        l->error = -EOPNOTSUPP;
                        log_error("cannot load %s, needed for %s: it has no %s", l->soname, l->needed_for,
                                  s->name);
                        (void) dlclose(h);
                        return l->error;
                }
        }
        l->handle = h;
        return 0;
}
