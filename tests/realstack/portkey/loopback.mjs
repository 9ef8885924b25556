// Loaded with `node --import` before Portkey's gateway (tests/realstack/stack.sh):
// 1. Every server the process opens listens on 127.0.0.1 only. The gateway's start-server.js
//    passes no host, so Node would bind every interface.
// 2. Portkey 1.15.2 appends its x-portkey-* headers to the upstream fetch() response, and Node's
//    fetch makes those headers immutable: every request fails with "TypeError: immutable"
//    (Portkey-AI/gateway#1389 and #1550, open upstream). It is handed a response with a mutable
//    copy of the same status, headers and body stream instead.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const done = args.find((a) => typeof a === 'function');
    return done ? listen.call(this, Number(first), '127.0.0.1', done)
      : listen.call(this, Number(first), '127.0.0.1');
  }
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

const upstreamFetch = globalThis.fetch;
const NativeResponse = globalThis.Response;
globalThis.fetch = async (...args) => {
  const r = await upstreamFetch(...args);
  return new NativeResponse(r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
};
