# iKomek: see README.md. Everything here runs as root on a Debian 12 machine.
.PHONY: up down test unit demo bench build deps services asterisk fmt vet clean

up:            ## install what is missing, start PostgreSQL, Redis, Asterisk and ikomekd
	deploy/local/up.sh

down:          ## stop what make up started
	deploy/local/down.sh

test:          ## every test: unit, integration (PostgreSQL, Redis), end-to-end (Asterisk + sipp)
	deploy/local/test.sh

unit:          ## unit tests only (need nothing running)
	go test -short -count=1 ./...

demo:          ## simulated citizens call 109 on the running stack (CALLS=5 RATE=1)
	deploy/local/demo.sh

build:
	go build -o bin/ikomekd ./cmd/ikomekd
	go build -o bin/ikomekctl ./cmd/ikomekctl

deps:          ## Debian packages, and what only the tests need
	deploy/local/stack.sh test-deps

services:
	deploy/local/stack.sh postgres-up
	deploy/local/stack.sh redis-up

asterisk:
	deploy/local/stack.sh asterisk-up dev

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	go vet ./...

clean:
	rm -rf bin

bench:         ## call-path benchmark through Asterisk (IKOMEK_BENCH_CALLS=1000 IKOMEK_BENCH_RATE=4)
	deploy/local/stack.sh asterisk-up test
	go test ./test/e2e -run '^$$' -bench CallPath -benchtime 1x -timeout 30m -v
