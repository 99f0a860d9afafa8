/* config-depends.c: depends_on, resolved once every check is known.
 *
 * "depends_on = rspamd, dovecot" says which checks' failures explain this
 * one's (policy.h: the dependent's action waits while one of them is
 * failing, disabled or restarting). Only once every file is read can a
 * name be looked up, so the names are resolved to indices here, with
 * FILE:LINE for an unknown check, a check naming itself, and a cycle
 * (a -> b -> a): a cycle would let two broken services each wait for the
 * other forever.
 *
 * See also: config-keys.c (the key), depends.c (the decision at run time).
 */
#include "supervisor/config-internal.h"

/* Whether following depends_on from check i comes back to start; the
 * path so far in path[0, *n), at most n_checks long. */
static bool cycle_from(const Config *c, size_t start, size_t i, bool *seen, size_t *path, size_t *n) {
        const CheckConfig *cc = &c->checks[i];

        path[(*n)++] = i;
        for (size_t k = 0; k < cc->n_depends_on; k++) {
                size_t j = cc->depends_idx[k];

                if (j == i)
                        continue; /* naming itself: said by resolve_names() */
                if (j == start) {
                        path[(*n)++] = j;
                        return true;
                }
                if (j == SIZE_MAX || seen[j])
                        continue;
                seen[j] = true;
                if (cycle_from(c, start, j, seen, path, n))
                        return true;
        }
        (*n)--;
        return false;
}

static void report_cycle(ConfigParser *p, size_t i, const size_t *path, size_t n) {
        const Config *c = p->config;
        const ConfigSource *at = &p->meta[i].depends_on;
        char buf[512];
        size_t len = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < n && len < sizeof(buf); k++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s%s", k ? " -> " : "",
                                         c->checks[path[k]].name);
        config_errors_add(p->errors, at->file, at->line, "depends_on makes a cycle (%s) in [check %s]", buf,
                          c->checks[i].name);
}

static void resolve_names(ConfigParser *p, size_t i) {
        Config *c = p->config;
        CheckConfig *cc = &c->checks[i];
        const ConfigSource *at = &p->meta[i].depends_on;

        cc->depends_idx = calloc(cc->n_depends_on, sizeof(size_t));
        if (!cc->depends_idx)
                abort();
        for (size_t k = 0; k < cc->n_depends_on; k++) {
                const CheckConfig *dep = config_find_check(c, cc->depends_on[k]);

                cc->depends_idx[k] = dep ? (size_t) (dep - c->checks) : SIZE_MAX;
                if (!dep)
                        config_errors_add(p->errors, at->file, at->line,
                                          "depends_on names unknown check '%s' in [check %s]", cc->depends_on[k],
                                          cc->name);
                else if (dep == cc)
                        config_errors_add(p->errors, at->file, at->line, "depends_on names the check itself in "
                                          "[check %s]", cc->name);
        }
}

void config_resolve_depends(ConfigParser *p) {
        Config *c = p->config;
        _cleanup_free_ bool *seen = calloc(c->n_checks + 1, sizeof(bool));
        _cleanup_free_ size_t *path = calloc(c->n_checks + 2, sizeof(size_t));

        if (!seen || !path)
                abort();
        for (size_t i = 0; i < c->n_checks; i++)
                if (c->checks[i].n_depends_on > 0)
                        resolve_names(p, i);
        /* Each cycle once: from its first check in file order that starts one. */
        for (size_t i = 0; i < c->n_checks; i++) {
                size_t n = 0;
                bool reported = false;

                if (c->checks[i].n_depends_on == 0)
                        continue;
                memset(seen, 0, (c->n_checks + 1) * sizeof(bool));
                if (!cycle_from(c, i, i, seen, path, &n))
                        continue;
                for (size_t k = 1; k + 1 < n && !reported; k++)
                        reported = path[k] < i;
                if (!reported)
                        report_cycle(p, i, path, n);
        }
}
