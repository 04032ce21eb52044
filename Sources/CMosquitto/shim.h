#ifndef CITYFEEDS_CMOSQUITTO_SHIM_H
#define CITYFEEDS_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <dlfcn.h>
#include <stddef.h>

/*
 * Bytes that OpenSSL has already read from the socket and decrypted but libmosquitto has not consumed yet.
 * `poll` cannot see them, so a loop that only polls the socket could leave a message waiting. libmosquitto
 * loads libssl itself; SSL_pending is looked up at run time so that cityfeedsd needs no OpenSSL headers.
 */
static inline int cityfeeds_ssl_pending(struct mosquitto *mosq) {
    typedef int (*ssl_pending_fn)(const void *);
    static ssl_pending_fn ssl_pending = NULL;
    static int looked_up = 0;
    void *ssl = mosquitto_ssl_get(mosq);
    if (ssl == NULL) return 0;
    if (!looked_up) {
        ssl_pending = (ssl_pending_fn)dlsym(RTLD_DEFAULT, "SSL_pending");
        looked_up = 1;
    }
    return ssl_pending != NULL ? ssl_pending(ssl) : 0;
}
#endif
