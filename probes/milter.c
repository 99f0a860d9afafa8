/* milter.c: the "milter" probe: option negotiation with a milter (OpenDKIM).
 *
 * A DKIM signer whose process still holds its port but no longer speaks
 * milter makes Postfix defer or pass unsigned mail (milter_default_action),
 * and a port check sees nothing. This connects, sends SMFIC_OPTNEG
 * (version 6, every action and protocol flag Postfix offers), wants an 'O'
 * frame back, then sends SMFIC_QUIT and finishes without waiting: the
 * milter has shown it serves. Frames are judged by milter-parse.c.
 *
 * Keys: host/port (default 127.0.0.1:8891, the usual inet socket of OpenDKIM),
 * or socket = /path (Debian 12 stock OpenDKIM: /run/opendkim/opendkim.sock).
 *
 * See also: milter-parse.h, stream.h, smtp.c.
 */
#include "probes/milter-parse.h"
#include "probes/stream.h"

static void milter_connected(Stream *s) {
        MilterOptneg o = { MILTER_VERSION, MILTER_ACTIONS_ALL, MILTER_PROTOCOL_ALL };
        uint8_t frame[MILTER_OPTNEG_LEN];

        milter_optneg_build(frame, &o);
        if (stream_send_bytes(s, frame, sizeof(frame)) < 0)
                stream_end(s, PROBE_INTERNAL_ERROR, "option negotiation does not fit the output buffer");
        stream_expect(s, "reply to option negotiation");
}

static size_t strcspn_len(const char *buf, size_t len, const char *reject) {
        size_t n = 0;

        while (n < len && !strchr(reject, buf[n]))
                n++;
        return n;
}

/* A peer that is not a milter: its first bytes read as a length. */
static void end_not_milter(Stream *s, const char *buf, size_t len) {
        char snippet[48];
        uint32_t n = (uint32_t) (uint8_t) buf[0] << 24 | (uint32_t) (uint8_t) buf[1] << 16 |
                     (uint32_t) (uint8_t) buf[2] << 8 | (uint8_t) buf[3];

        sanitize_line(snippet, sizeof(snippet), buf, strcspn_len(buf, len, "\r\n"));
        stream_end(s, PROBE_PROTOCOL_ERROR, "not a milter: frame length %u above %u in reply to option "
                   "negotiation (\"%s\")", n, MILTER_FRAME_MAX, snippet);
}

static size_t milter_input(Stream *s, const char *buf, size_t len) {
        MilterFrame f;
        MilterOptneg o;
        uint8_t quit[5];
        char c;
        int r;

        r = milter_frame_parse(buf, len, &f);
        if (r == 0)
                return 0;
        if (r == -EMSGSIZE) {
                end_not_milter(s, buf, len);
                return 0;
        }
        if (r < 0) {
                stream_end(s, PROBE_PROTOCOL_ERROR, "malformed reply to option negotiation: empty frame");
                return 0;
        }
        r = milter_optneg_parse(&f, &o);
        c = f.command >= 0x21 && f.command < 0x7f ? f.command : '?';
        if (r == -EPROTO)
                stream_end(s, PROBE_PROTOCOL_ERROR, "option negotiation answered command '%c' (0x%02x), not 'O'",
                           c, (unsigned) (uint8_t) f.command);
        else if (r < 0)
                stream_end(s, PROBE_PROTOCOL_ERROR, "option negotiation answered 'O' with %zu bytes, not 12",
                           f.data_len);
        else if (o.version < 2 || o.version > MILTER_VERSION)
                stream_end(s, PROBE_BAD_REPLY, "option negotiation answered version %u, not 2 to %u",
                           o.version, MILTER_VERSION);
        else {
                milter_quit_build(quit);
                (void) stream_send_bytes(s, quit, sizeof(quit)); /* polite; not awaited */
                stream_end(s, PROBE_OK, "option negotiation answered: version %u, actions 0x%x, protocol 0x%x",
                           o.version, o.actions, o.protocol);
        }
        return r < 0 ? 0 : f.consumed;
}

static const StreamOps milter_ops = {
        .connected = milter_connected,
        .input = milter_input,
};

static int milter_start(Probe *p) {
        return stream_start_unix(p, &milter_ops, NULL, stream_socket_path(p->config));
}

const ProbeType probe_type_milter = {
        .name = "milter",
        .default_port = 8891,
        .start = milter_start,
        STREAM_SOCKET_TYPE_MEMBERS,
};
