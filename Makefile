# Caravan — developer entry points.
#   make dev    install what is missing, build, start `caravan agent -dev` on 127.0.0.1:4646
#   make test   install what is missing, build everything once with the tests (the acceptance
#               tests start the caravan binary it builds), run the whole suite, then fuzz the API
#               from docs/openapi.yaml for about two minutes (skipped, saying why, without
#               python3); CARAVAN_SOAK=1 runs the long soaks
#   make fuzz   fuzz the API from docs/openapi.yaml with schemathesis, FUZZ_API_SECONDS (default
#               1200) per pass, ACLs off, on with a management token, and on anonymously
#   make sim-long   sweep 10,000 simulator seeds on every core (release build)

HTTP_ADDR ?= 127.0.0.1:4646
SWIFT ?= swift

.PHONY: dev test fuzz deps build release bench sim-long clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

dev: build
	$$($(SWIFT) build --show-bin-path)/caravan agent -dev -http-addr $(HTTP_ADDR)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	./scripts/fuzz-api.sh bounded

fuzz: build
	./scripts/fuzz-api.sh long

bench: release
	$$($(SWIFT) build -c release --show-bin-path)/caravan-bench all

sim-long: release
	$$($(SWIFT) build -c release --show-bin-path)/caravan sim --seeds 1..10000 --ticks 1000

clean:
	rm -rf .build
