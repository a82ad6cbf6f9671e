/* SPDX-License-Identifier: MIT */
/*
 * The list of host API modules installed into every new context, in this order, before the
 * prelude runs. Adding a host API = one api_<area>.c file with a struct api_module + one line
 * here (docs/internals/HOWTO-add-host-api.md).
 */
#include "api/api_internal.h"

const struct api_module *const api_modules[] = {
    &api_module_core,      /* settle, UTF-8 helpers for the prelude */
    &api_module_console,   /* console.* */
    &api_module_routes,    /* routeRegistry */
    &api_module_timers,    /* setTimeout, setInterval, clearTimeout, clearInterval */
    &api_module_storage,   /* sharedStorage */
    &api_module_realtime,  /* event streams, WebSocket routes */
    &api_module_websocket, /* the socket object of WebSocket routes */
    &api_module_web,       /* multipart, bytes and body streaming for the Web classes */
    &api_module_assets,    /* assetStorage */
    &api_module_url,       /* URL, URLSearchParams (natives for prelude 50_url.js) */
    &api_module_encoding,  /* TextEncoder, TextDecoder, atob, btoa (51_encoding.js) */
    &api_module_data,      /* database, cache, personalStorage (natives for 60_data.js) */
    &api_module_platform,  /* crypto.getRandomValues/randomUUID, performance (53_crypto_perf.js) */
    NULL,
};
