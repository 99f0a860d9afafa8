/* ctl-dict.c: mailsupctl's reading of the API's replies, and JSON output.
 *
 * GetCheck and GetSupervisor answer with a{sv} dictionaries so that fields
 * can be added without breaking clients: they are read generically, and
 * --json writes every field it got, with the API's own key names, so a
 * script sees exactly what the daemon said. Text output picks fields by
 * name and ignores the rest.
 */
#include <inttypes.h>

#include "ctl/ctl.h"

static int read_number(sd_bus_message *m, char type, CtlEntry *e) {
        union {
                uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u; int64_t x; uint64_t t; int b;
        } v = {};
        int r = sd_bus_message_read_basic(m, type, &v);

        if (r < 0)
                return r;
        e->kind = type == 'b' ? CTL_BOOL : CTL_NUM;
        switch (type) {
        case 'y': e->num = v.y; break;
        case 'n': e->num = (uint64_t) (int64_t) v.n; break;
        case 'q': e->num = v.q; break;
        case 'i': e->num = (uint64_t) (int64_t) v.i; break;
        case 'u': e->num = v.u; break;
        case 'x': e->num = (uint64_t) v.x; break;
        case 'b': e->num = !!v.b; break;
        default: e->num = v.t; break;
        }
        return 0;
}

static int read_map(sd_bus_message *m, CtlEntry *e) {
        const char *k;
        uint32_t u;
        int r;

        e->kind = CTL_MAP;
        r = sd_bus_message_enter_container(m, 'a', "{su}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{su}", &k, &u)) > 0) {
                e->strv = reallocarray(e->strv, e->n + 2, sizeof(char *));
                e->nums = reallocarray(e->nums, e->n + 1, sizeof(uint64_t));
                if (!e->strv || !e->nums)
                        return -ENOMEM;
                e->strv[e->n] = xstrdup(k);
                e->nums[e->n++] = u;
                e->strv[e->n] = NULL;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_value(sd_bus_message *m, const char *contents, CtlEntry *e) {
        const char *s;
        int r;

        if (strchr("sog", contents[0]) && !contents[1]) {
                e->kind = CTL_STR;
                r = sd_bus_message_read_basic(m, contents[0], &s);
                if (r >= 0)
                        e->str = xstrdup(s);
                return r;
        }
        if (strchr("ynqiuxtb", contents[0]) && !contents[1])
                return read_number(m, contents[0], e);
        if (streq(contents, "as")) {
                e->kind = CTL_STRV;
                r = sd_bus_message_read_strv(m, &e->strv);
                for (e->n = 0; r >= 0 && e->strv && e->strv[e->n]; e->n++)
                        ;
                return r;
        }
        if (streq(contents, "a{su}"))
                return read_map(m, e);
        e->kind = CTL_STR; /* a type this client does not know: shown as empty */
        e->str = xstrdup("");
        return sd_bus_message_skip(m, contents);
}

static int read_entry(sd_bus_message *m, CtlDict *d) {
        const char *key, *contents;
        CtlEntry *e;
        int r;

        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        d->entries = reallocarray(d->entries, d->n + 1, sizeof(CtlEntry));
        if (!d->entries)
                return -ENOMEM;
        e = &d->entries[d->n++];
        *e = (CtlEntry) { .key = xstrdup(key) };
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        r = read_value(m, contents, e);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int ctl_dict_read(sd_bus_message *m, CtlDict *ret) {
        int r;

        *ret = (CtlDict) {};
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = read_entry(m, ret);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

void ctl_dict_done(CtlDict *d) {
        for (size_t i = 0; i < d->n; i++) {
                CtlEntry *e = &d->entries[i];

                free(e->key);
                free(e->str);
                for (size_t j = 0; e->strv && e->strv[j]; j++)
                        free(e->strv[j]);
                free(e->strv);
                free(e->nums);
        }
        free(d->entries);
        *d = (CtlDict) {};
}

const CtlEntry *ctl_dict_get(const CtlDict *d, const char *key) {
        for (size_t i = 0; i < d->n; i++)
                if (streq(d->entries[i].key, key))
                        return &d->entries[i];
        return NULL;
}

const char *ctl_dict_str(const CtlDict *d, const char *key) {
        const CtlEntry *e = ctl_dict_get(d, key);

        return e && e->kind == CTL_STR ? e->str : "";
}

uint64_t ctl_dict_num(const CtlDict *d, const char *key) {
        const CtlEntry *e = ctl_dict_get(d, key);

        return e && (e->kind == CTL_NUM || e->kind == CTL_BOOL) ? e->num : 0;
}

static void json_entry(FILE *f, const CtlEntry *e) {
        json_fprint_string(f, e->key);
        fputc(':', f);
        switch (e->kind) {
        case CTL_STR: json_fprint_string(f, e->str); break;
        case CTL_NUM: fprintf(f, "%" PRIu64, e->num); break;
        case CTL_BOOL: fputs(e->num ? "true" : "false", f); break;
        case CTL_STRV:
                fputc('[', f);
                for (size_t i = 0; i < e->n; i++) {
                        fputs(i ? "," : "", f);
                        json_fprint_string(f, e->strv[i]);
                }
                fputc(']', f);
                break;
        case CTL_MAP:
                fputc('{', f);
                for (size_t i = 0; i < e->n; i++) {
                        fputs(i ? "," : "", f);
                        json_fprint_string(f, e->strv[i]);
                        fprintf(f, ":%" PRIu64, e->nums[i]);
                }
                fputc('}', f);
                break;
        }
}

void json_dict(FILE *f, const CtlDict *d) {
        fputc('{', f);
        for (size_t i = 0; i < d->n; i++) {
                fputs(i ? "," : "", f);
                json_entry(f, &d->entries[i]);
        }
        fputc('}', f);
}

int ctl_read_row(sd_bus_message *reply, CheckRow *c) {
        return sd_bus_message_read(reply, MAILSUP_CHECK_SIGNATURE, &c->name, &c->type, &c->unit, &c->state,
                                   &c->action, &c->reason, &c->latency, &c->last_change, &c->failures,
                                   &c->restarts, &c->window, &c->limit, &c->next_probe);
}

/* A ListChecks row with GetCheck's key names, so both read alike. */
void json_row(FILE *f, const CheckRow *c) {
        const char *const strings[][2] = { { "Name", c->name }, { "Type", c->type }, { "Unit", c->unit },
                                           { "State", c->state }, { "Action", c->action }, { "Reason", c->reason } };

        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                fprintf(f, "%s\"%s\":", i == 0 ? "{" : ",", strings[i][0]);
                json_fprint_string(f, strings[i][1]);
        }
        fprintf(f, ",\"Latency\":%" PRIu64 ",\"LastChange\":%" PRIu64 ",\"ConsecutiveFailures\":%" PRIu32
                ",\"RestartsInWindow\":%" PRIu32 ",\"RestartWindow\":%" PRIu32 ",\"RestartLimit\":%" PRIu32
                ",\"NextProbe\":%" PRIu64 "}", c->latency, c->last_change, c->failures, c->restarts, c->window,
                c->limit, c->next_probe);
}
