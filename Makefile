# Conveniences over the scripts; the scripts are what the README and CI run.
PREFIX ?= /usr/local

.PHONY: all deps build test demo lint format clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	swift build -Xswiftc -warnings-as-errors

test:
	scripts/test.sh

demo:
	scripts/demo.sh

lint:
	swift format lint --strict --recursive Package.swift Sources Tests

format:
	swift format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build out
