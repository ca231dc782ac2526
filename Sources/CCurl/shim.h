// Typed wrappers over libcurl's variadic curl_easy_setopt / curl_easy_getinfo for Swift.
#ifndef CHAOSTUI_CCURL_SHIM_H
#define CHAOSTUI_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*ccurl_write_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_function(CURL *h, ccurl_write_fn fn) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fn); }
static inline CURLcode ccurl_setopt_header_function(CURL *h, ccurl_write_fn fn) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fn); }
/// In-memory PEM blobs (CA, client certificate, key): copied by libcurl, never written to disk.
static inline CURLcode ccurl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
  struct curl_blob blob;
  blob.data = (void *)data;
  blob.len = len;
  blob.flags = CURL_BLOB_COPY;
  return curl_easy_setopt(h, o, &blob);
}
typedef int (*ccurl_xferinfo_fn)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
/// Called about once a second even when nothing arrives: a nonzero answer aborts the transfer.
static inline CURLcode ccurl_setopt_xferinfo_function(CURL *h, ccurl_xferinfo_fn fn) {
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, fn);
}
static inline long ccurl_response_code(CURL *h) {
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  return code;
}
#endif
