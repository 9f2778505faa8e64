/* httpd's GET /files/<path>: the files of the ustar archive mounted at
 * boot (blk/ustar.h), with a Content-Type by extension; 404 when there is
 * no such file (or no archive). */
#pragma once
#include <stdbool.h>

/* path: what follows "/files/" (percent-escapes decoded here). Sends the
 * whole response on fd: 0, or -1 when the connection must close; or
 * HTTPD_FILES_NOT_FOUND, having sent nothing: the caller answers 404. */
#define HTTPD_FILES_NOT_FOUND 1
int httpd_files_send(int fd, const char *path, bool head_only, bool keep_alive);
/* Sends a response head without Vary (apps/httpd.c): 0 or -1. */
int httpd_send_head(int fd, int status, const char *type, unsigned long long length, bool keep_alive);
/* Content-Type for a file name, by its extension. */
const char *httpd_files_type(const char *name);
