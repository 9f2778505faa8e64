# tests/hvsim/: the strict Hyper-V host simulator and the hosted hv/ tests.
#   test_hvsim  the simulator's own rules, driven by hand-built messages
#   test_vmbus  hv/ (hyperv.c, vmbus.c, ring.c, ic.c) against the simulator
# `make test-hv` builds and runs them alone.
HVSIM_SRCS    := $(filter-out tests/hvsim/test_%.c,$(wildcard tests/hvsim/*.c))
HVSIM_HEADERS := $(wildcard tests/hvsim/*.h hv/*.h) $(HOST_HEADERS)
HV_GUEST_SRCS := $(HV_CORE_SRCS)
HV_TEST_BINS  := $(BUILD)/host/hosted/test_hvsim

$(BUILD)/host/hosted/test_hvsim: tests/hvsim/test_hvsim.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS)

HV_TEST_BINS += $(BUILD)/host/hosted/test_vmbus
$(BUILD)/host/hosted/test_vmbus: tests/hvsim/test_vmbus.c tests/unit/test_main.c $(HVSIM_SRCS) \
		$(HV_GUEST_SRCS) kernel/fmt.c $(HVSIM_HEADERS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ tests/unit/test_main.c $< $(HVSIM_SRCS) $(HV_GUEST_SRCS) \
		kernel/fmt.c

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
