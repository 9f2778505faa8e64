# tests/hvsim/: the strict Hyper-V host simulator and the hosted hv/ tests.
#   test_hvsim  the simulator's own rules, driven by hand-built messages
#   test_vmbus  hv/ (hyperv.c, vmbus.c, ring.c, ic.c) against the simulator
#   test_vmbus_chan  hv/vmbus_chan.c: GPA-direct sends, transfer pages, completions
#   test_ring   hv/ring.c's flow control against Linux's and openvmm's rules
#   test_netvsc hv/netvsc*.c (NVSP, RNDIS, netdev glue) against the netvsp
#               host (hvsim_netvsc.c), the netdev side in guest_netdev.c
#   test_storvsc_ustar  a host tar archive on a storvsc LUN through blk/ and blk/ustar.c
# `make test-hv` builds and runs them alone.
# The simulator: every tests/hvsim/*.c but the programs (tests, fuzzers,
# the demo), plus kprintf/klog shared with the kernel (kernel/console/klog.c).
HVSIM_SRCS    := $(filter-out tests/hvsim/test_%.c tests/hvsim/fuzz_%.c tests/hvsim/demo.c tests/hvsim/guest_%.c,\
		$(wildcard tests/hvsim/*.c)) kernel/console/klog.c
HVSIM_HEADERS := $(wildcard tests/hvsim/*.h hv/*.h) $(HOST_HEADERS)
HV_GUEST_SRCS := $(HV_CORE_SRCS) lib/fmt.c
HV_TEST_BINS  := $(BUILD)/host/hosted/test_hvsim

$(BUILD)/host/hosted/test_hvsim: tests/hvsim/test_hvsim.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS)

HV_TEST_BINS += $(BUILD)/host/hosted/test_vmbus
$(BUILD)/host/hosted/test_vmbus: tests/hvsim/test_vmbus.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS)

HV_TEST_BINS += $(BUILD)/host/hosted/test_vmbus_chan
$(BUILD)/host/hosted/test_vmbus_chan: tests/hvsim/test_vmbus_chan.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS)

# test_storvsc: hv/storvsc.c against the simulator's storvsp
# (hvsim_storvsc.c) under a stand-in SCSI layer (scsi_fake.h). The
# storvsc demo is a program, not part of the simulator.
HVSIM_SRCS := $(filter-out tests/hvsim/demo_storvsc.c,$(HVSIM_SRCS))
HV_TEST_BINS += $(BUILD)/host/hosted/test_storvsc
$(BUILD)/host/hosted/test_storvsc: tests/hvsim/test_storvsc.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) hv/storvsc.c $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c

# test_storvsc_blk: storvsc under the real SCSI and block layers.
HV_BLK_SRCS := blk/blk.c blk/scsi.c blk/scsi_cmd.c
HV_TEST_BINS += $(BUILD)/host/hosted/test_storvsc_blk
$(BUILD)/host/hosted/test_storvsc_blk: tests/hvsim/test_storvsc_blk.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) hv/storvsc.c $(HV_BLK_SRCS) $(HVSIM_HEADERS) $(wildcard blk/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c \
		$(HV_BLK_SRCS)

# test_storvsc_ustar: end to end, a host-made ustar archive on a storvsc
# LUN, mounted by blk/ustar.c; a medium error in the middle of writes.
HV_TEST_BINS += $(BUILD)/host/hosted/test_storvsc_ustar
$(BUILD)/host/hosted/test_storvsc_ustar: tests/hvsim/test_storvsc_ustar.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) hv/storvsc.c $(HV_BLK_SRCS) blk/ustar.c $(HVSIM_HEADERS) $(wildcard blk/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c \
		$(HV_BLK_SRCS) blk/ustar.c

HV_TEST_BINS += $(BUILD)/host/hosted/test_ring
$(BUILD)/host/hosted/test_ring: tests/hvsim/test_ring.c tests/unit/test_main.c hv/ring.c $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< hv/ring.c

HV_TEST_BINS += $(BUILD)/host/hosted/test_netvsc
NETVSC_GUEST_SRCS := $(HV_NETVSC_SRCS) tests/hvsim/guest_netdev.c
$(BUILD)/host/hosted/test_netvsc: tests/hvsim/test_netvsc.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) $(NETVSC_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) $(NETVSC_GUEST_SRCS)

HOSTED_BINS += $(HV_TEST_BINS)

# Runs the hosted Hyper-V tests alone; prints their ok/FAIL lines and a
# count; stderr (simulator violations, sanitizer reports) goes to
# build/host/hosted/<test>.stderr.
.PHONY: test-hv
test-hv: $(HV_TEST_BINS)
	@pass=0; fail=0; \
	for t in $(HV_TEST_BINS); do \
	  out=$$(ASAN_OPTIONS=detect_leaks=0 $$t 2>$$t.stderr); rc=$$?; \
	  [ -n "$$out" ] && echo "$$out"; \
	  pass=$$((pass + $$(printf '%s\n' "$$out" | grep -c '^ok '))); \
	  nf=$$(printf '%s\n' "$$out" | grep -c '^FAIL '); fail=$$((fail + nf)); \
	  if [ $$rc -ne 0 ] && [ $$nf -eq 0 ]; then \
	    echo "FAIL $$(basename $$t): exit status $$rc (see $$t.stderr)"; fail=$$((fail + 1)); fi; \
	  if grep -q 'ERROR: AddressSanitizer\|runtime error:' $$t.stderr; then \
	    echo "FAIL $$(basename $$t): sanitizer report in $$t.stderr"; fail=$$((fail + 1)); fi; \
	done; \
	echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# libFuzzer targets, built with clang into build/fuzz/:
#   fuzz_ring   hv/ring.c + vmbus_recv/vmbus_send over hostile, exactly
#               sized rings
#   fuzz_vmbus  every host->guest channel message in every connection state,
#               the guest driven through the simulator (resets hv/vmbus.c
#               per input through the hooks in hv/vmbus_test.h)
#   fuzz_ic     IC packets (heartbeat, shutdown, timesync) into open IC
#               channels, well-formed and raw
# `make test` runs each for FUZZ_TEST_TIME seconds (tests/run.py, default
# 8, in parallel); `make fuzz` runs each for FUZZ_TIME seconds (300) with
# the corpus in build/fuzz/corpus/<target>/ and crashes in
# build/fuzz/crashes/. Reproduce: build/fuzz/<target> <crash file>.
FUZZCC     := clang
FUZZCFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -DHOSTED -I. -I$(BUILD)/gen \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TIME  ?= 300
FUZZ_BINS  := $(BUILD)/fuzz/fuzz_ring $(BUILD)/fuzz/fuzz_vmbus $(BUILD)/fuzz/fuzz_ic

$(FUZZ_BINS): $(BUILD)/fuzz/%: tests/hvsim/%.c $(HVSIM_SRCS) $(HV_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -o $@ $< $(HVSIM_SRCS) $(HV_GUEST_SRCS)

# netvsc's parsers: NVSP packets and RNDIS messages from a hostile host
# (tests/hvsim/fuzz_netvsc.h sets up the guest against the netvsp host).
FUZZ_NETVSC_BINS := $(BUILD)/fuzz/fuzz_nvsp $(BUILD)/fuzz/fuzz_rndis
$(FUZZ_NETVSC_BINS): $(BUILD)/fuzz/%: tests/hvsim/%.c tests/hvsim/fuzz_netvsc.h $(HVSIM_SRCS) $(HV_GUEST_SRCS) \
		$(NETVSC_GUEST_SRCS) $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -o $@ $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) $(NETVSC_GUEST_SRCS)
FUZZ_BINS += $(FUZZ_NETVSC_BINS)

HOSTED_BINS += $(FUZZ_BINS)

#   fuzz_storvsc  hv/storvsc.c's packet handling: hostile completions and
#               notifications on an initialized controller with commands in
#               flight (its own rule: it links hv/storvsc.c)
FUZZ_STORVSC := $(BUILD)/fuzz/fuzz_storvsc
$(FUZZ_STORVSC): tests/hvsim/fuzz_storvsc.c $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -o $@ $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) hv/storvsc.c
HOSTED_BINS += $(FUZZ_STORVSC)
FUZZ_BINS += $(FUZZ_STORVSC)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/fuzz/crashes
	@fail=0; for t in $(FUZZ_BINS); do \
	  n=$$(basename $$t); mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  echo "fuzz: $$n for $(FUZZ_TIME) s (corpus $(BUILD)/fuzz/corpus/$$n, log $(BUILD)/fuzz/$$n.log)"; \
	  if ASAN_OPTIONS=detect_leaks=0 $$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	      -artifact_prefix=$(BUILD)/fuzz/crashes/$$n- $(BUILD)/fuzz/corpus/$$n > $(BUILD)/fuzz/$$n.log 2>&1; then \
	    echo "ok   $$n ($$(grep -o 'Done [0-9]* runs' $(BUILD)/fuzz/$$n.log | grep -o '[0-9]*') execs)"; \
	  else \
	    echo "FAIL $$n: $$(grep -m1 'SUMMARY\|invariant violated' $(BUILD)/fuzz/$$n.log)"; \
	    echo "     reproducer: $$(grep -o 'Test unit written to .*' $(BUILD)/fuzz/$$n.log | sed 's/Test unit written to //')"; \
	    fail=$$((fail + 1)); \
	  fi; \
	done; [ $$fail -eq 0 ]

# `make hv-demo`: the teaching transcript (tests/hvsim/demo.mk).
-include tests/hvsim/demo.mk
-include tests/hvsim/e2e/e2e.mk
