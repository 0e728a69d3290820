// The page: controls that edit one settings object (mirrored in the
// address bar), a worker that trains, and drawing on every frame it sends.
import { drawEmbedding, drawLoss, drawNeuron, drawSurface, surfaceSvg } from './draw.js';

const $ = (id) => document.getElementById(id);
const worker = new Worker('worker.js');
const DEFAULTS = 'data=circles';

let settings = {};
let notice = null;
let data = null;
let frame = null;
let losses = [];
let playing = false;
let dirty = false;
let framesDrawn = 0;
let fpsSince = performance.now();
let rotation = { yaw: 0.6, pitch: 0.35 };
const options = () => ({ showRegions: $('show-regions').checked, showTest: $('show-test').checked });

// ---- settings <-> query string <-> controls ----------------------------

const parseQuery = (query) => Object.fromEntries(new URLSearchParams(query));

function toQuery(s) {
  const keys = ['data', 'points', 'classes', 'noise', 'test', 'layers', 'act', 'init', 'scale', 'opt', 'lr', 'batch', 'order', 'seed'];
  return keys.filter((k) => s[k] !== undefined).map((k) => `${k}=${s[k]}`).join('&');
}

function showSettings() {
  for (const button of document.querySelectorAll('#data-choices button')) {
    button.classList.toggle('on', button.dataset.data === settings.data);
  }
  for (const id of ['points', 'noise', 'test', 'classes', 'seed', 'act', 'init', 'opt', 'batch', 'order']) {
    $(id).value = settings[id];
  }
  $('lr').value = Math.log10(Number(settings.lr));
  $('scale').value = Math.log10(Number(settings.scale));
  for (const output of document.querySelectorAll('output')) {
    const id = output.htmlFor.value;
    output.textContent = id === 'lr' || id === 'scale' ? settings[id] : $(id).value;
  }
  $('classes-row').hidden = settings.data !== 'blobs';
  const widths = settings.layers.split(',').map(Number);
  $('depth').textContent = widths.length;
  $('widths').replaceChildren(
    ...widths.map((w, l) => {
      const row = document.createElement('div');
      row.className = 'width-row';
      row.innerHTML = `<span>layer ${l + 1}</span><input type="range" min="1" max="32" value="${w}" aria-label="width of layer ${l + 1}"><b>${w}</b>`;
      row.querySelector('input').addEventListener('change', (e) => {
        widths[l] = Number(e.target.value);
        change({ layers: widths.join(',') });
      });
      row.querySelector('input').addEventListener('input', (e) => (row.querySelector('b').textContent = e.target.value));
      return row;
    }),
  );
}

// Any change builds a fresh network from the seed: the same address
// always gives the same run.
function change(update) {
  configure(toQuery({ ...settings, ...update }));
}

function configure(query) {
  worker.postMessage({ type: 'configure', query });
}

// ---- messages from the worker -------------------------------------------

worker.onmessage = ({ data: message }) => {
  switch (message.type) {
    case 'configured':
      settings = parseQuery(message.query);
      losses = [];
      data = null;
      frame = null;
      hideError();
      if (notice) showError('address', notice);
      notice = null;
      showSettings();
      showAddress(message.query);
      worker.postMessage({ type: 'want', want: wants() });
      if (playing) worker.postMessage({ type: 'play' });
      break;
    case 'frame':
      if (message.data) data = message.data;
      frame = { ...frame, ...message, regions: message.regions || frame?.regions, curvature: message.curvature || frame?.curvature, neurons: message.neurons || frame?.neurons };
      record(message.metrics);
      dirty = true;
      break;
    case 'uploaded':
      $('csv-choice').disabled = false;
      $('csv-choice').title = `${message.name}: ${message.summary.points} points`;
      change({ data: 'csv' });
      break;
    case 'exported':
      download(new Blob([message.bytes], { type: 'application/octet-stream' }), 'origami-playground.safetensors');
      break;
    case 'error':
      // A first address the engine refuses (a bad key or value, or
      // data=csv with nothing uploaded): the defaults, and the reason.
      if (message.where === 'configure' && !settings.data) {
        notice = message.message;
        configure(DEFAULTS);
        break;
      }
      showError(message.where, message.message);
      if (message.where === 'training') setPlaying(false);
      break;
  }
};

worker.onerror = (event) => showError('engine', event.message || 'the engine stopped');

// The address bar always holds the settings the network was built from.
function showAddress(query) {
  const url = `${location.pathname}?${query}`;
  if (`${location.pathname}${location.search}` !== url) history.replaceState(null, '', url);
}

function wants() {
  return { regions: $('show-regions').checked, neurons: true, curvature: true, data: true };
}

function record(metrics) {
  const last = losses[losses.length - 1];
  if (last && last.step === metrics.step) return;
  losses.push({ step: metrics.step, train: metrics.train_loss, test: metrics.test_loss });
  // Keep the curve light: thin out every other point past 1,500.
  if (losses.length > 1500) losses = losses.filter((_, i) => i % 2 === 0 || i === losses.length - 1);
}

function showError(where, message) {
  const box = $('error');
  box.textContent = `${where}: ${message}`;
  box.hidden = false;
}
function hideError() {
  $('error').hidden = true;
}

// ---- drawing ------------------------------------------------------------

const format = (v, digits = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toPrecision(digits));

function draw() {
  requestAnimationFrame(draw);
  const now = performance.now();
  if (now - fpsSince > 1000) {
    $('fps').textContent = Math.round((1000 * framesDrawn) / (now - fpsSince));
    framesDrawn = 0;
    fpsSince = now;
  }
  if (!dirty || !frame) return;
  dirty = false;
  framesDrawn++;
  const m = frame.metrics;
  $('steps').textContent = m.step;
  $('train-loss').textContent = format(m.train_loss, 4);
  $('test-loss').textContent = format(m.test_loss, 4);
  $('accuracy-box').hidden = m.test_acc === null;
  $('test-acc').textContent = m.test_acc === null ? '–' : `${(100 * m.test_acc).toFixed(1)}%`;
  $('rate').textContent = Math.round(frame.stepsPerSecond || 0);
  $('surface-caption').textContent = frame.surface.dims === 2 ? 'colour: the predicted class, paler where unsure' : 'orange: the network’s fit; dots: the data';
  drawSurface($('surface').getContext('2d'), frame, data, options());
  const regions = frame.regions;
  $('region-count').textContent = !regions ? '–' : regions.count === null ? 'relu only' : `${regions.count}${regions.polygons === null ? ' (too many to draw)' : ''}`;
  $('region-count').title = regions && regions.reason ? regions.reason : 'activation regions inside the box, counted exactly by splitting polygons';
  drawLoss($('loss').getContext('2d'), losses);
  showCurvature(frame.curvature);
  showLayers(frame.layers);
  if (frame.neurons) showNeurons(frame.neurons, frame.surface.dims);
  $('embedding-panel').hidden = !frame.embedding;
  if (frame.embedding) {
    $('embedding-caption').textContent = `layer ${frame.embedding.layer + 1}`;
    drawEmbedding($('embedding').getContext('2d'), frame.embedding, rotation.yaw, rotation.pitch);
  }
}

function showCurvature(c) {
  if (!c) return;
  $('lambda').textContent = format(c.lambda);
  $('eta-opt').textContent = format(c.eta_opt);
  $('ratio').textContent = format(c.ratio, 2);
  $('regime').textContent = c.regime;
}

function showLayers(layers) {
  const top = Math.max(1e-12, ...layers.map((l) => l.grad_norm || 0));
  const dead = layers.findIndex((l) => l.dead !== null && l.dead >= 0.999);
  $('layer-warning').hidden = dead < 0;
  if (dead >= 0) {
    $('layer-warning').textContent = `Every unit of h${dead + 1} is off for every training point: no gradient passes it, so nothing below it learns (a dead layer). Try another seed, a smaller rate, or a wider layer.`;
  }
  $('layer-bars').replaceChildren(
    ...layers.map((l, i) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const share = (v) => (v === null ? '' : `${Math.round(100 * v)}%`);
      const hidden = i < layers.length - 1;
      row.innerHTML = `<span>${hidden ? `h${i + 1}` : 'out'}</span><div class="bar" style="width:${(100 * (l.grad_norm || 0)) / top}%" title="‖∂L/∂θ‖ = ${format(l.grad_norm)}"></div><span>${format(l.grad_norm, 2)}${hidden ? ` · ${share(l.saturated)} · ${share(l.dead)}` : ''}</span>`;
      return row;
    }),
  );
}

let neuronCanvases = [];
function showNeurons(neurons, dims) {
  const shape = neurons.layers.map((l) => l.length).join(',');
  if ($('neurons').dataset.shape !== shape) {
    $('neurons').dataset.shape = shape;
    neuronCanvases = [];
    $('neurons').replaceChildren(
      ...neurons.layers.map((units, l) => {
        const column = document.createElement('div');
        column.className = 'neuron-layer';
        column.innerHTML = `<span class="small">layer ${l + 1}</span>`;
        const grid = document.createElement('div');
        grid.className = 'neuron-grid';
        units.forEach((_, u) => {
          const canvas = document.createElement('canvas');
          canvas.width = canvas.height = 44;
          canvas.addEventListener('mousemove', (e) => showWeights(e, l, u));
          canvas.addEventListener('mouseleave', () => ($('weights-tip').hidden = true));
          grid.append(canvas);
          neuronCanvases.push(canvas);
        });
        column.append(grid);
        return column;
      }),
    );
  }
  let index = 0;
  for (const units of neurons.layers) {
    for (const unit of units) drawNeuron(neuronCanvases[index++].getContext('2d'), unit.values, neurons.res, dims);
  }
}

function showWeights(event, l, u) {
  const unit = frame.neurons.layers[l][u];
  const tip = $('weights-tip');
  const source = l === 0 ? (unit.weights.length === 2 ? ['x', 'y'] : ['x']) : unit.weights.map((_, i) => `h${l}.${i + 1}`);
  tip.textContent = `layer ${l + 1}, unit ${u + 1}: bias ${format(unit.bias)}; weights ${unit.weights.map((w, i) => `${source[i]} ${format(w, 2)}`).join(', ')}`;
  tip.style.left = `${event.clientX + 12}px`;
  tip.style.top = `${event.clientY + 12}px`;
  tip.hidden = false;
}

// ---- controls -------------------------------------------------------------

function setPlaying(on) {
  playing = on;
  $('play').textContent = on ? '❚❚ pause' : '▶ play';
  $('play').classList.toggle('on', on);
  worker.postMessage({ type: on ? 'play' : 'pause' });
}

$('play').addEventListener('click', () => setPlaying(!playing));
$('step').addEventListener('click', () => {
  setPlaying(false);
  worker.postMessage({ type: 'step', count: 1 });
});
$('reset').addEventListener('click', () => configure(toQuery(settings)));
document.addEventListener('keydown', (e) => {
  if (e.code === 'Space' && !['INPUT', 'SELECT', 'BUTTON'].includes(document.activeElement.tagName)) {
    e.preventDefault();
    setPlaying(!playing);
  }
});

for (const button of document.querySelectorAll('#data-choices button')) {
  button.addEventListener('click', () => change({ data: button.dataset.data }));
}
for (const id of ['points', 'noise', 'test', 'classes', 'seed', 'act', 'init', 'opt', 'batch', 'order']) {
  $(id).addEventListener('change', () => change({ [id]: $(id).value }));
}
const logSlider = (id) => {
  $(id).addEventListener('input', () => (document.querySelector(`output[for=${id}]`).textContent = Number(Math.pow(10, $(id).value).toPrecision(2))));
  $(id).addEventListener('change', () => change({ [id]: Number(Math.pow(10, $(id).value).toPrecision(2)) }));
};
logSlider('lr');
logSlider('scale');
for (const id of ['points', 'noise', 'test', 'classes']) {
  $(id).addEventListener('input', () => (document.querySelector(`output[for=${id}]`).textContent = $(id).value));
}
$('more-layers').addEventListener('click', () => {
  const widths = settings.layers.split(',');
  if (widths.length < 8) change({ layers: [...widths, widths[widths.length - 1]].join(',') });
});
$('fewer-layers').addEventListener('click', () => {
  const widths = settings.layers.split(',');
  if (widths.length > 1) change({ layers: widths.slice(0, -1).join(',') });
});
$('show-regions').addEventListener('change', () => {
  worker.postMessage({ type: 'want', want: wants() });
  dirty = true;
});
$('show-test').addEventListener('change', () => (dirty = true));

$('upload').addEventListener('change', async () => {
  const file = $('upload').files[0];
  if (!file) return;
  if (file.size > 1 << 20) {
    showError('upload', `${file.name} is ${(file.size / (1 << 20)).toFixed(1)} MB; at most 1 MB`);
  } else {
    worker.postMessage({ type: 'upload', text: await file.text(), name: file.name });
  }
  $('upload').value = '';
});

$('export-weights').addEventListener('click', () => worker.postMessage({ type: 'export' }));
$('export-png').addEventListener('click', () => $('surface').toBlob((blob) => download(blob, 'origami-playground.png')));
$('export-svg').addEventListener('click', () => {
  if (frame && data) download(new Blob([surfaceSvg(frame, data, options())], { type: 'image/svg+xml' }), 'origami-playground.svg');
});
$('copy-link').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    $('copy-link').textContent = 'copied';
  } catch {
    showError('copy link', 'the browser refused the clipboard; copy the address bar instead');
  }
  setTimeout(() => ($('copy-link').textContent = 'copy link'), 1500);
});

function download(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// Rotating the embedding by dragging.
let drag = null;
$('embedding').addEventListener('pointerdown', (e) => (drag = { x: e.clientX, y: e.clientY }));
window.addEventListener('pointerup', () => (drag = null));
$('embedding').addEventListener('pointermove', (e) => {
  if (!drag) return;
  rotation.yaw += (e.clientX - drag.x) * 0.01;
  rotation.pitch = Math.max(-1.5, Math.min(1.5, rotation.pitch + (e.clientY - drag.y) * 0.01));
  drag = { x: e.clientX, y: e.clientY };
  dirty = true;
});

// ---- start ------------------------------------------------------------------

const first = location.search.slice(1) || DEFAULTS;
configure(first);
requestAnimationFrame(draw);
