/* tls-stream.h: between stream.c and tls-stream.c only; types use stream.h. */
#pragma once

#include "probes/stream.h"

/* Start the session on the stream's socket and the handshake (implicit TLS
 * once connected; STARTTLS once the type's yes was consumed). */
void stream_tls_begin(Stream *s);
/* One step of the handshake; when done, the conversation goes on. */
void stream_tls_handshake(Stream *s);
/* Read through the session until it wants the socket again. */
void stream_tls_read(Stream *s);

/* In stream.c: hand the buffered input to the type. */
void stream_dispatch(Stream *s);
