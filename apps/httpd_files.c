/* httpd: GET /files/<path> from the ustar archive on a disk (blk/ustar.h).
 *
 *   tar --format=ustar -cf site.tar -C site .
 *   qemu-system-x86_64 ... -device pvscsi,id=h \
 *     -drive if=none,id=d0,file=site.tar,format=raw -device scsi-hd,drive=d0,bus=h.0
 *   curl http://127.0.0.1:8080/files/index.html
 *
 * The file is streamed from the disk in HTTPD_FILES_CHUNK pieces. */
#include "apps/httpd_files.h"
#include "blk/ustar.h"
#include "kernel/mm/heap.h"
#include "lib/string.h"
#include "net/socket.h"

#define HTTPD_FILES_CHUNK 16384

const char *httpd_files_type(const char *name)
{
    /* Extension, Content-Type, ..., an empty string: no table of pointers. */
    static const char types[] =
        "html\0text/html; charset=utf-8\0css\0text/css\0js\0text/javascript\0"
        "txt\0text/plain; charset=utf-8\0png\0image/png\0jpg\0image/jpeg\0jpeg\0image/jpeg\0"
        "svg\0image/svg+xml\0json\0application/json\0";
    const char *dot = NULL;
    for (const char *p = name; *p; p++)
        if (*p == '.')
            dot = p + 1;
        else if (*p == '/')
            dot = NULL;
    for (const char *t = types; dot && *t;) {
        const char *type = t + strlen(t) + 1;
        if (strcmp(dot, t) == 0)
            return type;
        t = type + strlen(type) + 1;
    }
    return "application/octet-stream";
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* RFC 3986 2.1 percent-decoding into out (size USTAR_PATH_MAX): false if
 * malformed, too long, or decoding to a NUL. */
static bool decode(const char *in, char *out)
{
    size_t n = 0;
    for (; *in; in++) {
        int c = (unsigned char)*in;
        if (c == '%') {
            int h = hexval(in[1]), l = h < 0 ? -1 : hexval(in[2]);
            if (l < 0 || (h | l) == 0)
                return false;
            c = h << 4 | l;
            in += 2;
        }
        if (n + 1 >= USTAR_PATH_MAX)
            return false;
        out[n++] = (char)c;
    }
    out[n] = 0;
    return true;
}

int httpd_files_send(int fd, const char *path, bool head_only, bool keep_alive)
{
    char name[USTAR_PATH_MAX];
    const struct ustar_file *f = decode(path, name) ? ustar_lookup(name) : NULL;
    if (!f)
        return HTTPD_FILES_NOT_FOUND;
    if (httpd_send_head(fd, 200, httpd_files_type(f->path), f->size, keep_alive))
        return -1;
    if (head_only)
        return 0;
    uint8_t *buf = kmalloc(HTTPD_FILES_CHUNK);
    if (!buf)
        return -1;
    /* After the head, an error can only close the connection: the client
     * sees a body shorter than Content-Length. */
    int err = 0;
    for (uint64_t off = 0; !err && off < f->size;) {
        long n = ustar_read(f, off, buf, HTTPD_FILES_CHUNK);
        if (n <= 0 || msock_send_all(fd, buf, (size_t)n) < 0)
            err = -1;
        off += n > 0 ? (uint64_t)n : 0;
    }
    kfree(buf);
    return err;
}
