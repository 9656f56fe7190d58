// The embedkit explorer: plain JavaScript over the server's JSON API (no library, nothing fetched
// from elsewhere). One file, in four parts: the API, the lists, the map, the wiring.
'use strict';

const $ = (id) => document.getElementById(id);

// ---- The API ------------------------------------------------------------------------------

async function api(path, params = {}, body = null) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(path + (query ? '?' + query : ''), body === null ? {} : {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || ('HTTP ' + response.status));
  return answer;
}

const state = {
  model: '',
  modelB: '',
  word: '',
  dims: 2,
};

function modelPath(what, model = state.model) {
  return '/api/models/' + encodeURIComponent(model) + '/' + what;
}

function showError(error) {
  $('status').textContent = error ? String(error.message || error) : '';
}

// ---- Lists --------------------------------------------------------------------------------

// One list item: the word (click: centre on it), a bar and the score.
function wordItem(word, score, shared = false) {
  const li = document.createElement('li');
  const w = document.createElement('span');
  w.className = 'word' + (shared ? ' shared' : '');
  w.textContent = word;
  w.addEventListener('click', () => centreOn(word));
  li.appendChild(w);
  if (score !== undefined) li.append(...scoreBar(score));
  return li;
}

// A bar as long as the score (cosine or probability) and the score itself.
function scoreBar(score) {
  const bar = document.createElement('span');
  bar.className = 'bar';
  bar.style.width = Math.max(0, score) * 6 + 'rem';
  const s = document.createElement('span');
  s.className = 'score';
  s.textContent = score.toFixed(3);
  return [bar, s];
}

function fill(list, items) {
  list.replaceChildren(...items);
}

// ---- The map ------------------------------------------------------------------------------

// Points in model space (2 or 3 coordinates), a view (zoom, pan, rotation), and the screen
// positions of the last drawing for hit tests.
const map = {
  points: [],      // {word, coordinates, score?, centre?}
  dims: 2,         // of the points shown (the toggle may already ask for the other)
  zoom: 1, panX: 0, panY: 0,
  yaw: 0.6, pitch: 0.35,
  scale: 1,        // model units -> pixels, set by fit()
  extent: 1,       // the largest coordinate, set by fit()
  screen: [],      // {x, y, r, point}, drawn order
  hover: null,
};

function rotate(c) {
  if (map.dims === 2) return [c[0], c[1], 0];
  const [x, y, z] = c;
  const cy = Math.cos(map.yaw), sy = Math.sin(map.yaw), cp = Math.cos(map.pitch), sp = Math.sin(map.pitch);
  const x1 = cy * x + sy * z, z1 = -sy * x + cy * z;
  return [x1, cp * y - sp * z1, sp * y + cp * z1];
}

function fit() {
  let extent = 1e-9;
  for (const p of map.points) {
    for (const v of p.coordinates) extent = Math.max(extent, Math.abs(v));
  }
  const canvas = $('map');
  map.extent = extent;
  map.scale = 0.42 * Math.min(canvas.clientWidth, canvas.clientHeight) / extent;
  map.zoom = 1;
  map.panX = 0;
  map.panY = 0;
}

function draw() {
  const canvas = $('map');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const s = map.scale * map.zoom;
  map.screen = map.points.map((point) => {
    const [x, y, z] = rotate(point.coordinates);
    // 3-D: a little perspective, so that depth reads.
    const near = z / map.extent;  // -1 (far) .. 1 (near)
    const depth = map.dims === 3 ? 1 / (1 - 0.3 * near) : 1;
    return {x: width / 2 + map.panX + x * s * depth, y: height / 2 + map.panY - y * s * depth, z: near, point};
  });
  if (map.dims === 3) map.screen.sort((a, b) => a.z - b.z);  // far first
  const labelAll = map.points.length <= 80;
  g.font = '12px system-ui, sans-serif';
  g.textBaseline = 'middle';
  let drawn = 0;
  for (const p of map.screen) {
    const special = p.point.centre;
    p.r = special ? 6 : 4;
    g.beginPath();
    g.arc(p.x, p.y, p.r, 0, 2 * Math.PI);
    g.fillStyle = special ? '#dc2626' : (p.point.score !== undefined ? '#2563eb' : '#475467');
    g.globalAlpha = map.dims === 3 ? 0.5 + 0.5 * Math.max(0, Math.min(1, (p.z + 1) / 2)) : 0.85;
    g.fill();
    g.globalAlpha = 1;
    if (labelAll || special || p === map.hover) {
      g.fillStyle = special ? '#dc2626' : '#1d2330';
      g.fillText(p.point.word, p.x + p.r + 3, p.y);
    }
    ++drawn;
  }
  canvas.dataset.points = String(drawn);  // for tests and for the curious
}

function nearestOnScreen(x, y) {
  let best = null, bestDistance = 12 * 12;
  for (const p of map.screen) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d <= bestDistance) {
      best = p;
      bestDistance = d;
    }
  }
  return best;
}

function showMap(answer, caption) {
  map.points = answer.points;
  map.dims = answer.dims;
  fit();
  draw();
  const variance = answer.explained_variance.reduce((a, b) => a + b, 0);
  $('map-info').textContent = `${caption}: ${answer.points.length} words, PCA ${answer.dims}-D, ` +
      `${(100 * variance).toFixed(0)}% of the variance`;
}

function setupMapControls() {
  const canvas = $('map');
  let drag = null;
  const pointers = new Map();
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, {x: e.offsetX, y: e.offsetY});
    drag = {x: e.offsetX, y: e.offsetY, moved: 0, shift: e.shiftKey || e.button === 2};
    canvas.classList.add('dragging');
  });
  canvas.addEventListener('pointermove', (e) => {
    if (pointers.size === 2 && pointers.has(e.pointerId)) {  // pinch zoom
      const [a, b] = [...pointers.values()];
      const before = Math.hypot(a.x - b.x, a.y - b.y);
      pointers.set(e.pointerId, {x: e.offsetX, y: e.offsetY});
      const [c, d] = [...pointers.values()];
      const after = Math.hypot(c.x - d.x, c.y - d.y);
      if (before > 0) map.zoom *= after / before;
      draw();
      return;
    }
    if (drag) {
      const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
      drag.moved += Math.abs(dx) + Math.abs(dy);
      drag.x = e.offsetX;
      drag.y = e.offsetY;
      if (map.dims === 3 && !drag.shift) {
        map.yaw += dx * 0.01;
        map.pitch = Math.max(-1.5, Math.min(1.5, map.pitch + dy * 0.01));
      } else {
        map.panX += dx;
        map.panY += dy;
      }
      draw();
      return;
    }
    const hit = nearestOnScreen(e.offsetX, e.offsetY);
    if (hit !== map.hover) {
      map.hover = hit;
      draw();
    }
    const tip = $('tooltip');
    if (hit) {
      tip.hidden = false;
      tip.textContent = hit.point.word + (hit.point.score !== undefined ? `  ${hit.point.score.toFixed(3)}` : '');
      tip.style.left = canvas.offsetLeft + hit.x + 10 + 'px';
      tip.style.top = canvas.offsetTop + hit.y - 28 + 'px';
    } else {
      tip.hidden = true;
    }
  });
  const end = (e) => {
    pointers.delete(e.pointerId);
    if (drag && drag.moved < 4) {  // a click, not a drag
      const hit = nearestOnScreen(e.offsetX, e.offsetY);
      if (hit) centreOn(hit.point.word);
    }
    drag = null;
    canvas.classList.remove('dragging');
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('pointerleave', () => { $('tooltip').hidden = true; });
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const factor = Math.exp(-e.deltaY * 0.0015);
    // Zoom about the pointer.
    const cx = e.offsetX - canvas.clientWidth / 2 - map.panX, cy = e.offsetY - canvas.clientHeight / 2 - map.panY;
    map.panX -= cx * (factor - 1);
    map.panY -= cy * (factor - 1);
    map.zoom *= factor;
    draw();
  }, {passive: false});
  // The canvas's pixels follow its size on the page (a window resized, a phone turned).
  new ResizeObserver(() => { fit(); draw(); }).observe(canvas);
}

// ---- Wiring -------------------------------------------------------------------------------

// Answers can arrive out of order: each view shows only the answer to its latest request.
// ticket('map') starts a request for the map; the function it returns says whether that request
// is still the latest when its answer comes.
const latest = {};
function ticket(view) {
  const mine = latest[view] = (latest[view] || 0) + 1;
  return () => latest[view] === mine;
}

async function centreOn(word) {
  word = word.trim();
  if (!word || !state.model) return;
  const current = ticket('search');
  const currentMap = ticket('map');
  state.word = word;
  $('search').value = word;
  showError(null);
  const k = $('k').value || '15';
  try {
    const [neighbours, projection] = await Promise.all([
      api(modelPath('neighbors'), {word, k}),
      api(modelPath('projection'), {word, k, dims: state.dims}),
    ]);
    if (!current()) return;
    $('word-info').textContent = neighbours.source === 'from_subwords'
        ? `“${word}” is not in the vocabulary: its vector is made of its subwords.` : '';
    fill($('neighbors'), neighbours.neighbors.map((n) => wordItem(n.word, n.score)));
    if (currentMap()) showMap(projection, `“${word}” and its neighbours`);
    if (state.modelB) await compareWord(word, k);
  } catch (error) {
    showError(error);
  }
}

async function showTopWords() {
  if (!state.model) return;
  showError(null);
  const current = ticket('map');
  try {
    const top = $('top-n').value || '300';
    const answer = await api(modelPath('projection'), {top, dims: state.dims});
    if (current()) showMap(answer, 'the most frequent words');
  } catch (error) {
    showError(error);
  }
}

async function compareWord(word, k) {
  const current = ticket('compare');
  const answer = await api('/api/compare', {a: state.model, b: state.modelB, word, k});
  if (!current()) return;
  const shared = new Set(answer.shared);
  $('compare-a-name').textContent = answer.a.model;
  $('compare-b-name').textContent = answer.b.model;
  fill($('compare-a'), answer.a.neighbors.map((n) => wordItem(n.word, n.score, shared.has(n.word))));
  fill($('compare-b'), answer.b.neighbors.map((n) => wordItem(n.word, n.score, shared.has(n.word))));
  let info = `${answer.shared.length} of ${answer.k} neighbours shared (bold).`;
  if (answer.cosine_between_models !== undefined) {
    info += ` Cosine between its two vectors: ${answer.cosine_between_models.toFixed(3)} ` +
        '(meaningful when one model was fine-tuned from the other).';
  }
  $('compare-info').textContent = info;
}

async function showMoved() {
  showError(null);
  $('moved-go').disabled = true;
  const current = ticket('moved');
  try {
    const answer = await api('/api/compare', {a: state.model, b: state.modelB, top: 1000, k: 10, limit: 25});
    if (!current()) return;
    fill($('moved'), answer.moved.map((m) => {
      const li = wordItem(m.word);
      li.append(` ${(100 * m.overlap).toFixed(0)}% of neighbours kept`);
      li.title = `${answer.a}: ${m.a.slice(0, 5).join(', ')}\n${answer.b}: ${m.b.slice(0, 5).join(', ')}`;
      return li;
    }));
    $('compare-info').textContent =
        `Over the ${answer.compared} most frequent words, ${(100 * answer.mean_overlap).toFixed(0)}% ` +
        `of the ${answer.k} nearest neighbours (among each model's first ${answer.scope} words) are the ` +
        'same in both models.';
  } catch (error) {
    showError(error);
  } finally {
    $('moved-go').disabled = false;
  }
}

async function solveAnalogy(event) {
  event.preventDefault();
  showError(null);
  const a = $('analogy-a').value.trim(), b = $('analogy-b').value.trim(), c = $('analogy-c').value.trim();
  if (!a || !b || !c) {
    showError('An analogy needs three words.');
    return;
  }
  const current = ticket('analogy');
  try {
    const answer = await api(modelPath('analogy'), {a, b, c, k: 10, method: $('analogy-method').value});
    if (!current()) return;
    fill($('analogy-results'), answer.answers.map((n) => wordItem(n.word, n.score)));
  } catch (error) {
    showError(error);
  }
}

async function predict(event) {
  event.preventDefault();
  showError(null);
  const current = ticket('predict');
  try {
    const name = $('classifier').value;
    const answer = await api('/api/classifiers/' + encodeURIComponent(name) + '/predict',
                             {text: $('classify-text').value || ' ', k: 5});
    if (!current()) return;
    fill($('predictions'), answer.labels.map((l) => labelItem(l.label, l.probability)));
  } catch (error) {
    showError(error);
  }
}

function labelItem(label, probability) {
  const li = document.createElement('li');
  li.textContent = `${label} `;
  li.append(...scoreBar(probability));
  return li;
}

let completionTimer = 0;
function complete() {
  clearTimeout(completionTimer);
  const prefix = $('search').value.trim();
  if (!prefix || !state.model) return;
  completionTimer = setTimeout(async () => {
    const current = ticket('complete');
    try {
      const answer = await api(modelPath('prefix'), {q: prefix, limit: 12});
      if (!current()) return;
      fill($('completions'), answer.words.map((w) => {
        const option = document.createElement('option');
        option.value = w;
        return option;
      }));
    } catch (error) {
      // Completion is a convenience: an error here is not worth a message.
    }
  }, 120);
}

function setDims(dims) {
  state.dims = dims;
  $('dims-2').classList.toggle('on', dims === 2);
  $('dims-3').classList.toggle('on', dims === 3);
  if (state.word) centreOn(state.word); else showTopWords();
}

async function start() {
  setupMapControls();
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); centreOn($('search').value); });
  $('search').addEventListener('input', complete);
  $('analogy-form').addEventListener('submit', solveAnalogy);
  $('classify-form').addEventListener('submit', predict);
  $('map-top').addEventListener('click', () => { state.word = ''; showTopWords(); });
  $('map-reset').addEventListener('click', () => { fit(); draw(); });
  $('dims-2').addEventListener('click', () => setDims(2));
  $('dims-3').addEventListener('click', () => setDims(3));
  $('moved-go').addEventListener('click', showMoved);
  $('model').addEventListener('change', () => {
    state.model = $('model').value;
    if (state.word) centreOn(state.word); else showTopWords();
  });
  $('model-b').addEventListener('change', () => {
    state.modelB = $('model-b').value;
    $('compare-panel').hidden = !state.modelB;
    if (state.modelB && state.word) compareWord(state.word, $('k').value || '15').catch(showError);
  });
  try {
    const [{models}, {classifiers}] = await Promise.all([api('/api/models'), api('/api/classifiers')]);
    for (const select of [$('model'), $('model-b')]) {
      for (const m of models) {
        const option = document.createElement('option');
        option.value = m.name;
        option.textContent = `${m.name} (${m.words.toLocaleString()} × ${m.dim})`;
        select.appendChild(option);
      }
    }
    $('model-b').disabled = models.length < 2;
    for (const c of classifiers) {
      const option = document.createElement('option');
      option.value = option.textContent = c.name;
      $('classifier').appendChild(option);
    }
    $('classify-panel').hidden = classifiers.length === 0;
    if (models.length === 0) {
      showError('No vector models are served.');
      return;
    }
    state.model = models[0].name;
    const asked = new URLSearchParams(location.search).get('word');
    if (asked) await centreOn(asked); else await showTopWords();
  } catch (error) {
    showError(error);
  }
}

start();
