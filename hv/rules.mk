# hv/: Hyper-V -- hypercalls and SynIC (hyperv.c), VMBus (vmbus.c, ring.c),
# integration services (ic.c), the synthetic NIC (netvsc*.c), and the
# kernel's platform glue (hv_kernel.c).
# The same sources minus hv_kernel.c build into the hosted tests against
# the host simulator in tests/hvsim/.
# storvsc: Hyper-V's synthetic SCSI, a host adapter for blk/scsi.c.
KSRCS += hv/storvsc.c
HV_CORE_SRCS := hv/hyperv.c hv/vmbus.c hv/vmbus_chan.c hv/vmbus_xact.c hv/ring.c hv/ic.c
HV_NETVSC_SRCS := hv/netvsc.c hv/netvsc_nvsp.c hv/netvsc_rndis.c
KSRCS += $(HV_CORE_SRCS) $(HV_NETVSC_SRCS) hv/hv_kernel.c
