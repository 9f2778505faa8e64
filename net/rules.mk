# net/: the NIC abstraction and NIC drivers (lwIP and sockets will join).
KSRCS += net/netdev.c net/e1000.c net/dhcp_probe.c net/selftest_net.c
