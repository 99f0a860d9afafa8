/* imap-parse.c: one IMAP response line out of a byte buffer (see imap-parse.h).
 *
 * The line is found first (a bounded memchr), then split into tag or "*",
 * status word and text, with RFC 3501's character classes for tags and
 * atoms. Status words compare case-insensitively, as the RFC asks. Every
 * index stays below the line end found, so hostile bytes cannot make it
 * read out of range; the cost is one bounded scan per line.
 *
 * See also: imap.c, tests/test-imap-parse.c.
 */
#include "probes/imap-parse.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ATOM-CHAR: printable ASCII but atom-specials ( ) { SP % * " \ ] */
static bool is_atom_char(char c) {
        return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\]", c);
}

/* tag = 1*<ASTRING-CHAR except "+">; ASTRING-CHAR adds "]". */
static bool is_tag_char(char c) {
        return (is_atom_char(c) || c == ']') && c != '+';
}

static const struct {
        const char *word;
        ImapKind untagged, tagged; /* _IMAP_KIND_MAX: not valid there */
} status_words[] = {
        { "OK", IMAP_UNTAGGED_OK, IMAP_TAGGED_OK },
        { "NO", IMAP_UNTAGGED_NO, IMAP_TAGGED_NO },
        { "BAD", IMAP_UNTAGGED_BAD, IMAP_TAGGED_BAD },
        { "PREAUTH", IMAP_UNTAGGED_PREAUTH, _IMAP_KIND_MAX },
        { "BYE", IMAP_UNTAGGED_BYE, _IMAP_KIND_MAX },
};

const char *imap_kind_to_string(ImapKind k) {
        static const char *const names[_IMAP_KIND_MAX] = {
                [IMAP_UNTAGGED_OK] = "OK",   [IMAP_UNTAGGED_NO] = "NO",
                [IMAP_UNTAGGED_BAD] = "BAD", [IMAP_UNTAGGED_PREAUTH] = "PREAUTH",
                [IMAP_UNTAGGED_BYE] = "BYE", [IMAP_UNTAGGED_OTHER] = "untagged",
                [IMAP_TAGGED_OK] = "OK",     [IMAP_TAGGED_NO] = "NO",
                [IMAP_TAGGED_BAD] = "BAD",   [IMAP_CONTINUATION] = "+",
        };

        if (k < 0 || k >= _IMAP_KIND_MAX)
                return "?";
        return names[k];
}

/* Length of the run of chars at p[0, n) accepted by ok(). */
static size_t span(const char *p, size_t n, bool (*ok)(char c)) {
        size_t i = 0;

        while (i < n && ok(p[i]))
                i++;
        return i;
}

/* After a word ending at offset i of content[0, n): nothing, or SP and text. */
static int take_text(const char *content, size_t n, size_t i, ImapLine *l) {
        if (i < n && content[i] != ' ')
                return -EBADMSG;
        l->text = i < n ? content + i + 1 : content + n;
        l->text_len = i < n ? n - i - 1 : 0;
        return 0;
}

/* Classifies the status word at content[i, n), after "* " or "tag ". */
static int take_status(const char *content, size_t n, size_t i, bool tagged, ImapLine *l) {
        size_t w = span(content + i, n - i, is_atom_char);

        if (w == 0)
                return -EBADMSG;
        l->kind = tagged ? _IMAP_KIND_MAX : IMAP_UNTAGGED_OTHER;
        for (size_t k = 0; k < sizeof(status_words) / sizeof(status_words[0]); k++)
                if (strlen(status_words[k].word) == w &&
                    strncasecmp(status_words[k].word, content + i, w) == 0)
                        l->kind = tagged ? status_words[k].tagged : status_words[k].untagged;
        if (l->kind == _IMAP_KIND_MAX)
                return -EBADMSG; /* "m1 PREAUTH", "m1 FOO" */
        if (l->kind == IMAP_UNTAGGED_OTHER) {
                /* "* 3 EXISTS", "* CAPABILITY ...": keep the whole rest as text */
                l->text = content + i;
                l->text_len = n - i;
                return 0;
        }
        return take_text(content, n, i + w, l);
}

static int parse_content(const char *content, size_t n, ImapLine *l) {
        size_t t;

        if (n == 0 || memchr(content, '\r', n))
                return -EBADMSG;
        if (content[0] == '+') {
                l->kind = IMAP_CONTINUATION;
                return take_text(content, n, 1, l);
        }
        if (content[0] == '*') {
                if (n < 3 || content[1] != ' ')
                        return -EBADMSG;
                return take_status(content, n, 2, false, l);
        }
        t = span(content, n, is_tag_char);
        if (t == 0 || t + 1 >= n || content[t] != ' ')
                return -EBADMSG;
        l->tag = content;
        l->tag_len = t;
        return take_status(content, n, t + 1, true, l);
}

int imap_line_parse(const char *buf, size_t len, ImapLine *ret) {
        size_t window = len < IMAP_LINE_MAX ? len : IMAP_LINE_MAX;
        ImapLine l = {};
        const char *lf;
        size_t n;
        int r;

        /* Fail fast on what cannot start a response, before any line end. */
        if (len > 0 && buf[0] != '*' && buf[0] != '+' && !is_tag_char(buf[0]))
                return -EBADMSG;
        lf = memchr(buf, '\n', window);
        if (memchr(buf, '\0', lf ? (size_t) (lf - buf) : window))
                return -EBADMSG;
        if (!lf)
                return len >= IMAP_LINE_MAX ? -EMSGSIZE : 0;

        n = (size_t) (lf - buf);
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        r = parse_content(buf, n, &l);
        if (r < 0)
                return r;
        l.consumed = (size_t) (lf - buf) + 1;
        *ret = l;
        return 1;
}
