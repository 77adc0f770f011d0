# One entry point for developers and CI. Every target builds the virtualenv it needs from
# the hash-locked requirements, so a fresh machine needs only python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`'s other ports (0: any free one) and its fake Zalo's errors on demand, e.g.
# ZNS_ERRORS="0912345678=-118 *=-144"; FRESH=1 starts empty (discards the saved data).
MOTO_PORT ?= 5000
PORTAL_PORT ?= 5001
ZNS_PORT ?= 5002
PAYGOV_PORT ?= 5003
ZNS_ERRORS ?=
FRESH ?=

.PHONY: help run demo test check lint types unit bench venv lock clean package deploy forms-images \
	browser screens

# `make` alone lists the targets.
.DEFAULT_GOAL := help

## help: this list: every target, one line each (its `## target: text` line in the Makefile)
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); name = $$1; sub(/:$$/, "", name); $$1 = ""; \
		printf "  %-13s%s\n", name, $$0 }' $(firstword $(MAKEFILE_LIST))

# Every transitive dependency, pinned with its hashes (`make lock` regenerates both files);
# then the project itself, editable and without dependencies, for the operator's command
# `$(BIN)/motcua` (pyproject.toml's [project.scripts]; setuptools comes from the lock).
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## venv: build .venv/ from the hash-locked requirements (every other target does it first)
venv: $(STAMP)

## run: the whole system on loopback: moto, tables and queues, the API, the workers, a fake
## portal, a fake Zalo ZNS and a fake PayGov (HOST, PORT, MOTO_PORT, PORTAL_PORT, ZNS_PORT,
## PAYGOV_PORT, ZNS_ERRORS, FRESH);
## the data is kept in .local-state/data across restarts
run: $(STAMP)
	$(BIN)/python -m devstack --host $(HOST) --port $(PORT) --moto-port $(MOTO_PORT) \
		--portal-port $(PORTAL_PORT) --zns-port $(ZNS_PORT) --paygov-port $(PAYGOV_PORT) \
		$(if $(ZNS_ERRORS),--zns-errors "$(ZNS_ERRORS)") $(if $(FRESH),--fresh)

## demo: a realistic scenario against a running `make run` (another shell; the same PORT)
demo: $(STAMP)
	$(BIN)/python -m devstack.demo --url http://$(HOST):$(PORT)

## forms-images: page 1 of Mẫu 01 and Mẫu 06 of the demo's dossiers as PNG in docs/forms/
## (needs pdftoppm: apt-get install poppler-utils)
forms-images: $(STAMP)
	$(BIN)/python -m devstack.form_images

## browser: Debian's chromium and chromium-driver, for tests/browser and `make screens`
## (installed with apt-get when absent: CI runs as root; elsewhere run it with sudo)
BROWSER_PACKAGES := chromium chromium-driver

browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else \
		apt-get update && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); \
	fi

## screens: PNG screenshots of the pages, from a local stack, into docs/screens/ (needs `make browser`)
screens: $(STAMP)
	$(BIN)/python -m devstack.screens --out docs/screens

## test: lint, types, then the whole suite (CI runs this: .ci/run)
test: lint types unit

## check: the inner loop, under 2 minutes: lint, types, the unit tests not marked slow
check: lint types
	$(BIN)/pytest -m "not slow" tests/unit

## lint: ruff check and ruff format --check over the whole tree (pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## types: mypy over app.py and chalicelib/ (configured in pyproject.toml)
types: $(STAMP)
	$(BIN)/mypy

# The suite runs as two pytest processes, one per core: the thousand-dossier fault run
# (in-process moto, no ports, no files) with the in-process tests (unit, integration,
# contract) in the background, its output shown after; the tests that start stacks, browsers
# and packages (everything else) in the foreground. Either failing fails the target.
# On a fresh clone the foreground took 6 min 43 s and the background 5 min 46 s, so the tests
# elsewhere that start no stack, browser or package moved to the background: the hostile ones
# that drive the app in-process on moto through Chalice's test client (the authorization
# matrix, the read audit, the corpus, the public look-up and files, the bounds, the poison
# messages' privacy) and the replay over the in-memory adapters. Alone each took 2-14 s, most
# of it the first one's warm-up; together about 20-25 s, which leaves the halves within about
# 20 s of each other. The OpenAPI fuzzing (test_schemathesis.py) is in-process too but stays:
# at about 60 s it would tip the balance as far the other way.
IN_PROCESS_ELSEWHERE := tests/hostile/test_authorization_matrix.py \
	tests/hostile/test_read_audit.py tests/hostile/test_corpus.py \
	tests/hostile/test_public_lookup.py tests/hostile/test_public_files.py \
	tests/hostile/test_bounds_api.py tests/hostile/test_privacy.py tests/e2e/test_replay.py
IN_PROCESS := tests/hostile/test_faults.py tests/unit tests/integration tests/contract \
	$(IN_PROCESS_ELSEWHERE)
## unit: the whole pytest suite as two processes, one per core (in-process tests beside the rest)
unit: $(STAMP)
	@mkdir -p build
	@$(BIN)/pytest $(IN_PROCESS) > build/test-in-process.log 2>&1 & beside=$$!; \
	$(BIN)/pytest $(foreach path,$(IN_PROCESS),--ignore=$(path)); stacks=$$?; \
	wait $$beside; status=$$?; \
	echo "--- the in-process tests (IN_PROCESS), run beside:"; cat build/test-in-process.log; \
	test $$stacks -eq 0 && test $$status -eq 0

## lock: regenerate both lock files, every hash, from requirements*.txt (needs PyPI)
## requirements.lock is the runtime (packaged into Lambda), requirements-dev.lock everything else
LOCK_TOOLS := build/lock-tools
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links

lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/pip install --quiet pip-tools==7.7.0; }
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt

## bench: print the benchmarks' figures (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python -m bench.timer_cost --sizes 10000,100000
	$(BIN)/python -m bench.notify_flaky --jobs 10000 --failure-rate 0.3
	$(BIN)/python -m bench.cold_start --runs 7
	$(BIN)/python -m bench.forms --runs 5 --renders 20
	$(BIN)/python -m bench.aws_calls --json build/bench/aws_calls.json
	$(BIN)/python -m bench.aws_calls --busy 2 --json build/bench/aws_calls_busy.json > build/bench/aws_calls_busy.txt
	$(BIN)/python -m bench.cost --calls build/bench/aws_calls.json --compare build/bench/aws_calls_busy.json
	$(BIN)/python -m bench.replay
	$(BIN)/python -m bench.replay --backend moto
	$(BIN)/python -m bench.throughput --dossiers 50 --clients 4
	$(BIN)/python -m bench.load --clients 8 --seconds 20
	$(BIN)/python -m bench.fault_injection --dossiers 3000
	$(BIN)/python -m bench.fault_injection --dossiers 1000 --hot-conflicts
	$(BIN)/python -m bench.timing_checks

## package: the deployable template and code of STAGE (default prod) in build/package, linted
## (no AWS credentials: composes infra/ into build/merge-$(STAGE).json, runs `chalice package --merge-template`,
## adds data/ to the zip, then cfn-lint). The Lambda dependencies are requirements.lock's,
## hash-checked; it needs Python 3.11 (the Lambda runtime) and PyPI for the Lambda wheels.
STAGE ?= prod
PACKAGE_DIR := build/package

package: $(STAMP)
	$(BIN)/python -m infra.package --stage $(STAGE) --out $(PACKAGE_DIR) --lint

## deploy: package, then create or update stack motcua-STAGE (code uploaded to DEPLOY_BUCKET)
## in the caller's AWS account and region (docs/deploying.md). Example:
##   make deploy STAGE=prod DEPLOY_BUCKET=my-artifacts \
##     PARAMS="JwtIssuer=https://sso.example.gov.vn JwtJwksUrl=https://sso.example.gov.vn/jwks"
STACK ?= motcua-$(STAGE)

deploy: package
	@test -n "$(DEPLOY_BUCKET)" || { echo "DEPLOY_BUCKET=<S3 bucket for the code> is required"; exit 2; }
	aws cloudformation package --template-file $(PACKAGE_DIR)/sam.json \
		--s3-bucket $(DEPLOY_BUCKET) --s3-prefix $(STACK) \
		--output-template-file $(PACKAGE_DIR)/packaged.json --use-json
	aws cloudformation deploy --template-file $(PACKAGE_DIR)/packaged.json --stack-name $(STACK) \
		--s3-bucket $(DEPLOY_BUCKET) --s3-prefix $(STACK) \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
		$(if $(PARAMS),--parameter-overrides $(PARAMS))
	aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs' --output table

## clean: remove .venv/ and the tools' caches (build/ is kept: packaging reuses it)
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
