/* config-notify.c: the alerting part of the configuration.
 *
 * [notify NAME] sections are the channels alerts leave by (notify/channel.h)
 * and the heartbeat_* keys of [supervisor] the dead man's switch
 * (notify/heartbeat.h). A channel that is wrong must be found by
 * --check-config, not at 3am when the first alert is due: its keys are kept
 * with their FILE:LINE until every file is read (a drop-in's [notify ops]
 * with one key overrides just that key, as for checks), then handed to the
 * channel's own parser in order, its type first, and verified (secret files
 * others can read, an smtp relay on this host). `header` may be repeated,
 * and adds; any other key given twice in one file is an error.
 *
 * See also: config-parse.c, config.c, notify/channel-config.c.
 */
#include "supervisor/config-internal.h"

#include "common/url.h"
#include "notify/outbox.h"

#define OUTBOX_MAX_LIMIT 1000000u

static long notify_section(size_t i) {
        return -2 - (long) i;
}

int config_begin_notify(ConfigParser *p, const char *name) {
        unsigned first;
        size_t i;

        if (!*name)
                return config_parse_error(p, "missing channel name in [notify]");
        if (strlen(name) >= OUTBOX_CHANNEL_MAX || !outbox_channel_name_valid(name))
                return config_parse_error(p, "invalid channel name '%s' (up to %d letters, digits, '-', '_', '.')",
                                  name, OUTBOX_CHANNEL_MAX - 1);
        for (i = 0; i < p->n_notify; i++)
                if (streq(p->notify_meta[i].name, name))
                        break;
        if (i == p->n_notify) {
                p->notify_meta = config_grow(p->notify_meta, p->n_notify, sizeof(NotifyMeta));
                p->notify_meta[p->n_notify++] = (NotifyMeta) { .name = xstrdup(name), .header = { p->file, p->line } };
        }
        first = config_seen_at(p, notify_section(i), NULL);
        if (first > 0)
                return config_parse_error(p, "duplicate channel '%s' (first defined at %s:%u)", name, p->file, first);
        p->section = SECTION_NOTIFY;
        p->notify = i;
        return 0;
}

void config_notify_key(ConfigParser *p, const char *key, const char *value) {
        NotifyMeta *m = &p->notify_meta[p->notify];
        unsigned first;

        /* header adds one each time; anything else given twice is a mistake. */
        if (!streq(key, "header")) {
                first = config_seen_at(p, notify_section(p->notify), key);
                if (first > 0) {
                        (void) config_parse_error(p, "duplicate key '%s' in [notify %s] (first given at %s:%u)",
                                          key, m->name, p->file, first);
                        return;
                }
        }
        m->keys = config_grow(m->keys, m->n_keys, sizeof(ExtraKey));
        m->keys[m->n_keys++] = (ExtraKey) { xstrdup(key), xstrdup(value), { p->file, p->line } };
}

#define ALERTING_KEY(fn) static int fn(ConfigParser *p, const char *key, const char *value, const char *where)

ALERTING_KEY(key_heartbeat_url) {
        if (!url_is_http(value))
                return config_parse_error(p, "invalid url '%s' for heartbeat_url: expected http://... or https://...",
                                          value);
        free(p->config->heartbeat_url);
        p->config->heartbeat_url = xstrdup(value);
        return 0;
}

ALERTING_KEY(key_heartbeat_method) {
        if (heartbeat_method_from_string(value, &p->config->heartbeat_method) < 0)
                return config_parse_error(p, "invalid value '%s' for heartbeat_method: expected post or get", value);
        return 0;
}

ALERTING_KEY(key_heartbeat_report_failures) {
        return config_parse_yes_no(p, key, value, &p->config->heartbeat_report_failures);
}

ALERTING_KEY(key_heartbeat_start) {
        return config_parse_yes_no(p, key, value, &p->config->heartbeat_start);
}

ALERTING_KEY(key_reminder) {
        if (parse_duration(value, &p->config->reminder) < 0)
                return config_parse_error(p, "invalid duration '%s' for reminder", value);
        return 0;
}

ALERTING_KEY(key_outbox_max) {
        unsigned long n = 0;
        bool ok = *value && strlen(value) <= 7 && strspn(value, "0123456789") == strlen(value);

        if (ok)
                n = strtoul(value, NULL, 10);
        if (!ok || n < 1 || n > OUTBOX_MAX_LIMIT)
                return config_parse_error(p, "invalid number '%s' for outbox_max: must be between 1 and %u",
                                  value, OUTBOX_MAX_LIMIT);
        p->config->outbox_max = (unsigned) n;
        return 0;
}

const ConfigKey config_alerting_keys[] = {
        { "heartbeat_url", key_heartbeat_url },
        { "heartbeat_method", key_heartbeat_method },
        { "heartbeat_report_failures", key_heartbeat_report_failures },
        { "heartbeat_start", key_heartbeat_start },
        { "reminder", key_reminder },
        { "outbox_max", key_outbox_max },
        {}
};

/* Gives one key to the channel's parser; false (recorded) if refused. */
static bool apply_key(ConfigParser *p, ChannelConfig *c, const ExtraKey *k) {
        _cleanup_free_ char *msg = NULL;
        int r = channel_config_parse_key(c, k->key, k->value, &msg);

        if (r == -ENOENT)
                config_errors_add(p->errors, k->src.file, k->src.line, "unknown key '%s' in [notify %s]",
                                  k->key, c->name);
        else if (r < 0)
                config_errors_add(p->errors, k->src.file, k->src.line, "%s in [notify %s]",
                                  msg ? msg : strerror(-r), c->name);
        return r >= 0;
}

static void resolve_channel(ConfigParser *p, const NotifyMeta *m) {
        _cleanup_free_ char *msg = NULL;
        const ExtraKey *type = NULL;
        ChannelConfig c;
        bool ok = true;
        Config *cfg = p->config;

        channel_config_init(&c, m->name);
        /* The final type first, so a key the type does not use is reported at its own line. */
        for (size_t i = 0; i < m->n_keys; i++)
                if (streq(m->keys[i].key, "type"))
                        type = &m->keys[i];
        if (type)
                ok = apply_key(p, &c, type);
        for (size_t i = 0; i < m->n_keys; i++)
                if (!streq(m->keys[i].key, "type"))
                        ok = apply_key(p, &c, &m->keys[i]) && ok;
        /* A bad type was reported; "missing type" or "key not used" would be noise. */
        if (ok || (type && c.type)) {
                int r = channel_config_verify(&c, &msg);
                if (r < 0 && (ok || !streq_ptr(msg, "missing required key 'type'")))
                        config_errors_add(p->errors, m->header.file, m->header.line, "%s in [notify %s]",
                                          msg ? msg : strerror(-r), m->name);
                ok = ok && r >= 0;
        }
        if (!ok) {
                channel_config_done(&c);
                return;
        }
        cfg->channels = config_grow(cfg->channels, cfg->n_channels, sizeof(ChannelConfig));
        cfg->channels[cfg->n_channels++] = c;
}

void config_resolve_notify(ConfigParser *p) {
        for (size_t i = 0; i < p->n_notify; i++)
                resolve_channel(p, &p->notify_meta[i]);
}

void config_notify_meta_free(ConfigParser *p) {
        for (size_t i = 0; i < p->n_notify; i++) {
                NotifyMeta *m = &p->notify_meta[i];

                for (size_t j = 0; j < m->n_keys; j++) {
                        free(m->keys[j].key);
                        free(m->keys[j].value);
                }
                free(m->keys);
                free(m->name);
        }
        free(p->notify_meta);
        p->notify_meta = NULL;
        p->n_notify = 0;
}
