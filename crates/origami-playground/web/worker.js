// The engine's side of the page: loads origami (WebAssembly), owns the
// session, trains in slices of about 25 ms while playing and posts a
// frame of views after each slice, so the page never waits on training.
'use strict';

let wasm = null;
let playing = false;
let want = { regions: true, neurons: true, curvature: true };
// When each costly view was last computed, and what it cost (ms).
const costly = { regions: { at: 0, cost: 0 }, curvature: { at: 0, cost: 0 } };
const rate = { steps: 0, since: performance.now(), value: 0 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function load() {
  const response = await fetch('origami_playground.wasm');
  if (!response.ok) throw new Error(`origami_playground.wasm: HTTP ${response.status}`);
  // Not instantiateStreaming: any static server will do, whatever MIME
  // type it gives .wasm files.
  const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
  wasm = instance.exports;
}

// Calls a verb with an optional text or byte request; returns the output
// bytes, or throws the engine's error message.
function call(verb, request, ...args) {
  if (request !== undefined) {
    const bytes = typeof request === 'string' ? encoder.encode(request) : request;
    const at = wasm.pg_input(bytes.length);
    new Uint8Array(wasm.memory.buffer, at, bytes.length).set(bytes);
  }
  const code = wasm[verb](...args);
  if (code !== 0) throw new Error(decoder.decode(output()));
  return output();
}

const output = () => new Uint8Array(wasm.memory.buffer, wasm.pg_output_ptr(), wasm.pg_output_len()).slice();

const text = (verb, ...args) => decoder.decode(call(verb, undefined, ...args));
const view = (kind, res = 0) => JSON.parse(text('pg_view', kind, res));

function frame(full, withData = false) {
  const now = performance.now();
  const out = {
    type: 'frame',
    metrics: view(0),
    surface: view(1, 64),
    layers: view(3),
    embedding: view(6),
    stepsPerSecond: rate.value,
    playing,
  };
  if (withData) out.data = view(7);
  if (want.neurons) out.neurons = view(5, 24);
  // The region map and the curvature can cost more than a training slice
  // on big nets: each is recomputed at most every 0.3 s, and no more often
  // than keeps it under a fifth of the time.
  for (const [name, kind, wanted] of [['regions', 2, want.regions], ['curvature', 4, want.curvature]]) {
    const c = costly[name];
    if (wanted && (full || now - c.at > Math.max(300, 5 * c.cost))) {
      const start = performance.now();
      out[name] = view(kind);
      c.cost = performance.now() - start;
      c.at = now;
    }
  }
  postMessage(out);
}

function train() {
  if (!playing) return;
  const start = performance.now();
  let steps = 0;
  try {
    // One step at a time until the slice's 25 ms are used, so that a slow
    // step (L-BFGS on a big net) never holds a frame back much.
    while (performance.now() - start < 25) {
      if (wasm.pg_step(1) !== 0) throw new Error(decoder.decode(output()));
      steps += 1;
    }
  } catch (error) {
    playing = false;
    postMessage({ type: 'error', where: 'training', message: error.message });
  }
  rate.steps += steps;
  const elapsed = performance.now() - rate.since;
  if (elapsed > 500) {
    rate.value = (1000 * rate.steps) / elapsed;
    rate.steps = 0;
    rate.since = performance.now();
  }
  frame(false);
  setTimeout(train, 0);
}

function handle(message) {
  switch (message.type) {
    case 'configure': {
      const query = decoder.decode(call('pg_configure', message.query));
      postMessage({ type: 'configured', query });
      frame(true, true);
      break;
    }
    case 'upload': {
      const summary = JSON.parse(decoder.decode(call('pg_upload', message.text)));
      postMessage({ type: 'uploaded', summary, name: message.name });
      break;
    }
    case 'play':
      if (!playing) {
        playing = true;
        rate.steps = 0;
        rate.since = performance.now();
        train();
      }
      break;
    case 'pause':
      playing = false;
      frame(true);
      break;
    case 'step':
      text('pg_step', message.count || 1);
      frame(true);
      break;
    case 'want':
      want = message.want;
      if (!playing) frame(true);
      break;
    case 'export': {
      const bytes = call('pg_export');
      postMessage({ type: 'exported', bytes }, [bytes.buffer]);
      break;
    }
    default:
      throw new Error(`unknown request ${message.type}`);
  }
}


const ready = load();
onmessage = async (event) => {
  try {
    await ready;
    handle(event.data);
  } catch (error) {
    if (event.data.type === 'play' || event.data.type === 'step') playing = false;
    postMessage({ type: 'error', where: event.data.type, message: error.message });
  }
};
