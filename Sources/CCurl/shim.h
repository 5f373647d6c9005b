#ifndef VHR_CCURL_SHIM_H
#define VHR_CCURL_SHIM_H
// libcurl's option setters are variadic, which Swift cannot call: typed wrappers, one per
// argument kind the HTTP client uses.
#include <curl/curl.h>

static inline CURLcode vhr_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode vhr_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode vhr_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*vhr_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode vhr_curl_setopt_data_callback(CURL *handle, CURLoption option, vhr_curl_data_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}
typedef int (*vhr_curl_xferinfo_callback)(
    void *context, curl_off_t download_total, curl_off_t download_now, curl_off_t upload_total, curl_off_t upload_now);
static inline CURLcode vhr_curl_setopt_xferinfo_callback(CURL *handle, vhr_curl_xferinfo_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, cb);
}
static inline CURLcode vhr_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
