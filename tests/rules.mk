# tests/: host unit tests (pure logic) and hosted driver tests (drivers
# against a host-side backend), all with ASan + UBSan. QEMU system tests
# live in tests/system/ and are run by tests/run.py.
UNIT_TESTS += fmt cmdline pmm heap pt bootinfo sched pci ps2kbd acpi e1000 httpd_html httpd_parse pools_plan
unit_fmt_SRCS      := lib/fmt.c
unit_cmdline_SRCS  := kernel/core/cmdline.c lib/fmt.c
unit_pmm_SRCS      := kernel/mm/pmm.c
unit_heap_SRCS     := kernel/mm/heap.c kernel/mm/pmm.c
unit_pt_SRCS       := kernel/mm/pt.c kernel/mm/pmm.c
unit_sched_SRCS    := kernel/sched/timerq.c kernel/sched/runq.c
unit_pci_SRCS      := kernel/pci/pci.c kernel/pci/pci_msi.c kernel/pci/pci_names.c lib/fmt.c
unit_ps2kbd_SRCS   := kernel/console/ps2kbd.c
unit_acpi_SRCS     := kernel/acpi/acpi.c kernel/acpi/acpi_aml.c lib/fmt.c tests/unit/fakemem.c
unit_e1000_SRCS    := tests/selftest/dhcp_probe.c lib/fmt.c
unit_bootinfo_SRCS := boot/bootinfo.c boot/bootdump.c lib/fmt.c tests/unit/fakemem.c
unit_httpd_html_SRCS := apps/httpd_html.c lib/fmt.c
unit_httpd_parse_SRCS := apps/httpd_parse.c
unit_pools_plan_SRCS := net/lwip/pools_plan.c

HOSTED_TESTS += fbcon
hosted_fbcon_SRCS := kernel/console/fbcon.c kernel/console/font.c $(BUILD)/gen/font8x16.c

UNIT_BINS   := $(patsubst %,$(BUILD)/host/unit/test_%,$(UNIT_TESTS))
HOSTED_BINS := $(patsubst %,$(BUILD)/host/hosted/test_%,$(HOSTED_TESTS))

# Every header counts: the host binaries are linked in one step, without
# per-object dependency files.
HOST_HEADERS := $(wildcard apps/*.h boot/*.h kernel/*.h kernel/*/*.h lib/*.h net/*.h net/lwip/pools_plan.h tests/unit/*.h tests/selftest/*.h)

$(BUILD)/host/unit/test_%: tests/unit/test_%.c tests/unit/test_main.c $(HOST_HEADERS) $$(unit_%_SRCS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(unit_$*_SRCS)

$(BUILD)/host/hosted/test_%: tests/unit/test_%.c tests/unit/test_main.c $(HOST_HEADERS) $$(hosted_%_SRCS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(hosted_$*_SRCS)
UNIT_TESTS += socket
unit_socket_SRCS := net/socket.c
UNIT_BINS += $(BUILD)/host/unit/test_socket
UNIT_TESTS += netdev
unit_netdev_SRCS := net/netdev.c lib/fmt.c kernel/sched/runq.c
UNIT_BINS += $(BUILD)/host/unit/test_netdev
UNIT_TESTS += pvclock
unit_pvclock_SRCS := kernel/time/pvclock.c
UNIT_BINS += $(BUILD)/host/unit/test_pvclock
UNIT_TESTS += syncookie
unit_syncookie_SRCS := net/lwip/syncookie.c
UNIT_BINS += $(BUILD)/host/unit/test_syncookie
UNIT_TESTS += virtqueue
unit_virtqueue_SRCS := virtio/virtqueue.c
UNIT_BINS += $(BUILD)/host/unit/test_virtqueue
$(BUILD)/host/unit/test_virtqueue: $(wildcard virtio/*.h)
UNIT_TESTS += mmio_bus
unit_mmio_bus_SRCS := kernel/dev/mmio_bus.c lib/fmt.c
UNIT_BINS += $(BUILD)/host/unit/test_mmio_bus
UNIT_TESTS += acpi_aml_dev
unit_acpi_aml_dev_SRCS := kernel/acpi/acpi.c kernel/acpi/acpi_aml.c kernel/acpi/acpi_aml_dev.c lib/fmt.c tests/unit/fakemem.c
UNIT_BINS += $(BUILD)/host/unit/test_acpi_aml_dev

# libFuzzer over the static AML device reader (FUZZCC/FUZZCFLAGS from
# tests/hvsim/rules.mk; tests/run.py runs every build/fuzz/fuzz_* for
# FUZZ_TEST_TIME seconds). Its corpus is seeded with the captured DSDT
# bodies (tests/data/acpi) by tests/fuzz/seed_aml.py.
AML_FUZZ := $(BUILD)/fuzz/fuzz_acpi_aml_dev
$(AML_FUZZ): tests/fuzz/fuzz_acpi_aml_dev.c kernel/acpi/acpi_aml_dev.c kernel/acpi/acpi_aml.c $(HOST_HEADERS)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -o $@ $< kernel/acpi/acpi_aml_dev.c kernel/acpi/acpi_aml.c
	python3 tests/fuzz/seed_aml.py tests/data/acpi $(BUILD)/fuzz/corpus/fuzz_acpi_aml_dev
HOSTED_BINS += $(AML_FUZZ)
UNIT_TESTS += ksyms
unit_ksyms_SRCS := kernel/arch/ksyms.c $(BUILD)/gen/test_ksyms.S
UNIT_BINS += $(BUILD)/host/unit/test_ksyms
$(BUILD)/gen/test_ksyms.S: tests/unit/ksyms_syms.txt tools/mksyms.py
	@mkdir -p $(@D)
	$(PYTHON) tools/mksyms.py --list $< > $@
# The same decoder on the shipped kernel's own function list.
UNIT_TESTS += ksyms_kernel
unit_ksyms_kernel_SRCS := kernel/arch/ksyms.c $(BUILD)/gen/test_ksyms_kernel.S
UNIT_BINS += $(BUILD)/host/unit/test_ksyms_kernel
$(BUILD)/gen/ksyms_kernel.txt: $(BUILD)/minnow.pass1.elf tools/mksyms.py
	$(PYTHON) tools/mksyms.py --dump $(NM) $< > $@
$(BUILD)/gen/test_ksyms_kernel.S: $(BUILD)/gen/ksyms_kernel.txt tools/mksyms.py
	$(PYTHON) tools/mksyms.py --list $< > $@
