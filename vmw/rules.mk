# vmw/: VMware's paravirtual devices: the vmxnet3 NIC (vmxnet3.c, wire
# format in vmxnet3_reg.h) and the backdoor I/O port (backdoor.c: detection,
# TSC rate, memory size, UUID).
KSRCS += vmw/vmxnet3.c vmw/backdoor.c
