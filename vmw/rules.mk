# vmw/: VMware's virtual devices. pvscsi: the paravirtual SCSI adapter (a
# host for blk/scsi.c).
KSRCS += vmw/pvscsi.c
