# tests/selftest/: in-kernel self-tests (selftest=NAME). They are linked only
# into the test images (build/minnow-test.elf, build/minnow-test-pvh.elf,
# build/minnow-test.iso); the shipped kernel carries none.
SELFTEST_SRCS := tests/selftest/faults.c tests/selftest/mem.c tests/selftest/timer.c \
	tests/selftest/threads.c tests/selftest/pci.c tests/selftest/dhcp_probe.c tests/selftest/net.c \
	tests/selftest/netlend.c \
	tests/selftest/lwip.c tests/selftest/socket.c tests/selftest/socket_tcp.c tests/selftest/hv.c tests/selftest/disk.c \
	tests/selftest/mmio.c
$(BUILD)/tests/selftest/lwip.c.o: KCFLAGS += $(LWIP_INC)
$(BUILD)/tests/selftest/lwip.c.o: | $(LWIP_DIR)/.fetched
