/* roundtrip.h: the parts of the roundtrip canary and what they share.
 *
 * The canary is one probe type in four files: roundtrip.c (the run: sweep
 * the mailbox, send a new canary, judge), roundtrip-options.c (its keys),
 * roundtrip-imap.c and roundtrip-smtp.c (its two conversations, built on
 * the imap and smtp probes' shared openings), and roundtrip-parse.c (pure
 * parsers: the canary's own header, header matching, postqueue -j lines).
 * The options also hold what must outlive a run: the canaries in flight
 * and the last delivery latency (postfix_queue keeps its last total the
 * same way). A restart of mailsupd forgets the list, not the canaries:
 * each carries its check and send time in its header, so a later sweep
 * still finds, measures and deletes it.
 *
 * See also: stream.h (sessions), smtp.h, imap.h, imap-response.h, child.h.
 */
#pragma once

#include <regex.h>

#include "probes/child.h"
#include "probes/smtp-parse.h"
#include "probes/stream.h"

#define RT_IN_FLIGHT_MAX 8      /* canaries looked for at once; the oldest is forgotten past it */
#define RT_FOUND_MAX 16         /* canaries taken from one mailbox per run; the rest next time */
#define RT_EXPECT_MAX 8         /* expect_header patterns */
#define RT_ID_MAX 24
#define RT_STUCK_MAX 160        /* what postqueue -j says of a late canary */
#define RT_HEADER_NAME "X-Mailsup-Canary"

typedef struct Canary {
        char id[RT_ID_MAX];                     /* random hex, unique per canary */
        usec_t sent;                            /* CLOCK_REALTIME, as written in its header */
        char queue_id[SMTP_QUEUE_ID_MAX + 1];   /* from the 250 reply to the message */
} Canary;

typedef struct RoundtripOptions {
        TlsOptions tls;                 /* first: the submission side's keys, tls-options.c's */
        TlsOptions imap_tls;            /* imap_starttls, imap_tls, ... */
        char *username, *password_file;
        char *from, *to;
        char *imap_host;
        uint16_t imap_port;
        char *imap_user, *imap_password_file;
        char *mailbox, *junk_mailbox;   /* junk_mailbox "" or "none": not looked at */
        usec_t max_delay;
        bool allow_plaintext, postqueue, postqueue_set;
        bool initialized;               /* defaults set on first use */
        char *config_directory;         /* postqueue -c */
        unsigned n_expect;
        char *expect_src[RT_EXPECT_MAX];
        regex_t expect[RT_EXPECT_MAX];

        /* Across runs. */
        Canary in_flight[RT_IN_FLIGHT_MAX];
        unsigned n_in_flight;
        usec_t last_latency;
        bool has_latency;
} RoundtripOptions;

/* A canary found in a mailbox by this run. */
typedef struct Found {
        Canary canary;                  /* id and sent from its header; queue_id if it was in flight */
        uint32_t uid;
        usec_t arrived;                 /* INTERNALDATE, to the second */
        bool junk;
        int missing;                    /* the first expect_header that matched no line, or -1 */
} Found;

typedef struct Roundtrip {
        Probe *probe;
        RoundtripOptions *o;
        Stream *imap, *smtp;
        Child *postqueue;
        char password[256], imap_password[256];

        /* The sweep. */
        bool in_junk;
        unsigned untagged;              /* untagged responses to the command in flight */
        uint32_t uids[RT_FOUND_MAX];
        size_t n_uids;
        Found found[2 * RT_FOUND_MAX];
        size_t n_found, n_found_box;    /* all, and the current mailbox's (from found + n_found - n_found_box) */
        bool imap_done, smtp_done;

        /* This run's canary. */
        Canary sending;
        bool sent;

        /* postqueue -j of the oldest late canary. */
        const Canary *late;
        char pq_line[4096];
        size_t pq_len;
        bool pq_skip;                   /* the line in progress was too long */
        char stuck[RT_STUCK_MAX];
} Roundtrip;

extern const char *const roundtrip_keys[];
int roundtrip_parse_key(ProbeConfig *c, const char *key, const char *value, char **error);
int roundtrip_verify(ProbeConfig *c, char **error);
void roundtrip_free_options(ProbeConfig *c);
int roundtrip_check_access(const void *options, char *buf, size_t size);

/* The conversations: 0 or -ENOMEM; their verdicts reach roundtrip_session_done(). */
int roundtrip_imap_start(Roundtrip *rt);
int roundtrip_smtp_start(Roundtrip *rt);
void roundtrip_session_done(Stream *s);

/* Pure parts (roundtrip-parse.c). */

/* "check=NAME; sent=USEC; id=HEX", the header's value, into buf. */
int canary_header_format(char *buf, size_t size, const char *check, const Canary *c);
/* The search key that finds every canary of check: "check=NAME;". */
int canary_search_key(char *buf, size_t size, const char *check);
/* A canary of check in the header block hdr[0, len)? 1 and *ret filled
 * (queue_id empty); 0 when it has no such header or it is another check's. */
int canary_header_parse(const char *hdr, size_t len, const char *check, Canary *ret);
/* Whether any (unfolded) header line of hdr[0, len) matches re. */
bool header_block_matches(const char *hdr, size_t len, const regex_t *re);

/* One line of postqueue -j: for the message queue_id, "deferred: <the
 * first recipient's delay_reason>" (or "still in the incoming queue") into buf.
 * 1 when the line is that message's; 0 when another's; -EBADMSG. */
int postqueue_line_parse(const char *line, size_t len, const char *queue_id, char *buf, size_t size);
