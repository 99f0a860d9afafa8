/* postfix-log-parse.h: the pure parts of postfix_log: one line of Postfix's log.
 *
 * What a Postfix line says about mail flow, from the line alone: a
 * recipient delivered, bounced, deferred or expired (with its dsn and the
 * reason the other side gave), a client rejected (with the SMTP phase and
 * code), a failed SASL login (and from where), a message received, an
 * inbound connection that ended (and whether it did STARTTLS), a TLS
 * handshake. Lines come from the journal (SYSLOG_IDENTIFIER and MESSAGE)
 * or from a syslog file such as /var/log/mail.log (split here). Every
 * input is (pointer, length), never read past; a cause is cut to
 * POSTFIX_LOG_CAUSE_MAX bytes with control characters replaced.
 *
 * See also: postfix-log-count.h (the window), postfix-log.c (the probe),
 * tests/test-postfix-log-parse.c (recorded lines of Postfix 3.7).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POSTFIX_LOG_CAUSE_MAX 96
#define POSTFIX_LOG_IDENT_MAX 64

typedef enum PostfixLogKind {
        POSTFIX_LOG_OTHER,      /* counts for nothing */
        POSTFIX_LOG_SENT,       /* status=sent: one recipient delivered */
        POSTFIX_LOG_BOUNCED,    /* status=bounced */
        POSTFIX_LOG_DEFERRED,   /* status=deferred: one attempt that failed for now */
        POSTFIX_LOG_EXPIRED,    /* status=expired, returned to sender (qmgr) */
        POSTFIX_LOG_REJECTED,   /* reject: / milter-reject: a client was refused */
        POSTFIX_LOG_SASL_FAILED, /* warning: ...: SASL LOGIN authentication failed */
        POSTFIX_LOG_RECEIVED,   /* a new message came in: smtpd client=, pickup uid= */
        POSTFIX_LOG_DISCONNECT, /* smtpd: an inbound connection ended */
        POSTFIX_LOG_TLS,        /* smtpd: TLS connection established from (smtpd_tls_loglevel >= 1) */
        _POSTFIX_LOG_KIND_MAX,
} PostfixLogKind;

typedef enum PostfixLogPhase {
        POSTFIX_PHASE_CONNECT,
        POSTFIX_PHASE_HELO,     /* HELO and EHLO */
        POSTFIX_PHASE_MAIL,
        POSTFIX_PHASE_RCPT,
        POSTFIX_PHASE_DATA,
        POSTFIX_PHASE_END_OF_MESSAGE, /* also header and body checks */
        POSTFIX_PHASE_OTHER,    /* VRFY, ETRN, ... */
        _POSTFIX_PHASE_MAX,
} PostfixLogPhase;

typedef struct PostfixLogEvent {
        PostfixLogKind kind;
        PostfixLogPhase phase;  /* REJECTED */
        unsigned code;          /* REJECTED: the SMTP reply code, 0 when the line has none */
        bool starttls;          /* DISCONNECT: the session did STARTTLS successfully */
        /* BOUNCED, DEFERRED: "5.1.1 User doesn't exist"; REJECTED: "RCPT 550
         * 5.1.1 Recipient address rejected: ..."; SASL_FAILED: the client,
         * "unknown[192.0.2.7]"; else "". */
        char cause[POSTFIX_LOG_CAUSE_MAX];
} PostfixLogEvent;

/* One line of a syslog file, split: "Dec  2 02:38:29 mx postfix/smtpd[6785]:
 * connect from ..." (traditional, and Postfix's own maillog_file) or
 * "2026-12-02T02:38:29.123456+00:00 mx postfix/smtpd[6785]: ..." (RFC 3339,
 * rsyslog's default on Debian 12). Pointers into the line. */
typedef struct SyslogLine {
        const char *ident;
        size_t ident_len;
        uint32_t pid;           /* 0 when the line has none */
        const char *msg;
        size_t msg_len;
} SyslogLine;

/* 0, or -EINVAL for a line of another shape. */
int syslog_line_split(const char *line, size_t len, SyslogLine *ret);

/* Whether ident is one of Postfix's: "postfix/smtpd", "postfix/submission/smtpd"
 * (Debian's master.cf), "postfix-out/smtp" (an instance of postmulti). */
bool postfix_log_ident(const char *ident, size_t len);

/* What msg, logged by ident, says; ret->kind is POSTFIX_LOG_OTHER for
 * everything else. */
void postfix_log_classify(const char *ident, size_t ident_len, const char *msg, size_t len, PostfixLogEvent *ret);

const char *postfix_log_phase_to_string(PostfixLogPhase p);
