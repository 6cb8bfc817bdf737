# The two commands a newcomer needs: `make demo` and `make check`.
# Both install missing Debian packages first (scripts/deps).

JOBS ?= 2
DEV   := build/dev
ASAN  := build/asan
REL   := build/release
FUZZ  := build/fuzz

.PHONY: all deps dev asan release fuzz check check-dev check-asan check-fuzz fuzz-run demo tour bench format clean

all: dev

deps:
	@scripts/deps

$(DEV)/Makefile: CMakeLists.txt | deps
	cmake -S . -B $(DEV) -DCMAKE_BUILD_TYPE=Debug -DLIAISON_WERROR=ON >/dev/null

dev: deps $(DEV)/Makefile
	cmake --build $(DEV) -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DLIAISON_SANITIZE=ON -DLIAISON_WERROR=ON >/dev/null
	cmake --build $(ASAN) -j$(JOBS)

release: deps
	cmake -S . -B $(REL) -DCMAKE_BUILD_TYPE=Release -DLIAISON_HARDEN=ON -DLIAISON_WERROR=OFF >/dev/null
	cmake --build $(REL) -j$(JOBS)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DLIAISON_FUZZ=ON -DLIAISON_WERROR=ON >/dev/null
	cmake --build $(FUZZ) -j$(JOBS)

check-dev: dev
	cd $(DEV) && ctest --output-on-failure -j$(JOBS)

check-asan: asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j$(JOBS)

# The libFuzzer builds of every parser (clang), each run briefly from its
# seed corpus so that the real fuzzing binaries are known to work.
check-fuzz: fuzz
	@for t in $(FUZZ)/fuzz/fuzz_*; do \
		case $$t in *_replay) continue;; esac; \
		n=$$(basename $$t); mkdir -p $(FUZZ)/smoke/$$n; \
		$$t -runs=3000 -max_total_time=15 -artifact_prefix=$(FUZZ)/ \
			$(FUZZ)/smoke/$$n fuzz/corpus/$$n >/dev/null 2>$(FUZZ)/$$n.log \
			|| { tail -40 $(FUZZ)/$$n.log; echo "fuzz smoke failed: $$n"; exit 1; }; \
		echo "fuzz smoke ok: $$n"; \
	done

# Every test: once normally, once under ASan+UBSan, and the fuzzers.
check: check-dev check-asan check-fuzz

# A short real fuzzing session of every target (not part of check: it is
# open-ended; run it before releases and after touching a parser).
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for t in $(FUZZ)/fuzz/fuzz_*; do \
		case $$t in *_replay) continue;; esac; \
		n=$$(basename $$t); mkdir -p $(FUZZ)/corpus/$$n; \
		echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(FUZZ)/ \
			$(FUZZ)/corpus/$$n fuzz/corpus/$$n || exit 1; \
	done

# The mission in one command: three agencies' nodes on loopback work one
# generated cross-border case (scripts/mission.sh). `make tour` is the
# single-node tour of the real sanctions lists.
demo: release
	@scripts/mission.sh $(REL)/liaison

tour: release
	@scripts/demo.sh $(REL)/liaison $(DATA)

bench: release
	@scripts/deps bench
	@bench/run.sh $(REL)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
