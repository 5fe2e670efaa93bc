# Veracity: every target sets up .venv first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTO_SRC := proto/veracity/v1/veracity.proto
STUBS := clients/python/veracity_client/v1

.PHONY: setup run test lint typecheck proto bench bench-retrieval bench-citations bench-claims bench-load bench-batch bench-verifier browser eval train-verifier train-signal-verifier choose-threshold clean

setup: $(STAMP)

# torch is installed on its own first so that pip takes the local CPU build, never a CUDA one.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e clients/python -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/veracity check --input service/data/demo_answers.jsonl --output .veracity/demo-results.jsonl --format table --fresh

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Regenerate the committed stubs; tests/test_proto_stubs.py fails when they are stale.
proto: $(STAMP)
	$(BIN)/python tools/protogen.py $(STUBS)

# The whole pipeline on ../shared/data/eval, each verifier side by side (bench/results/eval.json).
eval: $(STAMP)
	$(BIN)/python -m bench.eval_pipeline --verifier cosine --verifier grounding --verifier signals $(EVAL_ARGS)

# Claim-evidence pairs per second of each verifier on this machine (bench/results/verifier.json).
bench-verifier: $(STAMP)
	$(BIN)/python -m bench.bench_verifier

# Train the shipped signal verifier (service/models/signal_verifier.json; ~20 min on 2 cores).
train-signal-verifier: $(STAMP)
	$(BIN)/python -m training.train_signal_verifier
	$(BIN)/python -m training.choose_threshold

# The shipped model's supported threshold, chosen on the tune parts of the development sets.
choose-threshold: $(STAMP)
	$(BIN)/python -m training.choose_threshold

# Fine-tune the NLI cross-encoder (PRESET=cpu: reduced, 17.5 min on the idle 2-core machine; PRESET=gpu).
PRESET ?= cpu
train-verifier: $(STAMP)
	$(BIN)/python -m training.train_verifier --preset $(PRESET) --output build/verifier-$(PRESET)

# Retrieval: windows, dense/BM25/hybrid recall, 10k-1M passages (~20 min on 2 cores, niced).
bench-retrieval: $(STAMP)
	nice -n 10 $(BIN)/python -m bench.bench_retrieval

bench: bench-retrieval bench-citations bench-claims bench-verifier

# Claim extraction on the hand-written gold set: P/R/F1, span exactness, sentences/s
# (bench/results/claims.json).
bench-claims: $(STAMP)
	$(BIN)/python -m bench.bench_claims

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# HALLMARK dev entries through citation extraction and matching against a fake API server
# derived from their labels (bench/results/citations.json).
bench-citations: $(STAMP)
	$(BIN)/python -m bench.bench_citations

# The gRPC server under 1/8/32/100 closed-loop clients, demo and 100k-passage corpora
# (bench/results/load.json), 60 s a level; LOAD_ARGS="--seconds 15 --levels 1,8" for a shorter run.
bench-load: $(STAMP)
	$(BIN)/python -m bench.bench_load $(LOAD_ARGS)

# The report tests open pages in Debian's chromium: install it when it is missing and we are
# root (CI, a fresh machine); elsewhere those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
		&& (apt-get update -q && apt-get install -y -q chromium) >/dev/null; } \
		|| echo "chromium not installed: the browser tests will skip"

# Batch scoring of N answers in-process, through one server, and on Ray with 1 and 2 actors
# (bench/results/batch.json); BATCH_ARGS=--answers 200 for a shorter run.
bench-batch: $(STAMP)
	$(BIN)/python -m bench.bench_batch $(BATCH_ARGS)
