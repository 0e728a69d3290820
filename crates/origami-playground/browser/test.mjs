// Browser tests of the playground in Debian's Chromium, headless:
//   node test.mjs <page url> <path of playground-check>
// (scripts/playground.sh test builds, serves and runs this.) Writes
// docs/playground.png and prints the measured speeds.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, checker] = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), 'playground-test-'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  // The flags the machine needs: no sandbox as root, no GPU, and no
  // background connections to hosts this closed network refuses.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let failures = 0;
async function test(name, body) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1150 }, acceptDownloads: true });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const start = Date.now();
  try {
    await body(page);
    if (problems.length) throw new Error(problems.join('\n'));
    console.log(`ok    ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failures++;
    console.log(`FAIL  ${name}\n      ${String(error.stack || error).split('\n').join('\n      ')}`);
  } finally {
    await page.close();
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const text = (page, id) => page.textContent(`#${id}`);
const number = async (page, id) => Number(await text(page, id));

// Polls `probe` until it returns something truthy, or fails after `ms`.
async function until(probe, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Opens the page at `query` and waits for the first frame of the network
// the address describes.
async function open(page, query = '') {
  await page.goto(`${base}${query ? `?${query}` : ''}`);
  await until(async () => (await text(page, 'train-loss')) !== '–', 10000, 'the first frame');
}

async function exportWeights(page, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-weights')]);
  const path = join(scratch, name);
  await download.saveAs(path);
  return path;
}

const check = (...args) => execFileSync(checker, args, { encoding: 'utf8' }).trim();

await test('the page loads with no console error and explains itself', async (page) => {
  await open(page);
  assert((await page.textContent('header')).includes('η'), 'the header explains the views');
  assert(page.url().includes('data=circles'), `the address shows the settings: ${page.url()}`);
  assert((await page.locator('#error').isHidden()), 'no error shown');
});

await test('play lowers the training loss on circles below 0.1 within 20 s', async (page) => {
  await open(page, 'data=circles&layers=8,8&act=relu&opt=adam&lr=0.03&seed=1');
  const before = await number(page, 'train-loss');
  await page.click('#play');
  await until(async () => (await number(page, 'train-loss')) < 0.1, 20000, 'train loss < 0.1');
  await page.click('#play');
  console.log(`      train loss ${before} -> ${await text(page, 'train-loss')} at step ${await text(page, 'steps')}`);
});

await test('the region count shown equals the native count for the exported weights', async (page) => {
  await open(page, 'data=xor&layers=8,8&act=relu&opt=sgd&lr=0.1&seed=3');
  for (let i = 0; i < 5; i++) await page.click('#step');
  await until(async () => (await text(page, 'steps')) === '5', 5000, 'five steps');
  const shown = await until(async () => Number(await text(page, 'region-count')) || 0, 5000, 'a region count');
  const native = check('regions', await exportWeights(page, 'regions.safetensors'));
  assert(native === `regions ${shown}`, `page shows ${shown}, native says ${native}`);
  console.log(`      ${shown} regions, both sides`);
});

await test('one step in the page matches one native step', async (page) => {
  const query = 'data=spirals&layers=16,16&act=tanh&opt=sgd&lr=0.1&batch=25&seed=5';
  await open(page, query);
  await page.click('#step');
  await until(async () => (await text(page, 'steps')) === '1', 5000, 'one step');
  const wasm = await exportWeights(page, 'wasm.safetensors');
  const native = join(scratch, 'native.safetensors');
  check('weights', query, '1', native);
  const verdict = check('compare', native, wasm);
  const relative = Number(verdict.split(' ')[3]);
  // Not bit-identical: native x86-64 multiplies small matrices with fused
  // multiply-adds and takes exp/tanh from glibc, wasm32 rounds each
  // product and takes them from Rust's libm. Sums of at most 25 terms
  // rounded differently stay within a few ε = 2.2e-16 of the weights'
  // scale; 64ε is the allowance. A wrong rule would be off by ~1e-3.
  assert(relative <= 64 * 2.22e-16, `weights differ by ${verdict}`);
  console.log(`      ${verdict}`);
});

await test('the address round-trips the state', async (page) => {
  const query = 'data=blobs&points=300&classes=4&noise=0.3&test=0.3&layers=6,5,4&act=tanh&init=xavier&scale=0.5&opt=momentum&lr=0.003&batch=25&order=sorted&seed=9';
  await open(page, query);
  assert(page.url().endsWith(`?${query}`), `address ${page.url()}`);
  const controls = await page.evaluate(() =>
    ['act', 'init', 'opt', 'batch', 'order', 'classes', 'seed'].map((id) => document.getElementById(id).value).join(' '));
  assert(controls === 'tanh xavier momentum 25 sorted 4 9', `controls show ${controls}`);
  assert((await text(page, 'depth')) === '3', 'three hidden layers');
  await page.selectOption('#opt', 'sgd');
  await until(() => page.url().includes('opt=sgd'), 5000, 'the address to follow the control');
  const changed = page.url();
  await open(page, changed.split('?')[1]);
  assert(page.url() === changed, 'reloading the address keeps it');
  assert((await page.inputValue('#opt')) === 'sgd', 'and the control');
});

await test('a bad address shows the reason and falls back to the defaults', async (page) => {
  await open(page, 'data=circles&layers=8,99');
  const error = await page.textContent('#error');
  assert(error.includes('layers: width 99 is outside 1..=32'), `error shown: ${error}`);
  assert(page.url().includes('layers=8,8'), `defaults used: ${page.url()}`);
});

await test('a malformed CSV shows an error and leaves the page as it was', async (page) => {
  await open(page, 'data=xor&seed=4');
  const [url, loss] = [page.url(), await text(page, 'train-loss')];
  await page.setInputFiles('#upload', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y,label\n0.1,0.2,0\n0.3,zebra,1\n') });
  await until(() => page.locator('#error').isVisible(), 5000, 'the error');
  const error = await page.textContent('#error');
  assert(error.includes('CSV line 3: column 2 "zebra" is not a number'), `error: ${error}`);
  assert(page.url() === url, 'the address is unchanged');
  assert((await text(page, 'train-loss')) === loss, 'the network is unchanged');
  assert(await page.isDisabled('#csv-choice'), 'no upload was kept');
  // A good file then works: the page switches to it.
  const rows = ['x,y,label', ...Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(i)},${i % 3}`)];
  await page.setInputFiles('#upload', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await until(() => page.url().includes('data=csv'), 5000, 'the upload to be used');
  assert(await page.locator('#error').isHidden(), 'the error is gone');
});

// Speeds: steps per second in the worker and frames per second drawn,
// while playing for 5 s (the first second, warming up, not counted).
async function speed(page, query) {
  await open(page, query);
  await page.click('#play');
  await page.waitForTimeout(1500);
  const samples = [];
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(1000);
    samples.push([await number(page, 'rate'), await number(page, 'fps')]);
  }
  await page.click('#play');
  const median = (k) => samples.map((s) => s[k]).sort((a, b) => a - b)[2];
  return { steps: median(0), fps: median(1) };
}

await test('speed (reported, not asserted)', async (page) => {
  for (const [label, query] of [
    ['2-8-8-2, 500 points, batch 10', 'data=circles&points=500&layers=8,8&act=relu&opt=sgd&lr=0.1&batch=10'],
    ['2-(16x6)-2, 500 points, batch 10', 'data=circles&points=500&layers=16,16,16,16,16,16&act=relu&opt=sgd&lr=0.1&batch=10'],
  ]) {
    const { steps, fps } = await speed(page, query);
    console.log(`      ${label}: ${steps} steps/s, ${fps} frames/s`);
  }
});

await test('a diverging rate stops training with the reason, and the page goes on', async (page) => {
  await open(page, 'data=sawtooth&layers=16,16&act=tanh&opt=sgd&lr=10&seed=1');
  await page.click('#play');
  await until(() => page.locator('#error').isVisible(), 10000, 'the divergence message');
  const error = await page.textContent('#error');
  assert(/training: step \d+: .*smaller learning rate/.test(error), `error: ${error}`);
  assert((await page.textContent('#play')).includes('play'), 'playing stopped');
  await page.selectOption('#opt', 'adam');
  await until(async () => page.url().includes('opt=adam') && (await page.locator('#error').isHidden()), 5000, 'a fresh network');
});

await test('the figure exports as PNG and SVG, regions included', async (page) => {
  await open(page, 'data=circles&layers=6&act=relu&seed=2');
  const save = async (button, name) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const path = join(scratch, name);
    await download.saveAs(path);
    return readFileSync(path);
  };
  const png = await save('#export-png', 'figure.png');
  assert(png.subarray(1, 4).toString() === 'PNG', 'a PNG file');
  const svg = (await save('#export-svg', 'figure.svg')).toString();
  assert(svg.startsWith('<svg') && svg.trim().endsWith('</svg>'), 'an SVG document');
  const polygons = svg.split('<polygon').length - 1;
  assert(polygons === Number(await text(page, 'region-count')), `${polygons} polygons for the regions`);
});

await test('hovering a hidden unit shows its weights', async (page) => {
  await open(page, 'data=xor&layers=4,3&act=tanh&seed=6');
  await until(() => page.locator('#neurons canvas').count(), 5000, 'the thumbnails');
  assert((await page.locator('#neurons canvas').count()) === 7, 'one thumbnail per hidden unit');
  await page.hover('#neurons canvas >> nth=5');
  const tip = await page.textContent('#weights-tip');
  assert(/^layer 2, unit 2: bias -?[\d.e+-]+; weights h1\.1 \S+, h1\.2 \S+, h1\.3 \S+, h1\.4 \S+$/.test(tip), `tip: ${tip}`);
  assert(await page.locator('#weights-tip').isVisible(), 'the tip is shown');
  assert(await page.locator('#embedding-panel').isVisible(), 'a width-3 layer has its embedding');
});

await test('a screenshot for the README', async (page) => {
  await open(page, 'data=spirals&points=500&noise=0.1&layers=16,16,3&act=relu&opt=adam&lr=0.01&seed=1');
  await page.click('#play');
  await page.waitForTimeout(6000);
  await page.click('#play');
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/playground.png', fullPage: true });
});

await browser.close();
if (failures) {
  console.log(`${failures} browser test(s) failed`);
  process.exit(1);
}
console.log('all browser tests passed');
