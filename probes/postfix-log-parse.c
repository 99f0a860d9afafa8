/* postfix-log-parse.c: one line of Postfix's log (postfix-log-parse.h).
 *
 * Postfix's lines are stable text ("QUEUEID: to=<...>, relay=..., dsn=5.1.1,
 * status=bounced (host ... said: 550 5.1.1 <a@b> User doesn't exist: a@b (in
 * reply to RCPT TO command))"). A cause is made to group alike events: the
 * remote host's preamble, the address and "(in reply to ...)" go, so fifty
 * bounces to fifty unknown users are one cause, "5.1.1 User doesn't exist".
 */
#include "probes/postfix-log-parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/param.h>

#include "common/util.h"

typedef struct Text {
        const char *p;
        size_t n;
} Text;

static bool starts(Text t, const char *prefix) {
        size_t k = strlen(prefix);

        return t.n >= k && memcmp(t.p, prefix, k) == 0;
}

static const char *find(Text t, const char *needle) {
        return memmem(t.p, t.n, needle, strlen(needle));
}

static const char *rfind(Text t, const char *needle) {
        size_t k = strlen(needle);

        for (size_t i = t.n >= k ? t.n - k + 1 : 0; i-- > 0;)
                if (memcmp(t.p + i, needle, k) == 0)
                        return t.p + i;
        return NULL;
}

static Text from(Text t, const char *at) {
        return (Text) { at, t.n - (size_t) (at - t.p) };
}

static Text upto(Text t, const char *at) {
        return (Text) { t.p, (size_t) (at - t.p) };
}

static Text skip(Text t, size_t k) {
        return k <= t.n ? (Text) { t.p + k, t.n - k } : (Text) { t.p + t.n, 0 };
}

static size_t skip_token(Text t, size_t i) {
        while (i < t.n && t.p[i] != ' ')
                i++;
        while (i < t.n && t.p[i] == ' ')
                i++;
        return i;
}

int syslog_line_split(const char *line, size_t len, SyslogLine *ret) {
        Text t = { line, len };
        unsigned tokens = len == 0 ? 0 : isdigit((unsigned char) line[0]) ? 1 : isalpha((unsigned char) line[0]) ? 3 : 0;
        size_t i = 0, start;
        uint64_t pid = 0;

        if (tokens == 0)
                return -EINVAL;
        for (unsigned k = 0; k <= tokens; k++) /* the time stamp, then the host */
                i = skip_token(t, i);
        start = i;
        while (i < len && line[i] != '[' && line[i] != ':' && line[i] != ' ')
                i++;
        if (i == start || i - start > POSTFIX_LOG_IDENT_MAX || i >= len)
                return -EINVAL;
        *ret = (SyslogLine) { .ident = line + start, .ident_len = i - start };
        if (line[i] == '[') {
                for (i++; i < len && isdigit((unsigned char) line[i]) && pid <= UINT32_MAX; i++)
                        pid = pid * 10 + (uint64_t) (line[i] - '0');
                if (i >= len || line[i] != ']' || pid > UINT32_MAX)
                        return -EINVAL;
                i++;
        }
        if (i >= len || line[i] != ':')
                return -EINVAL;
        i++;
        if (i < len && line[i] == ' ')
                i++;
        ret->pid = (uint32_t) pid;
        ret->msg = line + i;
        ret->msg_len = len - i;
        return 0;
}

bool postfix_log_ident(const char *ident, size_t len) {
        size_t i = 7, name;

        if (len <= 8 || memcmp(ident, "postfix", 7) != 0)
                return false;
        if (ident[i] == '-') { /* postfix-NAME/...: an instance's syslog_name */
                for (name = ++i; i < len && (isalnum((unsigned char) ident[i]) || (ident[i] && strchr("._-", ident[i])));)
                        i++;
                if (i == name)
                        return false;
        }
        return i + 1 < len && ident[i] == '/';
}

static const char *const phase_names[_POSTFIX_PHASE_MAX] = {
        [POSTFIX_PHASE_CONNECT] = "CONNECT",
        [POSTFIX_PHASE_HELO] = "HELO",
        [POSTFIX_PHASE_MAIL] = "MAIL",
        [POSTFIX_PHASE_RCPT] = "RCPT",
        [POSTFIX_PHASE_DATA] = "DATA",
        [POSTFIX_PHASE_END_OF_MESSAGE] = "END-OF-MESSAGE",
        [POSTFIX_PHASE_OTHER] = "other",
};

const char *postfix_log_phase_to_string(PostfixLogPhase p) {
        return p >= 0 && p < _POSTFIX_PHASE_MAX ? phase_names[p] : "other";
}

static PostfixLogPhase phase_from(Text w) {
        static const struct {
                const char *word;
                PostfixLogPhase phase;
        } words[] = {
                { "CONNECT", POSTFIX_PHASE_CONNECT }, { "HELO", POSTFIX_PHASE_HELO }, { "EHLO", POSTFIX_PHASE_HELO },
                { "MAIL", POSTFIX_PHASE_MAIL }, { "RCPT", POSTFIX_PHASE_RCPT }, { "DATA", POSTFIX_PHASE_DATA },
                { "BDAT", POSTFIX_PHASE_DATA }, { "END-OF-MESSAGE", POSTFIX_PHASE_END_OF_MESSAGE },
                { "header", POSTFIX_PHASE_END_OF_MESSAGE }, { "body", POSTFIX_PHASE_END_OF_MESSAGE },
        };

        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (w.n == strlen(words[i].word) && memcmp(w.p, words[i].word, w.n) == 0)
                        return words[i].phase;
        return POSTFIX_PHASE_OTHER;
}

/* A leading "550 " (or "550-"): its code, and t moved past it. */
static unsigned take_code(Text *t) {
        if (t->n < 4 || !isdigit((unsigned char) t->p[0]) || !isdigit((unsigned char) t->p[1]) ||
            !isdigit((unsigned char) t->p[2]) || (t->p[3] != ' ' && t->p[3] != '-'))
                return 0;
        unsigned code = (unsigned) ((t->p[0] - '0') * 100 + (t->p[1] - '0') * 10 + (t->p[2] - '0'));
        *t = skip(*t, 4);
        return code;
}

/* A leading enhanced status code "5.1.1 ": copied to dsn, t moved past it. */
static void take_dsn(Text *t, char *dsn, size_t size) {
        size_t i = 0, dots = 0;

        while (i < t->n && i < 12 && (isdigit((unsigned char) t->p[i]) || t->p[i] == '.'))
                dots += t->p[i++] == '.';
        if (dots != 2 || i >= t->n || t->p[i] != ' ' || !isdigit((unsigned char) t->p[0]))
                return;
        snprintf(dsn, size, "%.*s", (int) i, t->p);
        *t = skip(*t, i + 1);
}

/* The words a reason has in common with its kin: no remote host's
 * preamble, no "(in reply to ...)", no reply code, no addresses. */
static void clean_reason(Text *t, unsigned *code, char *dsn, size_t size) {
        const char *at;

        if (starts(*t, "host ") && (at = find(*t, " said: ")))
                *t = from(*t, at + 7);
        if ((at = rfind(*t, " (in reply to ")))
                *t = upto(*t, at);
        *code = take_code(t);
        take_dsn(t, dsn, size);
        if (starts(*t, "<") && (at = memchr(t->p, '>', t->n))) {
                *t = from(*t, at + 1);
                while (t->n > 0 && (t->p[0] == ':' || t->p[0] == ' '))
                        *t = skip(*t, 1);
        }
        /* "User doesn't exist: a@b": the address is not the cause */
        if ((at = rfind(*t, ": ")) && memchr(at, '@', t->n - (size_t) (at - t->p)) &&
            !memchr(at + 2, ' ', t->n - (size_t) (at + 2 - t->p)))
                *t = upto(*t, at);
        while (t->n > 0 && t->p[t->n - 1] == ' ')
                t->n--;
}

/* cause = prefix + " " + text, made valid one-line UTF-8 (text_clean()). */
static void set_cause(PostfixLogEvent *ev, Text prefix, Text text) {
        char raw[POSTFIX_LOG_CAUSE_MAX * 2];
        size_t k = MIN(prefix.n, sizeof(raw) - 1), m;

        memcpy(raw, prefix.p, k);
        if (k > 0 && text.n > 0)
                raw[k++] = ' ';
        m = MIN(text.n, sizeof(raw) - k);
        memcpy(raw + k, text.p, m);
        (void) text_clean(ev->cause, sizeof(ev->cause), raw, k + m, TEXT_LINE);
}

/* "to=<a@b>, relay=..., dsn=5.1.1, status=bounced (reason)" */
static void classify_status(Text t, PostfixLogEvent *ev) {
        const char *at = find(t, ", status="), *end, *close;
        char dsn[16] = "";
        unsigned code;
        Text word, reason, prefix = { "", 0 };

        if (!at)
                return;
        word = from(t, at + 9);
        if (starts(word, "sent"))
                ev->kind = POSTFIX_LOG_SENT;
        else if (starts(word, "bounced"))
                ev->kind = POSTFIX_LOG_BOUNCED;
        else if (starts(word, "deferred"))
                ev->kind = POSTFIX_LOG_DEFERRED;
        if (ev->kind == POSTFIX_LOG_SENT || ev->kind == POSTFIX_LOG_OTHER)
                return;
        if ((at = find(t, ", dsn="))) {
                prefix = from(t, at + 6);
                end = memchr(prefix.p, ',', prefix.n);
                prefix.n = MIN(end ? (size_t) (end - prefix.p) : prefix.n, 12);
        }
        reason = from(word, memchr(word.p, ' ', word.n) ?: word.p + word.n);
        if (starts(reason, " (") && (close = rfind(reason, ")")) && close > reason.p + 1)
                reason = (Text) { reason.p + 2, (size_t) (close - reason.p - 2) };
        else
                reason.n = 0;
        clean_reason(&reason, &code, dsn, sizeof(dsn)); /* the dsn= field is the one that counts */
        set_cause(ev, prefix, reason);
}

/* "RCPT from host[addr]: 550 5.1.1 <a@b>: Recipient address rejected: ...; from=<...> ..."
 * or "header Subject: ... from host[addr]; from=<...> ... helo=<x>: 5.7.1 text" */
static void classify_reject(Text t, PostfixLogEvent *ev) {
        const char *sp = memchr(t.p, ' ', t.n), *at;
        char dsn[16] = "", prefix[64];
        Text word = sp ? upto(t, sp) : t, text;

        ev->kind = POSTFIX_LOG_REJECTED;
        ev->phase = phase_from(word);
        if (starts(word, "header") || starts(word, "body"))
                text = (at = rfind(t, ">: ")) ? from(t, at + 3) : (Text) { t.p + t.n, 0 };
        else {
                at = find(t, " from ");
                text = at ? skip(t, skip_token(t, (size_t) (at + 6 - t.p))) : (Text) { t.p + t.n, 0 };
                if ((at = rfind(text, "; from=<")) || (at = rfind(text, "; proto=")))
                        text = upto(text, at);
        }
        clean_reason(&text, &ev->code, dsn, sizeof(dsn));
        if (ev->code)
                snprintf(prefix, sizeof(prefix), "%.*s %u%s%s", (int) MIN(word.n, 20), word.p, ev->code,
                         *dsn ? " " : "", dsn);
        else
                snprintf(prefix, sizeof(prefix), "%.*s%s%s", (int) MIN(word.n, 20), word.p, *dsn ? " " : "", dsn);
        set_cause(ev, (Text) { prefix, strlen(prefix) }, text);
}

/* What only smtpd says: connections, TLS, SASL failures. */
static bool classify_smtpd(Text t, PostfixLogEvent *ev) {
        const char *at, *sasl;

        if (starts(t, "disconnect from ")) {
                ev->kind = POSTFIX_LOG_DISCONNECT;
                at = find(t, " starttls=");
                ev->starttls = at && at + 10 < t.p + t.n && at[10] >= '1' && at[10] <= '9';
                return true;
        }
        if ((at = find(t, "TLS connection established from ")) && at - t.p < 16) {
                ev->kind = POSTFIX_LOG_TLS;
                return true;
        }
        if (starts(t, "warning: ") && (sasl = find(skip(t, 9), ": SASL ")) &&
            find(from(t, sasl), " authentication failed")) {
                ev->kind = POSTFIX_LOG_SASL_FAILED;
                set_cause(ev, (Text) { "", 0 }, (Text) { t.p + 9, (size_t) (sasl - t.p - 9) });
                return true;
        }
        return false;
}

/* "3CD1BA745FC: ", "4Yk2Xl1nZbz9sKv: " or "NOQUEUE: ": its length, 0 when
 * msg does not start so. Short queue ids are upper-case hex; long ones
 * (enable_long_queue_ids) are letters and digits without vowels, so
 * "warning: " or "daemon: " is none. */
static size_t queue_id_len(Text t) {
        size_t i = 0;
        bool hex = true, vowel = false;

        if (starts(t, "NOQUEUE: "))
                return 9;
        for (; i < t.n && i <= 20 && isalnum((unsigned char) t.p[i]); i++) {
                hex = hex && (isdigit((unsigned char) t.p[i]) || (t.p[i] >= 'A' && t.p[i] <= 'F'));
                vowel = vowel || strchr("aeiouAEIOU", t.p[i]);
        }
        if (!hex && vowel)
                return 0;
        return i >= 6 && i <= 20 && i + 1 < t.n && t.p[i] == ':' && t.p[i + 1] == ' ' ? i + 2 : 0;
}

void postfix_log_classify(const char *ident, size_t ident_len, const char *msg, size_t len, PostfixLogEvent *ret) {
        Text t = { msg, len }, id = { ident, ident_len };
        const char *slash = rfind(id, "/");
        Text component = slash ? from(id, slash + 1) : id;
        bool smtpd = component.n == 5 && starts(component, "smtpd");
        size_t q = queue_id_len(t);
        bool queued = q > 0 && !starts(t, "NOQUEUE: ");

        *ret = (PostfixLogEvent) { .kind = POSTFIX_LOG_OTHER };
        if (smtpd && classify_smtpd(t, ret))
                return;
        t = skip(t, q);
        if (q > 0 && starts(t, "reject: "))
                classify_reject(skip(t, 8), ret);
        else if (q > 0 && starts(t, "milter-reject: "))
                classify_reject(skip(t, 15), ret);
        else if (queued && starts(t, "to=<"))
                classify_status(t, ret);
        else if (queued && starts(t, "from=<") && find(t, ", status=expired"))
                ret->kind = POSTFIX_LOG_EXPIRED;
        else if (queued && ((smtpd && starts(t, "client=")) ||
                            (component.n == 6 && starts(component, "pickup") && starts(t, "uid="))))
                ret->kind = POSTFIX_LOG_RECEIVED;
}
