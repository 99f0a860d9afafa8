/* roundtrip-imap.c: the canary's sweep of a mailbox, over IMAP.
 *
 * After the imap probe's opening (greeting, STARTTLS: imap.h): LOGIN,
 * then for the mailbox and the junk mailbox in turn SELECT, UID SEARCH
 * for this check's canary header, UID FETCH of each match's header and
 * arrival (INTERNALDATE), and UID STORE \Deleted plus UID EXPUNGE (RFC
 * 4315) of exactly the UIDs whose header proved them this check's: no
 * other mail is ever touched. A junk mailbox the server does not have
 * (SELECT answered NO) is skipped. Then LOGOUT.
 *
 * The server decides how much it sends: each response is measured by
 * imap_response_span() (lines, literals bounded; a 1 GB literal is refused
 * when announced), a SEARCH yields at most RT_FOUND_MAX UIDs (the rest
 * next run), and a command gets at most RT_UNTAGGED_MAX untagged responses.
 *
 * See also: imap.c, imap-response.h, roundtrip.c.
 */
#include "probes/roundtrip.h"

#include <inttypes.h>

#include "probes/imap-response.h"
#include "probes/imap.h"

#define RT_UNTAGGED_MAX 1000U

enum {
        RT_IMAP_LOGIN = IMAP_STEP_NEXT,
        RT_IMAP_SELECT,
        RT_IMAP_SEARCH,
        RT_IMAP_FETCH,
        RT_IMAP_STORE,
        RT_IMAP_EXPUNGE,
};

static Roundtrip *rt_of(const Stream *s) {
        return s->userdata;
}

/* A quoted string (RFC 3501 4.3) of s into buf: '"' and '\' escaped. */
static void quote(char *buf, size_t size, const char *s) {
        size_t n = 0;

        buf[n++] = '"';
        for (; *s && n + 3 < size; s++) {
                if (*s == '"' || *s == '\\')
                        buf[n++] = '\\';
                buf[n++] = *s;
        }
        buf[n++] = '"';
        buf[n] = '\0';
}

static void send_login(Stream *s) {
        Roundtrip *rt = rt_of(s);
        char user[200], pass[2 * sizeof(rt->password) + 3], cmd[STREAM_OUT_MAX];

        quote(user, sizeof(user), rt->o->imap_user);
        quote(pass, sizeof(pass), rt->imap_password);
        snprintf(cmd, sizeof(cmd), "LOGIN %s %s", user, pass);
        imap_send_command(s, RT_IMAP_LOGIN, cmd, "reply to LOGIN");
        explicit_bzero(pass, sizeof(pass));
        explicit_bzero(cmd, sizeof(cmd));
}

static const char *current_box(const Roundtrip *rt) {
        return rt->in_junk ? rt->o->junk_mailbox : rt->o->mailbox;
}

static void send_select(Stream *s) {
        char box[128], cmd[160];

        quote(box, sizeof(box), current_box(rt_of(s)));
        snprintf(cmd, sizeof(cmd), "SELECT %s", box);
        rt_of(s)->n_uids = 0;
        rt_of(s)->n_found_box = 0;
        imap_send_command(s, RT_IMAP_SELECT, cmd, "reply to SELECT");
}

/* The next mailbox, or LOGOUT: the verdict is taken, the server's BYE not awaited. */
static void next_box(Stream *s) {
        Roundtrip *rt = rt_of(s);

        if (!rt->in_junk && rt->o->junk_mailbox[0]) {
                rt->in_junk = true;
                send_select(s);
                return;
        }
        imap_send_command(s, RT_IMAP_EXPUNGE + 1, "LOGOUT", "reply to LOGOUT");
        stream_end(s, PROBE_OK, "swept");
}

static void send_search(Stream *s) {
        char key[160], cmd[240];

        if (canary_search_key(key, sizeof(key), s->probe->config->name) < 0) {
                stream_end(s, PROBE_INTERNAL_ERROR, "check name too long to search for");
                return;
        }
        snprintf(cmd, sizeof(cmd), "UID SEARCH HEADER " RT_HEADER_NAME " \"%s\"", key);
        imap_send_command(s, RT_IMAP_SEARCH, cmd, "reply to SEARCH");
}

/* "UID <verb> 3,17,42 <rest>" over the given UIDs. */
static void send_uid_command(Stream *s, unsigned step, const char *verb, const uint32_t *uids, size_t n,
                             const char *rest, const char *expect) {
        char cmd[STREAM_OUT_MAX - 32];
        size_t len = (size_t) snprintf(cmd, sizeof(cmd), "UID %s ", verb);

        for (size_t i = 0; i < n && len < sizeof(cmd); i++)
                len += (size_t) snprintf(cmd + len, sizeof(cmd) - len, "%s%" PRIu32, i ? "," : "", uids[i]);
        if (len < sizeof(cmd) && *rest)
                snprintf(cmd + len, sizeof(cmd) - len, " %s", rest);
        imap_send_command(s, step, cmd, expect);
}

static void after_search(Stream *s) {
        Roundtrip *rt = rt_of(s);

        if (rt->n_uids == 0)
                next_box(s);
        else
                send_uid_command(s, RT_IMAP_FETCH, "FETCH", rt->uids, rt->n_uids,
                                 "(UID INTERNALDATE BODY.PEEK[HEADER])", "reply to FETCH");
}

static void after_fetch(Stream *s) {
        Roundtrip *rt = rt_of(s);
        uint32_t ours[RT_FOUND_MAX];
        size_t n = 0;

        for (size_t i = rt->n_found - rt->n_found_box; i < rt->n_found && n < RT_FOUND_MAX; i++)
                ours[n++] = rt->found[i].uid;
        if (n == 0)
                next_box(s);
        else
                send_uid_command(s, RT_IMAP_STORE, "STORE", ours, n, "+FLAGS.SILENT (\\Deleted)", "reply to STORE");
}

static void after_store(Stream *s) {
        Roundtrip *rt = rt_of(s);
        uint32_t ours[RT_FOUND_MAX];
        size_t n = 0;

        for (size_t i = rt->n_found - rt->n_found_box; i < rt->n_found && n < RT_FOUND_MAX; i++)
                ours[n++] = rt->found[i].uid;
        send_uid_command(s, RT_IMAP_EXPUNGE, "EXPUNGE", ours, n, "", "reply to EXPUNGE");
}

/* One FETCH response: a canary of this check is kept for deletion and judging. */
static void on_fetch(Stream *s, const char *resp, size_t len) {
        Roundtrip *rt = rt_of(s);
        const RoundtripOptions *o = rt->o;
        ImapFetch f;
        Found *x;

        if (imap_fetch_parse(resp, len, &f) <= 0 || !f.header || f.uid == 0 ||
            rt->n_found >= sizeof(rt->found) / sizeof(rt->found[0]))
                return;
        x = &rt->found[rt->n_found];
        *x = (Found) { .uid = f.uid, .arrived = f.internal_date, .junk = rt->in_junk, .missing = -1 };
        if (canary_header_parse(f.header, f.header_len, s->probe->config->name, &x->canary) <= 0)
                return;
        for (unsigned i = 0; i < o->n_expect && x->missing < 0; i++)
                if (!header_block_matches(f.header, f.header_len, &o->expect[i]))
                        x->missing = (int) i;
        rt->n_found++;
        rt->n_found_box++;
}

static void on_untagged(Stream *s, const ImapLine *l, const char *resp, size_t len) {
        Roundtrip *rt = rt_of(s);
        uint32_t more[RT_FOUND_MAX];
        size_t n = 0;

        if (++rt->untagged > RT_UNTAGGED_MAX) {
                stream_end(s, PROBE_OVERLONG, "%s has more than %u untagged responses", s->waiting, RT_UNTAGGED_MAX);
                return;
        }
        if (s->step == RT_IMAP_SEARCH && l->kind == IMAP_UNTAGGED_OTHER && l->text_len >= 6 &&
            strncasecmp(l->text, "SEARCH", 6) == 0) {
                int r = imap_search_parse(l->text, l->text_len, more, RT_FOUND_MAX - rt->n_uids, &n);

                if (r == -EBADMSG) {
                        stream_end_malformed(s, "SEARCH response", resp, len);
                        return;
                }
                memcpy(rt->uids + rt->n_uids, more, n * sizeof(more[0]));
                rt->n_uids += n;
        } else if (s->step == RT_IMAP_FETCH)
                on_fetch(s, resp, len);
}

static void on_tagged(Stream *s, const ImapLine *l, const char *text) {
        static const char *const names[] = { "LOGIN", "SELECT", "SEARCH", "FETCH", "STORE", "EXPUNGE" };
        Roundtrip *rt = rt_of(s);
        const char *name = names[s->step - RT_IMAP_LOGIN];

        rt->untagged = 0;
        if (l->kind != IMAP_TAGGED_OK) {
                if (s->step == RT_IMAP_SELECT && rt->in_junk && l->kind == IMAP_TAGGED_NO) {
                        next_box(s); /* no junk mailbox here */
                        return;
                }
                stream_end(s, PROBE_BAD_REPLY, "%s%s%s answered %s%s%s", name, s->step == RT_IMAP_SELECT ? " " : "",
                           s->step == RT_IMAP_SELECT ? current_box(rt) : "", imap_kind_to_string(l->kind),
                           *text ? " " : "", text);
                return;
        }
        switch (s->step) {
        case RT_IMAP_LOGIN:
                send_select(s);
                break;
        case RT_IMAP_SELECT:
                send_search(s);
                break;
        case RT_IMAP_SEARCH:
                after_search(s);
                break;
        case RT_IMAP_FETCH:
                after_fetch(s);
                break;
        case RT_IMAP_STORE:
                after_store(s);
                break;
        default:
                next_box(s);
        }
}

static size_t rt_imap_input(Stream *s, const char *buf, size_t len) {
        ImapLine l;
        uint64_t announced = 0;
        size_t n;
        char text[160], line[96];
        int r = imap_response_span(buf, len, &n, &announced);

        if (r == 0)
                return 0;
        if (r == -EFBIG)
                stream_end(s, PROBE_OVERLONG, "%s announces a literal of %" PRIu64 " bytes (at most %u read)",
                           s->waiting, announced, IMAP_LITERAL_MAX);
        else if (r == -E2BIG)
                stream_end(s, PROBE_OVERLONG, "%s has more than %u literals in one response", s->waiting,
                           IMAP_RESPONSE_LITERALS_MAX);
        else if (r == -EMSGSIZE)
                stream_end(s, PROBE_OVERLONG, "%s has a line longer than %u bytes", s->waiting, IMAP_LINE_MAX);
        else if (r < 0 || imap_line_parse(buf, n, &l) <= 0)
                stream_end_malformed(s, "reply", buf, len);
        if (r < 0 || s->ended)
                return 0;
        imap_line_texts(&l, buf, text, sizeof(text), line, sizeof(line));
        if (l.kind == IMAP_CONTINUATION || (l.tag && !imap_is_our_tag(s, &l)))
                stream_end(s, PROBE_PROTOCOL_ERROR, "unexpected %s: \"%s\"", s->waiting, line);
        else if (l.tag)
                on_tagged(s, &l, text);
        else
                on_untagged(s, &l, buf, n);
        return n;
}

static const ImapDialect sweep_dialect = {
        .ready = send_login,
        .input = rt_imap_input,
};

static const StreamOps sweep_ops = {
        .input = imap_stream_input,
        .tls_ready = imap_stream_ready,
        .data = &sweep_dialect,
        .finished = roundtrip_session_done,
};

int roundtrip_imap_start(Roundtrip *rt) {
        const RoundtripOptions *o = rt->o;
        StreamTarget t = { .host = o->imap_host ? o->imap_host : rt->probe->config->host, .port = o->imap_port,
                           .tls = o->imap_tls.starttls || o->imap_tls.tls ? &o->imap_tls : NULL };

        return stream_session_start(rt->probe, &sweep_ops, &t, rt, &rt->imap);
}
