# vmw/: the devices VMware gives a guest: the Intel e1000 family (QEMU's
# default NIC too), later vmxnet3 and pvscsi.
KSRCS += vmw/e1000.c
