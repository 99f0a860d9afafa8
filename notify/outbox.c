/* outbox.c: one fsynced file per pending notification (see outbox.h). */
#include "notify/outbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#define OUTBOX_MAGIC "mailsup-outbox 1\n"

bool outbox_channel_name_valid(const char *name) {
        size_t len = strlen(name);

        if (len == 0 || len >= OUTBOX_CHANNEL_MAX || name[0] == '.')
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static bool id_valid(const char *id) {
        return strlen(id) == NOTIFY_ID_LEN && strspn(id, "0123456789abcdef") == NOTIFY_ID_LEN;
}

int outbox_format(const OutboxEntry *e, char *buf, size_t size) {
        const Notification *n = &e->n;
        char reason[sizeof(n->reason)];
        int len;

        /* Fields are one line each: a reason set without notification_set() is cleaned here. */
        sanitize_line(reason, sizeof(reason), n->reason, strnlen(n->reason, sizeof(n->reason)));
        len = snprintf(buf, size,
                       OUTBOX_MAGIC "id=%s\nchannel=%s\nqueued=%" PRIu64 "\nkind=%s\nseverity=%s\n"
                       "phase=%s\nreminder=%d\ncheck=%s\nunit=%s\nhost=%s\nstate=%s\ntime=%" PRIu64 "\n"
                       "since=%" PRIu64 "\nreason=%s\n",
                       n->id, e->channel, e->queued, n->kind, severity_to_string(n->severity),
                       notify_phase_to_string(n->phase), n->reminder, n->check, n->unit, n->host, n->state,
                       n->time, n->since, reason);
        return len < 0 || (size_t) len >= size ? -ENOBUFS : len;
}

static int parse_u64(const char *v, uint64_t *ret) {
        char *end;

        errno = 0;
        *ret = strtoull(v, &end, 10);
        return errno == 0 && *v && *v != '-' && *end == '\0' ? 0 : -EINVAL;
}

static int parse_field(OutboxEntry *e, const char *key, const char *v) {
        Notification *n = &e->n;

        if (streq(key, "id")) {
                notification_set(n->id, v);
                return id_valid(n->id) ? 0 : -EINVAL;
        }
        if (streq(key, "channel")) {
                notification_set(e->channel, v);
                return outbox_channel_name_valid(e->channel) ? 0 : -EINVAL;
        }
        if (streq(key, "queued"))
                return parse_u64(v, &e->queued);
        if (streq(key, "time"))
                return parse_u64(v, &n->time);
        if (streq(key, "since"))
                return parse_u64(v, &n->since);
        if (streq(key, "severity"))
                return severity_from_string(v, &n->severity);
        if (streq(key, "phase"))
                return notify_phase_from_string(v, &n->phase);
        if (streq(key, "reminder")) {
                n->reminder = streq(v, "1");
                return 0;
        }
        if (streq(key, "kind"))
                notification_set(n->kind, v);
        else if (streq(key, "check"))
                notification_set(n->check, v);
        else if (streq(key, "unit"))
                notification_set(n->unit, v);
        else if (streq(key, "host"))
                notification_set(n->host, v);
        else if (streq(key, "state"))
                notification_set(n->state, v);
        else if (streq(key, "reason"))
                notification_set(n->reason, v);
        /* Unknown keys are ignored: a newer mailsupd may add some. */
        return 0;
}

int outbox_parse(const char *text, size_t len, OutboxEntry *ret) {
        size_t pos = strlen(OUTBOX_MAGIC);
        char line[1024];

        *ret = (OutboxEntry) {};
        if (len < pos || memcmp(text, OUTBOX_MAGIC, pos) != 0)
                return -EBADMSG;
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t l = nl ? (size_t) (nl - (text + pos)) : len - pos;
                char *eq;

                if (l >= sizeof(line) || memchr(text + pos, '\0', l))
                        return -EBADMSG;
                memcpy(line, text + pos, l);
                line[l] = '\0';
                pos += l + 1;
                eq = strchr(line, '=');
                if (!eq)
                        return -EBADMSG;
                *eq = '\0';
                if (parse_field(ret, line, eq + 1) < 0)
                        return -EBADMSG;
        }
        if (!id_valid(ret->n.id) || !ret->channel[0] || !ret->n.kind[0] || ret->queued == 0)
                return -EBADMSG;
        return 0;
}

/* Oldest first: keeps eviction and delivery order stable across restarts. */
static void insert_sorted(Outbox *o, OutboxEntry *e) {
        OutboxEntry **i = &o->head;

        while (*i && (*i)->queued <= e->queued)
                i = &(*i)->next;
        e->next = *i;
        *i = e;
        o->n++;
}

static int load_one(Outbox *o, const char *name) {
        _cleanup_close_ int fd = openat(o->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        char buf[OUTBOX_FILE_MAX], expect[OUTBOX_CHANNEL_MAX + NOTIFY_ID_LEN + 2];
        OutboxEntry *e;
        ssize_t l;

        if (fd < 0)
                return -errno;
        l = read(fd, buf, sizeof(buf));
        if (l < 0)
                return -errno;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        if ((size_t) l < sizeof(buf) && outbox_parse(buf, (size_t) l, e) >= 0)
                snprintf(expect, sizeof(expect), "%s.%s", e->n.id, e->channel);
        else
                expect[0] = '\0';
        if (!streq(expect, name)) { /* the name is the identity: a copied file is not another item */
                free(e);
                return -EBADMSG;
        }
        e->stored = true;
        insert_sorted(o, e);
        return 0;
}

static void set_aside(Outbox *o, const char *name) {
        char aside[NAME_MAX + 16];

        snprintf(aside, sizeof(aside), ".corrupt.%s", name);
        (void) renameat(o->dir_fd, name, o->dir_fd, aside);
        o->corrupt++;
}

static int outbox_scan(Outbox *o) {
        DIR *d = opendir_at(o->dir_fd, ".", 0);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int r;

                if (strncmp(de->d_name, ".tmp.", 5) == 0)
                        (void) unlinkat(o->dir_fd, de->d_name, 0); /* never renamed: never accepted */
                if (de->d_name[0] == '.')
                        continue;
                r = load_one(o, de->d_name);
                if (r == -ENOMEM) {
                        closedir(d);
                        return r;
                }
                if (r < 0)
                        set_aside(o, de->d_name);
        }
        closedir(d);
        return 0;
}

int outbox_open(const char *dir, size_t max, Outbox **ret) {
        Outbox *o;
        int r;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->dir = xstrdup(dir);
        o->max = max > 0 ? max : OUTBOX_DEFAULT_MAX;
        o->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW); /* never through a link */
        r = o->dir_fd < 0 ? -errno : outbox_scan(o);
        if (r < 0) {
                outbox_free(o);
                return r;
        }
        *ret = o;
        return 0;
}

Outbox *outbox_free(Outbox *o) {
        if (!o)
                return NULL;
        while (o->head) {
                OutboxEntry *e = o->head;
                o->head = e->next;
                free(e);
        }
        if (o->dir_fd >= 0)
                close(o->dir_fd);
        free(o->dir);
        free(o);
        return NULL;
}

static int write_file(Outbox *o, const char *tmp, const char *buf, size_t len) {
        _cleanup_close_ int fd = openat(o->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd < 0)
                return -errno;
        while (len > 0) {
                ssize_t l = write(fd, buf, len);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += l;
                len -= (size_t) l;
        }
        return fsync(fd) < 0 ? -errno : 0;
}

/* The item's file: written to a temp name, fsynced, renamed, directory fsynced. */
static int store(Outbox *o, OutboxEntry *e) {
        char buf[OUTBOX_FILE_MAX], name[NAME_MAX + 1], tmp[NAME_MAX + 16];
        int len, r;

        snprintf(name, sizeof(name), "%s.%s", e->n.id, e->channel);
        snprintf(tmp, sizeof(tmp), ".tmp.%s", name);
        len = outbox_format(e, buf, sizeof(buf));
        r = len < 0 ? len : write_file(o, tmp, buf, (size_t) len);
        if (r >= 0 && renameat(o->dir_fd, tmp, o->dir_fd, name) < 0)
                r = -errno;
        if (r >= 0 && fsync(o->dir_fd) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(o->dir_fd, tmp, 0);
                o->write_error = r;
                return r;
        }
        e->stored = true;
        return 0;
}

int outbox_add(Outbox *o, const Notification *n, const char *channel, OutboxEntry **ret) {
        OutboxEntry *e;
        int r;

        if (!outbox_channel_name_valid(channel) || !id_valid(n->id))
                return -EINVAL;
        if (o->n >= o->max)
                return -EXFULL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->n = *n;
        snprintf(e->channel, sizeof(e->channel), "%s", channel);
        e->queued = now_usec(CLOCK_REALTIME);
        /* Behind items not yet written, this one waits too: files reach the disk in order. */
        r = o->unstored > 0 ? -EAGAIN : store(o, e);
        insert_sorted(o, e);
        if (ret)
                *ret = e;
        if (r >= 0)
                return 0;
        o->unstored++;
        return 1;
}

int outbox_store_pending(Outbox *o) {
        int written = 0;

        for (OutboxEntry *e = o->head; e && o->unstored > 0; e = e->next) {
                int r;

                if (e->stored)
                        continue;
                r = store(o, e);
                if (r < 0)
                        return r;
                o->unstored--;
                written++;
        }
        o->write_error = 0;
        return written;
}

int outbox_remove(Outbox *o, OutboxEntry *e) {
        char name[NAME_MAX + 1];
        int r = 0;

        snprintf(name, sizeof(name), "%s.%s", e->n.id, e->channel);
        if (!e->stored)
                o->unstored--; /* delivered (or dropped) before its file could be written */
        else if (unlinkat(o->dir_fd, name, 0) < 0 && errno != ENOENT)
                r = -errno;
        for (OutboxEntry **i = &o->head; *i; i = &(*i)->next)
                if (*i == e) {
                        *i = e->next;
                        o->n--;
                        break;
                }
        free(e);
        return r;
}

OutboxEntry *outbox_victim(const Outbox *o) {
        OutboxEntry *best = NULL;

        for (OutboxEntry *e = o->head; e; e = e->next)
                if (!best || e->n.severity < best->n.severity)
                        best = e; /* strictly less: the first (oldest) of the least severity wins */
        return best;
}
