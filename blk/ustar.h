/* A read-only POSIX ustar archive on a block device: the simplest file
 * system there is (IEEE Std 1003.1, pax, "ustar Interchange Format"), made
 * on any host with `tar --format=ustar -cf disk.img -C dir .` and attached
 * as a disk. At boot the first block device that holds one is mounted
 * (the INIT_STACK hook here listens for block devices); httpd serves its
 * files under /files/ (apps/httpd_files.c).
 *
 * Mounting reads and checks every header -- checksum, octal fields, magic,
 * names NUL-terminated, each member inside the device -- and keeps an index
 * of regular files in memory; an archive with a bad header anywhere is
 * refused, with a log line saying where and why. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "blk/blk.h"

#define USTAR_PATH_MAX 256              /* prefix (155) + '/' + name (100) + NUL */
#define USTAR_MAX_FILES 256

struct ustar_file {
    char path[USTAR_PATH_MAX];          /* "css/site.css": no leading "./" or "/" */
    uint64_t offset;                    /* of the data, in bytes from the device's start */
    uint64_t size;
};

/* Mounts the archive on d (unmounting any other): 0, -ENOENT (no archive:
 * the first block is not a ustar header), -EINVAL (a bad header; logged),
 * -EIO, -ENOMEM. */
int ustar_mount(struct blk_dev *d);
void ustar_unmount(void);
/* The mounted device, or NULL. */
struct blk_dev *ustar_device(void);
/* The regular file at path (leading '/' allowed), or NULL. */
const struct ustar_file *ustar_lookup(const char *path);
/* File i (0..count-1), for listings. */
unsigned ustar_count(void);
const struct ustar_file *ustar_file(unsigned i);
/* Reads up to len bytes at off: bytes read (0 at the end) or -errno. */
long ustar_read(const struct ustar_file *f, uint64_t off, void *buf, size_t len);

/* Pure helpers, exposed for the unit test. */
/* A numeric header field: octal digits, leading spaces allowed, ended by
 * NUL or space (or the field's end). 0 or -EINVAL. */
int ustar_octal(const char *field, size_t n, uint64_t *out);
