# net/: the NIC interface (netdev), lwIP on top of it, and the POSIX socket
# layer on top of lwIP; the Intel e1000 family driver (QEMU's and VMware's
# default NIC). Drivers of other buses live with them (hv/, vmw/, virtio/).
KSRCS += net/netdev.c net/e1000.c net/e1000_rxpool.c

# lwIP 2.1.3 from Debian's source package, fetched into build/ by
# tools/fetch-lwip.sh (never committed). Built freestanding with our own
# lwipopts.h and arch port (net/lwip/); warnings in its code are not ours
# to fix, so it is built without -Werror.
LWIP_DIR := $(BUILD)/lwip-2.1.3
$(LWIP_DIR)/.fetched: tools/fetch-lwip.sh
	tools/fetch-lwip.sh $(BUILD)
# The sources are fetched, not made: never delete them as intermediates.
.PRECIOUS: $(LWIP_DIR)/%.c
$(LWIP_DIR)/%.c: $(LWIP_DIR)/.fetched
	@test -f $@
.PHONY: lwip-fetch
lwip-fetch: $(LWIP_DIR)/.fetched

LWIP_INC := -I$(LWIP_DIR)/src/include -Inet/lwip -Inet/lwip/libc
LWIP_CORE := def dns inet_chksum init ip mem memp netif pbuf raw stats sys tcp tcp_in tcp_out \
	timeouts udp
LWIP_IPV4 := dhcp etharp icmp ip4 ip4_addr ip4_frag
# api/: only the tcpip thread (tcpip.c) and err_to_errno (err.c); lwIP's
# netconn and socket APIs are replaced by net/socket_inet.c on the raw API.
LWIP_API  := err tcpip
LWIP_SRCS := $(patsubst %,core/%.c,$(LWIP_CORE)) $(patsubst %,core/ipv4/%.c,$(LWIP_IPV4)) \
	$(patsubst %,api/%.c,$(LWIP_API)) netif/ethernet.c
LWIP_OBJS := $(patsubst %,$(BUILD)/lwip/%.o,$(LWIP_SRCS))
EXTRA_KOBJS += $(LWIP_OBJS)

# lwIP's own files: the kernel's flags without -Werror, and -Os (a third
# smaller than -O2: lwIP is most of the kernel's code otherwise).
LWIP_CFLAGS = $(filter-out -Werror -O2,$(KCFLAGS)) -Os $(LWIP_INC) -Wno-unused-parameter \
	-Wno-sign-compare -Wno-missing-field-initializers -Wno-type-limits
$(BUILD)/lwip/%.c.o: $(LWIP_DIR)/src/%.c | $(LWIP_DIR)/.fetched
	@mkdir -p $(@D)
	$(CC) $(LWIP_CFLAGS) -c $< -o $@

# Our port and glue: ordinary kernel sources that include lwIP's headers.
LWIP_PORT_SRCS := net/lwip/sys_arch.c net/lwip/libc.c net/lwip/tcp_timewait.c net/lwip/tcp_guard.c net/lwip/syncookie.c net/lwip/dhcp_hold.c net/lwip/carrier.c net/lwip/ip4_src.c \
	net/lwip_netif.c
KSRCS += $(LWIP_PORT_SRCS)
# lwIP's pools, sized at boot (net/lwip/pools.c): lwIP's calls to
# memp_malloc and memp_free go to __wrap_memp_malloc/__wrap_memp_free
# (GNU ld, --wrap=symbol).
POOLS_SRCS := net/lwip/pools.c
KSRCS += net/lwip/pools_plan.c
KSRCS += $(POOLS_SRCS)
$(patsubst %,$(BUILD)/%.o,$(POOLS_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(POOLS_SRCS)): | $(LWIP_DIR)/.fetched
KLDFLAGS += --wrap=memp_malloc --wrap=memp_free
$(patsubst %,$(BUILD)/%.o,$(LWIP_PORT_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(LWIP_PORT_SRCS)): | $(LWIP_DIR)/.fetched

# The POSIX socket layer (net/socket.h): the dispatch core knows no lwIP;
# AF_INET (socket_inet.c) is lwIP's raw TCP/UDP API under the core lock.
KSRCS += net/socket.c
SOCKET_LWIP_SRCS := net/socket_inet.c
KSRCS += $(SOCKET_LWIP_SRCS)
$(patsubst %,$(BUILD)/%.o,$(SOCKET_LWIP_SRCS)): KCFLAGS += $(LWIP_INC)
$(patsubst %,$(BUILD)/%.o,$(SOCKET_LWIP_SRCS)): | $(LWIP_DIR)/.fetched
# -Os like lwIP: the layer is not on a hot path of its own (lwIP's is).
$(BUILD)/net/socket.c.o $(BUILD)/net/socket_inet.c.o: \
	KCFLAGS := $(filter-out -O2,$(KCFLAGS)) -Os
# lwIP's callback types name parameters a callback may not need.
$(BUILD)/net/socket_inet.c.o: KCFLAGS += -Wno-unused-parameter
