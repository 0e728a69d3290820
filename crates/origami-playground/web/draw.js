// Drawing: the output surface with the data and the region map, the loss
// curves, the hidden units' thumbnails and the rotatable embedding, all
// on 2-D canvases; and the same output figure as SVG for export.

export const PALETTE = ['#f08c00', '#2f6fdb', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#a61e4d', '#495057'];
const RGB = PALETTE.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

// Canvas position of a point of the box [x0, x1, y0, y1].
const mapper = (box, width, height) => ({
  x: (x) => ((x - box[0]) / (box[1] - box[0])) * width,
  y: (y) => height - ((y - box[2]) / (box[3] - box[2])) * height,
});

// RGBA of one cell: the class colours mixed by probability, faded toward
// white where the network is unsure.
function cellColour(probabilities) {
  const k = probabilities.length;
  let top = 0;
  const rgb = [0, 0, 0];
  probabilities.forEach((p, c) => {
    top = Math.max(top, p);
    for (let i = 0; i < 3; i++) rgb[i] += p * RGB[c % RGB.length][i];
  });
  const confidence = (top - 1 / k) / (1 - 1 / k);
  const keep = 0.2 + 0.6 * confidence;
  return rgb.map((v) => Math.round(255 - keep * (255 - v)));
}

// The output over the plane (classification) or the fitted curve (1-D).
export function drawSurface(ctx, frame, data, options) {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const surface = frame.surface;
  if (!surface) return;
  const map = mapper(surface.box, width, height);
  if (surface.dims === 2) {
    const res = surface.res;
    const image = new ImageData(res, res);
    for (let j = 0; j < res; j++) {
      for (let i = 0; i < res; i++) {
        const cell = j * res + i;
        const p = surface.values.slice(cell * surface.classes, (cell + 1) * surface.classes);
        const at = ((res - 1 - j) * res + i) * 4;
        image.data.set([...cellColour(p), 255], at);
      }
    }
    const off = new OffscreenCanvas(res, res);
    off.getContext('2d').putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, width, height);
    if (options.showRegions && frame.regions && frame.regions.polygons) {
      ctx.strokeStyle = 'rgba(16, 24, 40, 0.35)';
      ctx.lineWidth = 0.7;
      for (const flat of frame.regions.polygons) {
        ctx.beginPath();
        for (let v = 0; v < flat.length; v += 2) ctx.lineTo(map.x(flat[v]), map.y(flat[v + 1]));
        ctx.closePath();
        ctx.stroke();
      }
    }
    if (data) {
      drawPoints(ctx, map, data.train, false);
      if (options.showTest) drawPoints(ctx, map, data.test, true);
    }
  } else {
    drawAxes(ctx, map, surface.box);
    if (options.showRegions && frame.regions && frame.regions.breaks) {
      ctx.strokeStyle = 'rgba(16, 24, 40, 0.18)';
      for (const x of frame.regions.breaks) {
        ctx.beginPath();
        ctx.moveTo(map.x(x), 0);
        ctx.lineTo(map.x(x), height);
        ctx.stroke();
      }
    }
    if (data) {
      for (const [part, colour] of [[data.train, PALETTE[1]], ...(options.showTest ? [[data.test, '#98a2b3']] : [])]) {
        ctx.fillStyle = colour;
        part.inputs.forEach((x, n) => {
          ctx.beginPath();
          ctx.arc(map.x(x), map.y(part.targets[n]), 2.2, 0, 2 * Math.PI);
          ctx.fill();
        });
      }
    }
    ctx.strokeStyle = PALETTE[0];
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    const res = surface.res;
    surface.values.forEach((y, i) => {
      const x = surface.box[0] + ((i + 0.5) / res) * (surface.box[1] - surface.box[0]);
      ctx.lineTo(map.x(x), map.y(y));
    });
    ctx.stroke();
  }
}

function drawPoints(ctx, map, part, hollow) {
  ctx.lineWidth = 1.2;
  for (let n = 0; n < part.targets.length; n++) {
    const x = map.x(part.inputs[2 * n]);
    const y = map.y(part.inputs[2 * n + 1]);
    const colour = PALETTE[part.targets[n] % PALETTE.length];
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    if (hollow) {
      ctx.strokeStyle = colour;
      ctx.stroke();
    } else {
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.strokeStyle = 'white';
      ctx.stroke();
    }
  }
}

function drawAxes(ctx, map, box) {
  ctx.strokeStyle = '#d0d5dd';
  ctx.lineWidth = 1;
  ctx.beginPath();
  if (box[2] < 0 && box[3] > 0) {
    ctx.moveTo(0, map.y(0));
    ctx.lineTo(ctx.canvas.width, map.y(0));
  }
  if (box[0] < 0 && box[1] > 0) {
    ctx.moveTo(map.x(0), 0);
    ctx.lineTo(map.x(0), ctx.canvas.height);
  }
  ctx.stroke();
}

// Train and test loss against steps, log scale.
export function drawLoss(ctx, history) {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const values = history.flatMap((h) => [h.train, h.test]).filter((v) => v > 0 && Number.isFinite(v));
  if (history.length < 2 || values.length === 0) return;
  const lo = Math.log10(Math.min(...values));
  const hi = Math.max(Math.log10(Math.max(...values)), lo + 1e-3);
  const last = history[history.length - 1].step || 1;
  const px = (step) => 36 + (step / last) * (width - 44);
  const py = (v) => 8 + (1 - (Math.log10(v) - lo) / (hi - lo)) * (height - 26);
  ctx.font = '11px system-ui';
  ctx.fillStyle = '#667085';
  ctx.fillText(Math.pow(10, hi).toPrecision(2), 2, 14);
  ctx.fillText(Math.pow(10, lo).toPrecision(2), 2, height - 18);
  ctx.fillText(`step ${last}`, width - 70, height - 4);
  for (const [key, colour, label] of [['train', PALETTE[1], 'train'], ['test', PALETTE[0], 'test']]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    for (const h of history) if (h[key] > 0) ctx.lineTo(px(h.step), py(h[key]));
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.fillText(label, key === 'train' ? 40 : 80, height - 4);
  }
}

// One hidden unit's activation: over the plane (blue negative, orange
// positive, scaled by the unit's largest magnitude) or along the line.
export function drawNeuron(ctx, values, res, dims) {
  const { width, height } = ctx.canvas;
  const scale = Math.max(1e-12, ...values.map(Math.abs));
  if (dims === 2) {
    const image = new ImageData(res, res);
    for (let j = 0; j < res; j++) {
      for (let i = 0; i < res; i++) {
        const v = values[j * res + i] / scale;
        const colour = v >= 0 ? RGB[0] : RGB[1];
        const a = Math.abs(v);
        const rgb = colour.map((c) => Math.round(255 - a * (255 - c)));
        image.data.set([...rgb, 255], ((res - 1 - j) * res + i) * 4);
      }
    }
    const off = new OffscreenCanvas(res, res);
    off.getContext('2d').putImageData(image, 0, 0);
    ctx.drawImage(off, 0, 0, width, height);
  } else {
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = PALETTE[0];
    ctx.beginPath();
    values.forEach((v, i) => ctx.lineTo((i / (res - 1)) * width, height / 2 - (v / scale) * (height / 2 - 2)));
    ctx.stroke();
  }
}

// The width-3 layer's points, rotated by yaw and pitch, orthographic.
export function drawEmbedding(ctx, embedding, yaw, pitch) {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const p = embedding.points;
  const scale = Math.max(1e-12, ...p.map(Math.abs));
  const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  const project = ([x, y, z]) => {
    const [x1, z1] = [cy * x + sy * z, -sy * x + cy * z];
    const [y2, z2] = [cp * y - sp * z1, sp * y + cp * z1];
    return [width / 2 + (x1 / scale) * width * 0.38, height / 2 - (y2 / scale) * height * 0.38, z2];
  };
  ctx.lineWidth = 1;
  for (const [axis, name] of [[[1, 0, 0], 'h₁'], [[0, 1, 0], 'h₂'], [[0, 0, 1], 'h₃']]) {
    const [ox, oy] = project([0, 0, 0]);
    const [ax, ay] = project(axis.map((v) => v * scale));
    ctx.strokeStyle = '#98a2b3';
    ctx.beginPath();
    ctx.moveTo(ox, oy);
    ctx.lineTo(ax, ay);
    ctx.stroke();
    ctx.fillStyle = '#667085';
    ctx.fillText(name, ax + 3, ay);
  }
  const points = [];
  for (let n = 0; n < p.length / 3; n++) points.push([...project(p.slice(3 * n, 3 * n + 3)), embedding.labels[n]]);
  points.sort((a, b) => a[2] - b[2]);
  for (const [x, y, , label] of points) {
    ctx.fillStyle = PALETTE[label % PALETTE.length];
    ctx.beginPath();
    ctx.arc(x, y, 2.4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// The output figure as SVG: the surface as cells, the regions, the points.
export function surfaceSvg(frame, data, options) {
  const size = 480;
  const surface = frame.surface;
  const map = mapper(surface.box, size, size);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">`];
  if (surface.dims === 2) {
    const res = surface.res;
    const cell = size / res;
    for (let j = 0; j < res; j++) {
      for (let i = 0; i < res; i++) {
        const k = j * res + i;
        const [r, g, b] = cellColour(surface.values.slice(k * surface.classes, (k + 1) * surface.classes));
        parts.push(`<rect x="${(i * cell).toFixed(2)}" y="${(size - (j + 1) * cell).toFixed(2)}" width="${cell.toFixed(2)}" height="${cell.toFixed(2)}" fill="rgb(${r},${g},${b})"/>`);
      }
    }
    if (options.showRegions && frame.regions && frame.regions.polygons) {
      for (const flat of frame.regions.polygons) {
        const points = [];
        for (let v = 0; v < flat.length; v += 2) points.push(`${map.x(flat[v]).toFixed(2)},${map.y(flat[v + 1]).toFixed(2)}`);
        parts.push(`<polygon points="${points.join(' ')}" fill="none" stroke="#101828" stroke-opacity="0.35" stroke-width="0.7"/>`);
      }
    }
    for (let n = 0; n < data.train.targets.length; n++) {
      const colour = PALETTE[data.train.targets[n] % PALETTE.length];
      parts.push(`<circle cx="${map.x(data.train.inputs[2 * n]).toFixed(2)}" cy="${map.y(data.train.inputs[2 * n + 1]).toFixed(2)}" r="3.2" fill="${colour}" stroke="white" stroke-width="1.2"/>`);
    }
  } else {
    const res = surface.res;
    const points = surface.values.map((y, i) => {
      const x = surface.box[0] + ((i + 0.5) / res) * (surface.box[1] - surface.box[0]);
      return `${map.x(x).toFixed(2)},${map.y(y).toFixed(2)}`;
    });
    data.train.inputs.forEach((x, n) => {
      parts.push(`<circle cx="${map.x(x).toFixed(2)}" cy="${map.y(data.train.targets[n]).toFixed(2)}" r="2.2" fill="${PALETTE[1]}"/>`);
    });
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${PALETTE[0]}" stroke-width="2.5"/>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
