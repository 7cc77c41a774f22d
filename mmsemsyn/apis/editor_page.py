"""The editor's single web page (HTML + JavaScript, no external assets).

The label map lives in the page as a typed array of class ids (and one of
instance ids) and is drawn on a canvas pixel by pixel from the palette, so
painting never blends colours (a browser brush anti-aliases its edges, which
would create colours of no class). Each finished stroke (after a 250 ms
pause) sends both arrays to ``/api/generate``; replies of superseded
requests are dropped. ``window.editor`` exposes the state for tests and
the latency benchmark: ``generated`` (photos shown so far), ``busy``,
``seq``, ``strokeAt`` / ``shownAt`` (``performance.now()`` of the last
stroke's end and of the last photo shown).
"""

PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>mmsemsyn editor</title>
<style>
 body { font-family: sans-serif; margin: 12px; background: #fafafa; }
 #main { display: flex; flex-wrap: wrap; gap: 16px;
         align-items: flex-start; }
 canvas, #photo { border: 1px solid #888; image-rendering: pixelated;
                  background: #000; }
 #side { width: 270px; flex: none; font-size: 13px; }
 #side select { max-width: 240px; }
 #side input[type=file] { max-width: 240px; }
 #classes { max-height: 300px; overflow-y: auto; }
 .cls { display: flex; align-items: center; gap: 6px; padding: 2px 4px;
        cursor: pointer; border: 2px solid transparent; }
 .cls.active { border-color: #000; background: #fff; }
 .swatch { width: 16px; height: 16px; border: 1px solid #444; }
 fieldset { margin: 4px 0; padding: 3px 8px; box-sizing: border-box; }
 #message { min-height: 1.2em; color: #a00; white-space: pre-wrap;
            max-width: 1100px; }
 #notice { color: #555; }
 #status { color: #060; }
 .row { display: flex; align-items: center; gap: 6px; }
 .row label { width: 90px; overflow: hidden; }
</style></head>
<body>
<div><b>mmsemsyn editor</b> &mdash; <span id="cfgname"></span>
 <span id="status"></span></div>
<div id="message" role="alert"></div><div id="notice"></div>
<div id="main">
 <div id="side">
  <fieldset><legend>Classes</legend><div id="classes"></div>
   <div class="row" id="thingrow"><input type="checkbox" id="newinst">
    <span>new instance per stroke</span></div></fieldset>
  <fieldset><legend>Tool</legend>
   <label><input type="radio" name="tool" value="brush" checked> brush</label>
   <label><input type="radio" name="tool" value="rect"> rectangle</label>
   <label><input type="radio" name="tool" value="fill"> fill</label>
   <label id="picktool" hidden><input type="radio" name="tool" value="pick">
    pick instance</label>
   <div class="row">size <input type="range" id="brush" min="1" max="64"
     value="8"><span id="brushval">8</span></div>
   <button id="undo">Undo</button></fieldset>
  <fieldset><legend>Map</legend>
   <button id="blank">Blank canvas</button><br>
   <select id="sample"><option value="">test samples...</option></select>
   <br>Upload label map: <input type="file" id="upload" accept="image/*">
  </fieldset>
  <fieldset><legend>Download</legend>
   <a id="download-label" href="api/download/label.png" download="label.png"
     >label map (ids PNG)</a> |
   <a id="download-photo" href="api/download/photo.png" download="photo.png"
     >photo</a></fieldset>
  <fieldset id="noisebox" hidden><legend>Noise n<sup>c</sup> per class
   </legend><div id="noise"></div></fieldset>
  <fieldset id="vaebox" hidden><legend>Style (VAE)</legend>
   Style photo: <input type="file" id="style" accept="image/*"><br>
   <button id="randomz">Random z</button></fieldset>
  <fieldset id="stylebox" hidden><legend>Instance style (K-means)</legend>
   <div id="styleinfo">Pick an instance (tool "pick instance").</div>
   <select id="stylesel" hidden></select></fieldset>
 </div>
 <div><canvas id="canvas"></canvas></div>
 <div><img id="photo" alt="generated photo"></div>
</div>
<script>
'use strict';
const E = window.editor = {generated: 0, busy: false, seq: 0};
let C, H, W, label, inst, undo = [], cls = 0, nextInst = {}, styles = {},
    noise = {}, timer = null, picked = null, zSeed = 0;
const $ = (id) => document.getElementById(id);
const canvas = $('canvas'), ctx = canvas.getContext('2d');

function msg(text) { $('message').textContent = text || ''; }
function notice(text) { $('notice').textContent = text || ''; }
function b64(typed) {
  const u8 = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000)
    s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}
function unb64(text, Type) {
  const s = atob(text), u8 = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
  return new Type(u8.buffer);
}
async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function draw() {
  const img = ctx.createImageData(W, H), d = img.data;
  for (let i = 0; i < H * W; i++) {
    const c = C.palette[label[i]] || [0, 0, 0];
    d[4 * i] = c[0]; d[4 * i + 1] = c[1]; d[4 * i + 2] = c[2];
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
function resetCounters() {
  nextInst = {};
  for (let i = 0; i < H * W; i++) {
    const v = inst[i];
    if (v >= 1000) {
      const c = Math.floor(v / 1000);
      nextInst[c] = Math.max(nextInst[c] || 0, v % 1000 + 1);
    }
  }
}
function setMap(body) {
  label = unb64(body.label, Uint16Array);
  inst = unb64(body.inst, Int32Array);
  undo = []; styles = {}; resetCounters(); draw(); updateNoise();
  notice(body.notice); msg('');
  schedule(0);
}
function blank() {
  label = new Uint16Array(H * W); inst = new Int32Array(H * W);
  undo = []; styles = {}; nextInst = {}; draw(); updateNoise();
  notice(''); msg(''); schedule(0);
}
function pushUndo() {
  undo.push([label.slice(), inst.slice()]);
  if (undo.length > 50) undo.shift();
}

// ---- painting (ids, never blended colours) ----
let down = null, strokeInst = 0, last = null;
function toPixel(ev) {
  const r = canvas.getBoundingClientRect();
  return [Math.floor((ev.clientX - r.left) * W / r.width),
          Math.floor((ev.clientY - r.top) * H / r.height)];
}
function put(x, y) {
  if (x < 0 || y < 0 || x >= W || y >= H) return;
  label[y * W + x] = cls; inst[y * W + x] = strokeInst;
}
function disc(cx, cy) {
  const r = (+$('brush').value) / 2;
  for (let y = Math.floor(cy - r); y <= cy + r; y++)
    for (let x = Math.floor(cx - r); x <= cx + r; x++)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) put(x, y);
}
function line(a, b) {
  const n = Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]), 1);
  for (let i = 0; i <= n; i++)
    disc(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n);
}
function fill(x, y) {
  const from = label[y * W + x], fromInst = inst[y * W + x];
  if (from === cls && fromInst === strokeInst) return;
  const stack = [y * W + x], seen = new Uint8Array(H * W);
  while (stack.length) {
    const p = stack.pop();
    if (seen[p] || label[p] !== from) continue;
    seen[p] = 1; label[p] = cls; inst[p] = strokeInst;
    const px = p % W;
    if (px > 0) stack.push(p - 1);
    if (px < W - 1) stack.push(p + 1);
    if (p >= W) stack.push(p - W);
    if (p < (H - 1) * W) stack.push(p + W);
  }
}
function tool() {
  return document.querySelector('input[name=tool]:checked').value;
}
canvas.addEventListener('pointerdown', (ev) => {
  const p = toPixel(ev), t = tool();
  if (t === 'pick') { pick(p); return; }
  pushUndo();
  // A stroke of a thing class is a new object: its own instance id, so
  // instance edges separate it from its neighbours of the same class.
  strokeInst = ($('newinst').checked && C.thing_ids.includes(cls)) ?
      cls * 1000 + (nextInst[cls] = (nextInst[cls] || 0) + 1) - 1 : cls;
  if (t === 'fill') { fill(p[0], p[1]); endStroke(); return; }
  down = p; last = p;
  canvas.setPointerCapture(ev.pointerId);
  if (t === 'brush') { disc(p[0], p[1]); draw(); }
});
canvas.addEventListener('pointermove', (ev) => {
  if (!down) return;
  const p = toPixel(ev);
  if (tool() === 'brush') { line(last, p); last = p; draw(); }
  else {  // rectangle preview
    draw(); ctx.strokeStyle = '#fff';
    ctx.strokeRect(Math.min(down[0], p[0]), Math.min(down[1], p[1]),
                   Math.abs(p[0] - down[0]) + 1, Math.abs(p[1] - down[1]) + 1);
  }
});
canvas.addEventListener('pointerup', (ev) => {
  if (!down) return;
  const p = toPixel(ev);
  if (tool() === 'rect') {
    const x0 = Math.max(0, Math.min(down[0], p[0])),
          x1 = Math.min(W - 1, Math.max(down[0], p[0])),
          y0 = Math.max(0, Math.min(down[1], p[1])),
          y1 = Math.min(H - 1, Math.max(down[1], p[1]));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) put(x, y);
  } else line(last, p);
  down = null; endStroke();
});
function endStroke() {
  E.strokeAt = performance.now(); draw(); updateNoise(); schedule(250);
}
$('undo').onclick = () => {
  const s = undo.pop();
  if (!s) return;
  [label, inst] = s; draw(); updateNoise(); schedule(0);
};

// ---- per-method controls ----
function present() {
  const seen = new Set(label);
  return C.classes.map((n, i) => i).filter((i) => seen.has(i));
}
function updateNoise() {
  if (!C.class_noise) return;
  const box = $('noise'), want = present(), have = {};
  for (const row of [...box.children]) {
    if (!want.includes(+row.dataset.cls)) row.remove();
    else have[row.dataset.cls] = 1;
  }
  for (const i of want) {
    if (have[i]) continue;
    const name = C.classes[i], row = document.createElement('div');
    row.className = 'row'; row.dataset.cls = i;
    row.innerHTML = `<label>${name}</label><input type="range" min="-1"
      max="1" step="0.05" value="${noise[name] || 0}"
      id="noise-${name.replace(/\W/g, '_')}"><span>${noise[name] || 0}</span>`;
    const input = row.querySelector('input');
    input.oninput = () => {
      noise[name] = +input.value;
      row.querySelector('span').textContent = input.value;
      schedule(150);
    };
    box.appendChild(row);
  }
}
function pick(p) {
  const id = inst[p[1] * W + p[0]], c = label[p[1] * W + p[0]],
        n = C.styles[c] || 0;
  picked = id;
  const sel = $('stylesel');
  if (!n) {
    $('styleinfo').textContent = `${C.classes[c]} has no K-means styles.`;
    sel.hidden = true; return;
  }
  $('styleinfo').textContent = `instance ${id} (${C.classes[c]}):`;
  sel.innerHTML = '<option value="">random</option>' +
      [...Array(n).keys()].map((k) => `<option value="${k}">style ${k}` +
                               '</option>').join('');
  sel.value = styles[id] === undefined ? '' : styles[id];
  sel.hidden = false;
}
$('stylesel').onchange = () => {
  const v = $('stylesel').value;
  if (v === '') delete styles[picked]; else styles[picked] = +v;
  schedule(0);
};
$('style').onchange = async () => {
  const f = $('style').files[0];
  if (!f) return;
  const form = new FormData(); form.append('file', f);
  try { await api('api/style', {method: 'POST', body: form}); schedule(0); }
  catch (e) { msg(e.message); }
};
$('randomz').onclick = async () => {
  zSeed += 1;
  await api('api/random_z', {method: 'POST', body: JSON.stringify(
      {seed: zSeed}), headers: {'Content-Type': 'application/json'}});
  schedule(0);
};

// ---- generation (debounced; the model runs on the server) ----
function schedule(ms) { clearTimeout(timer); timer = setTimeout(run, ms); }
async function run() {
  const seq = ++E.seq, t0 = performance.now();
  E.busy = true; $('status').textContent = 'generating...';
  const body = {seq, height: H, width: W, label: b64(label),
                inst: C.uses_instances ? b64(inst) : null,
                noise: C.class_noise ? noise : null, styles};
  try {
    const r = await api('api/generate', {method: 'POST',
        body: JSON.stringify(body),
        headers: {'Content-Type': 'application/json'}});
    if (seq !== E.seq) return;  // a newer stroke is on its way
    // Wait for the photo to be loaded (load fires even when the image is
    // scrolled out of view, unlike a pending decode()).
    await new Promise((resolve) => {
      $('photo').onload = $('photo').onerror = resolve;
      $('photo').src = r.photo;
    });
    E.shownAt = performance.now();
    E.generated += 1;
    $('status').textContent =
        `updated in ${Math.round(performance.now() - t0)} ms`;
    msg('');
  } catch (e) {
    if (seq === E.seq) { msg(e.message); $('status').textContent = ''; }
  } finally { if (seq === E.seq) E.busy = false; }
}

// ---- start ----
(async () => {
  C = await api('api/config');
  H = C.height; W = C.width;
  canvas.width = W; canvas.height = H;
  // Displayed at an integer zoom (crisp pixels) of at most ~420 px.
  const scale = Math.max(1, Math.floor(420 / Math.max(W, H)));
  canvas.style.width = $('photo').style.width = (W * scale) + 'px';
  canvas.style.height = $('photo').style.height = (H * scale) + 'px';
  $('cfgname').textContent = C.config;
  C.classes.forEach((name, i) => {
    const d = document.createElement('div');
    d.className = 'cls' + (i === 0 ? ' active' : '');
    d.id = 'class-' + name.replace(/\W/g, '_');
    const c = C.palette[i];
    d.innerHTML = `<span class="swatch" style="background:rgb(${c})"></span>` +
        `${i} ${name}`;
    d.onclick = () => {
      cls = i;
      document.querySelectorAll('.cls').forEach((e) =>
          e.classList.remove('active'));
      d.classList.add('active');
    };
    $('classes').appendChild(d);
  });
  $('newinst').checked = true;
  $('thingrow').hidden = !C.uses_instances;
  $('noisebox').hidden = !C.class_noise;
  $('vaebox').hidden = !C.vae;
  $('stylebox').hidden = $('picktool').hidden =
      !Object.keys(C.styles).length;
  C.samples.forEach((s, i) => {
    const o = document.createElement('option');
    o.value = i; o.textContent = s; $('sample').appendChild(o);
  });
  if (C.samples_error) notice('Test samples unavailable: ' + C.samples_error);
  $('brush').oninput = () => { $('brushval').textContent = $('brush').value; };
  $('blank').onclick = blank;
  $('sample').onchange = async () => {
    if ($('sample').value === '') return;
    try { setMap(await api('api/sample/' + $('sample').value)); }
    catch (e) { msg(e.message); }
  };
  $('upload').onchange = async () => {
    const f = $('upload').files[0];
    if (!f) return;
    const form = new FormData(); form.append('file', f);
    try { setMap(await api('api/upload', {method: 'POST', body: form})); }
    catch (e) { msg(e.message); }
    $('upload').value = '';
  };
  blank();
  E.ready = true;
})().catch((e) => msg(e.message));
</script></body></html>
"""
