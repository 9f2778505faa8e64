/* A stand-in for the SCSI layer (blk/scsi.c) under storvsc in hosted
 * tests: it records what the adapter reports and scans nothing, so a test
 * drives the adapter's scsi_host_ops itself and sees each command's raw
 * result. Include it in exactly one file of a program. */
#pragma once
#include "blk/scsi.h"
#include "lib/fmt.h"

static struct {
    struct scsi_host *h;            /* the last host added and not removed */
    unsigned adds, rescans, removes, luns_removed, done;
    int add_ret;                    /* what scsi_host_add returns */
    void (*during_add)(struct scsi_host *h);    /* runs inside scsi_host_add (a "scan") */
} scsi_fake;

int scsi_host_add(struct scsi_host *h)
{
    fmt_snprintf(h->name, sizeof h->name, "scsi%u", scsi_fake.adds);
    scsi_fake.adds++;
    if (scsi_fake.during_add)
        scsi_fake.during_add(h);
    if (scsi_fake.add_ret)
        return scsi_fake.add_ret;
    scsi_fake.h = h;
    return 0;
}

void scsi_host_rescan(struct scsi_host *h)
{
    (void)h;
    scsi_fake.rescans++;
}

void scsi_lun_removed(struct scsi_host *h, uint16_t target, uint16_t lun)
{
    (void)h, (void)target, (void)lun;
    scsi_fake.luns_removed++;
}

void scsi_host_remove(struct scsi_host *h)
{
    if (scsi_fake.h == h)
        scsi_fake.h = NULL;
    scsi_fake.removes++;
}

void scsi_cmd_done(struct scsi_host *h, struct scsi_cmd *c)
{
    (void)h;
    scsi_fake.done++;
    if (c->done)
        c->done(c);
}
