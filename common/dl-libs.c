/* dl-libs.c: the symbols mailsupd takes from each library it loads on
 * first use, and their loaders (dlopen.h). */
#include "common/dl-curl.h"
#include "common/dl-mhd.h"
#include "common/dl-openssl.h"

#include <limits.h>

DL_CURL_SYMS(DLSYM_DEFINE)
DL_OPENSSL_SYMS(DLSYM_DEFINE)
DL_MHD_SYMS(DLSYM_DEFINE)

static const DlSym curl_syms[] = { DL_CURL_SYMS(DLSYM_ENTRY) {} };
static const DlSym openssl_syms[] = { DL_OPENSSL_SYMS(DLSYM_ENTRY) {} };
static const DlSym mhd_syms[] = { DL_MHD_SYMS(DLSYM_ENTRY) {} };

static DlLibrary curl_library = {
        .soname = "libcurl.so.4",
        .needed_for = "http checks, notification channels and the heartbeat",
        .syms = curl_syms,
};
/* libcrypto's symbols are found through libssl, which depends on it. */
static DlLibrary openssl_library = {
        .soname = "libssl.so.3",
        .needed_for = "TLS of smtp and imap checks",
        .syms = openssl_syms,
};
static DlLibrary mhd_library = {
        .soname = "libmicrohttpd.so.12",
        .needed_for = "the metrics endpoint",
        .syms = mhd_syms,
};

int dl_curl(void) {
        return dl_load(&curl_library);
}

int dl_openssl(void) {
        return dl_load(&openssl_library);
}

int base64_encode(char *out, const void *in, size_t len) {
        int r = dl_openssl();

        if (r < 0)
                return r;
        if (len > INT_MAX / 2)
                return -E2BIG;
        return sym_EVP_EncodeBlock((unsigned char *) out, in, (int) len);
}

int dl_mhd(void) {
        return dl_load(&mhd_library);
}
