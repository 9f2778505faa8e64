# minnow: a bare-metal x86-64 unikernel.
#
# One non-recursive Makefile; each directory's rules.mk appends its sources.
# Objects go to build/ (out of tree), with -MD -MP dependency files.
# `make help` lists the targets.

BUILD     := build
.DEFAULT_GOAL := all
CC        := gcc
LD        := ld
NM        := nm
OBJCOPY   := objcopy
HOSTCC    := gcc
QEMU      := qemu-system-x86_64
PYTHON    := python3

comma := ,
KLTO := -flto -ffat-lto-objects
# Smaller code for the 256 KiB budget (docs/size.md): -Oz (GCC 12: size
# before speed, where -Os still weighs speed), switches as compare chains
# rather than jump tables in rodata, no inlining that grows a stack frame,
# arrays aligned as the psABI asks (16 bytes) rather than GCC's 32, and the
# stack kept 8-byte aligned (no SSE in the kernel, so nothing needs 16; as
# Linux builds x86-64: arch/x86/Makefile): -4 KiB, no realigning prologues.
KSIZEFLAGS := -fno-jump-tables -fconserve-stack -malign-data=abi -mpreferred-stack-boundary=3
# Kernel code: freestanding, no SSE/x87 (no FPU state to save in traps), no
# red zone (interrupts push onto the stack), frame pointers for backtraces.
KCFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-builtin -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=small -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -fno-strict-aliasing \
	-ffunction-sections -fdata-sections -Oz -g -Wall -Wextra -Werror -Wno-address -MD -MP -I. -I$(BUILD)/gen \
	$(KLTO) $(KSIZEFLAGS)
KASFLAGS := -D__ASSEMBLY__ -g -MD -MP -I.
KLDFLAGS := --gc-sections -nostdlib -static -zmax-page-size=0x1000 -znoexecstack --build-id=none \
	--no-warn-rwx-segments -Tlinker.ld
# Link-time optimization: the compiler sees the whole kernel at the link
# (inlining across files, unused globals dropped: 7% less code). The link
# goes through gcc (the LTO plugin) with the code-generation flags again;
# KLDFLAGS are ld's own, one word each, passed on with -Wl. One partition:
# the same input gives the same code in both link passes (mksyms). The
# objects are fat (machine code besides the LTO bytecode) for make size's
# table by subsystem, which needs a link without LTO (see size:).
KLINK = $(CC) $(filter-out -Werror -MD -MP -I%,$(KCFLAGS)) -flto-partition=none -no-pie \
	$(addprefix -Wl$(comma),$(KLDFLAGS))

# Host-side tests: the same pure sources, with sanitizers.
HOSTCFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOSTED -I. -I$(BUILD)/gen \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

KSRCS :=
UNIT_TESTS :=
HOSTED_TESTS :=
.SECONDEXPANSION:
include boot/rules.mk
include kernel/rules.mk
include lib/rules.mk
include hv/rules.mk
include net/rules.mk
# Subsystems that arrive later: blk/ (block devices, SCSI), vmw/ (VMware's
# devices), virtio/, vsock/.
include $(wildcard blk/rules.mk vmw/rules.mk virtio/rules.mk vsock/rules.mk)
include apps/rules.mk
include tools/rules.mk
include tests/rules.mk
include tests/selftest/rules.mk
include tests/hvsim/rules.mk
include tests/devsim/rules.mk

# lwIP's memp_malloc/memp_free are wrapped (--wrap, net/rules.mk): ld can
# only redirect calls between separate objects, so memp.c stays out of LTO
# (inside it, the calls would be resolved to the unwrapped functions).
$(BUILD)/lwip/core/memp.c.o: LWIP_CFLAGS += -fno-lto
# lwIP and the socket layer add -Os to the kernel's flags (net/rules.mk);
# -Oz after it keeps the whole kernel at one level.
$(LWIP_OBJS): LWIP_CFLAGS += -Oz
$(BUILD)/net/socket.c.o $(BUILD)/net/socket_inet.c.o: KCFLAGS += -Oz

KOBJS := $(patsubst %,$(BUILD)/%.o,$(KSRCS)) $(BUILD)/gen/font8x16.c.o $(EXTRA_KOBJS)
SELFTEST_OBJS := $(patsubst %,$(BUILD)/%.o,$(SELFTEST_SRCS))
# The self-tests are compiled without LTO: they poke at the kernel from
# outside, as separate objects (selftest=wx writes to selftest_run's code:
# inside LTO, that store is no use of the function, which is then inlined
# and dropped), and their own functions keep their names for backtraces.
$(SELFTEST_OBJS): KCFLAGS += -fno-lto
MB1OBJ := $(BUILD)/boot/mb1hdr.S.o

.PHONY: all iso run run-uefi run-pvh gdb test test-unit size deps clean help capture-bootinfo capture-acpi bench bench-quick bench-prep
# The shipped images carry no self-tests; the -test images are the same
# kernel with tests/selftest/ linked in (selftest=NAME).
IMAGES := $(BUILD)/minnow.elf $(BUILD)/minnow-pvh.elf $(BUILD)/minnow-test.elf $(BUILD)/minnow-test-pvh.elf
all: $(IMAGES) $(BUILD)/minnow.iso $(BUILD)/minnow-test.iso $(BUILD)/minnow.nolto.elf

help:
	@echo "minnow targets:"
	@echo "  make            build build/minnow.elf, build/minnow-pvh.elf, build/minnow.iso (shipped:"
	@echo "                  no self-tests) and build/minnow-test.elf, build/minnow-test-pvh.elf (selftest=)"
	@echo "  make run        build and boot the ISO in QEMU (BIOS) with an e1000 and app=httpd:"
	@echo "                  open http://127.0.0.1:8080/ (HTTP_PORT=...), serial console here"
	@echo "  make run-uefi   the same under OVMF (UEFI)"
	@echo "  make run-pvh    boot build/minnow-pvh.elf through PVH on -M microvm"
	@echo "  make gdb        boot paused with QEMU's gdb stub and attach gdb"
	@echo "  make test       all tests: checks, host unit, hosted driver, QEMU system (N passed, N failed);"
	@echo "                  the TAP cases (portreuse-curl-*, reconnect-client-*, csum-drop-*, linkflap-tap-*,"
	@echo "                  small-ones-*, slowloris-*, rxdrop-*, reliab-*, netvsc-e2e-*) need root; it builds"
	@echo "                  the Debian Linux guest the vsock-linux-* cases check the vsock backend with"
	@echo "  make test-unit  checks (include direction, size, images), host unit and hosted tests"
	@echo "  make test-hv    hosted Hyper-V tests alone (hv/ against tests/hvsim/)"
	@echo "  make hv-demo    a VMBus session against the simulator, traced (docs/hyperv.md);"
	@echo "                  make hv-demo-storvsc: a disk found, read and written over VMBus"
	@echo "  make e2e-netvsc the hosted netvsc + lwIP + httpd program the netvsc-e2e-* cases bridge to a TAP"
	@echo "  make vsock-linux  the Debian Linux guest (socat, vsock modules) for the vsock-linux-* cases"
	@echo "  make fuzz       libFuzzer over VMBus message/ring parsing (FUZZ_TIME=seconds per target)"
	@echo "  make size       the shipped kernel, stripped, against the 256 KiB goal; a table by subsystem"
	@echo "  make bench      minnow vs an empty guest and a Debian 12 Linux guest (TCG): launch to first"
	@echo "                  HTTP answer, boot timeline, size, iperf, requests/s, RAM -> build/bench/report.md"
	@echo "  make bench-quick  the same with fewer runs and configurations (under 3 minutes)"
	@echo "  make capture-bootinfo  re-capture the loaders' boot structures for the unit tests"
	@echo "  make capture-acpi      re-capture QEMU's ACPI tables for the unit tests"
	@echo "  make deps       check/install the Debian packages the build and tests need"
	@echo "  make lwip-fetch fetch lwIP 2.1.3 from Debian's source package into build/ (make does it when needed)"
	@echo "  make clean      remove build/"
	@echo "Variables: CMDLINE='...' adds kernel options to run/run-uefi/run-pvh/gdb"
	@echo "  (e.g. CMDLINE=trace=e1000: the NIC driver's conversation with the device;"
	@echo "  trace=vmbus,ic on Hyper-V; trace=list names them all)."

deps:
	@tools/deps.sh

$(BUILD)/%.c.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/gen/font8x16.c: $(BUILD)/tools/mkfont /usr/share/grub/ascii.pf2
	@mkdir -p $(@D)
	$(BUILD)/tools/mkfont /usr/share/grub/ascii.pf2 $@

$(BUILD)/gen/font8x16.c.o: $(BUILD)/gen/font8x16.c
	$(CC) $(KCFLAGS) -c $< -o $@

# Two-pass link: the first pass has an empty symbol table; tools/mksyms.py
# makes the real one from it, and the second pass adds it at the end of
# rodata, where it moves no code. The check compares every function address
# of both passes.
$(BUILD)/gen/empty.ksyms.S: tools/mksyms.py
	@mkdir -p $(@D)
	$(PYTHON) tools/mksyms.py --empty > $@
$(BUILD)/gen/empty.ksyms.o: $(BUILD)/gen/empty.ksyms.S
	$(CC) $(KASFLAGS) -c $< -o $@
define kernel_image
$(BUILD)/$(1).pass1.elf: $(2) $(BUILD)/gen/empty.ksyms.o linker.ld
	$(KLINK) -o $$@ $(2) $(BUILD)/gen/empty.ksyms.o
$(BUILD)/gen/$(1).ksyms.S: $(BUILD)/$(1).pass1.elf tools/mksyms.py
	@mkdir -p $$(@D)
	$(PYTHON) tools/mksyms.py $(NM) $$< > $$@
$(BUILD)/gen/$(1).ksyms.o: $(BUILD)/gen/$(1).ksyms.S
	$(CC) $(KASFLAGS) -c $$< -o $$@
$(BUILD)/$(1).elf: $(2) $(BUILD)/gen/$(1).ksyms.o linker.ld
	$(KLINK) -Wl,-Map=$$@.map -o $$@ $(2) $(BUILD)/gen/$(1).ksyms.o
	@$(NM) -n $$@ | grep ' [tT] ' > $$@.syms2; $(NM) -n $(BUILD)/$(1).pass1.elf | grep ' [tT] ' > $$@.syms1; \
	  cmp -s $$@.syms1 $$@.syms2 || { echo "mksyms: code moved between link passes"; rm -f $$@; exit 1; }
	@tools/check-layout.sh $$@ || { rm -f $$@; exit 1; }
endef
$(eval $(call kernel_image,minnow,$(MB1OBJ) $(KOBJS)))
$(eval $(call kernel_image,minnow-pvh,$(KOBJS)))
$(eval $(call kernel_image,minnow-test,$(MB1OBJ) $(KOBJS) $(SELFTEST_OBJS)))
$(eval $(call kernel_image,minnow-test-pvh,$(KOBJS) $(SELFTEST_OBJS)))

# The ISO: GRUB for BIOS (i386-pc) and UEFI (x86_64-efi), multiboot2 by
# default. build/minnow.iso boots the shipped kernel by default and carries
# the test kernel for its "self-tests" entry; build/minnow-test.iso (for the
# system tests) has the test kernel in the default entry's place.
define iso_image
$(BUILD)/$(1).iso: $(BUILD)/$(2).elf $(BUILD)/minnow-test.elf boot/grub.cfg
	@rm -rf $(BUILD)/$(1).isodir && mkdir -p $(BUILD)/$(1).isodir/boot/grub
	cp $(BUILD)/$(2).elf $(BUILD)/$(1).isodir/boot/minnow.elf
	cp $(BUILD)/minnow-test.elf $(BUILD)/$(1).isodir/boot/minnow-test.elf
	cp boot/grub.cfg $(BUILD)/$(1).isodir/boot/grub/grub.cfg
	grub-mkrescue -o $$@ $(BUILD)/$(1).isodir 2> $(BUILD)/$(1).grub.log || { cat $(BUILD)/$(1).grub.log; exit 1; }
endef
$(eval $(call iso_image,minnow,minnow))
$(eval $(call iso_image,minnow-test,minnow-test))

iso: $(BUILD)/minnow.iso

OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
QEMU_RUN  := $(QEMU) -accel tcg -m 128M -serial mon:stdio -display none \
	-device isa-debug-exit,iobase=0xf4,iosize=4
fwcfg = $(if $(CMDLINE),-fw_cfg name=opt/minnow/cmdline$(comma)string="$(CMDLINE)")
# The demo: an e1000 on QEMU's user network, the guest's port 80 forwarded
# to 127.0.0.1:$(HTTP_PORT) on this machine, and app=httpd.
HTTP_PORT ?= 8080
RUN_NET := -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(HTTP_PORT)-:80 -device e1000,netdev=n0
DEMO_CMDLINE := app=httpd $(CMDLINE)

run: deps $(BUILD)/minnow.iso
	@echo "minnow: booting the ISO in QEMU (BIOS) with an e1000 and the web server."
	@echo "minnow: open http://127.0.0.1:$(HTTP_PORT)/ on this machine. Quit with Ctrl-A X."
	@echo "minnow: (make run CMDLINE=app=shell for the console shell instead)"
	$(QEMU_RUN) -M pc -nic none $(RUN_NET) -cdrom $(BUILD)/minnow.iso \
	  -fw_cfg name=opt/minnow/cmdline,string="$(DEMO_CMDLINE)"

run-uefi: deps $(BUILD)/minnow.iso
	@cp $(OVMF_VARS) $(BUILD)/ovmf-vars.fd
	$(QEMU_RUN) -M q35 -drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
	  -drive if=pflash,format=raw,file=$(BUILD)/ovmf-vars.fd -cdrom $(BUILD)/minnow.iso $(fwcfg)

run-pvh: deps $(BUILD)/minnow-pvh.elf
	$(QEMU_RUN) -M microvm -kernel $(BUILD)/minnow-pvh.elf -append "$(CMDLINE)"

gdb: deps $(BUILD)/minnow.elf
	$(QEMU) -accel tcg -M pc -m 128M -serial file:$(BUILD)/gdb-serial.log -display none -s -S \
	  -kernel $(BUILD)/minnow.elf -append "$(CMDLINE)" & qemu=$$!; \
	gdb -q $(BUILD)/minnow.elf -ex 'set architecture i386:x86-64' -ex 'target remote :1234' \
	  -ex 'break kmain' -ex 'continue' $(GDBFLAGS); kill $$qemu 2>/dev/null || true

# The shipped kernel (every driver, lwIP, no self-tests) by subsystem;
# make test fails when it passes the budget.
# The budget applies to the real (LTO) image; the table comes from ld's map
# of the same objects linked without LTO (after LTO, the code of every file
# is one object), with LTO's saving as a line of its own.
size: $(BUILD)/minnow.elf $(BUILD)/minnow.nolto.elf
	@$(PYTHON) tools/size.py $(BUILD)/minnow.elf 262144
$(BUILD)/minnow.nolto.elf: $(MB1OBJ) $(KOBJS) $(BUILD)/gen/minnow.ksyms.o linker.ld
	@$(LD) $(KLDFLAGS) -Map=$@.map -o $@ $(MB1OBJ) $(KOBJS) $(BUILD)/gen/minnow.ksyms.o

# The bench: the floor guest is built here, the Linux peer by
# tools/bench/linux.sh (Debian's kernel package, unpacked, not installed).
$(BUILD)/bench/floor.elf: tools/bench/floor.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $(BUILD)/bench/floor.o
	$(LD) -m elf_i386 -Ttext=0x100000 -e floor_start -o $@ $(BUILD)/bench/floor.o
$(BUILD)/bench/floor-pvh.elf: tools/bench/floor.S
	@mkdir -p $(@D)
	$(CC) -m32 -DFLOOR_PVH -c $< -o $(BUILD)/bench/floor-pvh.o
	$(LD) -m elf_i386 -Ttext=0x100000 -e floor_start -o $@ $(BUILD)/bench/floor-pvh.o

bench-prep: deps all $(BUILD)/bench/floor.elf $(BUILD)/bench/floor-pvh.elf
	@tools/deps.sh bench
	@tools/bench/linux.sh $(BUILD) || echo "bench: the Linux guest could not be built; the report goes without it"

bench: bench-prep
	$(PYTHON) tools/bench/bench.py $(BENCH_ARGS)

bench-quick: bench-prep
	$(PYTHON) tools/bench/bench.py --quick $(BENCH_ARGS)

test-unit: all $(UNIT_BINS) $(HOSTED_BINS)
	$(PYTHON) tests/run.py --tiers checks,unit,hosted

test: deps all vsock-linux $(UNIT_BINS) $(HOSTED_BINS)
	$(PYTHON) tests/run.py

capture-bootinfo: deps all
	tools/capture-bootinfo.sh

capture-acpi: deps all
	tools/capture-acpi.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
